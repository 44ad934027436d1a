/**
 * API load benchmark (a script, not a test): `bun bench/api.bench.ts` (or `bun run bench`).
 *
 * 1. Seeds a fresh DATA_DIR through the real migrations: 100k contacts, 100k tickets, 1M messages and a
 *    sandbox connection (bench/lib/seed.ts).
 * 2. Starts the real server as its own process (`bun src/cli.ts serve`) and, as the ceiling, a bare
 *    Bun.serve hello-world (bench/lib/hello-server.ts), both on 127.0.0.1.
 * 3. Drives each endpoint with wrk (keep-alive, 50 connections, 10 s per run), several rounds, interleaving
 *    the ceiling with the read endpoints so that noise from other processes hits both alike; the sends run
 *    last because they change the data. Reports the median of the rounds, per metric.
 * 4. Reads the server's RSS from /proc/<pid>/status: idle after boot (VmRSS), peak under load (VmHWM and a
 *    100 ms VmRSS sampler per run).
 *
 * 5. The sends are measured against a reference in the same run: SQLite's own one-transaction-per-send rate
 *    (bench/lib/send-reference.ts: what one send stores — the message row, its ticket update, the
 *    message_sent event and the three acks with their message_ack events — in one BEGIN IMMEDIATE … COMMIT
 *    per send, synchronous=FULL as the server, in a loop on a copy of the seeded database). Reference runs
 *    interleave with the send runs (reference → sends → reference → …), the server idle meanwhile.
 *
 * Options: --rounds N (3) --seconds S (10) --connections C (50) --pin (server and ceiling on CPU 1, wrk on
 * CPU 0) --keep (keep the data dir) --json FILE (write every run) --contacts/--tickets/--messages (sizes)
 * --only send (skip the read endpoints) --ref COMMIT (run the server of that commit, from `git archive`)
 * --seed-cache DIR (reuse a seeded database, see bench/lib/seed.ts) --idempotency-key (each send round is
 * followed by one of the same sends each with its own `Idempotency-Key`, "send + key": the key's reservation
 * and its completion with the answer, on top of the send).
 * Needs wrk on PATH (`apt-get install -y wrk`).
 */

import { Database } from "bun:sqlite";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  checkoutRef,
  freePort,
  readMemory,
  sampleRss,
  sh,
  sleep,
  stopProcess,
  waitForHttp,
} from "./lib/proc";
import { contactNumber, seedDatabase } from "./lib/seed";
import { openReference } from "./lib/send-reference";
import { median } from "./lib/stats";
import { requireWrk, runWrk, type WrkResult } from "./lib/wrk";

const { values: opt } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    contacts: { type: "string", default: "100000" },
    tickets: { type: "string", default: "100000" },
    messages: { type: "string", default: "1000000" },
    pin: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    json: { type: "string" },
    only: { type: "string" },
    ref: { type: "string" },
    "seed-cache": { type: "string" },
    "idempotency-key": { type: "boolean", default: false },
  },
});
const SEND_ONLY = opt.only === "send";
const WITH_KEY = opt["idempotency-key"];
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const CONNECTIONS = Number(opt.connections);
const SIZES = {
  contacts: Number(opt.contacts),
  tickets: Number(opt.tickets),
  messages: Number(opt.messages),
};
const PIN = opt.pin && cpus().length >= 2;
const SERVER_CPUS = PIN ? "1" : undefined;
const WRK_CPUS = PIN ? "0" : undefined;

const TARGETS = { listShareOfCeiling: 0.25, listP99Ms: 20, sendPerSec: 2000, idleRssMb: 80 };

const HERE = resolve(import.meta.dir, "..");
// The server of another commit (before/after in one run); the seed and the reference stay this branch's.
const archive = opt.ref ? checkoutRef(HERE, opt.ref) : undefined;
const ROOT = archive ?? HERE;
const TOKEN = "bench-token-0123456789abcdef";
const log = (...a: unknown[]) => console.error("[bench]", ...a);

requireWrk();
const machine = {
  date: new Date().toISOString(),
  nproc: sh("nproc"),
  cpu: sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1"),
  ramGb: (totalmem() / 2 ** 30).toFixed(1),
  bun: Bun.version,
  commit: sh(`git -C ${HERE} rev-parse --short ${opt.ref ?? "HEAD"}`),
  dirty: !opt.ref && sh(`git -C ${HERE} status --porcelain -- src`) !== "",
  kernel: sh("uname -r"),
};

