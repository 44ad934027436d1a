/**
 * What an asynchronous domain layer would cost the SQLite store on its hottest read (docs/CLUSTER.md, option
 * a). Seeds a file database with bench/lib/seed.ts, builds the real runtime on it, records the statements one
 * ticket list (`status=open`, page 1, through the service) executes, then times, interleaved in rounds:
 *
 * - `list (service)`: the real service call (statements + mapping; async over the Store's read connection
 *   since session 6, when the ticket service moved onto it);
 * - `statements, sync`: the recorded statements replayed back to back, as the sync domain runs them;
 * - `statements, awaited`: the same statements, each one awaited in an async function, as an async domain
 *   over bun:sqlite would run them (drizzle's SQLite builders are thenables that execute synchronously);
 * - `list (service) awaited once`: the service behind one more `await`, the cost of an async route boundary;
 * - `PostgreSQL: N × select 1`: as many round trips to a local PostgreSQL (the tests' throwaway cluster,
 *   tests/support/postgres.ts) as the list runs statements: the floor of the same list on that store.
 *
 * The async layer's cost on SQLite is (awaited − sync) per list, read against the service's own time.
 *
 * Then the services already converted to the Store (src/db/store), same interleaving, on 50 tags:
 * - `tags list: Store.read` (the catalog service now: drizzle builder awaited on the read-only connection)
 *   against `tags list: sync` (the same query run synchronously on the writer connection, as before);
 * - `tag update: Store.write` (the service now: FIFO writer, BEGIN IMMEDIATE … COMMIT around the awaited
 *   body, one setImmediate hop) against `tag update: sync` (one autocommit UPDATE … RETURNING, as before).
 *   Both commit with synchronous=FULL, so each pays an fsync.
 * Run `uptime` beside it: on a loaded machine only the medians mean anything.
 *
 * Run: bun bench/async-store.bench.ts [--tickets 20000] [--rounds 7]
 */

import { Database, type Statement } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { asc, eq } from "drizzle-orm";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { createRuntime } from "../src/server";
import { createTestDatabase } from "../tests/support/postgres";
import { seedDatabase } from "./lib/seed";

const { values: args } = parseArgs({
  options: {
    tickets: { type: "string", default: "20000" },
    rounds: { type: "string", default: "15" },
  },
});
const TICKETS = Number(args.tickets);
const ROUNDS = Number(args.rounds);
const CALLS = 100;

const dir = mkdtempSync(join(tmpdir(), "chasqui-async-bench-"));
const seeded = seedDatabase(dir, { contacts: TICKETS, tickets: TICKETS, messages: TICKETS * 5 });
console.log(`seeded ${seeded.counts.tickets} tickets, ${seeded.counts.messages} messages`);

const config = loadConfig({
  DATA_DIR: dir,
  API_TOKEN: "bench-token-0123456789abcdef",
  PUBLIC_URL: "http://127.0.0.1:9",
  LOG_LEVEL: "silent",
  WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
});
const runtime = createRuntime(config, createLogger("silent"));
const { services } = runtime;
const list = () => services.tickets.list({ status: "open", offset: 0, limit: 20 });

// Record the statements of one list: wrap the executors of every statement the connection hands out.
type Exec = "get" | "all" | "values" | "run";
type Recorded = { stmt: Statement; method: Exec; args: unknown[] };
let recording: Recorded[] | undefined;
const wrapped = new WeakSet<object>();
const wrap = (stmt: Statement) => {
  if (wrapped.has(stmt)) return stmt;
  wrapped.add(stmt);
  for (const method of ["get", "all", "values", "run"] as const) {
    const original = (stmt[method] as (...a: unknown[]) => unknown).bind(stmt);
    (stmt as unknown as Record<Exec, (...a: unknown[]) => unknown>)[method] = (...a: unknown[]) => {
      recording?.push({ stmt, method, args: a });
      return original(...a);
    };
  }
  return stmt;
};
// On every connection (the list reads on the store's read-only one, which the runtime opened).
for (const factory of ["query", "prepare"] as const) {
  const original = Database.prototype[factory] as (...a: unknown[]) => Statement;
  (Database.prototype as unknown as Record<string, unknown>)[factory] = function (
    this: Database,
    ...a: unknown[]
  ) {
    return wrap(original.apply(this, a));
  };
}
await list(); // statements compiled (and wrapped) once
recording = [];
const expected = await list();
const statements = recording;
recording = undefined;
console.log(`one list runs ${statements.length} statements, answers ${expected.rows.length} rows`);

