/**
 * Both cores (issue 14, item 5), a script, not a test: `bun bench/cores.bench.ts [--messages N] [--rounds N]`.
 *
 * Measures the HTTP read front (`HTTP_READ_THREADS`, src/http/read-front.ts) against the main thread alone, on
 * the real server (`bun src/cli.ts serve`, dispatcher thread on as by default): with N ≥ 1 read threads own the
 * public port and answer the GET lists (tickets, contacts, a ticket's messages) from read-only SQLite
 * connections; the main thread, the single writer, answers everything else on a private loopback listener.
 *
 * 1. Seeds a fresh DATA_DIR (`bench/lib/seed.ts`: one sandbox connection, `--contacts` contacts and tickets,
 *    `--messages` messages; `--seed-cache DIR` or CHASQUI_SEED_CACHE reuses a seeded database) and walks
 *    `--cursors` pages of `GET /api/v1/tickets` to collect keyset cursors.
 * 2. Starts the hello-world ceiling with 1 and with 2 listeners (bench/lib/cores-hello.ts) and a webhook receiver
 *    (bench/webhooks-receiver.ts); one webhook on every event, `WEBHOOK_WINDOW=8` in every variant.
 * 3. Rounds, interleaved; each round: wrk on the 1-listener and the 2-listener ceiling, then for each variant a
 *    fresh server process on the same DATA_DIR and:
 *    - uncached reads: wrk (`--readers` connections) on `GET /api/v1/tickets?after=<random cursor of the
 *      --cursors>`: far more keys than the read cache's 128 entries, each a page-1-cost keyset page;
 *    - under writes: the writer process (bench/lib/mixed-writer.ts: `--inbound` sandbox inbound/s + `--sends`
 *      `POST /api/v1/send`/s, open loop) runs, and wrk drives `GET /api/v1/tickets` (page 1: the read cache helps
 *      between writes, as it does for polling panels); CPU per core and per server thread is sampled; then the
 *      writer stops and the outbox drains (webhook lag from the receiver).
 * 4. Reports medians per variant: req/s, p99 and the share of the 1-listener ceiling of the same round.
 *
 * Variants (`--variants`, comma-separated): off = `HTTP_READ_THREADS=0` (the main thread listens and answers
 * everything); front = `HTTP_READ_THREADS=1`; front2 = `HTTP_READ_THREADS=2` (at the default `HTTP_READ_NICE=10`);
 * front-nice0, front2-nice0 = the same with `HTTP_READ_NICE=0` (the threads at the main thread's priority).
 *
 * Options: --messages (1000000), --contacts (100000), --rounds (3), --seconds (10), --readers (50),
 * --inbound (500), --sends (100), --cursors (1000), --variants (off,front), --seed-cache DIR, --json FILE.
 * Needs wrk on PATH.
 */
import { Database } from "bun:sqlite";
import { execSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort, readMemory, sh, sleep, stopProcess, waitForHttp } from "./lib/proc";
import { median } from "./lib/stats";
import { requireWrk, runWrk, type WrkResult } from "./lib/wrk";

const { values: opt } = parseArgs({
  options: {
    messages: { type: "string", default: "1000000" },
    contacts: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "10" },
    readers: { type: "string", default: "50" },
    inbound: { type: "string", default: "500" },
    sends: { type: "string", default: "100" },
    cursors: { type: "string", default: "1000" },
    variants: { type: "string", default: "off,front" },
    "seed-cache": { type: "string" },
    json: { type: "string" },
  },
});
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const READERS = Number(opt.readers);
const CONTACTS = Number(opt.contacts);
const HERE = resolve(import.meta.dir, "..");
const TOKEN = "bench-token-0123456789abcdef";
const auth = { Authorization: `Bearer ${TOKEN}` };
const log = (...a: unknown[]) => console.error("[cores-bench]", ...a);

