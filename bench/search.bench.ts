/**
 * Search at scale, in-process: seeds a file database with bench/lib/seed.ts (default 100k contacts, 100k
 * tickets, 1M messages), builds the real runtime on it and times, interleaved in rounds,
 *
 * - the reference: the ticket list without a search (`status=open`, page 1), computed every time;
 * - ticket search (`GET /tickets?search=`) for rare, common, two-word, prefix and contact queries;
 * - contact search (`GET /contacts?search=`) and message search (`GET /messages/search?q=`);
 *
 * through the services (the HTTP route adds the same few µs to each and caches repeated identical pages),
 * then the send path: `POST /api/v1/send` through the app (group commit, file database) with the FTS
 * triggers on messages and contacts (after) and with them dropped (before), alternating rounds.
 *
 * Run: bun bench/search.bench.ts [--messages 1000000] [--rounds 5] [--sends 1500]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { createRuntime } from "../src/server";
import { contactNumber, seedDatabase } from "./lib/seed";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "5" },
    sends: { type: "string", default: "1500" },
    keep: { type: "boolean", default: false },
  },
});
const MESSAGES = Number(args.messages);
const ROUNDS = Number(args.rounds);
const SENDS = Number(args.sends);
const TICKETS = Math.round(MESSAGES / 10);

const dir = mkdtempSync(join(tmpdir(), "chasqui-search-bench-"));
const seeded = seedDatabase(dir, { contacts: TICKETS, tickets: TICKETS, messages: MESSAGES });
console.log(
  `seeded ${seeded.counts.messages} messages, ${seeded.counts.tickets} tickets, ${seeded.counts.contacts} contacts in ${seeded.seconds.toFixed(1)} s, ${(seeded.dbBytes / 2 ** 20).toFixed(0)} MiB (FTS index built by the triggers while seeding)`,
);

const TOKEN = "bench-token-0123456789abcdef";
const config = loadConfig({
  DATA_DIR: dir,
  API_TOKEN: TOKEN,
  PUBLIC_URL: "http://127.0.0.1:9",
  LOG_LEVEL: "silent",
  WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
});
const runtime = createRuntime(config, createLogger("silent"));
const { services } = runtime;
const sqlite = runtime.db.$client;
const ftsBytes = (
  sqlite
    .query("select sum(pgsize) as b from dbstat where name like 'messages_fts%' or name like 'contacts_fts%'")
    .get() as { b: number | null } | null
)?.b;
if (ftsBytes) console.log(`FTS tables: ${(ftsBytes / 2 ** 20).toFixed(0)} MiB`);

const mid = Math.floor(TICKETS / 2);
/** `run` may return a promise (the message search is async over the Store): the loop awaits every call. */
type Scenario = { name: string; run: () => unknown };
const scenarios: Scenario[] = [
  {
    name: "reference: ticket list status=open page 1",
    run: () => services.tickets.list({ status: "open", offset: 0, limit: 20 }),
  },
  {
    name: `tickets?search=cliente ${mid} (a contact by name)`,
    run: () => services.tickets.list({ search: `cliente ${mid}`, offset: 0, limit: 20 }),
  },
  {
    name: `tickets?search=${contactNumber(mid).slice(-7)} (part of a number)`,
    run: () => services.tickets.list({ search: contactNumber(mid).slice(-7), offset: 0, limit: 20 }),
  },
  {
    name: "tickets?search=comprobante medio (2 words, 1/8 of messages)",
    run: () => services.tickets.list({ search: "comprobante medio", offset: 0, limit: 20 }),
  },
  {
    name: "tickets?search=factura (1/8 of messages)",
    run: () => services.tickets.list({ search: "factura", offset: 0, limit: 20 }),
  },
  {
    name: "tickets?search=factura&status=open",
    run: () => services.tickets.list({ search: "factura", status: "open", offset: 0, limit: 20 }),
  },
  {
    name: "tickets?search=grac (prefix, 1/4 of messages)",
    run: () => services.tickets.list({ search: "grac", offset: 0, limit: 20 }),
  },
  {
    name: "tickets?search=zzzz (no match)",
    run: () => services.tickets.list({ search: "zzzz", offset: 0, limit: 20 }),
  },
  {
    name: `contacts?search=cliente ${mid}`,
    run: () => services.contacts.list({ search: `cliente ${mid}`, offset: 0, limit: 20 }),
  },
  {
    name: `contacts?search=${contactNumber(mid).slice(-5)} (part of a number)`,
    run: () => services.contacts.list({ search: contactNumber(mid).slice(-5), offset: 0, limit: 20 }),
  },
  {
    name: "contacts?search=clie (every contact matches)",
    run: () => services.contacts.list({ search: "clie", offset: 0, limit: 20 }),
  },
  {
    name: "messages/search?q=factura page 1",
    run: () => services.messageSearch({ q: "factura", page: 1, limit: 20 }),
  },
  {
    name: `messages/search?q=${(MESSAGES / 2).toString()} (one message)`,
    run: () => services.messageSearch({ q: String(MESSAGES / 2), page: 1, limit: 20 }),
  },
];

