// The dialect seam of issue 15 (docs/CLUSTER.md §3): the domain runs its statements through a Store, which
// is SQLite (the default, embedded) or PostgreSQL (shared by several nodes). Services see ONE query API:
// drizzle's builders, always awaited, over the table objects the store hands them (`store.t`).
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type * as schema from "../schema";

/**
 * The table objects of the store's dialect. Typed as the SQLite ones: on PostgreSQL they are the pgTable
 * twins of `src/db/pg/schema.ts`, same SQL names and the same TypeScript types (tests/db/pg-schema.test.ts
 * checks the parity), so a query written once reads and writes the same values on both stores.
 */
export type Tables = typeof schema;

/**
 * What a `read` or `write` body queries with: drizzle's builders, typed as SQLite in its async mode. Rules,
 * so that the same body runs on both stores:
 * - `await` the builder itself; never `.get()`, `.all()`, `.run()` or `.values()` (bun:sqlite only; a
 *   PostgreSQL builder has none of them, and this type still shows them on a builder: the dual-store tests
 *   catch them). One row: `const [row] = await q.select()…`.
 * - A write whose result matters (the row, how many rows) says so with `.returning(…)`; the bare result of an
 *   insert/update/delete differs per driver.
 * - SQL text of one dialect (`sql\`…\``) only where both dialects accept it (row values, `substr`, `length`,
 *   `lower`); anything else is a named function per dialect (src/db/sql/), never inline in a service.
 */
export type Query = Omit<
  BaseSQLiteDatabase<"async", unknown, Tables>,
  "transaction" | "batch" | "run" | "all" | "get" | "values"
>;

export type Dialect = "sqlite" | "postgres";

export type ReadOptions = {
  /**
   * For a body that only runs its own statements on `q` (no other read, no write, nothing else awaited): on SQLite
   * its statements run in one read transaction, so they see one committed state and take the WAL's read lock once
   * (two `fcntl` calls) instead of once per statement. Another read that starts before the body ends ends that
   * transaction first, so no read ever sees a state older than its own start; the body's later statements then
   * each see the latest commit, as without the option. PostgreSQL: no effect (each statement as before).
   */
  oneSnapshot?: boolean;
};

/** `read(fn, ONE_SNAPSHOT)`: see `ReadOptions.oneSnapshot`. */
export const ONE_SNAPSHOT: ReadOptions = { oneSnapshot: true };

export interface Store {
  readonly dialect: Dialect;
  readonly t: Tables;
  /**
   * Runs `fn` against committed data only: never an open write's rows. No snapshot across statements (each
   * statement sees the latest commit) unless `oneSnapshot` asks for one; a body that needs one consistent view
   * for certain uses `write`.
   */
  read<T>(fn: (q: Query) => Promise<T>, opts?: ReadOptions): Promise<T>;
  /**
   * Runs `fn` in a transaction that commits when it resolves and rolls back when it rejects (the rejection
   * is passed on). The promise settles after the commit: a read issued after it sees the write. A body awaits
   * only its own statements: no network, no timers (on SQLite the writer connection is shared with the rest
   * of the process while the body is open, and the store rejects a body that held it across an event-loop
   * turn).
   */
  write<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  /**
   * Resolves once every message committed before the call is in the full-text index, so a search that awaits it
   * finds every committed message. SQLite indexes new bodies in batches after their commit (migration 0015:
   * indexing each body inside its own write cost a third of the message's write); PostgreSQL's index is
   * updated by the write itself.
   */
  searchIndexed(): Promise<void>;
  /** Finishes the queued writes, then closes what the store opened (not a connection it was given). */
  close(): Promise<void>;
}
