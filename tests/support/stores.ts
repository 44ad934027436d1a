// A Store of each kind for tests that must hold on both: SQLite on a real file with the real migrations (so
// the read-only reader connection exists), PostgreSQL on a migrated throwaway database (tests/support/postgres.ts).
import { beforeAll, describe, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQL } from "bun";
import { type Db, openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import type { CommitObserver } from "../../src/db/store";
import { createPostgresStore, createSqliteStore, type Dialect, type Store } from "../../src/db/store";
import { createMigratedDatabase } from "./postgres";

export const DIALECTS: Dialect[] = ["sqlite", "postgres"];

/**
 * `describe(\`${name} on ${dialect}\`)` once per store. On PostgreSQL a hook first starts the test cluster and
 * migrates its template (seconds on a loaded machine), so that each test's own time is its own work.
 */
export function describeStores(name: string, body: (dialect: Dialect) => void): void {
  // A PostgreSQL round trip per statement on a machine shared with other work: the 5 s default was hit at load
  // average 26 by tests that take 1–2 s on a quiet one. A limit, not a speed assertion (for the calling file).
  setDefaultTimeout(30_000);
  for (const dialect of DIALECTS)
    describe(`${name} on ${dialect}`, () => {
      if (dialect === "postgres")
        beforeAll(async () => {
          await (await createMigratedDatabase()).drop();
        }, 60_000);
      body(dialect);
    });
}

export type TestStore = {
  store: Store;
  /** SQLite only: the writer connection the store shares with synchronous code. */
  db?: Db;
  /** PostgreSQL only: the client the store runs on. */
  sql?: SQL;
  [Symbol.asyncDispose](): Promise<void>;
};

export async function openTestStore(
  dialect: Dialect,
  options: {
    observer?: CommitObserver;
    maxBatchMs?: number;
    now?: () => number;
    busyTimeoutMs?: number;
  } = {},
): Promise<TestStore> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "chasqui-store-"));
    const path = join(dir, "chasqui.sqlite");
    const db = openDatabase(path);
    migrate(db);
    if (options.busyTimeoutMs !== undefined)
      db.$client.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs};`);
    const store = createSqliteStore(db, {
      path,
      observer: options.observer,
      maxBatchMs: options.maxBatchMs,
      now: options.now,
    });
    return {
      store,
      db,
      async [Symbol.asyncDispose]() {
        await store.close();
        db.$client.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const pg = await createMigratedDatabase();
  const store = createPostgresStore(pg.sql);
  return {
    store,
    sql: pg.sql,
    async [Symbol.asyncDispose]() {
      await store.close();
      await pg.drop();
    },
  };
}

/** The store with its reads counted. */
export function countReads(store: Store): { store: Store; reads: () => number } {
  let n = 0;
  const counted = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "read")
        return (...args: unknown[]) => {
          n++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: counted, reads: () => n };
}
