/**
 * Mixed-load benchmark (a script, not a test): `bun bench/mixed.bench.ts [--ref COMMIT] [--messages N]`.
 *
 * Everything at once against the real server, every figure next to a hello-world `Bun.serve` ceiling measured
 * in the same run:
 * 1. Seeds a fresh DATA_DIR with `bench/lib/seed.ts` of the code under test (one sandbox connection, `--contacts`
 *    contacts and tickets, `--messages` messages), then starts that code's server as its own process
 *    (`bun src/cli.ts serve`; `--ref COMMIT` runs a `git archive` of that commit, so "before" and "after" are
 *    measured by the same script), the ceiling (`bench/lib/hello-server.ts`) and a webhook receiver
 *    (`bench/webhooks-receiver.ts`, 204 at once, lag = arrival − the envelope's `timestamp`) as processes.
 * 2. One webhook on the connection, subscribed to every event; `--streams` SSE streams on
 *    `/api/v1/events/stream` read by this process (lag = frame arrival − its `timestamp`).
 * 3. Rounds, interleaved: wrk on the ceiling alone, then the mixed round: the writer process
 *    (`bench/lib/mixed-writer.ts`: `--inbound` sandbox inbound/s + `--sends` `POST /api/v1/send`/s, open loop)
 *    runs, and wrk drives `GET /api/v1/tickets` with `--readers` connections for `--seconds`, while a prober process
 *    (`bench/lib/health-probe.ts`) asks for `/health` every 100 ms, another (`bench/lib/disk-probe.ts`) fsyncs a 4 KiB
 *    append in DATA_DIR every 200 ms (a storage stall is then told from the server's own), and this one samples CPU
 *    per core (`/proc/stat`) and per server thread (`/proc/<pid>/task/<tid>/stat`). After each mixed round the writer
 *    stops and the outbox drains.
 * 4. Reports medians over the rounds: list req/s and p99 (and the ratio to the ceiling), the writes done, skipped and their latency, webhook lag p50/p99,
 *    deliveries/s vs events/s, `/health` worst latency, the disk probe's worst fsync, SSE frames and lag, CPU per core and per thread; then
 *    the bytes the `events` table and its indexes take per message written in the run (dbstat), against the
 *    messages table's bytes per message.
 *
 * Before the rounds, a warm-up of --warmup seconds (default 10; 0 = only 3 s of readers) runs the writer and the
 * readers once, reported apart: the server's first writes run before its JIT compiled the write path.
 *
 * Options: --ref COMMIT, --messages (1000000), --contacts (100000), --rounds (3), --seconds (10), --warmup (10),
 * --readers (50), --readers-auth env|token|session (the readers' credential, see bench/lib/credentials.ts; default
 * env, the server's API_TOKEN), --inbound (500), --sends (100), --streams (20), --env "K=V,K=V" (extra server env),
 * --json FILE. Needs wrk on PATH.
 */

import { Database } from "bun:sqlite";
import { execSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Socket } from "bun";
import { readerAuthOf, readerHeaders } from "./lib/credentials";
import {
  checkoutRef,
  freePort,
  sh,
  sleep,
  spawnHello,
  spawnServer,
  stopProcess,
  waitForHttp,
} from "./lib/proc";
import { median, quantile } from "./lib/stats";
import { requireWrk, runWrk, type WrkResult } from "./lib/wrk";

const { values: opt } = parseArgs({
  options: {
    ref: { type: "string" },
    messages: { type: "string", default: "1000000" },
    contacts: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "10" },
    readers: { type: "string", default: "50" },
    "readers-auth": { type: "string", default: "env" },
    inbound: { type: "string", default: "500" },
    sends: { type: "string", default: "100" },
    streams: { type: "string", default: "20" },
    env: { type: "string", default: "" },
    json: { type: "string" },
  },
});
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const WARMUP = Number(opt.warmup);
const READERS = Number(opt.readers);
const READERS_AUTH = readerAuthOf(opt["readers-auth"]);
const STREAMS = Number(opt.streams);
const CONTACTS = Number(opt.contacts);
const HERE = resolve(import.meta.dir, "..");
const TOKEN = "bench-token-0123456789abcdef";
const log = (...a: unknown[]) => console.error("[mixed-bench]", ...a);

