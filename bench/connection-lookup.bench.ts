/**
 * What the connection lookups of the message path cost since the connection service runs on the Store
 * (docs/CLUSTER.md §3, "Connections (session 6)"). Every send, receive, automation step and queued-send pass
 * reads its connection; before, that was a prepared statement run synchronously on the writer connection;
 * now it is an awaited drizzle builder in `store.read` (the read-only connection). Interleaved call by call,
 * one call at a time, in process, on a file database with `--connections` rows (3 queues each):
 *
 * - `find(id): sync prepared (before)` — the statement the service prepared before, `.get({ id })`;
 * - `find(id): Store.read (after)` — `await services.connections.find(id)`;
 * - `resolve(null): sync prepared (before)` / `Store.read (after)` — the default connection (every
 *   `POST /send` without whatsappId);
 * - `queuesOf(id): sync prepared (before)` / `Store.read (after)` — the queue menu of the automation;
 * - `find(id): Store.read, builder built per call` — the same lookup as a plain awaited builder (what
 *   `preparedQuery` saves: building the SQL text, and compiling it where no statement cache holds it).
 *
 * Run `uptime` beside it: on a loaded machine only the medians and same-run ratios mean anything.
 * Run: bun bench/connection-lookup.bench.ts [--connections 20] [--rounds 15]
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { asc, eq, sql } from "drizzle-orm";
import { loadConfig } from "../src/config";
import { connectionQueues, connections, queues } from "../src/db/schema";
import { createLogger } from "../src/logger";
import { createRuntime } from "../src/server";
import { median } from "./lib/stats";

const { values: args } = parseArgs({
  options: {
    connections: { type: "string", default: "20" },
    rounds: { type: "string", default: "15" },
  },
});
const CONNECTIONS = Number(args.connections);
const ROUNDS = Number(args.rounds);
const CALLS = 200;

const dir = mkdtempSync(join(tmpdir(), "chasqui-conn-bench-"));
const config = loadConfig({
  DATA_DIR: dir,
  API_TOKEN: "bench-token-0123456789abcdef",
  PUBLIC_URL: "http://127.0.0.1:9",
  LOG_LEVEL: "silent",
  WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
});
const runtime = createRuntime(config, createLogger("silent"));
const { services, db } = runtime;

const queueIds: number[] = [];
for (let i = 0; i < 3; i++)
  queueIds.push((await services.catalog.queues.create({ name: `Queue ${i}`, color: `#00000${i}` })).id);
const ids: number[] = [];
for (let i = 0; i < CONNECTIONS; i++)
  ids.push((await services.connections.create({ name: `Conn ${i}`, driver: "sandbox", queueIds })).id);

// The statements the service prepared before this change, verbatim.
const byId = db
  .select()
  .from(connections)
  .where(eq(connections.id, sql.placeholder("id")))
  .prepare();
const byDefault = db.select().from(connections).where(eq(connections.isDefault, true)).prepare();
const queuesStmt = db
  .select({
    id: queues.id,
    name: queues.name,
    greetingMessage: queues.greetingMessage,
    schedule: queues.schedule,
    timeZone: queues.timeZone,
    outOfHoursMessage: queues.outOfHoursMessage,
  })
  .from(connectionQueues)
  .innerJoin(queues, eq(queues.id, connectionQueues.queueId))
  .where(eq(connectionQueues.connectionId, sql.placeholder("id")))
  .orderBy(asc(connectionQueues.position))
  .prepare();

// The first variant of each group is its reference (before).
type Variant = { name: string; group: string; run: (id: number) => unknown };
const variants: Variant[] = [
  { group: "find", name: "find(id): sync prepared (before)", run: (id) => byId.get({ id }) },
  { group: "find", name: "find(id): Store.read (after)", run: (id) => services.connections.find(id) },
  {
    group: "find",
    name: "find(id): Store.read, builder built per call",
    run: (id) => runtime.store.read((q) => q.select().from(connections).where(eq(connections.id, id))),
  },
  { group: "resolve", name: "resolve(null): sync prepared (before)", run: () => byDefault.get() },
  {
    group: "resolve",
    name: "resolve(null): Store.read (after)",
    run: () => services.connections.resolve(null),
  },
  { group: "queues", name: "queuesOf(id): sync prepared (before)", run: (id) => queuesStmt.all({ id }) },
  {
    group: "queues",
    name: "queuesOf(id): Store.read (after)",
    run: (id) => services.connections.queuesOf(id),
  },
];
const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));

// Warm-up, then rounds; within a round the variants alternate call by call.
for (let round = 0; round <= ROUNDS; round++) {
  for (let call = 0; call < CALLS; call++) {
    const id = ids[call % ids.length]!;
    for (const v of variants) {
      const t0 = performance.now();
      await v.run(id);
      const us = (performance.now() - t0) * 1000;
      if (round > 0) samples.get(v.name)!.push(us);
    }
  }
}

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
console.log(`\n${CONNECTIONS} connections, ${ROUNDS} rounds × ${CALLS} calls per variant\n`);
console.log("| variant | median µs | p10 µs | p90 µs | after / before (median) |");
console.log("|---|---:|---:|---:|---:|");
for (const v of variants) {
  const xs = samples.get(v.name)!;
  const before = median(samples.get(variants.find((x) => x.group === v.group)!.name)!);
  console.log(
    `| ${v.name} | ${median(xs).toFixed(1)} | ${p(xs, 0.1).toFixed(1)} | ${p(xs, 0.9).toFixed(1)} | ${(median(xs) / before).toFixed(3)} |`,
  );
}

await runtime.close();
rmSync(dir, { recursive: true, force: true });
