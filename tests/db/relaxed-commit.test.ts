import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { withoutFsync } from "../../src/db/relaxed-commit";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const synchronous = (db: ReturnType<typeof openDatabase>) =>
  (db.$client.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;

test("withoutFsync runs the write with synchronous=NORMAL and puts FULL back, also when it throws", () => {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-relaxed-"));
  dirs.push(dir);
  const db = openDatabase(join(dir, "db.sqlite"));
  db.$client.exec("CREATE TABLE t (x INTEGER)");
  expect(synchronous(db)).toBe(2);

  const seen = withoutFsync(db.$client, () => {
    db.$client.query("INSERT INTO t VALUES (1)").run();
    return synchronous(db);
  });
  expect(seen).toBe(1);
  expect(synchronous(db)).toBe(2);

  expect(() =>
    withoutFsync(db.$client, () => {
      throw new Error("write failed");
    }),
  ).toThrow("write failed");
  expect(synchronous(db)).toBe(2);
  // The relaxed write is there, and a later durable commit keeps it (it fsyncs the WAL with it).
  db.$client.query("INSERT INTO t VALUES (2)").run();
  expect(db.$client.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 2 });
  db.$client.close();
});