const VARIANTS: Record<string, Record<string, string>> = {
  off: { HTTP_READ_THREADS: "0" },
  front: { HTTP_READ_THREADS: "1" },
  front2: { HTTP_READ_THREADS: "2" },
  // The front threads at the main thread's priority (before HTTP_READ_NICE; its default is 10).
  "front-nice0": { HTTP_READ_THREADS: "1", HTTP_READ_NICE: "0" },
  "front2-nice0": { HTTP_READ_THREADS: "2", HTTP_READ_NICE: "0" },
};
const variants = opt.variants.split(",").filter(Boolean);
for (const v of variants) if (!VARIANTS[v]) throw new Error(`unknown variant ${v}`);

requireWrk();

const machine = {
  date: new Date().toISOString(),
  nproc: sh("nproc"),
  cpu: sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1"),
  bun: Bun.version,
  loadavg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  code: `${sh(`git -C ${HERE} rev-parse --short HEAD`)}${sh(`git -C ${HERE} status --porcelain src bench`) ? " + uncommitted" : ""}`,
};
log(
  `machine: ${machine.nproc} CPU (${machine.cpu}), bun ${machine.bun}, load ${machine.loadavg}; code ${machine.code}`,
);

// --- CPU: per core from /proc/stat, per thread of a process from /proc/<pid>/task ------------------------
const HZ = Number(sh("getconf CLK_TCK")) || 100;
const coreTicks = () => {
  const out = new Map<string, { busy: number; total: number }>();
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.split(/\s+/).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    out.set(m[1]!, { busy: total - f[3]! - (f[4] ?? 0), total });
  }
  return out;
};
const threadTicks = (pid: number) => {
  const out = new Map<string, { name: string; ticks: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const f = stat.slice(close + 2).split(" ");
      out.set(tid, { name: stat.slice(stat.indexOf("(") + 1, close), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // The thread ended.
    }
  }
  return out;
};
/** CPU shares (% of one core) over a stretch of wall time: per core, and per server thread above 2 %. */
const cpuWatch = (pid: number) => {
  const c0 = coreTicks();
  const t0 = threadTicks(pid);
  const w0 = performance.now();
  return () => {
    const wall = (performance.now() - w0) / 1000;
    const c1 = coreTicks();
    const t1 = threadTicks(pid);
    const cores: Record<string, number> = {};
    for (const [cpu, b] of c1) {
      const a = c0.get(cpu)!;
      cores[cpu] = Math.round(((b.busy - a.busy) / Math.max(1, b.total - a.total)) * 100);
    }
    // Threads of one name (Bun's Workers are all "Worker") are told apart by creation order (tid): the
    // dispatcher thread starts before the read-front threads.
    const order = [...t1].sort((a, b) => Number(a[0]) - Number(b[0]));
    const label = (tid: string, name: string) =>
      `${name}#${order.filter(([, t]) => t.name === name).findIndex(([id]) => id === tid)}`;
    const threads = [...t1]
      .map(([tid, b]) => ({
        name: label(tid, b.name),
        tid,
        pct: Math.round((((b.ticks - (t0.get(tid)?.ticks ?? 0)) / HZ) * 100) / wall),
      }))
      .filter((t) => t.pct >= 2)
      .sort((a, b) => b.pct - a.pct);
    return { cores, threads };
  };
};

// --- data ---------------------------------------------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), "chasqui-cores-bench-"));
const procs: { pid: number; exited: Promise<number>; kill(sig?: number | NodeJS.Signals): void }[] = [];
const seedScript = join(dataDir, "seed.ts");
writeFileSync(
  seedScript,
  `import { seedDatabase } from ${JSON.stringify(join(HERE, "bench/lib/seed.ts"))};
   console.log(JSON.stringify(seedDatabase(${JSON.stringify(dataDir)}, { contacts: ${CONTACTS}, tickets: ${CONTACTS}, messages: ${Number(opt.messages)}, cacheDir: ${JSON.stringify(opt["seed-cache"])} })));`,
);
log(`seeding ${CONTACTS} contacts/tickets and ${opt.messages} messages…`);
const seed = JSON.parse(
  execSync(`bun ${seedScript}`, { cwd: HERE, encoding: "utf8", maxBuffer: 1 << 24 })
    .trim()
    .split("\n")
    .at(-1)!,
) as { connectionId: number; seconds: number; dbBytes: number };
log(`seeded in ${seed.seconds.toFixed(1)} s, ${(seed.dbBytes / 2 ** 20).toFixed(0)} MiB`);

const port = freePort();
const api = `http://127.0.0.1:${port}`;
const startServer = async (variant: string) => {
  const proc = Bun.spawn(["bun", join(HERE, "src/cli.ts"), "serve"], {
    cwd: HERE,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      API_TOKEN: TOKEN,
      LOG_LEVEL: "warn",
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_WINDOW: "8",
      ...VARIANTS[variant],
    },
    stdout: Bun.file(join(dataDir, `server-${variant}.out`)),
    stderr: Bun.file(join(dataDir, `server-${variant}.err`)),
  });
  await waitForHttp(`${api}/health`, proc);
  // The main thread answers the port until the read threads listen: measure only once they do.
  const threads = Number(VARIANTS[variant]!.HTTP_READ_THREADS);
  const deadline = Date.now() + 60_000;
  while (threads > 0 && Date.now() < deadline) {
    const r = (await (await fetch(`${api}/health/ready`)).json()) as {
      readFront: { running: number } | null;
    };
    if ((r.readFront?.running ?? 0) >= threads) break;
    await sleep(50);
  }
  return proc;
};
const startHello = async (threads: number) => {
  const p = freePort();
  const proc = Bun.spawn(["bun", join(HERE, "bench/lib/cores-hello.ts")], {
    env: { ...process.env, PORT: String(p), THREADS: String(threads) },
    stdout: "ignore",
  });
  procs.push(proc);
  await waitForHttp(`http://127.0.0.1:${p}/`, proc);
  return `http://127.0.0.1:${p}/`;
};

