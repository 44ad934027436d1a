/**
 * The ticket and contact list routes of two trees in ONE process, interleaved call by call (a script, not a test):
 * `bun bench/list-services.bench.ts [--ref main] [--tickets 400] [--calls 3000]`.
 *
 * Builds the runtime of this tree and of `--ref` (a `git archive`, node_modules linked), each on its own file
 * database with one sandbox connection and `--tickets` inbound conversations (a ticket and a contact each), then
 * asks both, alternating which goes first, the same GETs through `app.fetch` (auth, validation, service, wire,
 * read cache — no sockets): cached pages, pages whose cache entry was pushed out (the page size varies), a
 * contact search, one ticket, the tab counts. Prints the median µs per scenario and the ratio this tree / ref.
 * Same process, same moment: the ratio holds under load; the absolute figures do not. Note `uptime` beside it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkoutRef } from "./lib/proc";
import { median } from "./lib/stats";

const { values: opt } = parseArgs({
  options: {
    ref: { type: "string", default: "main" },
    tickets: { type: "string", default: "400" },
    calls: { type: "string", default: "3000" },
  },
});
const ROOT = resolve(import.meta.dir, "..");
const TICKETS = Number(opt.tickets);
const CALLS = Number(opt.calls);
const TOKEN = "bench-token-0123456789abcdefgh";

type App = { name: string; call: (method: string, path: string, body?: unknown) => Promise<string> };

async function appOf(name: string, root: string, dataDir: string): Promise<App> {
  const { loadConfig } = await import(join(root, "src/config.ts"));
  const { createLogger } = await import(join(root, "src/logger.ts"));
  const { createRuntime } = await import(join(root, "src/server.ts"));
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_TOKEN: TOKEN,
    PUBLIC_URL: "http://bench.test",
    LOG_LEVEL: "silent",
    WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
  });
  const rt = createRuntime(config, createLogger("silent"));
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await rt.app.fetch(
      new Request(`http://bench.test${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    if (!res.ok) throw new Error(`${name}: ${method} ${path} → ${res.status} ${await res.text()}`);
    return res.text();
  };
  const conn = JSON.parse(
    await call("POST", "/api/v1/connections", { name: "S", driver: "sandbox", number: "595981000000" }),
  );
  // The sandbox session connects on its own; inbound messages need it CONNECTED.
  for (let i = 0; i < 200; i++) {
    if (JSON.parse(await call("GET", `/api/v1/connections/${conn.id}`)).status === "CONNECTED") break;
    await new Promise((r) => setImmediate(r));
  }
  for (let i = 0; i < TICKETS; i += 20)
    await Promise.all(
      Array.from({ length: Math.min(20, TICKETS - i) }, (_, k) =>
        call("POST", `/api/v1/connections/${conn.id}/sandbox/inbound`, {
          number: `5959900${String(i + k).padStart(5, "0")}`,
          body: `m${i + k}`,
        }),
      ),
    );
  return { name, call };
}

const refDir = checkoutRef(ROOT, opt.ref!);
const dirs = [
  mkdtempSync(join(tmpdir(), "chasqui-lists-a-")),
  mkdtempSync(join(tmpdir(), "chasqui-lists-b-")),
];
const apps = [await appOf(opt.ref!, refDir, dirs[0]!), await appOf("this tree", ROOT, dirs[1]!)];

const scenarios: [string, (i: number) => string][] = [
  ["tickets page (cached)", (i) => `/api/v1/tickets?page=${(i % 10) + 1}&limit=20`],
  ["contacts page (cached)", (i) => `/api/v1/contacts?page=${(i % 10) + 1}&limit=20`],
  ["tickets page (entry missed)", (i) => `/api/v1/tickets?page=${(i % 5) + 1}&limit=${(i % 80) + 20}`],
  ["contacts page (entry missed)", (i) => `/api/v1/contacts?page=${(i % 5) + 1}&limit=${(i % 80) + 20}`],
  ["contacts search", (i) => `/api/v1/contacts?search=${i}&limit=20`],
  ["ticket get", (i) => `/api/v1/tickets/${(i % TICKETS) + 1}`],
  ["ticket counts", () => "/api/v1/tickets/counts"],
];
const times = new Map<string, number[]>();
for (let i = 0; i < CALLS; i++)
  for (const [name, path] of scenarios)
    for (let k = 0; k < apps.length; k++) {
      const app = apps[(i + k) % apps.length]!;
      const t0 = performance.now();
      await app.call("GET", path(i));
      const key = `${name}\u0000${app.name}`;
      const xs = times.get(key) ?? [];
      xs.push((performance.now() - t0) * 1000);
      times.set(key, xs);
    }

console.log(`\n${new Date().toISOString()}, ${TICKETS} tickets, ${CALLS} calls per scenario and tree`);
console.log(`| scenario | ${opt.ref} median µs | this tree median µs | this / ${opt.ref} |`);
console.log("|---|---:|---:|---:|");
for (const [name] of scenarios) {
  const [ref, mine] = apps.map((a) => median(times.get(`${name}\u0000${a.name}`)!));
  console.log(`| ${name} | ${ref!.toFixed(1)} | ${mine!.toFixed(1)} | ${(mine! / ref!).toFixed(2)} |`);
}
for (const dir of [...dirs, refDir]) rmSync(dir, { recursive: true, force: true });
process.exit(0);