requireWrk();

// --- the code under test ---------------------------------------------------------------------------
const archive = opt.ref ? checkoutRef(HERE, opt.ref) : undefined;
const root = archive ?? HERE;
const machine = {
  date: new Date().toISOString(),
  nproc: sh("nproc"),
  cpu: sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1"),
  bun: Bun.version,
  loadavg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  code: opt.ref
    ? `git archive ${sh(`git -C ${HERE} rev-parse --short ${opt.ref}`)}`
    : `${sh(`git -C ${HERE} rev-parse --short HEAD`)}${sh(`git -C ${HERE} status --porcelain src`) ? " + uncommitted" : ""}`,
};
log(
  `machine: ${machine.nproc} CPU (${machine.cpu}), bun ${machine.bun}, load ${machine.loadavg}; code: ${machine.code}`,
);

const dataDir = mkdtempSync(join(tmpdir(), "chasqui-mixed-bench-"));
const procs: { pid: number; exited: Promise<number>; kill(sig?: number | NodeJS.Signals): void }[] = [];

// --- seed with the seeder of the code under test (its migrations) -----------------------------------
const seedScript = join(dataDir, "seed.ts");
writeFileSync(
  seedScript,
  `import { seedDatabase } from ${JSON.stringify(join(root, "bench/lib/seed.ts"))};
   const r = seedDatabase(${JSON.stringify(dataDir)}, { contacts: ${CONTACTS}, tickets: ${CONTACTS}, messages: ${Number(opt.messages)} });
   console.log(JSON.stringify(r));`,
);
log(`seeding ${CONTACTS} contacts/tickets and ${opt.messages} messages…`);
const seedOut = execSync(`bun ${seedScript}`, { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 });
const seed = JSON.parse(seedOut.trim().split("\n").at(-1)!) as {
  connectionId: number;
  seconds: number;
  dbBytes: number;
};
log(`seeded in ${seed.seconds.toFixed(1)} s, ${(seed.dbBytes / 2 ** 20).toFixed(0)} MiB`);

const extraEnv = Object.fromEntries(
  opt.env
    .split(",")
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as [string, string]),
);
const port = freePort();
const api = `http://127.0.0.1:${port}`;
const server = spawnServer({
  root,
  dataDir,
  port,
  token: TOKEN,
  env: { WEBHOOK_ALLOW_PRIVATE: "true", ...extraEnv },
});
procs.push(server);
const helloPort = freePort();
const hello = spawnHello(helloPort);
procs.push(hello);
const receiverProc = Bun.spawn(["bun", join(HERE, "bench/webhooks-receiver.ts")], {
  stdout: "pipe",
  stderr: "inherit",
});
procs.push(receiverProc);
const receiverLine = await receiverProc.stdout.getReader().read();
const receiverPort = JSON.parse(new TextDecoder().decode(receiverLine.value).split("\n")[0]!).port as number;
const receiver = `http://127.0.0.1:${receiverPort}`;

const auth = { Authorization: `Bearer ${TOKEN}` };
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${api}${path}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${text}`);
  return JSON.parse(text);
};

// --- SSE streams: raw sockets; each frame's lag from its envelope timestamp --------------------------
let sseFrames = 0;
let sseLags: number[] = [];
const TS = /"timestamp":"([^"]+)"/g;
const openStream = () =>
  new Promise<Socket<{ ready: boolean; tail: string }>>((ok, fail) => {
    Bun.connect<{ ready: boolean; tail: string }>({
      hostname: "127.0.0.1",
      port,
      data: { ready: false, tail: "" },
      socket: {
        open(s) {
          s.write(
            `GET /api/v1/events/stream HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
          );
        },
        data(s, chunk) {
          const now = Date.now();
          const text = s.data.tail + chunk.toString();
          if (!s.data.ready) {
            if (!text.startsWith("HTTP/1.1 200")) fail(new Error(text.slice(0, 200)));
            s.data.ready = true;
            ok(s);
          }
          const cut = text.lastIndexOf("\n\n");
          const complete = cut >= 0 ? text.slice(0, cut) : "";
          s.data.tail = cut >= 0 ? text.slice(cut + 2) : text;
          for (const m of complete.matchAll(TS)) {
            sseFrames++;
            sseLags.push(now - Date.parse(m[1]!));
          }
        },
        error(_s, err) {
          fail(err);
        },
      },
    }).catch(fail);
  });

