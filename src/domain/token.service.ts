import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { asc, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { apiTokens } from "../db/schema";
import { AppError } from "../errors";
import type { TokenPrincipal } from "./account.service";
import { type KeyPage, takePage } from "./paging";

export type TokenScope = "admin" | "api";
export type ApiToken = typeof apiTokens.$inferSelect;

const hash = (token: string) => createHash("sha256").update(token).digest();
/** Prefix + 32 random bytes in base64url: identifiable by secret scanners, 256 bits of entropy. */
const newToken = () => `chq_${randomBytes(32).toString("base64url")}`;

/** lastUsedAt is written at most this often per token, so auth does not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function createTokenService(db: Db, envToken: string | undefined, clock: () => number = Date.now) {
  const envHash = envToken ? hash(envToken) : null;
  const lastWritten = new Map<number, number>();

  return {
    create(name: string, scope: TokenScope): { token: string; record: ApiToken } {
      const token = newToken();
      const record = db
        .insert(apiTokens)
        .values({
          name,
          scope,
          tokenHash: hash(token).toString("hex"),
          hint: token.slice(-4),
          createdAt: new Date(clock()),
        })
        .returning()
        .get();
      return { token, record };
    },
    list: (): ApiToken[] => db.select().from(apiTokens).orderBy(asc(apiTokens.id)).all(),
    /** One page by id, after the cursor's id. */
    listPage(at: KeyPage<readonly [number]>): { rows: ApiToken[]; hasMore: boolean } {
      const rows = db
        .select()
        .from(apiTokens)
        .where(at.after ? gt(apiTokens.id, at.after[0]) : undefined)
        .orderBy(asc(apiTokens.id))
        .limit(at.limit + 1)
        .all();
      return takePage(rows, at.limit);
    },
    revoke(id: number): ApiToken {
      const row = db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
      if (!row) throw new AppError("ERR_TOKEN_NOT_FOUND", "Token not found");
      if (row.revokedAt) return row;
      return db
        .update(apiTokens)
        .set({ revokedAt: new Date(clock()) })
        .where(eq(apiTokens.id, id))
        .returning()
        .get()!;
    },
    hasAnyActive(): boolean {
      return (
        db.select({ id: apiTokens.id }).from(apiTokens).where(isNull(apiTokens.revokedAt)).limit(1).get() !==
        undefined
      );
    },
    /** Resolves a bearer token to its principal, or null. The lookup is by hash; the compare is timing-safe. */
    authenticate(token: string): TokenPrincipal | null {
      const h = hash(token);
      if (envHash && timingSafeEqual(h, envHash))
        return { kind: "token", tokenId: 0, name: "API_TOKEN", scope: "admin" };
      const hex = h.toString("hex");
      const row = db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hex)).get();
      if (!row || row.revokedAt) return null;
      if (!timingSafeEqual(Buffer.from(row.tokenHash, "hex"), h)) return null;
      const now = clock();
      if (now - (lastWritten.get(row.id) ?? 0) > LAST_USED_RESOLUTION_MS) {
        lastWritten.set(row.id, now);
        db.update(apiTokens)
          .set({ lastUsedAt: new Date(now) })
          .where(eq(apiTokens.id, row.id))
          .run();
      }
      return { kind: "token", tokenId: row.id, name: row.name, scope: row.scope };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
