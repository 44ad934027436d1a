// The PostgreSQL store: a pool (Bun.SQL) shared by every node; each write is a READ COMMITTED transaction.
import type { SQL } from "bun";
import { drizzle } from "drizzle-orm/bun-sql";
import * as pgSchema from "../pg/schema";
import { isRetryableConflict } from "./errors";
import type { Query, Store, Tables } from "./store";

/** Runs of a write that failed on a serialization failure or deadlock before the error is passed on. */
const MAX_ATTEMPTS = 5;

/** `sql` is owned by the caller (closing the store does not close it). */
export function createPostgresStore(sql: SQL): Store {
  const db = drizzle({ client: sql, schema: pgSchema });
  return {
    dialect: "postgres",
    // Same names, same TypeScript types as the SQLite tables (tests/db/pg-schema.test.ts).
    t: pgSchema as unknown as Tables,
    read: async (fn) => fn(db as unknown as Query),
    async write<T>(fn: (q: Query) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction((tx) => fn(tx as unknown as Query));
        } catch (err) {
          if (attempt < MAX_ATTEMPTS && isRetryableConflict(err)) continue;
          throw err;
        }
      }
    },
    // The tsvector expression index is written with the row.
    searchIndexed: async () => {},
    async close() {},
  };
}
