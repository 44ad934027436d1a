/**
 * Uncached list pages at any depth (a script, not a test): `bun bench/lists.bench.ts [--ref COMMIT]
 * [--messages N]`.
 *
 * Every request asks for a different page, so no answer comes from the read cache: each scenario's wrk
 * script picks a random position per request (a keyset cursor at a random point of the list's order, a
 * random ticket's messages, or a random offset page). Rows may still be in the row cache by chance (10,000
 * of 100,000 tickets at most, so ~10 %).
 *
 * 1. Seeds a fresh DATA_DIR with `bench/lib/seed.ts` of the code under test (one sandbox connection,
 *    `--contacts` contacts and tickets, `--messages` messages), then starts that code's server as its own
 *    process (`bun src/cli.ts serve`; `--ref COMMIT` runs a `git archive` of that commit, so before and after
 *    are measured by the same script) and the hello-world ceiling (`bench/lib/hello-server.ts`).
 * 2. Rounds, interleaved: wrk on the ceiling, then wrk on each scenario (`--connections`, `--seconds`).
 * 3. Prints, per scenario, the median over the rounds of req/s, its share of the ceiling of the same round,
 *    and p99.
 *
 * Scenarios: `tickets` (`GET /api/v1/tickets?after=`), `closed` (`?status=closed&after=`), `queue` (the waiting
 * tab, `?view=queue&after=`: pending tickets with no agent, 10 % of the seeded ones), `contacts`
 * (`GET /api/v1/contacts?after=`), `messages` (`GET /api/v1/tickets/{random}/messages`), `offset`
 * (`GET /api/v1/tickets?page=` 1–50, shallow offset pages) and `deep-offset` (`?page=` 1–5,000: offset
 * pagination reads every skipped index entry, so its cost grows with the page number; use `after=`).
 *
 * Options: --ref COMMIT, --messages (1000000), --contacts (100000), --rounds (3), --seconds (5),
 * --connections (50), --only a,b (scenarios), --json FILE, --seed-cache DIR (reuse seeded databases, see
 * bench/lib/seed.ts), --env K=V,… (settings of the server under test, e.g. SQLITE_MMAP_MB=0), --auth
 * env|token|session (the credential every request carries, see bench/lib/credentials.ts; default env, API_TOKEN).
 * --compare COMMIT also starts that commit's server (a `git archive`, on its own copy of the same seeded
 * database, with its defaults) and runs every scenario on both in each round, in alternating order: the
 * summary gives both and the ratio, measured under the same load. Needs wrk on PATH.
 */

import { execSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readerAuthOf, readerHeaders } from "./lib/credentials";
import { checkoutRef, freePort, sh, spawnHello, spawnServer, stopProcess, waitForHttp } from "./lib/proc";
import { median } from "./lib/stats";
import { requireWrk, runWrk, type WrkResult } from "./lib/wrk";