const dataDir = mkdtempSync(join(tmpdir(), "chasqui-bench-"));
log(`machine: ${machine.nproc} CPU (${machine.cpu}), ${machine.ramGb} GiB, bun ${machine.bun}`);
log(`DATA_DIR ${dataDir} (filesystem: ${sh(`df -T ${dataDir} | awk 'NR==2{print $2}'`)})`);

const seed = seedDatabase(dataDir, { ...SIZES, cacheDir: opt["seed-cache"] });
log(
  `seeded ${seed.counts.contacts} contacts, ${seed.counts.tickets} tickets (${seed.counts.open} open, ` +
    `${seed.counts.pending} pending), ${seed.counts.messages} messages in ${seed.seconds.toFixed(1)} s ` +
    `(${(seed.dbBytes / 2 ** 20).toFixed(0)} MiB)`,
);

// The reference's own copy of the seeded database, taken before the server changes anything.
const refPath = join(dataDir, "reference.sqlite");
copyFileSync(join(dataDir, "chasqui.sqlite"), refPath);

const withCpus = (cmd: string[]) => (SERVER_CPUS ? ["taskset", "-c", SERVER_CPUS, ...cmd] : cmd);

// --- the real server --------------------------------------------------------------------------------
const apiPort = freePort();
const api = `http://127.0.0.1:${apiPort}`;
const bootStart = performance.now();
const server = Bun.spawn(withCpus(["bun", "src/cli.ts", "serve"]), {
  cwd: ROOT,
  env: {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(apiPort),
    HOST: "127.0.0.1",
    API_TOKEN: TOKEN,
    LOG_LEVEL: "warn",
  },
  stdout: Bun.file(join(dataDir, "server.log")),
  stderr: Bun.file(join(dataDir, "server.err")),
});
// The ceiling, started alongside so that both see the same machine.
const helloPort = freePort();
const hello = Bun.spawn(withCpus(["bun", join(import.meta.dir, "lib/hello-server.ts")]), {
  env: { ...process.env, PORT: String(helloPort) },
  stdout: "ignore",
  stderr: "inherit",
});

