/**
 * SSE scaling benchmark (a script, not a test): `bun bench/sse.bench.ts [--ref COMMIT]`.
 *
 * 1. Seeds a fresh DATA_DIR through the API: a sandbox connection and 600 inbound messages from 200 numbers
 *    (200 tickets; small on purpose: the point is the streams, not the data).
 * 2. Starts the real server as its own process (`bun src/cli.ts serve`) from this checkout, or with
 *    `--ref COMMIT` from a `git archive` of that commit in a temp dir (node_modules linked from here), so a
 *    "before" and an "after" are measured by the same script.
 * 3. Writes events all along: sandbox inbound messages at `--rate` per second (each stores 1 to 3 events).
 * 4. In one run, for each round: drives `GET /api/v1/tickets` with wrk (`--connections`, `--seconds`) with 0,
 *    50 and 200 idle SSE streams open (up in odd rounds, down in even ones) (raw sockets that read and discard every event). Reports req/s
 *    per stream count (median of the rounds) and its ratio to the zero-stream figure.
 * 5. Memory per idle stream: the writer stopped, the server's VmRSS (mean of 10 samples) after opening
 *    `--memory-streams` more streams (3 s to settle) minus before, over their number.
 *
 * Options: --ref COMMIT, --rounds N (4), --seconds S (10), --connections C (50), --rate R (20),
 * --streams "0,50,200", --memory-streams M (1000), --json FILE. Needs wrk on PATH (`apt-get install -y wrk`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Socket } from "bun";
import {
  checkoutRef,
  freePort,
  readMemory,
  sh,
  sleep,
  spawnServer,
  stopProcess,
  waitForHttp,
} from "./lib/proc";
import { median } from "./lib/stats";
import { requireWrk, runWrk } from "./lib/wrk";

const { values: opt } = parseArgs({
  options: {
    ref: { type: "string" },
    rounds: { type: "string", default: "4" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    rate: { type: "string", default: "20" },
    streams: { type: "string", default: "0,50,200" },
    "memory-streams": { type: "string", default: "1000" },
    json: { type: "string" },
  },
});
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const CONNECTIONS = Number(opt.connections);
const RATE = Number(opt.rate);
const STREAM_COUNTS = opt.streams.split(",").map(Number);
const MEMORY_STREAMS = Number(opt["memory-streams"]);

const HERE = resolve(import.meta.dir, "..");
const TOKEN = "bench-token-0123456789abcdef";
const log = (...a: unknown[]) => console.error("[sse-bench]", ...a);

requireWrk();
// --- the code under test ---------------------------------------------------------------------------
const archive = opt.ref ? checkoutRef(HERE, opt.ref) : undefined;
const root = archive ?? HERE;
const machine = {
  date: new Date().toISOString(),
  nproc: sh("nproc"),
  cpu: sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1"),
  bun: Bun.version,
  code: opt.ref
    ? `git archive ${sh(`git -C ${HERE} rev-parse --short ${opt.ref}`)}`
    : sh(`git -C ${HERE} rev-parse --short HEAD`),
};
log(`machine: ${machine.nproc} CPU (${machine.cpu}), bun ${machine.bun}; code: ${machine.code}`);

const dataDir = mkdtempSync(join(tmpdir(), "chasqui-sse-bench-"));

const port = freePort();
const api = `http://127.0.0.1:${port}`;
const server = spawnServer({ root, dataDir, port, token: TOKEN });
const auth = { Authorization: `Bearer ${TOKEN}` };
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${api}${path}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST ${path} → ${res.status} ${text}`);
  return JSON.parse(text);
};
let connectionId = 0;
const inbound = (i: number) =>
  post(`/api/v1/connections/${connectionId}/sandbox/inbound`, {
    number: String(595990000000 + (i % 200)),
    body: `bench ${i}`,
    name: "Bench",
  });

// --- idle SSE clients: raw sockets that read and drop everything -------------------------------------
let sseBytes = 0;
const openStream = () =>
  new Promise<Socket<{ ready: boolean }>>((ok, fail) => {
    Bun.connect<{ ready: boolean }>({
      hostname: "127.0.0.1",
      port,
      data: { ready: false },
      socket: {
        open(s) {
          s.write(
            `GET /api/v1/events/stream HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
          );
        },
        data(s, chunk) {
          sseBytes += chunk.length;
          if (!s.data.ready) {
            if (!chunk.toString().startsWith("HTTP/1.1 200")) fail(new Error(chunk.toString().slice(0, 200)));
            s.data.ready = true;
            ok(s);
          }
        },
        error(_s, err) {
          fail(err);
        },
      },
    }).catch(fail);
  });

// --- a steady writer: sandbox inbound at RATE per second -----------------------------------------------
let writes = 0;
let writeErrors = 0;
let writing = false;
let writer: Promise<void> = Promise.resolve();
const startWriter = async () => {
  writing = true;
  let i = 600;
  const every = 1000 / RATE;
  let next = performance.now();
  while (writing) {
    next += every;
    try {
      // 200 senders: after their first message (contact + ticket + message) each stores one event.
      await inbound(i++);
      writes++;
    } catch {
      writeErrors++;
    }
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
};

/** VmRSS averaged over ten samples 100 ms apart, to smooth the garbage collector's steps. */
const steadyRss = async () => {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    sum += readMemory(server.pid).rssMb;
    await sleep(100);
  }
  return sum / 10;
};

