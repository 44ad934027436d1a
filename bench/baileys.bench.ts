/**
 * Baileys sessions benchmark (a script, not a test): `bun bench/baileys.bench.ts`.
 *
 * Memory of the Chasqui server process per linked Baileys connection, and the time to bring saved sessions
 * back after a restart, against the fake WhatsApp server (tests/wasim) on 127.0.0.1:
 *
 * 1. Starts the fake WhatsApp server in this process, and the real server as its own process, exactly as the
 *    e2e tests do: `bun --preload tests/wasim/trust-test-root.ts src/cli.ts serve` with WA_WS_URL,
 *    NODE_EXTRA_CA_CERTS, a fresh DATA_DIR, LOG_LEVEL=warn.
 * 2. Idle VmRSS with no connection; then creates baileys connections through the API and links each to its
 *    own simulated phone (its own account and number) by QR, one after the other, up to 1, 10 and 50 linked
 *    connections; at each level, once all are CONNECTED, waits --settle seconds and reports the lowest VmRSS
 *    sampled over the following --sample seconds (idle: keepalives only).
 * 3. Stops the server (SIGTERM) and starts it again on the same DATA_DIR: the time from spawn to listening
 *    and to all connections CONNECTED (saved sessions, no QR), and the idle VmRSS after that restart.
 *
 * Options: --levels 1,10,50  --settle 5  --sample 5  --json FILE  --keep (keep the data dir).
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Subprocess } from "bun";
import { startFakeWhatsApp } from "../tests/wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../tests/wasim/sim-signal-device";
import { freePort, readMemory, sleep, stopProcess, waitForHttp } from "./lib/proc";

const { values: opt } = parseArgs({
  options: {
    levels: { type: "string", default: "1,10,50" },
    settle: { type: "string", default: "5" },
    sample: { type: "string", default: "5" },
    json: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const LEVELS = opt.levels.split(",").map(Number);
const SETTLE_MS = Number(opt.settle) * 1000;
const SAMPLE_MS = Number(opt.sample) * 1000;
const TARGET_MB_PER_CONNECTION = 15;

const ROOT = resolve(import.meta.dir, "..");
const TOKEN = "bench-token-baileys-0123456789";
const log = (...a: unknown[]) => console.error("[bench]", ...a);

filterLibsignalSessionChurnLogs();
const wa = await startFakeWhatsApp();
const dataDir = mkdtempSync(join(tmpdir(), "chasqui-bench-baileys-"));
const port = freePort();
const base = `http://127.0.0.1:${port}`;

function spawnServer(): Subprocess {
  return Bun.spawn(
    ["bun", "--preload", join(ROOT, "tests/wasim/trust-test-root.ts"), join(ROOT, "src/cli.ts"), "serve"],
    {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: "127.0.0.1",
        API_TOKEN: TOKEN,
        LOG_LEVEL: "warn",
        WA_WS_URL: wa.wsUrl,
        NODE_EXTRA_CA_CERTS: wa.certificate.certPath,
      },
      stdout: "ignore",
      stderr: "inherit",
    },
  );
}

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const listConnections = async (): Promise<any[]> => {
  const body = await api("GET", "/api/v1/connections");
  return Array.isArray(body) ? body : (body.connections ?? body.data);
};

/** Lowest VmRSS over the sampling period (idle: what is left between keepalives and collections). */
async function idleRss(pid: number): Promise<{ minMb: number; maxMb: number }> {
  await sleep(SETTLE_MS);
  let minMb = Number.POSITIVE_INFINITY;
  let maxMb = 0;
  const end = Date.now() + SAMPLE_MS;
  while (Date.now() < end) {
    const { rssMb } = readMemory(pid);
    minMb = Math.min(minMb, rssMb);
    maxMb = Math.max(maxMb, rssMb);
    await sleep(100);
  }
  return { minMb, maxMb };
}

async function linkOne(i: number): Promise<number> {
  const number = `5959820${String(i).padStart(5, "0")}`;
  const phone = wa.createAccount(number, `Bench ${i}`);
  const { id } = await api("POST", "/api/v1/connections", { name: `bench-${i}`, driver: "baileys" });
  const qr = await until(`QR of connection ${id}`, async () => {
    const c = await api("GET", `/api/v1/connections/${id}`);
    return c.status === "qrcode" && c.qrcode ? (c.qrcode as string) : null;
  });
  await phone.scanQr(qr);
  await until(`connection ${id} CONNECTED`, async () => {
    const c = await api("GET", `/api/v1/connections/${id}`);
    return c.status === "CONNECTED" && c.number === number;
  });
  return id;
}