type Round = {
  round: number;
  variant: string;
  ceiling1: number;
  ceiling2: number;
  uncached: WrkResult & { cpu: ReturnType<ReturnType<typeof cpuWatch>> };
  writes: WrkResult & {
    cpu: ReturnType<ReturnType<typeof cpuWatch>>;
    stored: { inbound: number; sends: number; errors: number; skipped: number; seconds: number };
    lag: { count: number; p50: number; p99: number };
    drainSeconds: number;
    commitBlockedPct: number;
    commitsPerSec: number;
    rssMb: number;
  };
};
const results: Round[] = [];
let exitCode = 0;
try {
  const receiverProc = Bun.spawn(["bun", join(HERE, "bench/webhooks-receiver.ts")], {
    stdout: "pipe",
    stderr: "inherit",
  });
  procs.push(receiverProc);
  const line = await receiverProc.stdout.getReader().read();
  const receiver = `http://127.0.0.1:${JSON.parse(new TextDecoder().decode(line.value).split("\n")[0]!).port}`;
  const hello1 = await startHello(1);
  const hello2 = await startHello(2);

  // One webhook on every event, and the keyset cursors of the first pages (walked through the API).
  const cursors: string[] = [];
  {
    const server = await startServer(variants[0]!);
    const res = await fetch(`${api}/api/v1/connections/${seed.connectionId}/webhooks`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ url: `${receiver}/ok` }),
    });
    if (!res.ok) throw new Error(`creating the webhook: ${res.status} ${await res.text()}`);
    let after = "";
    while (cursors.length < Number(opt.cursors)) {
      const page = (await (
        await fetch(`${api}/api/v1/tickets?limit=20${after ? `&after=${after}` : ""}`, { headers: auth })
      ).json()) as { nextCursor: string | null };
      if (!page.nextCursor) break;
      after = page.nextCursor;
      cursors.push(after);
    }
    await stopProcess(server);
  }
  log(`${cursors.length} cursors; variants ${variants.join(", ")}; ${ROUNDS} rounds × ${SECONDS} s`);
  const uncachedLua = `
local cursors = { ${cursors.map((c) => JSON.stringify(c)).join(",")} }
request = function()
  return wrk.format(nil, "/api/v1/tickets?after=" .. cursors[math.random(#cursors)])
end
`;
  const db = new Database(join(dataDir, "chasqui.sqlite"), { readonly: true });
  const commitTime = async () => {
    const text = await (await fetch(`${api}/metrics`, { headers: auth })).text();
    const num = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    return {
      seconds: num("chasqui_db_commit_duration_seconds_sum"),
      count: num("chasqui_db_commit_duration_seconds_count"),
    };
  };
  const openDeliveries = () =>
    (
      db
        .query("select count(*) as n from webhook_deliveries where status in ('pending','delivering')")
        .get() as { n: number }
    ).n;

  for (let round = 0; round <= ROUNDS; round++) {
    // Round 0 is a short warm-up of everything (JIT, page cache), not reported.
    const secs = round === 0 ? 2 : SECONDS;
    const ceiling1 = await runWrk({ url: hello1, connections: READERS, seconds: secs });
    const ceiling2 = await runWrk({ url: hello2, connections: READERS, seconds: secs });
    for (const variant of variants) {
      const server = await startServer(variant);
      try {
        // A fresh process: every HTTP thread JIT-compiles the list path before it is measured.
        await runWrk({
          url: `${api}/api/v1/tickets`,
          connections: READERS,
          seconds: 2,
          headers: auth,
          lua: uncachedLua,
        });
        let watch = cpuWatch(server.pid);
        const uncached = await runWrk({
          url: `${api}/api/v1/tickets`,
          connections: READERS,
          seconds: secs,
          headers: auth,
          lua: uncachedLua,
        });
        const uncachedCpu = watch();

        await fetch(`${receiver}/reset`, { method: "POST" });
        const writer = Bun.spawn(
          [
            "bun",
            join(HERE, "bench/lib/mixed-writer.ts"),
            api,
            TOKEN,
            String(seed.connectionId),
            opt.inbound,
            opt.sends,
            String(CONTACTS),
          ],
          { stdout: "pipe", stderr: "inherit" },
        );
        await sleep(2000); // the writers reach their rate before the readers start
        const commits0 = await commitTime();
        watch = cpuWatch(server.pid);
        const list = await runWrk({
          url: `${api}/api/v1/tickets`,
          connections: READERS,
          seconds: secs,
          headers: auth,
        });
        const writesCpu = watch();
        const rssMb = readMemory(server.pid).rssMb;
        const commits1 = await commitTime();
        // The group commit's COMMIT (the fsync, synchronous=FULL) blocks the main thread: its share of the wall time.
        const commitBlockedPct = ((commits1.seconds - commits0.seconds) / list.seconds) * 100;
        const commitsPerSec = (commits1.count - commits0.count) / list.seconds;
        writer.kill("SIGTERM");
        const stored = JSON.parse((await new Response(writer.stdout).text()).trim().split("\n").at(-1)!);
        await writer.exited;
        const drainStart = performance.now();
        const deadline = Date.now() + 60_000;
        while (openDeliveries() > 0 && Date.now() < deadline) await sleep(20);
        const drainSeconds = (performance.now() - drainStart) / 1000;
        const lag = (await (await fetch(`${receiver}/stats`)).json()) as Round["writes"]["lag"];
        const errors = uncached.non2xx + uncached.socketErrors + list.non2xx + list.socketErrors;
        if (errors > 0) log(`  ! ${variant}: ${errors} non-2xx or socket errors`);
        if (round === 0) continue;
        const r: Round = {
          round,
          variant,
          ceiling1: ceiling1.rps,
          ceiling2: ceiling2.rps,
          uncached: { ...uncached, cpu: uncachedCpu },
          writes: {
            ...list,
            cpu: writesCpu,
            stored,
            lag,
            drainSeconds,
            commitBlockedPct,
            commitsPerSec,
            rssMb,
          },
        };
        results.push(r);
        const pct = (x: number) => `${((x / ceiling1.rps) * 100).toFixed(1)} %`;
        const threads = (c: Round["uncached"]["cpu"]) => c.threads.map((t) => `${t.name}:${t.pct}`).join(" ");
        log(
          `#${round} ${variant.padEnd(8)} ceiling ${ceiling1.rps.toFixed(0)} (2 listeners ${ceiling2.rps.toFixed(0)}) | ` +
            `uncached ${uncached.rps.toFixed(0)} req/s (${pct(uncached.rps)}) p99 ${uncached.p99.toFixed(1)} ms [${threads(uncachedCpu)}] | ` +
            `under writes ${list.rps.toFixed(0)} req/s (${pct(list.rps)}) p99 ${list.p99.toFixed(1)} ms, stored ${stored.inbound}+${stored.sends} ` +
            `(${stored.errors} err, ${stored.skipped} skipped), ${commitsPerSec.toFixed(0)} commits/s blocking the main thread ${commitBlockedPct.toFixed(0)} %, lag p99 ${lag.p99} ms, drain ${drainSeconds.toFixed(1)} s ` +
            `[${threads(writesCpu)}] cores ${JSON.stringify(writesCpu.cores)}`,
        );
      } finally {
        await stopProcess(server);
      }
    }
  }
  db.close();

  const cpuMsPerRequest = (w: WrkResult & { cpu: { threads: { pct: number }[] } }) =>
    (w.cpu.threads.reduce((a, t) => a + t.pct, 0) / 100) * ((w.seconds * 1000) / Math.max(1, w.requests));
  const summary = variants.map((variant) => {
    const rs = results.filter((r) => r.variant === variant);
    const m = (f: (r: Round) => number) => median(rs.map(f));
    const threadMedian = (kind: "uncached" | "writes") => {
      const names = new Map<string, number[]>();
      for (const r of rs)
        for (const t of r[kind].cpu.threads) {
          const key = t.name;
          names.set(key, [...(names.get(key) ?? []), t.pct]);
        }
      return Object.fromEntries([...names].map(([k, v]) => [k, median(v)]));
    };
    return {
      variant,
      ceiling1Rps: Math.round(m((r) => r.ceiling1)),
      ceiling2Rps: Math.round(m((r) => r.ceiling2)),
      uncachedRps: Math.round(m((r) => r.uncached.rps)),
      uncachedSharePct: Number(m((r) => (r.uncached.rps / r.ceiling1) * 100).toFixed(2)),
      uncachedP99Ms: Number(m((r) => r.uncached.p99).toFixed(1)),
      uncachedThreadsPct: threadMedian("uncached"),
      // CPU of the whole server process per answered request: less sensitive to other load than req/s.
      uncachedCpuMsPerRequest: Number(m((r) => cpuMsPerRequest(r.uncached)).toFixed(3)),
      writesListRps: Math.round(m((r) => r.writes.rps)),
      writesListSharePct: Number(m((r) => (r.writes.rps / r.ceiling1) * 100).toFixed(2)),
      writesListP99Ms: Number(m((r) => r.writes.p99).toFixed(1)),
      writesStoredPerSec: Math.round(
        m((r) => (r.writes.stored.inbound + r.writes.stored.sends) / r.writes.stored.seconds),
      ),
      webhookLagP99Ms: m((r) => r.writes.lag.p99),
      drainSeconds: Number(m((r) => r.writes.drainSeconds).toFixed(1)),
      commitsPerSec: Math.round(m((r) => r.writes.commitsPerSec)),
      rssMb: Math.round(m((r) => r.writes.rssMb)),
      commitBlockedPct: Number(m((r) => r.writes.commitBlockedPct).toFixed(1)),
      writesThreadsPct: threadMedian("writes"),
      writesCoresPct: Object.fromEntries(
        Object.keys(rs[0]?.writes.cpu.cores ?? {}).map((c) => [c, m((r) => r.writes.cpu.cores[c] ?? 0)]),
      ),
    };
  });
  console.log(
    `\nBoth cores — ${machine.code}, ${machine.date}, ${machine.nproc} × ${machine.cpu}, bun ${machine.bun}, load ${machine.loadavg}`,
  );
  console.log(
    `${opt.messages} messages, ${CONTACTS} tickets; ${READERS} connections; writes ${opt.inbound} inbound/s + ${opt.sends} sends/s; ${ROUNDS} × ${SECONDS} s, medians`,
  );
  console.log(JSON.stringify(summary, null, 2));
  if (opt.json) writeFileSync(opt.json, JSON.stringify({ machine, opt, seed, results, summary }, null, 2));
} catch (err) {
  log(err);
  exitCode = 1;
} finally {
  for (const p of procs.reverse()) await stopProcess(p).catch(() => {});
  if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