type Row = { streams: number; round: number; rps: number; p50: number; p99: number; writesPerSec: number };
const rows: Row[] = [];
let memory = { streams: 0, beforeMb: 0, afterMb: 0, perStreamKb: 0 };
let exitCode = 0;
try {
  await waitForHttp(`${api}/health`, server);
  connectionId = (
    await post("/api/v1/connections", { name: "Bench", driver: "sandbox", number: "595981234567" })
  ).id;
  for (let i = 0; i < 600; i++) await inbound(i);
  writer = startWriter();
  await sleep(2000);
  const listUrl = `${api}/api/v1/tickets`;
  log(
    `warm-up, then ${ROUNDS} rounds × [${STREAM_COUNTS.join(", ")}] streams × ${SECONDS} s, ${CONNECTIONS} connections, ${RATE} inbound/s`,
  );
  await runWrk({ url: listUrl, connections: CONNECTIONS, seconds: 3, headers: auth });

  const open: Socket<{ ready: boolean }>[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // Odd rounds go up (0, 50, 200), even rounds come down, so a drift in the machine's load hits every
    // stream count alike.
    const order = round % 2 === 1 ? STREAM_COUNTS : [...STREAM_COUNTS].reverse();
    for (const count of order) {
      while (open.length < count) open.push(await openStream());
      while (open.length > count) open.pop()?.end();
      await sleep(2000);
      const w0 = writes;
      const t0 = performance.now();
      const r = await runWrk({ url: listUrl, connections: CONNECTIONS, seconds: SECONDS, headers: auth });
      const writesPerSec = ((writes - w0) * 1000) / (performance.now() - t0);
      if (r.non2xx + r.socketErrors + r.timeouts > 0)
        log(`  ! ${r.non2xx} non-2xx, ${r.socketErrors} socket errors, ${r.timeouts} timeouts`);
      rows.push({ streams: count, round, rps: r.rps, p50: r.p50, p99: r.p99, writesPerSec });
      log(
        `  #${round} ${count} streams: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms; ` +
          `${writesPerSec.toFixed(1)} inbound/s stored; SSE bytes so far ${(sseBytes / 2 ** 20).toFixed(1)} MiB`,
      );
    }
  }
  for (const s of open) s.end();

  const base = median(rows.filter((r) => r.streams === 0).map((r) => r.rps));
  const summary = STREAM_COUNTS.map((streams) => {
    const mine = rows.filter((r) => r.streams === streams);
    const rps = median(mine.map((r) => r.rps));
    return {
      streams,
      rps: Math.round(rps),
      ratio: base > 0 ? rps / base : Number.NaN,
      p99: median(mine.map((r) => r.p99)),
    };
  });

  // Memory: with the writer stopped (idle streams), VmRSS before and after opening MEMORY_STREAMS more.
  writing = false;
  await writer;
  await sleep(1000);
  const beforeMb = await steadyRss();
  const idle: Socket<{ ready: boolean }>[] = [];
  for (let i = 0; i < MEMORY_STREAMS; i++) idle.push(await openStream());
  await sleep(3000);
  const afterMb = await steadyRss();
  for (const s of idle) s.end();
  memory = {
    streams: MEMORY_STREAMS,
    beforeMb,
    afterMb,
    perStreamKb: ((afterMb - beforeMb) * 1024) / MEMORY_STREAMS,
  };
  console.log(
    `\nSSE scaling — ${machine.code}, ${machine.date}, ${machine.nproc} × ${machine.cpu}, bun ${machine.bun}`,
  );
  console.log(
    `GET /api/v1/tickets, ${CONNECTIONS} connections, ${SECONDS} s × ${ROUNDS} rounds (median), ${RATE} inbound/s`,
  );
  console.log("| SSE streams | req/s | vs 0 streams | p99 ms |");
  console.log("|---:|---:|---:|---:|");
  for (const s of summary)
    console.log(`| ${s.streams} | ${s.rps} | ${(s.ratio * 100).toFixed(0)} % | ${s.p99.toFixed(1)} |`);
  console.log(
    `memory per idle stream: ${memory.perStreamKb.toFixed(1)} KiB (VmRSS ${memory.beforeMb.toFixed(1)} → ` +
      `${memory.afterMb.toFixed(1)} MiB with ${memory.streams} more streams, no events)`,
  );
  console.log(
    `inbound stored: ${writes} (${writeErrors} errors); SSE bytes read: ${(sseBytes / 2 ** 20).toFixed(1)} MiB`,
  );
  if (opt.json) writeFileSync(opt.json, JSON.stringify({ machine, rows, memory, summary }, null, 2));
} catch (err) {
  log(err);
  exitCode = 1;
} finally {
  writing = false;
  await writer;
  await stopProcess(server);
  rmSync(dataDir, { recursive: true, force: true });
  if (archive && existsSync(archive)) rmSync(archive, { recursive: true, force: true });
}
process.exit(exitCode);
