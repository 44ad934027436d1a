import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CheckpointResult } from "../../src/db/checkpoint-worker";
import { createCheckpointer } from "../../src/db/checkpointer";
import { openDatabase } from "../../src/db/client";
import { createLogger } from "../../src/logger";
import { waitFor } from "../support/test-app";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(o: { minFrames: number; restartFrames: number }) {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-checkpointer-"));
  const path = join(dir, "db.sqlite");
  const db = openDatabase(path);
  // The tests commit hundreds of one-row transactions to reach their frame counts: without an fsync each (FULL),
  // which nothing here is about and which a busy disk (a CI run) made take longer than the test's time.
  db.$client.exec("PRAGMA synchronous = NORMAL;");
  db.$client.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)");
  /** Run as each report comes, right after the main connection's part of it (tests set it). */
  const hooks: { onCheckpoint?: (r: (typeof results)[number]) => void } = {};
  /** `walFrames`: frames in the WAL index's header the moment the report came. */
  const results: (CheckpointResult & { restart: boolean; mainMs: number; walFrames: number })[] = [];
  const checkpointer = createCheckpointer({
    db,
    logger: createLogger("silent"),
    minFrames: o.minFrames,
    pollMs: 5,
    restartFrames: o.restartFrames,
    onCheckpoint: (r) => {
      const x = { ...r, walFrames: readFileSync(`${path}-shm`).readUInt32LE(16) };
      results.push(x);
      hooks.onCheckpoint?.(x);
    },
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.$client.close());
  cleanups.push(() => checkpointer.stop());
  const insert = db.$client.query("INSERT INTO t (pad) VALUES (randomblob(3000))");
  /** Each row fills about one page: `n` commits of one row write at least `n` WAL frames. */
  const write = (n: number) => {
    for (let i = 0; i < n; i++) insert.run();
  };
  const autocheckpoint = () =>
    (db.$client.query("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number })
      .wal_autocheckpoint;
  /** Rows in the database file itself, without its WAL (a copy of the file alone): what checkpoints copied. */
  const rowsInDbFile = () => {
    const copy = join(dir, "copy.sqlite");
    copyFileSync(path, copy);
    const ro = new Database(copy);
    try {
      return (ro.query("SELECT count(*) AS n FROM t").get() as { n: number }).n;
    } finally {
      ro.close();
      rmSync(copy, { force: true });
    }
  };
  return { db, path, checkpointer, results, hooks, write, autocheckpoint, rowsInDbFile };
}

test("the thread copies committed frames into the database file while the main connection's automatic checkpoint is off", async () => {
  const s = setup({ minFrames: 50, restartFrames: 1_000_000 });
  expect(s.autocheckpoint()).toBe(1000);
  // Committed before the thread starts (~200 frames, under the automatic checkpoint's 1000: still in the WAL), so
  // no commit runs during the thread's checkpoints: a passive checkpoint that reads the WAL index header while a
  // commit rewrites it reports busy (the product tries again at the next poll; the next test commits meanwhile).
  s.write(200);
  s.checkpointer.start();
  await waitFor(() => s.checkpointer.running, { message: "thread started" });
  expect(s.autocheckpoint()).toBe(0);

  // Nothing on this connection checkpoints now; the rows reach the database file through the thread only, all
  // but the last frames (fewer than minFrames wait for more).
  await waitFor(() => s.rowsInDbFile() >= 150, { message: "rows copied into the database file" });
  await waitFor(() => s.results.length > 0, { message: "the thread's report" });
  expect(s.results.every((r) => !r.busy)).toBe(true);

  await s.checkpointer.stop();
  expect(s.checkpointer.running).toBe(false);
  // Stopped: SQLite's own automatic checkpoint is back on the main connection.
  expect(s.autocheckpoint()).toBe(1000);
});

test("past restartFrames the main connection copies the rest, so the WAL starts over instead of growing", async () => {
  const s = setup({ minFrames: 20, restartFrames: 300 });
  s.checkpointer.start();
  await waitFor(() => s.checkpointer.running, { message: "thread started" });
  // Commits keep coming while the thread copies, as under load; the event loop turns between them.
  let written = 0;
  await waitFor(
    async () => {
      s.write(25);
      written += 25;
      await Bun.sleep(0);
      return s.results.some((r) => r.restart);
    },
    { timeoutMs: 20_000, message: "a WAL restart" },
  );
  const restartAt = s.results.findIndex((r) => r.restart);
  const before = s.results[restartAt]!.log;
  // After the restart the WAL holds only what was committed since: later checkpoints see a short log.
  await waitFor(
    async () => {
      s.write(25);
      written += 25;
      await Bun.sleep(0);
      return s.results.slice(restartAt + 1).some((r) => r.log < before);
    },
    { timeoutMs: 20_000, message: "a checkpoint of the restarted WAL" },
  );
  expect(s.db.$client.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: written });
  // Its waits allow 20 s on a loaded machine.
}, 30_000);

test("a hand-over copies under the write lock, so the next commit starts the WAL over; never waiting for another connection", async () => {
  const s = setup({ minFrames: 20, restartFrames: 300 });
  s.checkpointer.start();
  await waitFor(() => s.checkpointer.running, { message: "thread started" });
  const frames = () => readFileSync(`${s.path}-shm`).readUInt32LE(16);
  const handOver = async () => {
    const from = s.results.length;
    await waitFor(
      async () => {
        s.write(25);
        await Bun.sleep(0);
        return s.results.slice(from).some((r) => r.mainMs > 0);
      },
      { timeoutMs: 20_000, message: "a hand-over" },
    );
    return s.results.slice(from).find((r) => r.mainMs > 0)!;
  };
  // Nothing in the way: every frame copied, and the next commit (of any connection) starts the WAL over.
  const other = new Database(s.path);
  cleanups.push(() => other.close());
  let nextCommit: number | undefined;
  s.hooks.onCheckpoint = (r) => {
    if (r.mainMs === 0 || nextCommit !== undefined) return;
    other.run("INSERT INTO t (pad) VALUES (randomblob(3000))");
    nextCommit = frames();
  };
  const free = await handOver();
  s.hooks.onCheckpoint = undefined;
  expect(free.restart).toBe(true);
  expect(nextCommit).toBeLessThan(5);

  // Another connection's write transaction open during the hand-over (begun before the copy, it would append its
  // frames after it and keep the WAL from starting over): the copy does not wait for it and says so (busy), and a
  // later hand-over restarts. The main connection's busy_timeout is 5 s: a copy that waited would show in mainMs.
  // The rows are written in one turn of the event loop, so the thread's report of them (a hand-over: more than
  // restartFrames) is handled only after the other connection has begun.
  const from = s.results.length;
  s.write(400);
  other.exec("BEGIN IMMEDIATE");
  other.run("INSERT INTO t (pad) VALUES (randomblob(3000))");
  await waitFor(() => s.results.slice(from).some((r) => r.mainMs > 0), { message: "a hand-over" });
  other.exec("COMMIT");
  const held = s.results.slice(from).find((r) => r.mainMs > 0)!;
  expect({ restart: held.restart, quick: held.mainMs < 1000 }).toEqual({ restart: false, quick: true });
  const after = await handOver();
  expect(after.restart).toBe(true);
  // Its waits allow 20 s on a loaded machine.
}, 30_000);

/** The SQL texts the main connection prepares from now on (the checkpointer prepares its statements through it). */
function preparedOnMain(db: { $client: Database }) {
  const texts: string[] = [];
  const query = db.$client.query.bind(db.$client);
  db.$client.query = ((sql: string) => {
    texts.push(sql);
    return query(sql);
  }) as typeof db.$client.query;
  return texts;
}

test("the WAL is truncated to zero bytes in the thread, not on the main connection, with every row kept", async () => {
  const s = setup({ minFrames: 1_000_000, restartFrames: 1_000_000 });
  s.checkpointer.start();
  await waitFor(() => s.checkpointer.running, { message: "thread started" });
  s.write(500);
  const wal = `${s.db.$client.filename}-wal`;
  expect(statSync(wal).size).toBeGreaterThan(500 * 4096);
  const main = preparedOnMain(s.db);

  const r = await s.checkpointer.truncate();
  expect(r.busy).toBe(false);
  expect(statSync(wal).size).toBe(0);
  expect(s.rowsInDbFile()).toBe(500);
  expect(main.filter((q) => q.includes("TRUNCATE"))).toEqual([]);

  // Stopped, the main connection truncates as before.
  await s.checkpointer.stop();
  s.write(100);
  expect(statSync(wal).size).toBeGreaterThan(0);
  expect((await s.checkpointer.truncate()).busy).toBe(false);
  expect(statSync(wal).size).toBe(0);
  expect(s.rowsInDbFile()).toBe(600);
  expect(main.filter((q) => q.includes("TRUNCATE"))).toHaveLength(1);
});

test("a truncation never waits: a reader's snapshot or the writer's transaction make it busy, and nothing is lost", async () => {
  const s = setup({ minFrames: 1_000_000, restartFrames: 1_000_000 });
  s.checkpointer.start();
  await waitFor(() => s.checkpointer.running, { message: "thread started" });
  const wal = `${s.db.$client.filename}-wal`;
  s.write(50);

  // A reader on an old snapshot: the frames after it cannot all be copied, the WAL cannot start over.
  const reader = new Database(s.db.$client.filename, { readonly: true });
  cleanups.push(() => reader.close());
  reader.exec("BEGIN");
  expect(reader.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 50 });
  s.write(50);
  expect((await s.checkpointer.truncate()).busy).toBe(true);
  expect(statSync(wal).size).toBeGreaterThan(0);
  reader.exec("COMMIT");

  // The main connection's write transaction holds the write lock: the thread answers busy at once (the main thread
  // awaits it with its transaction still open, so a wait in the thread would never end).
  s.db.$client.exec("BEGIN IMMEDIATE");
  s.db.$client.query("INSERT INTO t (pad) VALUES (randomblob(3000))").run();
  expect((await s.checkpointer.truncate()).busy).toBe(true);
  s.db.$client.exec("COMMIT");

  expect((await s.checkpointer.truncate()).busy).toBe(false);
  expect(statSync(wal).size).toBe(0);
  expect(s.rowsInDbFile()).toBe(101);
});
