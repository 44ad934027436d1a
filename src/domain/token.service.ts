import { randomBytes, timingSafeEqual } from "node:crypto";
import { asc, eq, gt, isNull } from "drizzle-orm";
import type { apiTokens } from "../db/schema";
import type { Store } from "../db/store";
import { AppError } from "../errors";
import type { TokenPrincipal } from "./account.service";
import { type KeyPage, takePage } from "./paging";
import { createVersionMemo } from "./version-memo";

export type TokenScope = "admin" | "api";
export type ApiToken = typeof apiTokens.$inferSelect;

/** SHA-256 of the token (Bun's one-shot hash: a third of node:crypto's createHash, on every request). */
const hash = (token: string): Buffer => Bun.SHA256.hash(token, Buffer.allocUnsafe(32)) as Buffer;
/** Prefix + 32 random bytes in base64url: identifiable by secret scanners, 256 bits of entropy. */
const newToken = () => `chq_${randomBytes(32).toString("base64url")}`;

/** lastUsedAt is written at most this often per token, so auth does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function createTokenService(
  store: Store,
  envToken: string | undefined,
  clock: () => number = Date.now,
  /** Moves when any token changes (see version-memo.ts); absent: every request reads its token. */
  principalsVersion?: () => number | undefined,
) {
  const { apiTokens: tokens } = store.t;
  const envHash = envToken ? hash(envToken) : null;
  const lastWritten = new Map<number, number>();
  const known = createVersionMemo<TokenPrincipal>(principalsVersion);

  return {
    async create(name: string, scope: TokenScope): Promise<{ token: string; record: ApiToken }> {
      const token = newToken();
      const [record] = await store.write((q) =>
        q
          .insert(tokens)
          .values({
            name,
            scope,
            tokenHash: hash(token).toString("hex"),
            hint: token.slice(-4),
            createdAt: new Date(clock()),
          })
          .returning(),
      );
      return { token, record: record! };
    },
    list: (): Promise<ApiToken[]> => store.read((q) => q.select().from(tokens).orderBy(asc(tokens.id))),
    /** One page by id, after the cursor's id. */
    async listPage(at: KeyPage<readonly [number]>): Promise<{ rows: ApiToken[]; hasMore: boolean }> {
      const rows = await store.read((q) =>
        q
          .select()
          .from(tokens)
          .where(at.after ? gt(tokens.id, at.after[0]) : undefined)
          .orderBy(asc(tokens.id))
          .limit(at.limit + 1),
      );
      return takePage(rows, at.limit);
    },
    revoke(id: number): Promise<ApiToken> {
      return store.write(async (q) => {
        const [row] = await q.select().from(tokens).where(eq(tokens.id, id));
        if (!row) throw new AppError("ERR_TOKEN_NOT_FOUND", "Token not found");
        if (row.revokedAt) return row;
        const [revoked] = await q
          .update(tokens)
          .set({ revokedAt: new Date(clock()) })
          .where(eq(tokens.id, id))
          .returning();
        return revoked!;
      });
    },
    async hasAnyActive(): Promise<boolean> {
      const rows = await store.read((q) =>
        q.select({ id: tokens.id }).from(tokens).where(isNull(tokens.revokedAt)).limit(1),
      );
      return rows.length > 0;
    },
    /** Resolves a bearer token to its principal, or null. The lookup is by hash; the compare is timing-safe. */
    async authenticate(token: string): Promise<TokenPrincipal | null> {
      const h = hash(token);
      if (envHash && timingSafeEqual(h, envHash))
        return { kind: "token", tokenId: 0, name: "API_TOKEN", scope: "admin" };
      const hex = h.toString("hex");
      // Known and unchanged (not revoked, renamed, rescoped or deleted since), its last-used stamp not due.
      const kept = known.get(hex);
      if (kept && clock() - (lastWritten.get(kept.tokenId) ?? 0) <= LAST_USED_RESOLUTION_MS) return kept;
      const at = known.version();
      const [row] = await store.read((q) => q.select().from(tokens).where(eq(tokens.tokenHash, hex)));
      if (!row || row.revokedAt) return null;
      if (!timingSafeEqual(Buffer.from(row.tokenHash, "hex"), h)) return null;
      const now = clock();
      if (now - (lastWritten.get(row.id) ?? 0) > LAST_USED_RESOLUTION_MS) {
        lastWritten.set(row.id, now);
        await store.write((q) =>
          q
            .update(tokens)
            .set({ lastUsedAt: new Date(now) })
            .where(eq(tokens.id, row.id)),
        );
      }
      const principal: TokenPrincipal = Object.freeze({
        kind: "token",
        tokenId: row.id,
        name: row.name,
        scope: row.scope,
      });
      known.set(hex, at, principal);
      return principal;
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
