import { randomUUID } from "node:crypto";
import { and, eq, lt } from "drizzle-orm";
import { retentionSql } from "../db/sql/retention";
import type { Query, Store } from "../db/store";
import { AppError } from "../errors";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Expired keys deleted per write by prune(). */
const PRUNE_BATCH = 500;
/**
 * Rounds of reserve's claim. One decides unless another transaction changed the row between its statements
 * (PostgreSQL: a concurrent release, prune or takeover); each round is then decided by a committed row.
 */
const CLAIM_ROUNDS = 4;

export type StoredResponse = { statusCode: number; responseBody: string };

/**
 * What a send does for its Idempotency-Key. The message service calls it; the HTTP layer builds it with
 * the renderer of the route's answer, so the stored answer is byte for byte the one the client got.
 */
export type SendCompletion<R> = {
  /** A message was accepted by WhatsApp, or may have been (a timeout): repeating would send it twice. */
  messageLeft(): void;
  /** Inside the `store.write` that stores the send's last message (its `q`): stores the whole answer with it. */
  complete(q: Query, result: R): Promise<void>;
};

/**
 * Idempotency keys, made durable around the send: `reserve` commits an `in_progress` row before WhatsApp
 * is asked; the send's last transaction completes it with the answer. A row found `in_progress` that
 * belongs to another process means that process died mid-send: nobody knows whether the customer got the
 * message, so the request is refused rather than sent again.
 *
 * On the Store (docs/CLUSTER.md §3): the claim is one `store.write` whose first statement is an
 * `insert … on conflict do nothing returning`, so two requests racing with one key cannot both win, on
 * SQLite (one writer) as on PostgreSQL (the loser's insert waits for the winner's commit, then finds its row).
 */
export type IdempotencyOwners = {
  /**
   * Who this process is in the `owner` column (default: a UUID of its own, new at every start); a function when it is
   * known only once the process has registered (a cluster node's start).
   */
  self?: string | (() => string);
  /**
   * Whether another owner is a live process (a node of the cluster whose heartbeat is fresh): its key is then still
   * being sent — "in progress", the same answer as for one of our own — rather than abandoned by a crash. Default:
   * none is (one process).
   */
  isLive?: (owner: string) => Promise<boolean>;
};

