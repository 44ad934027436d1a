/**
 * Where the time of the benchmarked endpoints goes: `bun bench/api.profile.ts [--data-dir DIR]`.
 *
 * In-process (no HTTP client, no second process), on the same seeded data as bench/api.bench.ts:
 * - every SQL statement the list endpoints run, with its EXPLAIN QUERY PLAN and time per call
 *   (bun:sqlite's prepare is wrapped, so this is what drizzle really sends);
 * - the layers of one request: raw SQL → service call → app.fetch (Hono, zod, JSON);
 * - for POST /api/v1/send: statements, transactions and commit (fsync) time per send, with the server's
 *   `synchronous = FULL` and, for comparison only, NORMAL;
 * - the RSS that importing each part of the server costs (separate `bun -e` processes).
 * It never changes src/; comparisons such as NORMAL are set on this process's own connection.
 */

import type { Statement } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { ticketWire } from "../src/http/wire";
import { createLogger } from "../src/logger";
import { createRuntime } from "../src/server";
import { createSandboxGateway } from "../src/whatsapp/sandbox/sandbox-gateway";
import { freePort, readMemory, stopProcess, waitForHttp } from "./lib/proc";
import { contactNumber, seedDatabase } from "./lib/seed";

const { values: opt } = parseArgs({
  options: {
    "data-dir": { type: "string" },
    iterations: { type: "string", default: "2000" },
    /** `send`: only the concurrent-send section (for `bun --cpu-prof bench/api.profile.ts --only send`). */
    only: { type: "string" },
    messages: { type: "string", default: "1000000" },
    /** Concurrent POST /api/v1/send through app.fetch in the concurrent-send section. */
    concurrency: { type: "string", default: "50" },
    sends: { type: "string", default: "20000" },
  },
});
const ITER = Number(opt.iterations);
const ROOT = resolve(import.meta.dir, "..");
const TOKEN = "bench-token-0123456789abcdef";

const fresh = !opt["data-dir"];
const dataDir = opt["data-dir"] ?? mkdtempSync(join(tmpdir(), "chasqui-profile-"));
let tenMessageTicketId = Number(process.env.BENCH_TICKET_ID ?? 0);
if (fresh) {
  const seed = seedDatabase(dataDir, { contacts: 100_000, tickets: 100_000, messages: Number(opt.messages) });
  tenMessageTicketId = seed.tenMessageTicketId;
  console.log(`seeded ${dataDir} in ${seed.seconds.toFixed(1)} s`);
}

const config = loadConfig({ DATA_DIR: dataDir, API_TOKEN: TOKEN, LOG_LEVEL: "silent", HOST: "127.0.0.1" });
// The real sandbox driver, with a switch to drop its acks: measures what the 3 ack transactions per send cost.
let acksEnabled = true;
const rt = createRuntime(config, createLogger("silent"), {
  factories: {
    sandbox: (connection, events) =>
      createSandboxGateway(connection, {
        ...events,
        ack: (id, ack) => (acksEnabled ? events.ack(id, ack) : undefined),
      }),
  },
});
const client = rt.db.$client;
if (!tenMessageTicketId) {
  tenMessageTicketId = (
    client
      .query("SELECT ticket_id AS id FROM messages GROUP BY ticket_id HAVING count(*) = 10 LIMIT 1")
      .get() as { id: number }
  ).id;
}

