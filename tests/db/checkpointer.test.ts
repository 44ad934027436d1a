import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
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
  db.$client.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB)");
  const results: (CheckpointResult & { restart: boolean })[] = [];
  const checkpointer = createCheckpointer({
    db,
    logger: createLogger("silent"),
    minFrames: o.minFrames,
    pollMs: 5,
    restartFrames: o.restartFrames,
    onCheckpoint: (r) => results.push(r),
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
  return { db, checkpointer, results, write, autocheckpoint, rowsInDbFile };
}

test("the thread copies committed frames into the database file while the main connection's automatic checkpoint is off", async () => {
  const s = setup({ minFrames: 50, restartFrames: 1_000_000 });
  expect(s.autocheckpoint()).toBe(1000);
  s.checkpointer.start();
  await waitFor(() => s.checkpointer.running, { message: "thread started" });
  expect(s.autocheckpoint()).toBe(0);

  s.write(200);
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
});