export function createIdempotencyStore(
  store: Store,
  clock: () => number = Date.now,
  owners: IdempotencyOwners = {},
) {
  // This process. Rows it reserved and still holds are in flight here; another owner's are in flight on a live node
  // (isLive), else abandoned by a crash or restart.
  const fallback = randomUUID();
  const self = owners.self;
  const ownerNow = typeof self === "function" ? self : () => self ?? fallback;
  const isLive = owners.isLive ?? (async () => false);
  const { idempotencyKeys } = store.t;
  const pruneBatch = retentionSql[store.dialect].pruneIdempotencyKeys;
  const where = (principal: number, key: string) =>
    and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key));
  const mine = (principal: number, key: string) =>
    and(
      where(principal, key),
      eq(idempotencyKeys.state, "in_progress"),
      eq(idempotencyKeys.owner, ownerNow()),
    );

  /** The answer to a request whose key holds a live row: the stored response, or the 409 it gets. */
  async function decide(
    row: typeof idempotencyKeys.$inferSelect,
    requestHash: string,
  ): Promise<StoredResponse> {
    if (row.requestHash !== requestHash) {
      throw new AppError(
        "ERR_IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was already used with a different request",
      );
    }
    if (row.state === "completed" && row.statusCode !== null && row.responseBody !== null) {
      return { statusCode: row.statusCode, responseBody: row.responseBody };
    }
    if (
      row.state === "in_progress" &&
      row.owner !== null &&
      (row.owner === ownerNow() || (await isLive(row.owner)))
    )
      throw stillRunning();
    throw new AppError(
      "ERR_IDEMPOTENCY_OUTCOME_UNKNOWN",
      "An earlier request with this Idempotency-Key was interrupted while sending (server restart or no answer from WhatsApp); it may or may not have reached the customer. Please check the ticket's messages before sending again, with a new key.",
    );
  }

  /** One round of the claim: the reservation, a stored answer (or a 409 thrown), or null to go again. */
  async function claim(
    q: Query,
    principal: number,
    key: string,
    requestHash: string,
  ): Promise<"reserved" | StoredResponse | null> {
    const now = clock();
    const reservation = {
      requestHash,
      state: "in_progress" as const,
      owner: ownerNow(),
      statusCode: null,
      responseBody: null,
      createdAt: new Date(now),
    };
    const [inserted] = await q
      .insert(idempotencyKeys)
      .values({ principal, key, ...reservation })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted) return "reserved";
    const [row] = await q.select().from(idempotencyKeys).where(where(principal, key));
    // Released or pruned since the insert saw it: claim again.
    if (!row) return null;
    if (now - row.createdAt.getTime() <= IDEMPOTENCY_TTL_MS) return decide(row, requestHash);
    // Expired: the key may be used again. Taken over only while still expired, so of two requests reviving
    // it one wins and the other (next round) finds the winner's live row.
    const [taken] = await q
      .update(idempotencyKeys)
      .set(reservation)
      .where(and(where(principal, key), lt(idempotencyKeys.createdAt, new Date(now - IDEMPOTENCY_TTL_MS))))
      .returning({ key: idempotencyKeys.key });
    return taken ? "reserved" : null;
  }

  return {
    /**
     * Reserves the key for a request, or returns the stored answer of the earlier one. Committed (fsync)
     * before it resolves. Throws 409 for another request under the key, one still running, or one whose
     * outcome is unknown.
     */
    async reserve(principal: number, key: string, requestHash: string): Promise<StoredResponse | null> {
      return store.write(async (q) => {
        for (let round = 0; round < CLAIM_ROUNDS; round++) {
          const outcome = await claim(q, principal, key, requestHash);
          if (outcome === "reserved") return null;
          if (outcome) return outcome;
        }
        // The key kept changing hands under us: another request is working with it.
        throw stillRunning();
      });
    },

    /**
     * Stores the answer, inside the caller's `store.write` (the one storing the send's last message), on its `q`.
     */
    async completeIn(q: Query, principal: number, key: string, r: StoredResponse): Promise<void> {
      await q
        .update(idempotencyKeys)
        .set({ state: "completed", owner: null, ...r })
        .where(mine(principal, key));
    },

    /** Completes a key in a transaction of its own: for a success that did not complete it in its send. */
    async completeAfter(principal: number, key: string, r: StoredResponse): Promise<void> {
      await store.write(async (q) => {
        await q
          .update(idempotencyKeys)
          .set({ state: "completed", owner: null, ...r })
          .where(mine(principal, key));
      });
    },

    /** Frees a key whose request failed before anything was sent, so the client can retry with it. */
    async release(principal: number, key: string): Promise<void> {
      await store.write(async (q) => {
        await q.delete(idempotencyKeys).where(mine(principal, key));
      });
    },

    /** A request failed after a message left: later requests with the key get 409 outcome unknown. */
    async abandon(principal: number, key: string): Promise<void> {
      await store.write(async (q) => {
        await q
          .update(idempotencyKeys)
          .set({ state: "outcome_unknown", owner: null })
          .where(mine(principal, key));
      });
    },

    /**
     * Rows older than the TTL, in any state, are dropped; the key can then be used again. A busy server
     * expires as many keys a minute as it took sends a minute a day ago, so they go in batches from the
     * created_at index, each its own short write (requests queued meanwhile run between two batches).
     * An expired key whose deletion a crash undoes is deleted again by the next pass.
     */
    async prune(): Promise<number> {
      const cutoff = clock() - IDEMPOTENCY_TTL_MS;
      let total = 0;
      for (;;) {
        const changes = await store.write((q) => pruneBatch(q, cutoff, PRUNE_BATCH));
        total += changes;
        if (changes < PRUNE_BATCH) return total;
      }
    },
  };
}

const stillRunning = () =>
  new AppError("ERR_IDEMPOTENCY_KEY_REUSED", "A request with this Idempotency-Key is still in progress");

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