const pg = await createTestDatabase();
const run = (r: Recorded) => (r.stmt[r.method] as (...a: unknown[]) => unknown)(...r.args);
const scenarios: { name: string; run: () => unknown }[] = [
  { name: "list (service)", run: list },
  {
    name: "statements, sync",
    run: () => {
      for (const r of statements) run(r);
    },
  },
  {
    name: "statements, awaited",
    run: async () => {
      for (const r of statements) await run(r);
    },
  },
  { name: "list (service) awaited once", run: async () => await list() },
];
// Measured apart, after the SQLite rounds: its socket I/O would land inside the neighbouring calls' times.
const pgScenario = {
  name: `PostgreSQL: ${statements.length} × select 1 (own phase)`,
  run: async () => {
    for (let i = 0; i < statements.length; i++) await pg.sql`select 1`;
  },
};

// Interleaved call by call (A B C D, B C D A, …), so every variant meets the same load; the median of single
// calls ignores the calls a busy machine preempted.
const times = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
for (const s of scenarios) await s.run();
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < CALLS; i++) {
    // Each call starts from a different variant: whichever runs first after a pause pays for cold caches.
    for (let k = 0; k < scenarios.length; k++) {
      const s = scenarios[(i + k) % scenarios.length]!;
      const t0 = performance.now();
      await s.run();
      times.get(s.name)!.push((performance.now() - t0) * 1000);
    }
  }
}
times.set(pgScenario.name, []);
await pgScenario.run();
for (let i = 0; i < ROUNDS * CALLS; i++) {
  const t0 = performance.now();
  await pgScenario.run();
  times.get(pgScenario.name)!.push((performance.now() - t0) * 1000);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
const ref = median(times.get(scenarios[0]!.name)!);
console.log(`\n${ROUNDS * CALLS} calls of each, interleaved`);
console.log("| variant | median µs | p10 µs | p90 µs | × list (service) |");
console.log("|---|---:|---:|---:|---:|");
for (const s of [...scenarios, pgScenario]) {
  const xs = times.get(s.name)!;
  console.log(
    `| ${s.name} | ${median(xs).toFixed(1)} | ${quantile(xs, 0.1).toFixed(1)} | ${quantile(xs, 0.9).toFixed(1)} | ${(median(xs) / ref).toFixed(3)} |`,
  );
}
const awaitCost = median(times.get("statements, awaited")!) - median(times.get("statements, sync")!);
console.log(
  `\nawaiting each of the ${statements.length} statements adds ${awaitCost.toFixed(1)} µs per list (${((awaitCost / ref) * 100).toFixed(1)} % of the sync list)`,
);
// --- the converted slice: catalog service over the Store, before (sync on the writer) vs after --------------
const { tags } = runtime.store.t;
for (let i = 0; i < 50; i++) await services.catalog.tags.create({ name: `tag ${i}`, color: `#${i}` });
const [firstTag] = await services.catalog.tags.list();
const db = runtime.db;
let flip = 0;
const color = () => `#c${flip++ % 2}`;
const slice: { name: string; run: () => unknown; calls: number }[] = [
  {
    name: "tags list: sync (before)",
    run: () => db.select().from(tags).orderBy(asc(tags.name), asc(tags.id)).all(),
    calls: CALLS,
  },
  { name: "tags list: Store.read (after)", run: () => services.catalog.tags.list(), calls: CALLS },
  {
    name: "tag update: sync (before)",
    run: () =>
      db
        .update(tags)
        .set({ color: color(), updatedAt: new Date() })
        .where(eq(tags.id, firstTag!.id))
        .returning()
        .get(),
    calls: CALLS / 10,
  },
  {
    name: "tag update: Store.write (after)",
    run: () => services.catalog.tags.update(firstTag!.id, { color: color() }),
    calls: CALLS / 10,
  },
];
const sliceTimes = new Map<string, number[]>(slice.map((x) => [x.name, []]));
for (const x of slice) await x.run();
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < CALLS; i++) {
    for (let k = 0; k < slice.length; k++) {
      const x = slice[(i + k) % slice.length]!;
      if (i >= x.calls) continue;
      const t0 = performance.now();
      await x.run();
      sliceTimes.get(x.name)!.push((performance.now() - t0) * 1000);
    }
  }
}
console.log("\nconverted slice (catalog service), interleaved");
console.log("| variant | calls | median µs | p10 µs | p90 µs | after / before |");
console.log("|---|---:|---:|---:|---:|---:|");
for (let i = 0; i < slice.length; i++) {
  const xs = sliceTimes.get(slice[i]!.name)!;
  const before = median(sliceTimes.get(slice[i - (i % 2)]!.name)!);
  console.log(
    `| ${slice[i]!.name} | ${xs.length} | ${median(xs).toFixed(1)} | ${quantile(xs, 0.1).toFixed(1)} | ${quantile(xs, 0.9).toFixed(1)} | ${(median(xs) / before).toFixed(3)} |`,
  );
}

await pg.drop();
await runtime.close();
rmSync(dir, { recursive: true, force: true });