// --- tracing of bun:sqlite ------------------------------------------------------------------------------
type SqlStat = { sql: string; calls: number; prepares: number; prepareMs: number; execMs: number };
const stats = new Map<string, SqlStat>();
const tx = { count: 0, totalMs: 0, bodyMs: 0 };
let tracing = false;
const resetTrace = () => {
  stats.clear();
  tx.count = 0;
  tx.totalMs = 0;
  tx.bodyMs = 0;
};
// Not in `--only send`: the wrappers would show up in the CPU profile of the sends.
if (opt.only !== "send") {
  const originalPrepare = client.prepare.bind(client);
  (client as any).prepare = (text: string, ...rest: any[]) => {
    const t0 = performance.now();
    const stmt = (originalPrepare as any)(text, ...rest) as Statement;
    if (!tracing) return stmt;
    let s = stats.get(text);
    if (!s) {
      s = { sql: text, calls: 0, prepares: 0, prepareMs: 0, execMs: 0 };
      stats.set(text, s);
    }
    s.prepares++;
    s.prepareMs += performance.now() - t0;
    const entry = s;
    for (const m of ["all", "get", "values", "run"] as const) {
      const f = (stmt as any)[m].bind(stmt);
      (stmt as any)[m] = (...a: any[]) => {
        const t = performance.now();
        try {
          return f(...a);
        } finally {
          entry.execMs += performance.now() - t;
          entry.calls++;
        }
      };
    }
    return stmt;
  };
  const originalTransaction = client.transaction.bind(client);
  (client as any).transaction = (fn: (...a: any[]) => any) => {
    const native = originalTransaction((...a: any[]) => {
      const t = performance.now();
      try {
        return fn(...a);
      } finally {
        if (tracing) tx.bodyMs += performance.now() - t;
      }
    }) as any;
    const wrap =
      (mode: string) =>
      (...a: any[]) => {
        const t = performance.now();
        try {
          return native[mode](...a);
        } finally {
          if (tracing) {
            tx.count++;
            tx.totalMs += performance.now() - t;
          }
        }
      };
    const f: any = wrap("deferred");
    for (const mode of ["deferred", "immediate", "exclusive"]) f[mode] = wrap(mode);
    return f;
  };
}

const plan = (text: string, params: unknown[]) =>
  (
    client
      .query(`EXPLAIN QUERY PLAN ${text}`)
      .all(
        ...(Array.from(
          { length: (text.match(/\?/g) ?? []).length },
          (_, i) => params[i] ?? params.at(-1),
        ) as any[]),
      ) as { detail: string }[]
  )
    .map((r) => r.detail)
    .join(" | ");

