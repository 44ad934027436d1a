import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { tags } from "../../src/db/schema";
import { cacheStatements } from "../../src/db/statement-cache";

test("a statement is compiled once per text, and the least recently used are forgotten past the limit", () => {
  const sqlite = new Database(":memory:");
  cacheStatements(sqlite, 2);
  const a = sqlite.prepare("select 1 as n");
  expect(sqlite.prepare("select 1 as n")).toBe(a);
  const b = sqlite.prepare("select 2 as n");
  expect(sqlite.prepare("select 1 as n")).toBe(a); // a is now the most recently used
  sqlite.prepare("select 3 as n"); // b goes
  expect(sqlite.prepare("select 1 as n")).toBe(a);
  expect(sqlite.prepare("select 2 as n")).not.toBe(b);
  // A forgotten statement is not finalized: whoever kept it can still run it.
  expect(b.get()).toEqual({ n: 2 });
});

test("drizzle's queries on the server's connection reuse their compiled statements, with new parameters each time", () => {
  const db = openDatabase(":memory:");
  migrate(db);
  const now = new Date();
  db.insert(tags)
    .values([
      { name: "a", color: "#a", createdAt: now, updatedAt: now },
      { name: "b", color: "#b", createdAt: now, updatedAt: now },
    ])
    .run();
  const compiled: string[] = [];
  const proto = Database.prototype as unknown as { prepare: (sql: string) => unknown };
  const original = proto.prepare;
  proto.prepare = function (this: Database, sql: string) {
    compiled.push(sql);
    return original.call(this, sql);
  };
  try {
    const names = ["a", "b", "a", "b"].map(
      (name) => db.select({ name: tags.name }).from(tags).where(eq(tags.name, name)).get()?.name,
    );
    expect(names).toEqual(["a", "b", "a", "b"]);
  } finally {
    proto.prepare = original;
  }
  expect(compiled.length).toBe(1);
});