const { values: opt } = parseArgs({
  options: {
    ref: { type: "string" },
    messages: { type: "string", default: "1000000" },
    contacts: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "50" },
    only: { type: "string" },
    json: { type: "string" },
    "seed-cache": { type: "string" },
    env: { type: "string" },
    compare: { type: "string" },
    auth: { type: "string", default: "env" },
  },
});
const serverEnv: Record<string, string> = Object.fromEntries(
  (opt.env ?? "")
    .split(",")
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const CONNECTIONS = Number(opt.connections);
const CONTACTS = Number(opt.contacts);
const HERE = resolve(import.meta.dir, "..");
const TOKEN = "bench-token-0123456789abcdef";
const log = (...a: unknown[]) => console.error("[lists-bench]", ...a);
requireWrk();

const archive = opt.ref ? checkoutRef(HERE, opt.ref) : undefined;
const root = archive ?? HERE;
const code = opt.ref
  ? `git archive ${sh(`git -C ${HERE} rev-parse --short ${opt.ref}`)}`
  : `${sh(`git -C ${HERE} rev-parse --short HEAD`)}${sh(`git -C ${HERE} status --porcelain src`) ? " + uncommitted" : ""}`;
const loadavg = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
log(
  `machine: ${sh("nproc")} CPU (${sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1")}), bun ${Bun.version}, load ${loadavg}; code: ${code}`,
);

const dataDir = mkdtempSync(join(tmpdir(), "chasqui-lists-bench-"));
const now = Date.now();
const seedScript = join(dataDir, "seed.ts");
writeFileSync(
  seedScript,
  `import { seedDatabase } from ${JSON.stringify(join(root, "bench/lib/seed.ts"))};
   const r = seedDatabase(${JSON.stringify(dataDir)}, { contacts: ${CONTACTS}, tickets: ${CONTACTS}, messages: ${Number(opt.messages)}, now: ${now}${opt["seed-cache"] ? `, cacheDir: ${JSON.stringify(resolve(opt["seed-cache"]))}` : ""} });
   console.log(JSON.stringify(r));`,
);
log(`seeding ${CONTACTS} contacts/tickets and ${opt.messages} messages…`);
const seedOut = execSync(`bun ${seedScript}`, { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 });
const seed = JSON.parse(seedOut.trim().split("\n").at(-1)!) as {
  seconds: number;
  dbBytes: number;
  cached?: boolean;
};
log(
  `${seed.cached ? "copied from the seed cache" : "seeded"} in ${seed.seconds.toFixed(1)} s, ${(seed.dbBytes / 2 ** 20).toFixed(0)} MiB`,
);
// A cached database keeps the timestamps of the day it was seeded: the cursors aim at its newest ticket.
const newest = Number(
  sh(
    `bun -e 'import { Database } from "bun:sqlite"; console.log(new Database(${JSON.stringify(join(dataDir, "chasqui.sqlite"))}, { readonly: true }).query("select max(updated_at) as n from tickets").get().n)'`,
  ),
);
const compareArchive = opt.compare ? checkoutRef(HERE, opt.compare) : undefined;
const compareDir = opt.compare ? mkdtempSync(join(tmpdir(), "chasqui-lists-bench-ref-")) : undefined;
if (compareDir) copyFileSync(join(dataDir, "chasqui.sqlite"), join(compareDir, "chasqui.sqlite"));

// A keyset cursor is base64url JSON of [list, ...key]; the scripts build one per request.
const BASE64URL_LUA = `
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
const DAY = 86_400_000;
const ticketCursor = `'["tickets",' .. string.format("%.0f", ${newest - 90 * DAY} + math.random() * ${90 * DAY}) .. ',9007199254740991]'`;
const SCENARIOS: Record<string, string> = {
  tickets: `request = function() return wrk.format(nil, "/api/v1/tickets?after=" .. b64url(${ticketCursor})) end`,
  closed: `request = function() return wrk.format(nil, "/api/v1/tickets?status=closed&after=" .. b64url(${ticketCursor})) end`,
  queue: `request = function() return wrk.format(nil, "/api/v1/tickets?view=queue&after=" .. b64url(${ticketCursor})) end`,
  contacts: `request = function() return wrk.format(nil, "/api/v1/contacts?after=" .. b64url('["contacts","Cliente ' .. math.random(1, ${CONTACTS}) .. '",0]')) end`,
  messages: `request = function() return wrk.format(nil, "/api/v1/tickets/" .. math.random(1, ${CONTACTS}) .. "/messages") end`,
  offset: `request = function() return wrk.format(nil, "/api/v1/tickets?page=" .. math.random(1, 50)) end`,
  "deep-offset": `request = function() return wrk.format(nil, "/api/v1/tickets?page=" .. math.random(1, ${Math.floor(CONTACTS / 20)})) end`,
};
const chosen = opt.only ? opt.only.split(",") : Object.keys(SCENARIOS);

const port = freePort();
const api = `http://127.0.0.1:${port}`;
const server = spawnServer({ root, dataDir, port, token: TOKEN, env: serverEnv });
const refPort = compareDir ? freePort() : 0;
const refServer =
  compareArchive && compareDir
    ? spawnServer({ root: compareArchive, dataDir: compareDir, port: refPort, token: TOKEN })
    : undefined;
const helloPort = freePort();
const hello = spawnHello(helloPort);
const AUTH = readerAuthOf(opt.auth);
type Result = { rps: number; share: number; p99: number };
/** Per scenario: the code under test's rounds, and with --compare the reference's (`name@ref`). */
const results: Record<string, Result[]> = {};
const REF = "@ref";
let exitCode = 0;
try {
  await waitForHttp(`${api}/health`, server);
  if (refServer) await waitForHttp(`http://127.0.0.1:${refPort}/health`, refServer);
  await waitForHttp(`http://127.0.0.1:${helloPort}/`, hello);
  const headersOf = async (base: string) =>
    readerHeaders(AUTH, TOKEN, (path, init) => fetch(`${base}${path}`, init));
  const auth = await headersOf(api);
  const refAuth = refServer ? await headersOf(`http://127.0.0.1:${refPort}`) : auth;
  const run = (name: string, seconds: number, ref = false): Promise<WrkResult> =>
    name === "hello"
      ? runWrk({ url: `http://127.0.0.1:${helloPort}/`, connections: CONNECTIONS, seconds })
      : runWrk({
          url: ref ? `http://127.0.0.1:${refPort}` : api,
          connections: CONNECTIONS,
          seconds,
          headers: ref ? refAuth : auth,
          lua: `${BASE64URL_LUA}\n${SCENARIOS[name]}`,
        });
  const sides = refServer ? [false, true] : [false];
  for (const name of ["hello", ...chosen]) for (const ref of sides) await run(name, 2, ref); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    const ceiling = await run("hello", SECONDS);
    const line = [`#${round} ceiling ${ceiling.rps.toFixed(0)}`];
    for (const name of chosen) {
      // Alternate which goes first, so neither always runs right after the other warmed the OS cache.
      for (const ref of round % 2 === 0 ? [...sides].reverse() : sides) {
        const r = await run(name, SECONDS, ref);
        const label = ref ? `${name}${REF}` : name;
        if (r.non2xx + r.socketErrors + r.timeouts > 0)
          log(`  ! ${label}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors, ${r.timeouts} timeouts`);
        const share = (r.rps / ceiling.rps) * 100;
        results[label] = [...(results[label] ?? []), { rps: r.rps, share, p99: r.p99 }];
        line.push(`${label} ${r.rps.toFixed(0)} (${share.toFixed(1)} %, p99 ${r.p99.toFixed(1)} ms)`);
      }
    }
    log(line.join(" | "));
  }
  const summaryOf = (rs: Result[]) => ({
    rps: Math.round(median(rs.map((r) => r.rps))),
    shareOfCeilingPct: Number(median(rs.map((r) => r.share)).toFixed(2)),
    p99Ms: Number(median(rs.map((r) => r.p99)).toFixed(1)),
  });
  const summary = Object.fromEntries(
    chosen.map((name) => {
      const mine = summaryOf(results[name]!);
      if (!refServer) return [name, mine];
      const ref = summaryOf(results[`${name}${REF}`]!);
      // Same-round ratios: each round's this/ref, then their median.
      const ratios = results[name]!.map((r, i) => r.rps / results[`${name}${REF}`]![i]!.rps);
      return [name, { ...mine, [opt.compare!]: ref, ratioToRef: Number(median(ratios).toFixed(2)) }];
    }),
  );
  console.log(
    `\nUncached lists — ${code}${opt.env ? ` (${opt.env})` : ""}${opt.compare ? ` vs ${opt.compare}` : ""}, ${new Date().toISOString()}, load ${loadavg} → ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}, ${opt.messages} messages`,
  );
  console.log(JSON.stringify(summary, null, 2));
  if (opt.json)
    writeFileSync(
      opt.json,
      JSON.stringify({ code, loadavg, messages: Number(opt.messages), summary, results }, null, 2),
    );
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await stopProcess(server);
  if (refServer) await stopProcess(refServer);
  await stopProcess(hello);
  rmSync(dataDir, { recursive: true, force: true });
  if (compareDir) rmSync(compareDir, { recursive: true, force: true });
  if (archive) rmSync(archive, { recursive: true, force: true });
  if (compareArchive) rmSync(compareArchive, { recursive: true, force: true });
}
process.exit(exitCode);