async function time(fn: () => unknown, iterations = ITER) {
  for (let i = 0; i < Math.min(200, iterations); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return ((performance.now() - t0) / iterations) * 1000; // µs
}

const us = (x: number) => `${x.toFixed(0).padStart(6)} µs`;
const short = (s: string) => s.replace(/\s+/g, " ").replace(/"/g, "").slice(0, 150);

async function traceOnce(label: string, fn: () => unknown, params: Record<string, unknown[]>) {
  resetTrace();
  tracing = true;
  const n = 200;
  for (let i = 0; i < n; i++) await fn();
  tracing = false;
  console.log(`\n${label}: statements per request (average over ${n} requests)`);
  for (const s of stats.values()) {
    const key = Object.keys(params).find((k) => s.sql.toLowerCase().replace(/"/g, "").includes(k));
    console.log(
      `  exec ${us((s.execMs / s.calls) * 1000)} prepare ${us((s.prepareMs / s.prepares) * 1000)} ×${(s.calls / n).toFixed(1)}  ${short(s.sql)}`,
    );
    if (key) console.log(`      plan: ${plan(s.sql, params[key]!)}`);
  }
}

const request = (path: string) =>
  rt.app.fetch(new Request(`http://127.0.0.1${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } }));

// --- POST /api/v1/send, concurrent, through app.fetch -----------------------------------------------------
// What the HTTP bench drives (C requests in flight, each to another seeded contact), without the HTTP client
// and socket: the sends/s the app itself can do, and what `bun --cpu-prof` sees of it.
async function concurrentSends(total: number, concurrency: number) {
  let i = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const worker = async () => {
    while (i < total) {
      const n = i++;
      const res = await rt.app.fetch(
        new Request("http://127.0.0.1/api/v1/send", {
          method: "POST",
          headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
          body: JSON.stringify({ number: nextNumber(), body: `Hola, su pedido #${n} está en camino` }),
        }),
      );
      if (res.status !== 201) throw new Error(`send → ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const rate = total / ((performance.now() - started) / 1000);
  await Bun.sleep(100); // the last acks
  const cpu = process.cpuUsage(cpu0);
  // CPU time (user + system, all threads) per send: less sensitive than sends/s to other processes' load.
  return { rate, cpuUsPerSend: (cpu.user + cpu.system) / total };
}
let next = 500_000;
const nextNumber = () => {
  let n: string;
  do n = contactNumber(((next++ * 7919) % 100_000) + 1);
  while (n.endsWith("0000"));
  return n;
};
await rt.startSessions();
if (opt.only === "send") {
  const C = Number(opt.concurrency);
  await concurrentSends(1000, C); // warm-up
  const { rate, cpuUsPerSend } = await concurrentSends(Number(opt.sends), C);
  await Bun.sleep(200);
  console.log(
    `## POST /api/v1/send through app.fetch, ${C} in flight: ${rate.toFixed(0)} sends/s, ` +
      `${cpuUsPerSend.toFixed(0)} µs of CPU per send (process, incl. its acks)`,
  );
  // The group commit's batches over the whole run (warm-up included), from the server's own metrics.
  const metricsText = await rt.metrics.registry.metrics();
  const metric = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(metricsText)?.[1] ?? NaN);
  const commits = metric("chasqui_db_commit_batch_size_count");
  console.log(
    `  ${commits} commits, ${(metric("chasqui_db_commit_batch_size_sum") / commits).toFixed(1)} jobs per commit, ` +
      `COMMIT (fsync) ${((metric("chasqui_db_commit_duration_seconds_sum") / commits) * 1000).toFixed(2)} ms on average`,
  );
  await rt.close();
  if (fresh) rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

// --- GET /api/v1/tickets?status=open&limit=20 -----------------------------------------------------------
console.log(`\n## GET /api/v1/tickets?status=open&limit=20 (${ITER} iterations each, warm)`);
await traceOnce("list", () => rt.services.tickets.list({ status: "open", offset: 0, limit: 20 }), {
  "count(": ["open"],
  "from tickets inner join": ["open", 20, 0],
  "from ticket_tags": [1],
});
const rawCount = client.query("SELECT count(*) AS n FROM tickets WHERE status = ?");
const rawPage = client.query(
  `SELECT t.*, c.*, w.id, w.name, w.number, q.id, q.name, q.color, u.id, u.name, u.email
   FROM tickets t JOIN contacts c ON c.id = t.contact_id JOIN connections w ON w.id = t.connection_id
   LEFT JOIN queues q ON q.id = t.queue_id LEFT JOIN users u ON u.id = t.user_id
   WHERE t.status = ? ORDER BY t.updated_at DESC, t.id DESC LIMIT ? OFFSET ?`,
);
const listLayers = {
  "raw count(*) WHERE status='open' (cached statement)": await time(() => rawCount.get("open")),
  "raw page query, 20 rows (cached statement)": await time(() => rawPage.all("open", 20, 0)),
  "services.tickets.list (drizzle: count + page + tags)": await time(() =>
    rt.services.tickets.list({ status: "open", offset: 0, limit: 20 }),
  ),
  "service + ticketWire + JSON.stringify": await time(async () =>
    JSON.stringify(
      (await rt.services.tickets.list({ status: "open", offset: 0, limit: 20 })).rows.map(ticketWire),
    ),
  ),
  "app.fetch (auth, zod, service, wire, JSON)": await time(async () => {
    const res = await request("/api/v1/tickets?status=open&limit=20");
    await res.arrayBuffer();
  }),
  "app.fetch GET /health (framework floor)": await time(async () => {
    const res = await request("/health");
    await res.arrayBuffer();
  }),
};
for (const [k, v] of Object.entries(listLayers)) console.log(`  ${us(v)}  ${k}`);

// --- GET /api/v1/tickets/:id/messages -------------------------------------------------------------------
console.log(`\n## GET /api/v1/tickets/${tenMessageTicketId}/messages`);
await traceOnce("messages", () => rt.services.messages.list(tenMessageTicketId, { offset: 0, limit: 20 }), {
  "from messages left join": [tenMessageTicketId, 21, 0],
  "count(": [tenMessageTicketId],
});
const msgLayers = {
  "services.messages.list": await time(() =>
    rt.services.messages.list(tenMessageTicketId, { offset: 0, limit: 20 }),
  ),
  "app.fetch": await time(async () => {
    const res = await request(`/api/v1/tickets/${tenMessageTicketId}/messages`);
    await res.arrayBuffer();
  }),
};
for (const [k, v] of Object.entries(msgLayers)) console.log(`  ${us(v)}  ${k}`);

// --- POST /api/v1/send ----------------------------------------------------------------------------------
for (const [mode, acks] of [
  ["FULL", true],
  ["FULL", false],
  ["NORMAL", true],
] as const) {
  client.exec(`PRAGMA synchronous = ${mode};`);
  acksEnabled = acks;
  const N = 400;
  for (let i = 0; i < 50; i++)
    await rt.services.messages.sendToNumber({ number: nextNumber(), body: "warm" });
  await Bun.sleep(800);
  resetTrace();
  tracing = true;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    await rt.services.messages.sendToNumber({
      number: nextNumber(),
      body: `Hola, su pedido #${i} está en camino`,
    });
    await new Promise((r) => setImmediate(r)); // let the sandbox's ack timers run, as in the server
  }
  const sendMs = performance.now() - t0;
  await Bun.sleep(800); // the last acks
  tracing = false;
  const execMs = [...stats.values()].reduce((a, s) => a + s.execMs, 0);
  const prepMs = [...stats.values()].reduce((a, s) => a + s.prepareMs, 0);
  const calls = [...stats.values()].reduce((a, s) => a + s.calls, 0);
  const writes = [...stats.values()].filter((s) => /^\s*(insert|update|delete)/i.test(s.sql));
  console.log(
    `\n## POST /api/v1/send, sequential, synchronous=${mode}${acks ? "" : ", sandbox acks dropped"}` +
      `${mode === "NORMAL" || !acks ? " (comparison only)" : ""}`,
  );
  console.log(
    `  ${(N / (sendMs / 1000)).toFixed(0)} sends/s in one loop (${(sendMs / N).toFixed(2)} ms per send incl. its 3 acks)\n` +
      `  per send: ${(tx.count / N).toFixed(1)} transactions, ${(calls / N).toFixed(1)} statements ` +
      `(${(writes.reduce((a, s) => a + s.calls, 0) / N).toFixed(1)} writes); ` +
      `BEGIN+COMMIT ${((tx.totalMs - tx.bodyMs) / N).toFixed(3)} ms, SQL exec ${(execMs / N).toFixed(3)} ms, ` +
      `SQL prepare ${(prepMs / N).toFixed(3)} ms`,
  );
  if (mode === "FULL" && acks) {
    for (const s of [...stats.values()].sort((a, b) => b.execMs - a.execMs).slice(0, 12))
      console.log(`  exec ${us((s.execMs / N) * 1000)}/send ×${(s.calls / N).toFixed(1)}  ${short(s.sql)}`);
  }
}
await rt.close();

// --- idle RSS by module ---------------------------------------------------------------------------------
console.log("\n## RSS after importing (separate `bun -e` processes, after Bun.gc(true))");
for (const mod of [
  "",
  "hono",
  "drizzle-orm/bun-sqlite",
  "./src/app.ts",
  "@whiskeysockets/baileys",
  "./src/whatsapp/baileys/baileys-gateway.ts",
  "./src/server.ts",
]) {
  const code = `${mod ? `await import(${JSON.stringify(mod)});` : ""}Bun.gc(true);await Bun.sleep(300);
console.log(/VmRSS:\\s+(\\d+)/.exec(require("fs").readFileSync("/proc/self/status","utf8"))[1]);`;
  const p = Bun.spawnSync(["bun", "-e", code], { cwd: ROOT });
  const kb = Number(p.stdout.toString().trim());
  console.log(`  ${(kb / 1024).toFixed(1).padStart(6)} MB  ${mod || "(bare bun)"}`);
}

// --- idle RSS of the real server, as is and with the Baileys driver module stubbed out --------------------
console.log("\n## Idle VmRSS of `bun src/cli.ts serve` on this DATA_DIR, 3 s after /health answers");
for (const preload of [[], ["--preload", join(import.meta.dir, "lib/stub-baileys.ts")]]) {
  const port = freePort();
  const server = Bun.spawn(["bun", ...preload, "src/cli.ts", "serve"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      API_TOKEN: TOKEN,
      LOG_LEVEL: "warn",
    },
    stdout: "ignore",
    stderr: "inherit",
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health`, server);
    await Bun.sleep(3000);
    const label = preload.length ? "Baileys driver stubbed (what a lazy import would give)" : "as is";
    console.log(`  ${readMemory(server.pid).rssMb.toFixed(1).padStart(6)} MB  ${label}`);
  } finally {
    await stopProcess(server);
  }
}

if (fresh) rmSync(dataDir, { recursive: true, force: true });