// --- CPU: per core from /proc/stat, per server thread from /proc/<pid>/task ----------------------------
const coreTicks = () => {
  const out = new Map<string, { busy: number; total: number }>();
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.split(/\s+/).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = f[3]! + (f[4] ?? 0);
    out.set(m[1]!, { busy: total - idle, total });
  }
  return out;
};
const threadTicks = (pid: number) => {
  const out = new Map<string, { name: string; ticks: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const f = stat.slice(close + 2).split(" ");
      out.set(tid, { name, ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // The thread ended.
    }
  }
  return out;
};
const HZ = Number(sh("getconf CLK_TCK")) || 100;

type Mixed = {
  round: number;
  list: WrkResult;
  ceiling: WrkResult;
  writes: {
    inbound: number;
    sends: number;
    errors: number;
    skipped: number;
    seconds: number;
    /** Start of a request to the end of its answer, as the writer saw it. */
    latencyMs: Record<"inbound" | "sends", { p50: number; p99: number; max: number }>;
  };
  events: number;
  eventsPerSec: number;
  deliveries: number;
  deliveriesPerSec: number;
  lag: { p50: number; p99: number; max: number };
  drainSeconds: number;
  healthWorstMs: number;
  /** The disk probe's slowest fsync of a 4 KiB append in the round, and how many took over 50 ms. */
  disk: { worstMs: number; over50: number };
  sse: { frames: number; p50: number; p99: number };
  coresPct: Record<string, number>;
  serverThreadsPct: { name: string; tid: string; pct: number }[];
};
const rounds: Mixed[] = [];
let exitCode = 0;
let sizes: Record<string, unknown> = {};
let warmup: Record<string, unknown> | undefined;
try {
  await waitForHttp(`${api}/health`, server);
  await waitForHttp(`http://127.0.0.1:${helloPort}/`, hello);
  const connectionId = seed.connectionId;
  await post(`/api/v1/connections/${connectionId}/webhooks`, { url: `${receiver}/ok` });
  const streams: Socket<{ ready: boolean; tail: string }>[] = [];
  for (let i = 0; i < STREAMS; i++) streams.push(await openStream());
  const db = new Database(join(dataDir, "chasqui.sqlite"), { readonly: true });
  const eventCount = () => (db.query("select count(*) as n from events").get() as { n: number }).n;
  const openDeliveries = () =>
    (
      db
        .query("select count(*) as n from webhook_deliveries where status in ('pending','delivering')")
        .get() as { n: number }
    ).n;
  const listUrl = `${api}/api/v1/tickets`;
  const readers = await readerHeaders(READERS_AUTH, TOKEN, (path, init) => fetch(`${api}${path}`, init));
  log(
    `${ROUNDS} rounds × (ceiling, mixed ${SECONDS} s): ${READERS} readers (${READERS_AUTH}), ${opt.inbound} inbound/s + ${opt.sends} sends/s, ${STREAMS} SSE streams, 1 webhook`,
  );
  const spawnWriter = () =>
    Bun.spawn(
      [
        "bun",
        join(HERE, "bench/lib/mixed-writer.ts"),
        api,
        TOKEN,
        String(connectionId),
        opt.inbound,
        opt.sends,
        String(CONTACTS),
      ],
      { stdout: "pipe", stderr: "inherit" },
    );
  const stopWriter = async (writer: ReturnType<typeof spawnWriter>) => {
    writer.kill("SIGTERM");
    const writes = JSON.parse((await new Response(writer.stdout).text()).trim().split("\n").at(-1)!);
    await writer.exited;
    return writes;
  };
  /**
   * A probe in its own process (`bench/lib/<script>` with `args`) until stopped: SIGTERM, then the JSON line it
   * prints last.
   */
  const spawnProbe = <T>(script: string, args: string[]) => {
    const probe = Bun.spawn(["bun", join(HERE, "bench/lib", script), ...args], {
      stdout: "pipe",
      stderr: "inherit",
    });
    return {
      stop: async (): Promise<T> => {
        probe.kill("SIGTERM");
        const out = JSON.parse((await new Response(probe.stdout).text()).trim().split("\n").at(-1)!) as T;
        await probe.exited;
        return out;
      },
    };
  };
  /**
   * `/health` every 100 ms until stopped, from its own process (bench/lib/health-probe.ts: this one reads every SSE
   * frame, which would delay the probe's own answers); resolves the slowest answer, ms.
   */
  const probeHealth = () => {
    const probe = spawnProbe<{ worstMs: number }>("health-probe.ts", [`${api}/health`, "100"]);
    return { stop: async () => (await probe.stop()).worstMs };
  };
  /**
   * A 4 KiB append + fsync in DATA_DIR every 200 ms until stopped, from its own process (bench/lib/disk-probe.ts):
   * tells a storage stall from the server's own in a round's latency figures. Resolves the slowest fsync, ms, and
   * how many took over 50 ms.
   */
  const probeDisk = () => spawnProbe<{ worstMs: number; over50: number }>("disk-probe.ts", [dataDir, "200"]);
  const drainOutbox = async () => {
    const deadline = Date.now() + 120_000;
    while (openDeliveries() > 0 && Date.now() < deadline) await sleep(20);
  };

  // Warm-up: the server's first writes run cold (its JIT has compiled none of the write path yet), so the
  // write load and the readers run once, reported apart, before the measured rounds.
  if (WARMUP > 0) {
    const writer = spawnWriter();
    const prober = probeHealth();
    const list = await runWrk({ url: listUrl, connections: READERS, seconds: WARMUP, headers: readers });
    const worst = await prober.stop();
    const writes = await stopWriter(writer);
    await drainOutbox();
    warmup = { seconds: WARMUP, listRps: Math.round(list.rps), healthWorstMs: Math.round(worst), writes };
    log(
      `warm-up ${WARMUP} s (not in the rounds): list ${list.rps.toFixed(0)} req/s, health worst ${worst.toFixed(0)} ms, writes ${writes.inbound} in + ${writes.sends} sends (${writes.skipped} skipped), latency p99 in ${writes.latencyMs.inbound.p99} ms`,
    );
  } else {
    await runWrk({ url: listUrl, connections: READERS, seconds: 3, headers: readers });
  }
  await runWrk({ url: `http://127.0.0.1:${helloPort}/`, connections: READERS, seconds: 2 });

  for (let round = 1; round <= ROUNDS; round++) {
    const ceiling = await runWrk({
      url: `http://127.0.0.1:${helloPort}/`,
      connections: READERS,
      seconds: SECONDS,
    });
    await fetch(`${receiver}/reset`, { method: "POST" });
    sseLags = [];
    sseFrames = 0;
    const e0 = eventCount();
    const writer = spawnWriter();
    await sleep(2000); // writers reach their rate before the readers start
    const prober = probeHealth();
    const diskProber = probeDisk();
    const c0 = coreTicks();
    const t0 = threadTicks(server.pid);
    const w0 = performance.now();
    const list = await runWrk({ url: listUrl, connections: READERS, seconds: SECONDS, headers: readers });
    const wall = (performance.now() - w0) / 1000;
    const c1 = coreTicks();
    const t1 = threadTicks(server.pid);
    const healthWorstMs = await prober.stop();
    const disk = await diskProber.stop();
    const writes = await stopWriter(writer);
    const coresPct: Record<string, number> = {};
    for (const [cpu, b] of c1) {
      const a = c0.get(cpu)!;
      coresPct[cpu] = Math.round(((b.busy - a.busy) / Math.max(1, b.total - a.total)) * 100);
    }
    const serverThreadsPct = [...t1]
      .map(([tid, b]) => ({
        tid,
        name: b.name,
        pct: Math.round((((b.ticks - (t0.get(tid)?.ticks ?? 0)) / HZ) * 100) / wall),
      }))
      .filter((t) => t.pct >= 2)
      .sort((a, b) => b.pct - a.pct);
    // The outbox drains after the writers stop; the lag figures cover every event of the round.
    const drainStart = performance.now();
    await drainOutbox();
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const stats = (await (await fetch(`${receiver}/stats`)).json()) as {
      count: number;
      p50: number;
      p99: number;
      max: number;
    };
    const events = eventCount() - e0;
    const activeSeconds = writes.seconds as number;
    const sortedSse = sseLags.sort((a, b) => a - b);
    const r: Mixed = {
      round,
      list,
      ceiling,
      writes,
      events,
      eventsPerSec: events / activeSeconds,
      deliveries: stats.count,
      // Deliveries over the time from the first write to the end of the drain.
      deliveriesPerSec: stats.count / (activeSeconds + drainSeconds),
      lag: { p50: stats.p50, p99: stats.p99, max: stats.max },
      drainSeconds,
      healthWorstMs,
      disk,
      sse: { frames: sseFrames, p50: quantile(sortedSse, 0.5), p99: quantile(sortedSse, 0.99) },
      coresPct,
      serverThreadsPct,
    };
    rounds.push(r);
    log(
      `#${round} ceiling ${ceiling.rps.toFixed(0)} req/s | list ${list.rps.toFixed(0)} req/s (${((list.rps / ceiling.rps) * 100).toFixed(1)} %), p99 ${list.p99.toFixed(1)} ms | ` +
        `writes ${writes.inbound} in + ${writes.sends} sends (${writes.errors} err, ${writes.skipped} skipped), ` +
        `latency p50/p99 in ${writes.latencyMs.inbound.p50}/${writes.latencyMs.inbound.p99} ms, ` +
        `send ${writes.latencyMs.sends.p50}/${writes.latencyMs.sends.p99} ms | ` +
        `${events} events (${r.eventsPerSec.toFixed(0)}/s), ${stats.count} deliveries (${r.deliveriesPerSec.toFixed(0)}/s), drain ${drainSeconds.toFixed(1)} s | ` +
        `lag p50 ${stats.p50} p99 ${stats.p99} max ${stats.max} ms | health worst ${healthWorstMs.toFixed(0)} ms | ` +
        `disk fsync worst ${disk.worstMs} ms (${disk.over50} > 50 ms) | ` +
        `SSE ${sseFrames} frames, p50 ${r.sse.p50} p99 ${r.sse.p99} ms | cores ${JSON.stringify(coresPct)} | threads ${serverThreadsPct.map((t) => `${t.name}:${t.pct}%`).join(" ")}`,
    );
  }
  for (const s of streams) s.end();

  // --- what events cost per message written in this run (the seed writes no events) -------------------
  const dbstat = db
    .query<{ name: string; bytes: number }, []>("select name, sum(pgsize) as bytes from dbstat group by name")
    .all();
  const bytesOf = (names: string[]) =>
    dbstat.filter((r) => names.includes(r.name)).reduce((a, r) => a + r.bytes, 0);
  const indexesOf = (table: string) =>
    db
      .query<{ name: string }, [string]>(
        "select name from sqlite_schema where type = 'index' and tbl_name = ?",
      )
      .all(table)
      .map((r) => r.name);
  const messagesTotal = (db.query("select count(*) as n from messages").get() as { n: number }).n;
  const warmupWrites = warmup?.writes as { inbound: number; sends: number } | undefined;
  const written =
    rounds.reduce((a, r) => a + r.writes.inbound + r.writes.sends, 0) +
    (warmupWrites ? warmupWrites.inbound + warmupWrites.sends : 0);
  const eventsTotal = eventCount();
  const eventsTable = bytesOf(["events"]);
  const eventsIndexes = bytesOf(indexesOf("events"));
  const messagesTable = bytesOf(["messages"]);
  const messagesIndexes = bytesOf(indexesOf("messages"));
  sizes = {
    messagesWritten: written,
    events: eventsTotal,
    eventsTableBytes: eventsTable,
    eventsIndexBytes: eventsIndexes,
    eventsBytesPerMessageWritten: Math.round((eventsTable + eventsIndexes) / Math.max(1, written)),
    eventsBytesPerEvent: Math.round((eventsTable + eventsIndexes) / Math.max(1, eventsTotal)),
    messages: messagesTotal,
    messagesTableBytesPerMessage: Math.round(messagesTable / messagesTotal),
    messagesIndexBytesPerMessage: Math.round(messagesIndexes / messagesTotal),
  };
  db.close();

  const med = (f: (r: Mixed) => number) => median(rounds.map(f));
  const ceilingRps = med((r) => r.ceiling.rps);
  const listRps = med((r) => r.list.rps);
  const summary = {
    ceilingRps: Math.round(ceilingRps),
    listRps: Math.round(listRps),
    listShareOfCeilingPct: Number(((listRps / ceilingRps) * 100).toFixed(2)),
    listP99Ms: Number(med((r) => r.list.p99).toFixed(1)),
    inboundPerSec: Number(med((r) => r.writes.inbound / r.writes.seconds).toFixed(0)),
    sendsPerSec: Number(med((r) => r.writes.sends / r.writes.seconds).toFixed(0)),
    inboundLatencyP99Ms: med((r) => r.writes.latencyMs.inbound.p99),
    sendLatencyP99Ms: med((r) => r.writes.latencyMs.sends.p99),
    eventsPerSec: Math.round(med((r) => r.eventsPerSec)),
    deliveriesPerSec: Math.round(med((r) => r.deliveriesPerSec)),
    webhookLagP50Ms: med((r) => r.lag.p50),
    webhookLagP99Ms: med((r) => r.lag.p99),
    drainSeconds: Number(med((r) => r.drainSeconds).toFixed(1)),
    healthWorstMs: Number(Math.max(...rounds.map((r) => r.healthWorstMs)).toFixed(0)),
    diskFsyncWorstMs: Math.max(...rounds.map((r) => r.disk.worstMs)),
    sseFramesPerStreamPerSec: Math.round(med((r) => r.sse.frames / STREAMS / SECONDS)),
    sseLagP50Ms: med((r) => r.sse.p50),
    sseLagP99Ms: med((r) => r.sse.p99),
    coresPct: Object.fromEntries(
      Object.keys(rounds[0]!.coresPct).map((c) => [c, med((r) => r.coresPct[c] ?? 0)]),
    ),
    serverThreadsPct: rounds.at(-1)!.serverThreadsPct,
  };
  console.log(
    `\nMixed load — ${machine.code}, ${machine.date}, ${machine.nproc} × ${machine.cpu}, bun ${machine.bun}, load ${machine.loadavg}`,
  );
  console.log(
    `${opt.messages} messages; ${READERS} readers on GET /api/v1/tickets, ${opt.inbound} inbound/s + ${opt.sends} sends/s, ${STREAMS} SSE streams, 1 webhook; ${ROUNDS} × ${SECONDS} s, medians`,
  );
  console.log(JSON.stringify({ warmup, summary, sizes }, null, 2));
  if (opt.json)
    writeFileSync(opt.json, JSON.stringify({ machine, opt, seed, warmup, rounds, summary, sizes }, null, 2));
} catch (err) {
  log(err);
  exitCode = 1;
} finally {
  for (const p of procs.reverse()) await stopProcess(p).catch(() => {});
  if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
  if (archive && existsSync(archive)) rmSync(archive, { recursive: true, force: true });
}
process.exit(exitCode);
