import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db, Tx } from "../db/client";
import type { CommitQueue } from "../db/commit-queue";
import { withoutFsync } from "../db/relaxed-commit";
import { idempotencyKeys } from "../db/schema";
import { AppError } from "../errors";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Expired keys deleted per write by prune(). */
const PRUNE_BATCH = 500;

export type StoredResponse = { statusCode: number; responseBody: string };

/**
 * What a send does for its Idempotency-Key. The message service calls it; the HTTP layer builds it with
 * the renderer of the route's answer, so the stored answer is byte for byte the one the client got.
 */
export type SendCompletion<R> = {
  /** A message was accepted by WhatsApp, or may have been (a timeout): repeating would send it twice. */
  messageLeft(): void;
  /** Inside the transaction that stores the send's last message: stores the whole answer with it. */
  complete(tx: Tx, result: R): void;
};

/**
 * Idempotency keys, made durable around the send: `reserve` commits an `in_progress` row before WhatsApp
 * is asked; the send's last transaction completes it with the answer. A row found `in_progress` that
 * belongs to another process means that process died mid-send: nobody knows whether the customer got the
 * message, so the request is refused rather than sent again.
 */
export function createIdempotencyStore(db: Db, commits: CommitQueue, clock: () => number = Date.now) {
  // This process. Rows it reserved and still holds are in flight here; any other owner is gone.
  const owner = randomUUID();
  const where = (principal: number, key: string) =>
    and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key));
  const mine = (principal: number, key: string) =>
    and(where(principal, key), eq(idempotencyKeys.state, "in_progress"), eq(idempotencyKeys.owner, owner));
  const pruneBatch = db.$client.query<unknown, [number, number]>(
    `DELETE FROM idempotency_keys WHERE rowid IN (
       SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
  );

  return {
    /**
     * Reserves the key for a request, or returns the stored answer of the earlier one. Committed (fsync)
     * before it resolves. Throws 409 for another request under the key, one still running, or one whose
     * outcome is unknown.
     */
    async reserve(principal: number, key: string, requestHash: string): Promise<StoredResponse | null> {
      return commits.run((tx) => {
        const row = tx.select().from(idempotencyKeys).where(where(principal, key)).get();
        const live = row && clock() - row.createdAt.getTime() <= IDEMPOTENCY_TTL_MS;
        if (row && live) {
          if (row.requestHash !== requestHash) {
            throw new AppError(
              "ERR_IDEMPOTENCY_KEY_REUSED",
              "This Idempotency-Key was already used with a different request",
            );
          }
          if (row.state === "completed" && row.statusCode !== null && row.responseBody !== null) {
            return { statusCode: row.statusCode, responseBody: row.responseBody };
          }
          if (row.state === "in_progress" && row.owner === owner) {
            throw new AppError(
              "ERR_IDEMPOTENCY_KEY_REUSED",
              "A request with this Idempotency-Key is still in progress",
            );
          }
          throw new AppError(
            "ERR_IDEMPOTENCY_OUTCOME_UNKNOWN",
            "An earlier request with this Idempotency-Key was interrupted while sending (server restart or no answer from WhatsApp); it may or may not have reached the customer. Please check the ticket's messages before sending again, with a new key.",
          );
        }
        const reservation = {
          requestHash,
          state: "in_progress" as const,
          owner,
          statusCode: null,
          responseBody: null,
          createdAt: new Date(clock()),
        };
        tx.insert(idempotencyKeys)
          .values({ principal, key, ...reservation })
          .onConflictDoUpdate({ target: [idempotencyKeys.principal, idempotencyKeys.key], set: reservation })
          .run();
        return null;
      });
    },

    /** Stores the answer, inside the caller's transaction (the one storing the send's last message). */
    complete(tx: Tx, principal: number, key: string, r: StoredResponse): void {
      tx.update(idempotencyKeys)
        .set({ state: "completed", owner: null, ...r })
        .where(mine(principal, key))
        .run();
    },

    /** Completes a key in a transaction of its own: for a success that did not complete it in its send. */
    async completeAfter(principal: number, key: string, r: StoredResponse): Promise<void> {
      await commits.run((tx) =>
        tx
          .update(idempotencyKeys)
          .set({ state: "completed", owner: null, ...r })
          .where(mine(principal, key))
          .run(),
      );
    },

    /** Frees a key whose request failed before anything was sent, so the client can retry with it. */
    async release(principal: number, key: string): Promise<void> {
      await commits.run((tx) => tx.delete(idempotencyKeys).where(mine(principal, key)).run());
    },

    /** A request failed after a message left: later requests with the key get 409 outcome unknown. */
    async abandon(principal: number, key: string): Promise<void> {
      await commits.run((tx) =>
        tx
          .update(idempotencyKeys)
          .set({ state: "outcome_unknown", owner: null })
          .where(mine(principal, key))
          .run(),
      );
    },

    /**
     * Rows older than the TTL, in any state, are dropped; the key can then be used again. A busy server
     * expires as many keys a minute as it took sends a minute a day ago, so they go in batches from the
     * created_at index, each its own short write, with the event loop free in between.
     */
    async prune(): Promise<number> {
      const cutoff = clock() - IDEMPOTENCY_TTL_MS;
      let total = 0;
      for (;;) {
        // An expired key whose deletion a power cut undoes is deleted again by the next pass.
        const changes = withoutFsync(db.$client, () => pruneBatch.run(cutoff, PRUNE_BATCH).changes);
        total += changes;
        if (changes < PRUNE_BATCH) return total;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
