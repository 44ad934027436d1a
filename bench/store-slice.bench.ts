/**
 * The endpoints of the services converted to the asynchronous Store (issue 15, docs/CLUSTER.md §3), before →
 * after in one run (a script, not a test):
 *
 *   bun bench/store-slice.bench.ts [--ref 5c5b7e3] [--rounds 3] [--seconds 5] [--connections 20] [--tags 50]
 *
 * Starts two real servers side by side (`bun src/cli.ts serve`, each its own process and fresh DATA_DIR): this
 * checkout ("after") and a `git archive` of `--ref` ("before", default the commit the conversion started
 * from). Each gets the same `--tags` tags and an `api` token stored in the database (so authentication reads
 * the token through the service, as real clients do; the admin API_TOKEN short-circuits that). Then, round by
 * round, alternating which server goes first, wrk drives:
 *
 * - `GET /api/v1/tags` with the stored token: token lookup + the catalog list (reads);
 * - `PUT /api/v1/tags/1` with the admin token, the same body each time: one write per request (the Store's
 *   FIFO writer with group commit after; a synchronous autocommit UPDATE before).
 *
 * Reports the median req/s, p50 and p99 per server and the after/before ratio. Needs wrk on PATH. Run `uptime`
 * beside it: only same-run ratios mean anything on a shared machine.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkoutRef, freePort, sh, sleep, spawnServer, stopProcess, waitForHttp } from "./lib/proc";
import { median } from "./lib/stats";
import { requireWrk, runWrk, type WrkResult } from "./lib/wrk";

const { values: opt } = parseArgs({
  options: {
    ref: { type: "string", default: "5c5b7e3" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "20" },
    tags: { type: "string", default: "50" },
  },
});
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const CONNECTIONS = Number(opt.connections);
const TAGS = Number(opt.tags);
const ADMIN = "bench-admin-token-0123456789abcdef";
requireWrk();

const HERE = resolve(import.meta.dir, "..");
const archive = checkoutRef(HERE, opt.ref!);
console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    head: sh(`git -C ${HERE} rev-parse --short HEAD`),
    ref: opt.ref,
    uptime: sh("uptime"),
    rounds: ROUNDS,
    seconds: SECONDS,
    connections: CONNECTIONS,
    tags: TAGS,
  }),
);

type Server = {
  name: "before" | "after";
  url: string;
  apiToken: string;
  proc: ReturnType<typeof spawnServer>;
  dataDir: string;
};

async function start(name: Server["name"], root: string): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), `chasqui-store-slice-${name}-`));
  const port = freePort();
  const proc = spawnServer({ root, dataDir, port, token: ADMIN });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc);
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${name}: ${method} ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as { token?: string };
  };
  for (let i = 0; i < TAGS; i++) await call("POST", "/api/v1/tags", { name: `tag ${i}`, color: `#${i}` });
  const { token } = await call("POST", "/api/v1/tokens", { name: "bench", scope: "api" });
  return { name, url, apiToken: token!, proc, dataDir };
}

const servers = [await start("before", archive), await start("after", HERE)];
type Run = { server: string; scenario: string } & WrkResult;
const runs: Run[] = [];
const scenarios = (
  s: Server,
): { scenario: string; url: string; headers: Record<string, string>; lua?: string }[] => [
  {
    scenario: "GET /api/v1/tags",
    url: `${s.url}/api/v1/tags`,
    headers: { Authorization: `Bearer ${s.apiToken}` },
  },
  {
    scenario: "PUT /api/v1/tags/1",
    url: `${s.url}/api/v1/tags/1`,
    headers: { Authorization: `Bearer ${ADMIN}`, "Content-Type": "application/json" },
    lua: `wrk.method = "PUT"\nwrk.body = '{"color":"#abcdef"}'`,
  },
];

try {
  for (let round = 0; round <= ROUNDS; round++) {
    // Round 0 warms both up (3 s, not counted); the order alternates so drift hits both alike.
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order)
      for (const sc of scenarios(s)) {
        const r = await runWrk({
          url: sc.url,
          connections: CONNECTIONS,
          seconds: round === 0 ? 3 : SECONDS,
          headers: sc.headers,
          lua: sc.lua,
        });
        if (r.non2xx + r.socketErrors + r.timeouts > 0)
          console.log(`  ! ${s.name} ${sc.scenario}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors`);
        if (round > 0) {
          runs.push({ server: s.name, scenario: sc.scenario, ...r });
          console.log(
            `  #${round} ${s.name.padEnd(6)} ${sc.scenario.padEnd(20)} ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`,
          );
        }
        await sleep(500);
      }
  }
  console.log(
    "\n| scenario | before req/s | after req/s | after/before | p50 before → after ms | p99 before → after ms |",
  );
  console.log("|---|---:|---:|---:|---|---|");
  for (const sc of scenarios(servers[0]!).map((x) => x.scenario)) {
    const of = (server: string) => runs.filter((r) => r.scenario === sc && r.server === server);
    const [b, a] = [of("before"), of("after")];
    const rps = [median(b.map((r) => r.rps)), median(a.map((r) => r.rps))];
    const p50 = [median(b.map((r) => r.p50)), median(a.map((r) => r.p50))];
    const p99 = [median(b.map((r) => r.p99)), median(a.map((r) => r.p99))];
    console.log(
      `| ${sc} | ${rps[0]!.toFixed(0)} | ${rps[1]!.toFixed(0)} | ${(rps[1]! / rps[0]!).toFixed(3)} | ${p50[0]!.toFixed(2)} → ${p50[1]!.toFixed(2)} | ${p99[0]!.toFixed(2)} → ${p99[1]!.toFixed(2)} |`,
    );
  }
  console.log(`uptime after: ${sh("uptime")}`);
} finally {
  for (const s of servers) {
    await stopProcess(s.proc);
    rmSync(s.dataDir, { recursive: true, force: true });
  }
  rmSync(archive, { recursive: true, force: true });
}
