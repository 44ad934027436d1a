import type { Database } from "bun:sqlite";

/**
 * Runs one synchronous write (an autocommit statement or a whole transaction) with `synchronous = NORMAL`:
 * its COMMIT appends to the WAL without an fsync, so it holds the event loop for its own work only.
 *
 * Only for writes that may be lost on a power cut without harm — deletions that the next pass repeats
 * (expired Idempotency-Keys, webhook history past retention) and freeing pages. It stays correct in WAL mode:
 * the next fsync of the WAL (a `synchronous = FULL` commit, or the group commit's with DB_ASYNC_FSYNC) covers every
 * frame written before, so
 * nothing acknowledged to a client ever depends on this write being durable, and no later durable write
 * can be lost because of it. Not for deletions followed by removing files.
 */
export function withoutFsync<T>(sqlite: Database, write: () => T): T {
  const previous = (sqlite.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
  if (previous <= 1) return write();
  sqlite.exec("PRAGMA synchronous = NORMAL;");
  try {
    return write();
  } finally {
    sqlite.exec(`PRAGMA synchronous = ${previous};`);
  }
}
