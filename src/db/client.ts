import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import * as schema from "./schema";
import { cacheStatements } from "./statement-cache";

type DrizzleDb = BunSQLiteDatabase<typeof schema>;
/** The handle passed to a synchronous transaction callback. */
export type Tx = Parameters<Parameters<DrizzleDb["transaction"]>[0]>[0];

/**
 * A transaction body returns its result, never a promise: drizzle on bun:sqlite commits when the callback
 * returns, so an `await` inside would commit half the work and run the rest outside the transaction. The
 * type makes an async callback a compile error, for `db.transaction` and the commit queue alike.
 */
export type NotPromise<T> = T extends PromiseLike<unknown> ? never : T;
export type TxBody<T> = (tx: Tx) => NotPromise<T>;

export type Db = Omit<DrizzleDb, "transaction"> & {
  $client: Database;
  transaction<T>(body: TxBody<T>, config?: Parameters<DrizzleDb["transaction"]>[1]): T;
};
/** Either the database or an open transaction: services accept both so they compose inside one commit. */
export type DbOrTx = Db | Tx;

/** SQLITE_BUSY (or one of its extended codes): another connection holds the lock. */
export const isSqliteBusy = (err: unknown) => ((err as { errno?: number }).errno ?? 0) % 256 === 5;

/** After a checkpoint resets the WAL, SQLite truncates the file to this size instead of keeping its largest. */
export const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export type DatabaseOptions = {
  /**
   * Read the first this many bytes of the file through a memory map (`PRAGMA mmap_size`, 0 = off): pages are
   * read from the OS page cache without a copy and a system call each. An I/O error on a mapped page stops
   * the process (SIGBUS) instead of failing one statement: see SQLITE_MMAP_MB in docs/PERFORMANCE.md.
   */
  mmapBytes?: number;
  /** SQLite's own page cache, bytes (`PRAGMA cache_size`; default 16 MB). */
  cacheBytes?: number;
};

/** The page cache and memory map of a connection (SQLITE_CACHE_MB, SQLITE_MMAP_MB): the server's, a read thread's. */
export function applyReadPragmas(sqlite: Database, opts: DatabaseOptions): void {
  // Negative: KiB.
  sqlite.exec(`PRAGMA cache_size = -${Math.round((opts.cacheBytes ?? 16_000 * 1024) / 1024)};`);
  if (opts.mmapBytes) sqlite.exec(`PRAGMA mmap_size = ${Math.floor(opts.mmapBytes)};`);
}

/** Opens the SQLite file (or `:memory:`) with the pragmas the outbox relies on. */
export function openDatabase(path: string, opts: DatabaseOptions = {}): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { create: true, strict: true });
  // First: the pragmas below take locks, and another connection (the webhook dispatcher thread, the CLI, a
  // backup) may hold one for a moment.
  sqlite.exec("PRAGMA busy_timeout = 5000;");
  // Only takes effect before the first table exists: a new database frees pages back to the disk with
  // `PRAGMA incremental_vacuum` (the retention job runs it). An older database keeps its mode (none) until
  // a VACUUM, which then also switches it.
  sqlite.exec("PRAGMA auto_vacuum = INCREMENTAL;");
  sqlite.exec("PRAGMA journal_mode = WAL;");
  sqlite.exec(`PRAGMA journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES};`);
  // FULL: a 2xx promises the event is stored; survive power loss, not only process crashes.
  sqlite.exec("PRAGMA synchronous = FULL;");
  sqlite.exec("PRAGMA foreign_keys = ON;");
  sqlite.exec("PRAGMA temp_store = MEMORY;");
  applyReadPragmas(sqlite, opts);
  cacheStatements(sqlite);
  const db = drizzle({ client: sqlite, schema }) as unknown as DrizzleDb;
  // Every transaction takes the write lock at BEGIN (IMMEDIATE), waiting up to busy_timeout for it. The
  // webhook dispatcher thread writes through its own connection: a DEFERRED transaction that read before
  // writing would get SQLITE_BUSY at once (its snapshot is stale, no busy wait applies) if the other
  // connection committed in between.
  const transaction = db.transaction.bind(db);
  (db as { transaction: DrizzleDb["transaction"] }).transaction = (body, config) =>
    transaction(body, { behavior: "immediate", ...config });
  return db as unknown as Db;
}

/**
 * Runs `fn` in one read transaction, or in the one already open: a deferred BEGIN that only reads takes one
 * WAL read lock for all the statements of an answer instead of taking and releasing one each (which costs
 * more than the reads of a page), and they all read the same snapshot.
 */
export function readTransaction<T>(db: Db, fn: () => T): T {
  const sqlite = db.$client;
  if (sqlite.inTransaction) return fn();
  sqlite.query("BEGIN").run();
  try {
    return fn();
  } finally {
    sqlite.query("COMMIT").run();
  }
}