const results: {
  levels: { connections: number; rssMb: number; rssMaxMb: number; linkSeconds: number }[];
  baselineMb: number;
  restart: {
    connections: number;
    listeningMs: number;
    allConnectedMs: number;
    rssMb: number;
    rssMaxMb: number;
  };
} = { levels: [], baselineMb: 0, restart: undefined as any };

let server = spawnServer();
try {
  await waitForHttp(`${base}/health`, server);
  const baseline = await idleRss(server.pid);
  results.baselineMb = baseline.minMb;
  log(`no connection: idle VmRSS ${baseline.minMb.toFixed(1)} MB`);

  let linked = 0;
  for (const level of LEVELS) {
    const started = performance.now();
    while (linked < level) await linkOne(++linked);
    const linkSeconds = (performance.now() - started) / 1000;
    const all = await listConnections();
    if (all.filter((c) => c.status === "CONNECTED").length !== level)
      throw new Error(`expected ${level} CONNECTED connections`);
    const rss = await idleRss(server.pid);
    results.levels.push({ connections: level, rssMb: rss.minMb, rssMaxMb: rss.maxMb, linkSeconds });
    log(`${level} linked (${linkSeconds.toFixed(1)} s to link): idle VmRSS ${rss.minMb.toFixed(1)} MB`);
  }

  await stopProcess(server);
  const t0 = performance.now();
  server = spawnServer();
  await waitForHttp(`${base}/health`, server);
  const listeningMs = performance.now() - t0;
  await until(
    "all connections CONNECTED after the restart",
    async () => (await listConnections()).every((c) => c.status === "CONNECTED"),
    120_000,
  );
  const allConnectedMs = performance.now() - t0;
  const rss = await idleRss(server.pid);
  results.restart = {
    connections: linked,
    listeningMs,
    allConnectedMs,
    rssMb: rss.minMb,
    rssMaxMb: rss.maxMb,
  };
  log(
    `restart with ${linked} saved sessions: listening ${listeningMs.toFixed(0)} ms, all CONNECTED ` +
      `${allConnectedMs.toFixed(0)} ms; idle VmRSS ${rss.minMb.toFixed(1)} MB`,
  );
} finally {
  await stopProcess(server);
  await wa.stop();
  if (!opt.keep) rmSync(dataDir, { recursive: true, force: true });
}

const first = results.levels[0]!;
const rows = results.levels.map((l) => {
  const perExtra = l === first ? null : (l.rssMb - first.rssMb) / (l.connections - first.connections);
  return `| ${l.connections} | ${l.rssMb.toFixed(1)} (max ${l.rssMaxMb.toFixed(1)}) | ${
    perExtra === null ? "—" : perExtra.toFixed(2)
  } | ${l.linkSeconds.toFixed(1)} |`;
});
const last = results.levels.at(-1)!;
const perConnAfterRestart = (results.restart.rssMb - results.baselineMb) / results.restart.connections;
console.log(
  [
    `| linked connections | idle VmRSS MB | MB per additional connection (vs ${first.connections}) | s to link |`,
    "|---:|---:|---:|---:|",
    `| 0 | ${results.baselineMb.toFixed(1)} | — | — |`,
    ...rows,
    "",
    `Restart with ${results.restart.connections} saved sessions: listening after ${results.restart.listeningMs.toFixed(0)} ms, ` +
      `all CONNECTED after ${results.restart.allConnectedMs.toFixed(0)} ms; idle VmRSS then ` +
      `${results.restart.rssMb.toFixed(1)} MB (${perConnAfterRestart.toFixed(2)} MB per connection over the ` +
      `no-connection baseline).`,
    `Target < ${TARGET_MB_PER_CONNECTION} MB per additional idle connection: ${
      (last.rssMb - first.rssMb) / (last.connections - first.connections) < TARGET_MB_PER_CONNECTION
        ? "met"
        : "MISSED"
    }.`,
  ].join("\n"),
);
if (opt.json) writeFileSync(opt.json, JSON.stringify(results, null, 2));
