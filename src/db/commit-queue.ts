import type { Tx, TxBody } from "./client";
import type { SqliteStore } from "./store";

/** Told of every stored batch (metrics): its size and how long its COMMIT, the fsync, took. */
export type CommitObserver = (batch: { jobs: number; commitMs: number }) => void;

/**
 * Group commit for synchronous bodies: the SQLite store's writer queue (src/db/store/sqlite-store.ts), seen by
 * code not converted to the async store yet. Writers that arrive in the same turn of the event loop share one
 * transaction, and so one fsync, instead of paying one each; every caller still gets its answer only after its
 * write is durable. Each job runs in its own savepoint, so a job that throws rolls back alone. The body gets the
 * writer connection itself: between BEGIN and COMMIT every statement on it is part of the transaction. Jobs
 * are synchronous (no await inside), like every transaction here; they share one FIFO with `store.write`.
 */
export function createCommitQueue(store: SqliteStore) {
  return {
    run<T>(fn: TxBody<T>): Promise<T> {
      return store.write(async (q) => fn(q as unknown as Tx));
    },
  };
}

export type CommitQueue = ReturnType<typeof createCommitQueue>;
