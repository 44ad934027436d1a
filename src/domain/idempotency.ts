import { and, eq, lt } from "drizzle-orm";
import type { Db } from "../db/client";
import { idempotencyKeys } from "../db/schema";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type StoredResponse = { requestHash: string; statusCode: number; responseBody: string };

export function createIdempotencyStore(db: Db, clock: () => number = Date.now) {
  return {
    find(principal: number, key: string): StoredResponse | undefined {
      const row = db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key)))
        .get();
      if (!row || clock() - row.createdAt.getTime() > IDEMPOTENCY_TTL_MS) return undefined;
      return row;
    },
    save(principal: number, key: string, r: StoredResponse): void {
      db.insert(idempotencyKeys)
        .values({ principal, key, ...r, createdAt: new Date(clock()) })
        .onConflictDoUpdate({
          target: [idempotencyKeys.principal, idempotencyKeys.key],
          set: { ...r, createdAt: new Date(clock()) },
        })
        .run();
    },
    prune(): number {
      return (
        db
          .delete(idempotencyKeys)
          .where(lt(idempotencyKeys.createdAt, new Date(clock() - IDEMPOTENCY_TTL_MS)))
          .run() as unknown as { changes: number }
      ).changes;
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
