// The `STORE=postgres` test matrix (docs/CLUSTER.md §6): `bun run test:pg [files]` preloads this module with
// STORE=postgres; it starts the process's test PostgreSQL and migrates its template database once, before any test
// file loads, so that `createTestApp()` — synchronous, as every test calls it — can give each app its own migrated
// database synchronously (a CREATE DATABASE … TEMPLATE run by a helper thread while the test thread waits). Without
// STORE=postgres this module does nothing and createTestApp stays on in-memory SQLite.
import { join } from "node:path";
import { migratedTemplateName, testCluster } from "./postgres";

export type MatrixStore = "sqlite" | "postgres";

/** STORE: `sqlite` (default) or `postgres`. */
export function matrixStore(): MatrixStore {
  const store = process.env.STORE ?? "sqlite";
  if (store !== "sqlite" && store !== "postgres")
    throw new Error(`STORE must be sqlite or postgres, not ${store}`);
  return store;
}

type Matrix = {
  url(database: string): string;
  template: string;
  adminSync(statement: string): void;
};

const KEY = Symbol.for("chasqui.store-matrix");
const global = globalThis as { [KEY]?: Matrix };
let seq = 0;

/** A new migrated database on the test cluster, created before this returns; `drop` removes it. */
export function createAppDatabaseSync(): { name: string; url: string; drop(): void } {
  const m = global[KEY];
  if (!m)
    throw new Error(
      "STORE=postgres needs the matrix preload: run `bun run test:pg [files]` (bun test --preload ./tests/support/store-matrix.ts)",
    );
  const name = `app_${process.pid}_${++seq}`;
  m.adminSync(`create database "${name}" template "${m.template}"`);
  return {
    name,
    url: m.url(name),
    drop: () => m.adminSync(`drop database if exists "${name}" with (force)`),
  };
}

if (matrixStore() === "postgres" && !global[KEY]) {
  const cluster = await testCluster();
  const template = await migratedTemplateName();
  const buffer = new SharedArrayBuffer(8 + 4096);
  const state = new Int32Array(buffer, 0, 2);
  const worker = new Worker(join(import.meta.dir, "pg-admin-worker.ts"));
  (worker as unknown as { unref(): void }).unref();
  worker.postMessage({ init: { buffer, url: cluster.url("postgres") } });
  global[KEY] = {
    url: cluster.url,
    template,
    adminSync(statement) {
      Atomics.store(state, 0, 0);
      worker.postMessage({ statement });
      if (Atomics.wait(state, 0, 0, 120_000) === "timed-out")
        throw new Error(`the test PostgreSQL did not answer within 120 s: ${statement}`);
      if (Atomics.load(state, 0) === 2) {
        const message = new TextDecoder().decode(new Uint8Array(buffer, 8, Atomics.load(state, 1)).slice());
        throw new Error(`${statement}: ${message}`);
      }
    },
  };
}
