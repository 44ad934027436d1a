import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { commitWatch, walFrames, walIndexFd } from "../../src/db/wal-index";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const dbPath = () => {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-wal-index-"));
  dirs.push(dir);
  return join(dir, "db.sqlite");
};

test("the watch moves once per commit of any connection, and not for reads", () => {
  const path = dbPath();
  const db = openDatabase(path);
  db.$client.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  const watch = commitWatch(db.$client);
  expect(watch.moved()).toBe(true); // the first look
  expect(watch.moved()).toBe(false);
  db.$client.query("SELECT count(*) FROM t").get();
  expect(watch.moved()).toBe(false);

  db.$client.run("INSERT INTO t (v) VALUES ('mine')");
  expect(watch.moved()).toBe(true);
  expect(watch.moved()).toBe(false);

  const other = new Database(path);
  other.run("INSERT INTO t (v) VALUES ('another connection')");
  other.close();
  expect(watch.moved()).toBe(true);
  expect(watch.moved()).toBe(false);

  // A rolled-back transaction commits nothing.
  db.$client.run("BEGIN IMMEDIATE");
  db.$client.run("INSERT INTO t (v) VALUES ('rolled back')");
  db.$client.run("ROLLBACK");
  expect(watch.moved()).toBe(false);
  db.$client.close();
});

test("a database closed and opened again gets a watch on its new WAL index", () => {
  const path = dbPath();
  const first = openDatabase(path);
  first.$client.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  commitWatch(first.$client).moved();
  first.$client.close();
  // The last connection closed: SQLite removed the WAL index; the next open makes a new file.
  expect(existsSync(`${path}-shm`)).toBe(false);

  const again = openDatabase(path);
  const watch = commitWatch(again.$client);
  watch.moved();
  const other = new Database(path);
  other.run("INSERT INTO t DEFAULT VALUES");
  other.close();
  expect(watch.moved()).toBe(true);
  again.$client.close();
});

test("without a WAL index (an in-memory database) the watch always moves", () => {
  const db = openDatabase(":memory:");
  const watch = commitWatch(db.$client);
  expect([watch.moved(), watch.moved(), watch.moved()]).toEqual([true, true, true]);
});

/** Another process (not another connection of this one) commits `rows` inserts into `t`, one transaction each. */
function insertFromAnotherProcess(path: string, rows: number) {
  const child = Bun.spawnSync(
    [
      process.execPath,
      "-e",
      `const { Database } = require("bun:sqlite"); const d = new Database(${JSON.stringify(path)});
       for (let i = 0; i < ${rows}; i++) d.run("INSERT INTO t DEFAULT VALUES"); d.close();`,
    ],
    { stderr: "inherit" },
  );
  expect(child.exitCode).toBe(0);
}

test("on Linux the watch reads a shared mapping of the header, which sees another process's commit", () => {
  const path = dbPath();
  const db = openDatabase(path);
  db.$client.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  const watch = commitWatch(db.$client);
  if (process.platform === "linux") expect(watch.mapped).toBe(true);
  watch.moved();
  expect(watch.moved()).toBe(false);
  // Another process, not another connection of this one: nothing of this process is told.
  insertFromAnotherProcess(path, 1);
  expect(watch.moved()).toBe(true);
  expect(watch.moved()).toBe(false);
  // A second watch of the same file shares the mapping and sees the same bytes.
  const second = commitWatch(db.$client);
  expect(second.mapped).toBe(watch.mapped);
  second.moved();
  db.$client.run("INSERT INTO t DEFAULT VALUES");
  expect([watch.moved(), second.moved()]).toEqual([true, true]);
  db.$client.close();
});

test("walFrames reads the frames written and copied, as the checkpoint thread polls them", () => {
  const path = dbPath();
  const db = openDatabase(path);
  db.$client.exec("PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  const fd = walIndexFd(path);
  expect(fd).toBeDefined();
  const buf = Buffer.alloc(100);
  const before = walFrames(fd!, buf)!;
  expect(before.mxFrame).toBeGreaterThan(0);

  // Another process's commits move mxFrame; nothing is copied until a checkpoint.
  insertFromAnotherProcess(path, 5);
  const written = walFrames(fd!, buf)!;
  expect(written.mxFrame).toBeGreaterThanOrEqual(before.mxFrame + 5);
  expect(written.nBackfill).toBeLessThan(written.mxFrame);

  db.$client.query("PRAGMA wal_checkpoint(PASSIVE)").get();
  const copied = walFrames(fd!, buf)!;
  expect(copied.mxFrame).toBe(written.mxFrame);
  expect(copied.nBackfill).toBe(copied.mxFrame);
  db.$client.close();
});
