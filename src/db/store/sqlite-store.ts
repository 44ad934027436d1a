// The SQLite store: one writer, a FIFO of write jobs with group commit, and reads on a second, read-only
// connection. See docs/CLUSTER.md §3(a) for why and for the rules a body follows.
import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { applyReadPragmas, type DatabaseOptions, type Db, isSqliteBusy } from "../client";
import * as schema from "../schema";
import { cacheStatements } from "../statement-cache";
import type { WalSyncer } from "../wal-sync";
import { DurabilityError } from "./errors";
import type { Query, ReadOptions, Store } from "./store";

/** Told of every stored batch (metrics): its size and how long its COMMIT, the fsync, took. */
export type CommitObserver = (batch: { jobs: number; commitMs: number }) => void;

export type SqliteStoreOptions = {
  /**
   * The database file (the reader opens it again, read-only). `:memory:` has no second connection: reads then
   * run on the writer connection, and wait for an open batch to commit first.
   */
  path: string;
  /** Told of every committed batch (the commit-queue metrics). */
  observer?: CommitObserver;
  /**
   * The reader connection's page cache and memory map (SQLITE_CACHE_MB, SQLITE_MMAP_MB, as the writer's): the lists
   * read there. Default: a 16 MB cache, no map.
   */
  readPragmas?: DatabaseOptions;
  /** Jobs one transaction takes at most before it commits (the rest wait for the next). */
  maxBatch?: number;
  /**
   * Time a batch's bodies may take before it stops taking jobs and commits (default 10 ms). A batch runs within one
   * turn of the event loop, so this bounds how long writes keep HTTP requests, timers and the dispatcher's wake-ups
   * waiting: without it a backlog (after a stall) made one long batch, which made the next backlog larger.
   */
  maxBatchMs?: number;
  /** The clock `maxBatchMs` is measured with (tests). */
  now?: () => number;
  /**
   * The commit's fsync off the event loop (DB_ASYNC_FSYNC): a batch COMMITs with `synchronous = NORMAL` (its
   * frames written to the WAL, not synced), the writer takes the next batch at once, and this batch's callers
   * are answered — and its afterCommit callbacks run — once `walSync.sync()` resolved. Without it the COMMIT
   * runs with the connection's own setting (FULL: the fsync inside, on the event loop).
   */
  walSync?: WalSyncer;
  /**
   * The highest event seq committed now, read inside each batch just before its COMMIT (the batch holds the write
   * lock, so it is the highest committed once the COMMIT succeeds): with `walSync`, `durableMark()` moves up to it
   * once that batch's fsync is done. Unset: `durableMark()` stays at its maximum.
   */
  commitMark?: () => number;
  /**
   * Every this many ms, the bodies of new messages waiting for the full-text index (`messages_fts_pending`,
   * migration 0015) are indexed, up to `SEARCH_INDEX_CHUNK` per write job. Unset: only when a search asks
   * (`searchIndexed`). Not on a read-only connection.
   */
  searchIndexMs?: number;
};

/**
 * How long a batch keeps trying for the write lock without waiting in SQLite (the event loop turning in between)
 * before its BEGIN waits in SQLite's busy handler like any other statement (busy_timeout).
 */
export const LOCK_TRY_MS = 100;

/** Bodies one index job takes at most: ~3 ms of the writer at 1M messages (~3 µs each, against ~100 µs one by one). */
export const SEARCH_INDEX_CHUNK = 1000;

/** The SQLite store, plus what only a store sharing the process's writer connection can offer. */
export type SqliteStore = Store & {
  /**
   * Runs `fn` once the transaction open on the writer connection now has ended, with `stored` false when it rolled
   * back or its fsync failed: inside a store batch, once that batch is committed and (with `walSync`) its fsync done;
   * outside one (a synchronous transaction, which has ended by the next microtask), then, after an fsync that began
   * once it ended. The event sink tells its listeners (webhook dispatcher, SSE) through it, so they never look for
   * rows the writer has not committed or that are not on disk yet.
   *
   * `exact` true (inside a store batch): `stored` is about the caller's own job — false when the job's savepoint was
   * rolled back although the batch committed. A body opens no savepoint of its own (none does: nothing inside a job
   * that completed can have been undone), so what it wrote is stored exactly when `stored` says. `exact` false (a
   * synchronous transaction, where a nested savepoint may have been rolled back): `fn` checks its own rows.
   */
  afterCommit(fn: (stored: boolean, exact: boolean) => void): void;
  /**
   * Every event with `seq` up to this is on disk: webhooks and live streams go no further, so none announces a
   * write a power cut could still undo. `Number.MAX_SAFE_INTEGER` without `walSync` (every COMMIT is durable).
   */
  durableMark(): number;
  /** Why the store takes no more writes (an fsync failed: only a restart is safe), or null. */
  failure(): Error | null;
};