let exitCode = 0;
try {
  await waitForHttp(`${api}/health`, server);
  const bootMs = performance.now() - bootStart;
  await waitForHttp(`http://127.0.0.1:${helloPort}/`, hello);
  await sleep(3000);
  const idle = readMemory(server.pid);
  log(`server up in ${bootMs.toFixed(0)} ms; idle VmRSS ${idle.rssMb.toFixed(1)} MB`);

  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = async (path: string) => {
    const res = await fetch(`${api}${path}`, { headers: auth });
    if (!res.ok) throw new Error(`GET ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as any;
  };

  // Sanity: what each scenario returns.
  const listPath = "/api/v1/tickets?status=open&limit=20";
  const msgPath = `/api/v1/tickets/${seed.tenMessageTicketId}/messages`;
  const list = await get(listPath);
  const msgs = await get(msgPath);
  const listBytes = JSON.stringify(list).length;
  const msgBytes = JSON.stringify(msgs).length;
  log(`list: ${list.tickets.length} tickets of ${list.count} open, ${listBytes} bytes`);
  log(
    `messages: ${msgs.messages.length} of ${msgs.count} (page size limit=${msgs.limit}), ${msgBytes} bytes`,
  );
  const probe = await fetch(`${api}/api/v1/send`, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ number: contactNumber(1), body: "bench probe" }),
  });
  if (probe.status !== 201) throw new Error(`POST /api/v1/send → ${probe.status} ${await probe.text()}`);
  await probe.arrayBuffer();

  // The send script walks the seeded contacts with a stride coprime with their count, so concurrent
  // requests hit different contacts (and tickets); numbers ending in 0000 are "not on WhatsApp".
  // With `withKey`, each request carries an Idempotency-Key of its own (never a replay): "k<offset>-<i>".
  const sendLua = (offset: number, withKey = false) => `
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local withKey = ${withKey}
local i = ${offset}
local n = ${SIZES.contacts}
local base = ${Number(contactNumber(0))}
request = function()
  local num
  repeat
    i = i + 1
    num = base + ((i * 7919) % n) + 1
  until num % 10000 ~= 0
  local headers = nil
  if withKey then
    headers = {}
    for k, v in pairs(wrk.headers) do headers[k] = v end
    headers["Idempotency-Key"] = "k${offset}-" .. i
  end
  return wrk.format(nil, "/api/v1/send", headers,
    '{"number":"' .. string.format("%.0f", num) .. '","body":"Hola, su pedido #' .. i .. ' está en camino"}')
end
`;

  type Run = { scenario: string; round: number; peakRssMb: number } & WrkResult;
  const runs: Run[] = [];
  let sends2xx = 1; // the probe above
  const measure = async (scenario: string, round: number, url: string, lua?: string, seconds = SECONDS) => {
    const sampler = sampleRss(server.pid);
    const r = await runWrk({ url, connections: CONNECTIONS, seconds, headers: auth, lua, cpus: WRK_CPUS });
    const peakRssMb = sampler.stop();
    if (scenario.startsWith("send")) sends2xx += r.requests - r.non2xx;
    if (r.non2xx + r.socketErrors + r.timeouts > 0)
      log(`  ! ${scenario}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors, ${r.timeouts} timeouts`);
    if (round > 0) {
      runs.push({ scenario, round, peakRssMb, ...r });
      log(
        `  ${scenario} #${round}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ` +
          `peak RSS ${peakRssMb.toFixed(0)} MB`,
      );
    }
    await sleep(1000); // let acks, GC and the WAL settle between runs
    return r;
  };

  const helloUrl = `http://127.0.0.1:${helloPort}/`;
  log(`warm-up (3 s each), then ${ROUNDS} rounds × ${SECONDS} s at ${CONNECTIONS} connections`);
  await measure("hello", 0, helloUrl, undefined, 3);
  if (!SEND_ONLY) {
    await measure("list", 0, `${api}${listPath}`, undefined, 3);
    await measure("messages", 0, `${api}${msgPath}`, undefined, 3);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    await measure("hello", round, helloUrl);
    if (SEND_ONLY) continue;
    await measure("list", round, `${api}${listPath}`);
    await measure("messages", round, `${api}${msgPath}`);
  }
  const reference = openReference(refPath);
  const referenceRuns: number[] = [];
  await measure("send", 0, `${api}/api/v1/send`, sendLua(0), 3);
  if (WITH_KEY) await measure("send + key", 0, `${api}/api/v1/send`, sendLua(700_001, true), 3);
  for (let round = 1; round <= ROUNDS; round++) {
    const ref = reference.run(SECONDS);
    referenceRuns.push(ref.rate);
    log(`  reference #${round}: ${ref.rate.toFixed(0)} sends/s (${ref.sends} transactions)`);
    await sleep(1000);
    await measure("send", round, `${api}/api/v1/send`, sendLua(round * 1_000_003));
    if (WITH_KEY)
      await measure("send + key", round, `${api}/api/v1/send`, sendLua(round * 1_000_003 + 500_001, true));
  }
  reference.close();
  await sleep(1000);
  const end = readMemory(server.pid);

  // --- report --------------------------------------------------------------------------------------------
  const summary = (scenario: string) => {
    const rs = runs.filter((r) => r.scenario === scenario);
    return {
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)),
      all: rs.map((r) => r.rps.toFixed(0)).join(" / "),
      errors: rs.reduce((n, r) => n + r.non2xx + r.socketErrors + r.timeouts, 0),
    };
  };
  const refRate = median(referenceRuns);
  const s = {
    hello: summary("hello"),
    list: summary("list"),
    messages: summary("messages"),
    send: summary("send"),
    sendKey: summary("send + key"),
  };

  await stopProcess(server);
  const check = new Database(join(dataDir, "chasqui.sqlite"), { readonly: true });
  const stored = (check.query("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
  check.close();

  const share = SEND_ONLY ? 0 : s.list.rps / s.hello.rps;
  const sendShare = s.send.rps / refRate;
  const pass = (ok: boolean) => (ok ? "**pass**" : "**FAIL**");
  const row = (name: string, x: (typeof s)["hello"], extra = "") =>
    `| ${name} | ${x.rps.toFixed(0)} | ${x.p50.toFixed(2)} | ${x.p99.toFixed(2)} | ${x.peakRssMb.toFixed(0)} | ${x.all} | ${x.errors}${extra} |`;
  const md = [
    `Measured ${machine.date.slice(0, 10)} on ${machine.nproc} × ${machine.cpu}, ${machine.ramGb} GiB RAM, ` +
      `Bun ${machine.bun}, kernel ${machine.kernel}, commit ${machine.commit}${machine.dirty ? " (src/ modified)" : ""}; ` +
      `wrk -t1 -c${CONNECTIONS} keep-alive, ${ROUNDS} × ${SECONDS} s per endpoint, median of the runs` +
      `${PIN ? "; server pinned to CPU 1, wrk to CPU 0" : "; no CPU pinning"}.`,
    "",
    "| endpoint | req/s (median) | p50 ms | p99 ms | peak RSS MB | req/s per run | errors |",
    "|---|---:|---:|---:|---:|---|---:|",
    row("hello-world `Bun.serve` (ceiling)", s.hello),
    ...(SEND_ONLY
      ? []
      : [
          row("`GET /api/v1/tickets?status=open&limit=20`", s.list),
          row(
            `\`GET /api/v1/tickets/:id/messages\` (${msgs.messages.length} msgs, limit ${msgs.limit})`,
            s.messages,
          ),
        ]),
    row("`POST /api/v1/send` (sandbox)", s.send),
    ...(WITH_KEY
      ? [
          row(
            "`POST /api/v1/send` with an `Idempotency-Key` each",
            s.sendKey,
            ` (× ${(s.sendKey.rps / s.send.rps).toFixed(3)} of the sends without one)`,
          ),
        ]
      : []),
    `| SQLite reference: one transaction per send (bench/lib/send-reference.ts) | ${refRate.toFixed(0)} | | | | ${referenceRuns.map((r) => r.toFixed(0)).join(" / ")} | |`,
    "",
    `Server boot ${bootMs.toFixed(0)} ms; idle VmRSS ${idle.rssMb.toFixed(1)} MB; VmHWM (peak over the whole run) ` +
      `${end.hwmMb.toFixed(1)} MB; VmRSS at the end ${end.rssMb.toFixed(1)} MB. Seeding took ${seed.seconds.toFixed(1)} s ` +
      `(${(seed.dbBytes / 2 ** 20).toFixed(0)} MiB database). Messages stored by the sends: ` +
      `${stored - seed.counts.messages}; 2xx answers to sends seen by wrk (incl. warm-up and probe): ${sends2xx}; ` +
      `at most ${CONNECTIONS} per run may differ (in flight when wrk stopped).`,
    "",
    "| target | measured | result |",
    "|---|---|---|",
    `| sends ≥ 80 % of SQLite's one-transaction-per-send rate | ${(sendShare * 100).toFixed(1)} % (${s.send.rps.toFixed(0)} / ${refRate.toFixed(0)}) | ${pass(sendShare >= 0.8 && s.send.errors === 0)} |`,
    ...(SEND_ONLY
      ? []
      : [
          `| ticket list ≥ 25 % of the ceiling | ${(share * 100).toFixed(1)} % (${s.list.rps.toFixed(0)} / ${s.hello.rps.toFixed(0)}) | ${pass(share >= TARGETS.listShareOfCeiling)} |`,
          `| ticket list p99 < 20 ms | ${s.list.p99.toFixed(2)} ms | ${pass(s.list.p99 < TARGETS.listP99Ms)} |`,
        ]),
    `| send ≥ 2,000 messages/s | ${s.send.rps.toFixed(0)} /s | ${pass(s.send.rps >= TARGETS.sendPerSec && s.send.errors === 0)} |`,
    `| idle RSS < 80 MB | ${idle.rssMb.toFixed(1)} MB | ${pass(idle.rssMb < TARGETS.idleRssMb)} |`,
  ].join("\n");
  console.log(md);

  if (opt.json) {
    writeFileSync(
      opt.json,
      JSON.stringify(
        {
          machine,
          sizes: SIZES,
          seed,
          pin: PIN,
          bootMs,
          idle,
          end,
          stored,
          runs,
          referenceRuns,
          summary: s,
        },
        null,
        2,
      ),
    );
  }
} catch (err) {
  exitCode = 1;
  console.error(err);
  console.error(
    `server log tail:\n${sh(`tail -n 30 ${join(dataDir, "server.err")} ${join(dataDir, "server.log")}`)}`,
  );
} finally {
  if (server.exitCode === null) await stopProcess(server);
  if (hello.exitCode === null) await stopProcess(hello);
  if (opt.keep) log(`kept ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
  if (archive) rmSync(archive, { recursive: true, force: true });
}
process.exit(exitCode);
