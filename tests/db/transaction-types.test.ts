import { expect, test } from "bun:test";
import { openDatabase } from "../../src/db/client";

/**
 * A transaction body cannot be async: drizzle on bun:sqlite commits when the callback returns, so work after
 * an `await` would run outside it. The types refuse it — `bun run typecheck` fails if a `@ts-expect-error`
 * below stops being an error — and a synchronous body keeps working.
 */
test("transaction bodies are synchronous, by type, for db.transaction", () => {
  const db = openDatabase(":memory:");
  const refused = () => {
    // @ts-expect-error an async transaction body does not compile
    db.transaction(async () => 1);
    // @ts-expect-error neither does one returning a promise
    db.transaction(() => Promise.resolve(1));
  };
  expect(typeof refused).toBe("function");
  expect(db.transaction(() => 2)).toBe(2);
  db.$client.close();
});