/** A write body kept the transaction open across an event-loop turn: it awaited I/O or a timer. */
export class HeldTransactionError extends Error {
  constructor() {
    super(
      "a write body awaited something other than its own statements (I/O or a timer): its transaction stayed open while other code ran on the connection, so the batch was rolled back",
    );
    this.name = "HeldTransactionError";
  }
}

type Job = {
  fn: (q: Query) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
};

/**
 * `db` is the process's writer connection, the one synchronous code (services not converted yet, the commit
 * queue) uses too: one writer connection, so the store and that code never wait on each other's lock with
 * the event loop blocked. They cannot interleave either: a batch runs BEGIN … COMMIT within one turn of the
 * event loop (a body awaits only bun:sqlite statements, which resolve in microtasks), and synchronous code runs
 * in turns of its own.
 */
export function createSqliteStore(db: Db, opts: SqliteStoreOptions): SqliteStore {
  const maxBatch = opts.maxBatch ?? 1000;
  const maxBatchMs = opts.maxBatchMs ?? 10;
  const now = opts.now ?? (() => performance.now());
  const writer = db as unknown as Query;
  const sqlite = db.$client;
  const stmt = {
    begin: sqlite.query("BEGIN IMMEDIATE"),
    commit: sqlite.query("COMMIT"),
    rollback: sqlite.query("ROLLBACK"),
    savepoint: sqlite.query("SAVEPOINT store_job"),
    release: sqlite.query("RELEASE store_job"),
    rollbackTo: sqlite.query("ROLLBACK TO store_job"),
  };

  let readerClient: Database | undefined;
  let reader: Query | undefined;
  if (opts.path !== ":memory:") {
    // WAL: a read-only connection reads the last commit and never an open transaction of the writer.
    readerClient = new Database(opts.path, { readonly: true, strict: true });
    readerClient.exec("PRAGMA busy_timeout = 5000;");
    readerClient.exec("PRAGMA temp_store = MEMORY;");
    applyReadPragmas(readerClient, opts.readPragmas ?? {});
    cacheStatements(readerClient);
    reader = drizzle({ client: readerClient, schema }) as unknown as Query;
  }
  // `oneSnapshot` bodies: a read transaction on the reader (BEGIN is deferred: the snapshot and the WAL's read lock are
  // taken by the body's first statement), and which body's it is (0: none open).
  const snapshotBegin = readerClient?.query("BEGIN");
  const snapshotEnd = readerClient?.query("COMMIT");
  let snapshotOwner = 0;
  let snapshots = 0;
  /** Ends the open snapshot, if any: a read starting now must see the latest commit, not the state it began at. */
  const endSnapshot = () => {
    if (snapshotOwner === 0) return;
    snapshotOwner = 0;
    if (readerClient?.inTransaction) snapshotEnd!.run();
  };

  const queue: Job[] = [];
  /** A batch is scheduled or open; new jobs join the queue and the batch loop picks them up. */
  let running = false;
  /** Between BEGIN and COMMIT/ROLLBACK of a batch. */
  let open = false;
  type Ended = (stored: boolean, exact: boolean) => void;
  /** afterCommit callbacks of the open batch. */
  const ended: Ended[] = [];
  const walSync = opts.path === ":memory:" ? undefined : opts.walSync;
  let durable = walSync && opts.commitMark ? opts.commitMark() : Number.MAX_SAFE_INTEGER;
  let failure: Error | null = null;
  const syncLevel = (sqlite.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
  // A setting pragma acts when it is compiled (a prepared one acts again only because SQLite compiles it again after
  // each run, and not at its first run: the first batch committed with the fsync inside): run from its text each time.
  const relaxed = { run: () => sqlite.exec("PRAGMA synchronous = NORMAL;") };
  const restored = { run: () => sqlite.exec(`PRAGMA synchronous = ${syncLevel};`) };
  // A batch's BEGIN does not sleep in SQLite's busy handler while another connection (the webhook dispatcher
  // thread's) holds the write lock: that sleep (1 ms and up) would hold the event loop. It gives up at once and the
  // batch is tried again on a later turn, the loop serving requests meanwhile; after LOCK_TRY_MS it waits as before.
  const busyTimeout = (sqlite.query("PRAGMA busy_timeout").get() as { timeout: number }).timeout;
  const lockTry = () => sqlite.exec("PRAGMA busy_timeout = 0;");
  const lockWait = () => sqlite.exec(`PRAGMA busy_timeout = ${busyTimeout};`);
  /** When the queued batch first found the write lock taken (undefined: it has not). */
  let lockTakenSince: number | undefined;
  const runEnded = (stored: boolean, fns: Ended[] = ended.splice(0)) => {
    for (const fn of fns) {
      try {
        fn(stored, true);
      } catch {
        // One faulty callback must not keep the batch's callers waiting.
      }
    }
  };
  const idle: (() => void)[] = [];

  const schedule = () => {
    if (running) return;
    running = true;
    setImmediate(runBatch);
  };

  async function runBatch(): Promise<void> {
    if (failure) {
      for (const job of queue.splice(0)) job.reject(failure);
      batchEnded();
      return;
    }
    const batch: Job[] = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    let held = false;
    /** `commitMark()` inside the batch, just before its COMMIT. */
    let mark: number | undefined;
    // The safety level cannot change inside a transaction: NORMAL from BEGIN to COMMIT. Nothing else runs on the
    // connection in between (the batch ends within this turn), so no other commit is made with it.
    if (walSync) relaxed.run();
    const trying =
      busyTimeout > 0 && (lockTakenSince === undefined || performance.now() - lockTakenSince < LOCK_TRY_MS);
    if (trying) lockTry();
    try {
      stmt.begin.run();
      if (trying) lockWait();
      lockTakenSince = undefined;
    } catch (err) {
      if (trying) lockWait();
      if (walSync) restored.run();
      if (trying && isSqliteBusy(err)) {
        // Still scheduled (running): the first try again after the I/O waiting now, the next ones a timer tick later.
        if (lockTakenSince === undefined) {
          lockTakenSince = performance.now();
          setImmediate(runBatch);
        } else setTimeout(runBatch, 1);
        return;
      }
      lockTakenSince = undefined;
      // BEGIN failed (another transaction is open on the connection, I/O error): the jobs waiting now fail
      // with it; the transaction that is open is not ours to roll back.
      const failed = queue.splice(0, maxBatch);
      for (const job of failed) job.reject(err);
      batchEnded();
      return;
    }
    let commitMs: number;
    try {
      open = true;
      // Runs on the next turn: if the batch is still open then, a body let other code run inside it.
      setImmediate(() => {
        if (open && batch.length > 0) held = true;
      });
      // FIFO, one job at a time; jobs queued while the batch is open join it (each in its own savepoint), until the
      // batch is full or has used its time: the rest go in the next batch, on a later turn of the event loop.
      const deadline = now() + maxBatchMs;
      while (queue.length > 0 && batch.length < maxBatch && (batch.length === 0 || now() < deadline)) {
        const job = queue.shift()!;
        batch.push(job);
        const callbacksBefore = ended.length;
        stmt.savepoint.run();
        try {
          outcomes.push({ ok: true, value: await job.fn(writer) });
          stmt.release.run();
        } catch (err) {
          stmt.rollbackTo.run();
          stmt.release.run();
          outcomes.push({ ok: false, value: err });
          // What the job asked to be told of is not stored, whatever the batch's outcome.
          for (let i = callbacksBefore; i < ended.length; i++) {
            const fn = ended[i]!;
            ended[i] = () => fn(false, true);
          }
        }
      }
      if (held) throw new HeldTransactionError();
      // The batch holds the write lock: the highest event seq now is the one its COMMIT makes durable, read while the
      // transaction's pages are at hand (after the COMMIT it was a read transaction of its own, ~15 µs under load).
      if (walSync) mark = opts.commitMark?.();
      const commitAt = performance.now();
      stmt.commit.run();
      commitMs = performance.now() - commitAt;
      open = false;
      if (walSync) restored.run();
    } catch (err) {
      // COMMIT failed (disk full, I/O error) or a body held the transaction: nothing is stored.
      if (sqlite.inTransaction) stmt.rollback.run();
      open = false;
      if (walSync) restored.run();
      runEnded(false);
      for (const job of batch) job.reject(err);
      batchEnded();
      return;
    }
    const settle = (fns: Ended[]) => {
      runEnded(true, fns);
      batch.forEach((job, i) => {
        const o = outcomes[i]!;
        if (o.ok) job.resolve(o.value);
        else job.reject(o.value);
      });
    };
    if (!walSync) {
      opts.observer?.({ jobs: batch.length, commitMs });
      settle(ended.splice(0));
      batchEnded();
      return;
    }
    // Committed, not yet durable. The writer is free for the next batch while this one's fsync runs.
    const fns = ended.splice(0);
    batchEnded();
    const syncAt = performance.now();
    if (!(await durableThrough(walSync, mark))) {
      runEnded(false, fns);
      for (const job of batch) job.reject(failure);
      return;
    }
    opts.observer?.({ jobs: batch.length, commitMs: commitMs + performance.now() - syncAt });
    settle(fns);
  }

  /**
   * Awaits an fsync of the WAL that begins now; once it is done everything committed up to `mark` is durable. False
   * when it failed: after a failed fsync the kernel may have dropped the dirty pages, so retrying proves nothing —
   * nobody is told those writes are stored, and the store takes no more writes until a restart (recovery replays
   * the WAL).
   */
  async function durableThrough(sync: WalSyncer, mark: number | undefined): Promise<boolean> {
    try {
      await sync.sync();
    } catch (err) {
      failure ??= new DurabilityError(err);
      return false;
    }
    if (mark !== undefined && mark > durable) durable = mark;
    return true;
  }

  function batchEnded() {
    running = false;
    if (queue.length > 0) schedule();
    else for (const done of idle.splice(0)) done();
  }

  const enqueue = <T>(fn: (q: Query) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      schedule();
    });

  // The full-text index's waiting rows (migration 0015). Prepared at first use: a store may be made before the
  // migrations ran (tests).
  let fts:
    | {
        waiting: ReturnType<typeof sqlite.query<{ pk: number | null }, []>>;
        chunkEnd: ReturnType<typeof sqlite.query<{ pk: number }, [number, number]>>;
        index: ReturnType<typeof sqlite.query<unknown, [number]>>;
        done: ReturnType<typeof sqlite.query<unknown, [number]>>;
      }
    | undefined;
  const ftsStatements = () =>
    (fts ??= {
      // Committed rows only: the reader when there is one.
      waiting: (readerClient ?? sqlite).query("SELECT max(pk) AS pk FROM messages_fts_pending"),
      chunkEnd: sqlite.query(
        "SELECT pk FROM messages_fts_pending WHERE pk <= ? ORDER BY pk LIMIT 1 OFFSET ?",
      ),
      // CROSS JOIN keeps the waiting rows as the outer loop: with no statistics on the small table, SQLite would
      // otherwise walk every message up to the bound and probe the queue for each.
      index: sqlite.query(
        "INSERT INTO messages_fts (rowid, body) SELECT m.pk, m.body FROM messages_fts_pending p CROSS JOIN messages m ON m.pk = p.pk WHERE p.pk <= ?",
      ),
      done: sqlite.query("DELETE FROM messages_fts_pending WHERE pk <= ?"),
    });
  /**
   * A write job: indexes the waiting bodies up to `target`, at most a chunk of them in one statement (FTS5 writes
   * one segment for the lot). True when some up to `target` still wait.
   */
  const indexUpTo = (target: number) => async () => {
    const s = ftsStatements();
    const end = s.chunkEnd.get(target, SEARCH_INDEX_CHUNK - 1)?.pk ?? target;
    s.index.run(end);
    s.done.run(end);
    return end < target;
  };
  async function searchIndexed(): Promise<void> {
    const target = ftsStatements().waiting.get()?.pk;
    if (target === null || target === undefined) return;
    while (await enqueue(indexUpTo(target))) {
      // The next chunk, in a later job: other writes go in between.
    }
  }
  let indexing = false;
  const indexTimer = opts.searchIndexMs
    ? setInterval(() => {
        if (indexing || failure) return;
        indexing = true;
        // A failed job (disk full) leaves its rows waiting: the next tick or search tries again.
        searchIndexed()
          .catch(() => {})
          .finally(() => {
            indexing = false;
          });
      }, opts.searchIndexMs)
    : undefined;
  indexTimer?.unref();

  return {
    dialect: "sqlite",
    t: schema,
    // async: a body that throws before its first await still rejects, as on PostgreSQL.
    async read<T>(fn: (q: Query) => Promise<T>, opts?: ReadOptions): Promise<T> {
      if (reader) {
        // Another body's snapshot still open (it awaits between its statements): it ends here, so this body sees
        // every commit made before it started.
        endSnapshot();
        if (!opts?.oneSnapshot || readerClient!.inTransaction) return fn(reader);
        snapshotBegin!.run();
        const mine = ++snapshots;
        snapshotOwner = mine;
        try {
          return await fn(reader);
        } finally {
          if (snapshotOwner === mine) endSnapshot();
        }
      }
      // One connection: read it directly unless a batch may have uncommitted rows on it.
      if (!running) return fn(writer);
      return enqueue(fn);
    },
    write: enqueue,
    afterCommit(fn) {
      if (open) {
        ended.push(fn);
        return;
      }
      // Inside a synchronous transaction, which has ended (committed with the connection's own FULL, or rolled back:
      // either way what the table holds then is committed) by the next microtask. Earlier store batches may still
      // wait for their fsync: one that begins now covers them and it, so the mark read now is durable after it.
      queueMicrotask(() => {
        if (!walSync) return fn(true, false);
        void durableThrough(walSync, opts.commitMark?.()).then((stored) => fn(stored, false));
      });
    },
    durableMark: () => durable,
    failure: () => failure,
    searchIndexed,
    async close() {
      clearInterval(indexTimer);
      if (running) await new Promise<void>((done) => idle.push(done));
      await walSync?.close();
      endSnapshot();
      readerClient?.close();
      reader = undefined;
    },
  };
}