const times = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
for (const s of scenarios) await s.run(); // warm the page cache and the statement cache
for (let round = 0; round < ROUNDS; round++) {
  for (const s of scenarios) {
    const n = s.name.startsWith("reference") ? 50 : 5;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await s.run();
    times.get(s.name)!.push((performance.now() - t0) / n);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ref = median(times.get(scenarios[0]!.name)!);
console.log("\n| query | median ms | runs (ms) | × reference |");
console.log("|---|---:|---|---:|");
for (const s of scenarios) {
  const xs = times.get(s.name)!;
  console.log(
    `| ${s.name} | ${median(xs).toFixed(2)} | ${xs.map((x) => x.toFixed(1)).join(" / ")} | ${(median(xs) / ref).toFixed(1)} |`,
  );
}
const counts = (await services.tickets.list({ search: "factura", offset: 0, limit: 1 })).count;
console.log(`\n"factura" matches ${counts} tickets`);

// ── send path: FTS triggers on (after) vs off (before) ─────────────────────────────────────────────────
const ftsTriggers = sqlite
  .query<{ sql: string; name: string }, []>(
    "select name, sql from sqlite_master where type = 'trigger' and name like '%fts%'",
  )
  .all();
const conn = (
  await (
    await runtime.app.request("/api/v1/connections", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Bench sends", driver: "sandbox", number: "595981000001" }),
    })
  ).json()
).id as number;
let next = 1;
async function sendRound(): Promise<number> {
  const IN_FLIGHT = 50;
  let sent = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (sent < SENDS) {
      sent++;
      let i = (next++ * 7919) % TICKETS || 1;
      // The sandbox answers "not on WhatsApp" for numbers ending in 0000.
      if (contactNumber(i).endsWith("0000")) i++;
      const res = await runtime.app.request("/api/v1/send", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          number: contactNumber(i),
          body: `Respuesta de prueba ${next}`,
          whatsappId: conn,
        }),
      });
      if (res.status !== 201) throw new Error(`send failed: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return SENDS / ((performance.now() - t0) / 1000);
}
const withFts: number[] = [];
const without: number[] = [];
await sendRound(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  withFts.push(await sendRound());
  for (const t of ftsTriggers) sqlite.run(`drop trigger ${t.name}`);
  without.push(await sendRound());
  for (const t of ftsTriggers) sqlite.run(t.sql);
}
console.log(
  `\nsends/s without FTS triggers (before): median ${median(without).toFixed(0)} (${without.map((x) => x.toFixed(0)).join(" / ")})`,
);
console.log(
  `sends/s with FTS triggers (after): median ${median(withFts).toFixed(0)} (${withFts.map((x) => x.toFixed(0)).join(" / ")})`,
);
console.log(`after/before: ${((median(withFts) / median(without)) * 100).toFixed(1)} %`);

await runtime.close();
if (!args.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
