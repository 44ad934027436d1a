import { expect, test } from "bun:test";
import { openDatabase } from "../../src/db/client";
import { createCommitQueue } from "../../src/db/commit-queue";
import { migrate } from "../../src/db/migrate";
import { queues } from "../../src/db/schema";
import { createSqliteStore } from "../../src/db/store";

function setup() {
  const db = openDatabase(":memory:");
  migrate(db);
  return { db, commits: createCommitQueue(createSqliteStore(db, { path: ":memory:" })) };
}

test("jobs of one turn share a transaction, and a failing job rolls back alone", async () => {
  const { db, commits } = setup();
  const a = commits.run((tx) => tx.insert(queues).values({ name: "A", color: "#a" }).returning().get().id);
  const bad = commits.run((tx) => {
    tx.insert(queues).values({ name: "B", color: "#b" }).run();
    throw new Error("boom");
  });
  const dup = commits.run((tx) => tx.insert(queues).values({ name: "A", color: "#c" }).run());
  const c = commits.run((tx) => tx.insert(queues).values({ name: "C", color: "#d" }).returning().get().id);
  expect(await a).toBe(1);
  await expect(bad).rejects.toThrow("boom");
  await expect(dup).rejects.toThrow(/UNIQUE/);
  expect(await c).toBeGreaterThan(1);
  expect(db.select({ name: queues.name }).from(queues).all()).toEqual([{ name: "A" }, { name: "C" }]);
  expect(db.$client.inTransaction).toBe(false);
});

test("a caller is answered only after its write is committed", async () => {
  const { db, commits } = setup();
  const done = commits.run((tx) => tx.insert(queues).values({ name: "Q", color: "#q" }).run());
  expect(db.select().from(queues).all()).toHaveLength(0);
  await done;
  expect(db.$client.inTransaction).toBe(false);
  expect(db.select().from(queues).all()).toHaveLength(1);
});

test("when the commit itself fails every job of the batch is rejected and nothing is stored", async () => {
  const { db, commits } = setup();
  // An open read transaction makes BEGIN IMMEDIATE fail: the batch cannot start.
  db.$client.run("BEGIN");
  const job = commits.run((tx) => tx.insert(queues).values({ name: "X", color: "#x" }).run());
  await expect(job).rejects.toThrow(/within a transaction/);
  db.$client.run("ROLLBACK");
  expect(db.select().from(queues).all()).toHaveLength(0);
});
