/**
 * Reconnect churn (a script, not a test): `bun bench/baileys-churn.bench.ts [--reconnects 600] [--every 100]`.
 *
 * Does memory stay bounded when one Baileys session reconnects many times? The real server runs as its own
 * process against the fake WhatsApp server (as in bench/baileys.bench.ts), with WA_RECONNECT_BASE_MS=1,
 * WA_RECONNECT_MAX_MS=2 and the loop detector out of the way (WA_LOOP_MAX_CLOSES=10000). One connection is
 * linked by QR, then its socket is dropped by the server (`disconnect("drop")`) and the bench waits for the
 * session to log in again, --reconnects times. Every --every reconnects, after a 2 s pause, the server (via a
 * preload written to a temp file) runs a full GC and reports: heap size, the heap's Map and Object counts,
 * and the intervals alive; the bench adds VmRSS from /proc. A last row after --settle seconds (35) of quiet:
 * Baileys' pending timeouts (a 30 s pre-key upload guard per login) hold the last sockets until they fire.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startFakeWhatsApp } from "../tests/wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../tests/wasim/sim-signal-device";
import { freePort, readMemory, sleep, stopProcess, waitForHttp } from "./lib/proc";

const { values: opt } = parseArgs({
  options: {
    reconnects: { type: "string", default: "600" },
    every: { type: "string", default: "100" },
    settle: { type: "string", default: "35" },
  },
});
const RECONNECTS = Number(opt.reconnects);
const EVERY = Number(opt.every);
const SETTLE_MS = Number(opt.settle) * 1000;
const ROOT = resolve(import.meta.dir, "..");
const TOKEN = "bench-token-baileys-churn-0001";

const PRELOAD = `
import { heapStats } from "bun:jsc";
const live = new Set();
const setInterval = globalThis.setInterval;
const clearInterval = globalThis.clearInterval;
globalThis.setInterval = (...args) => { const t = setInterval(...args); live.add(t); return t; };
globalThis.clearInterval = (t) => { live.delete(t); return clearInterval(t); };
process.on("SIGUSR2", () => {
  Bun.gc(true);
  const s = heapStats();
  process.stderr.write("HEAP " + JSON.stringify({ heapMb: s.heapSize / 1048576, Map: s.objectTypeCounts.Map ?? 0,
    Object: s.objectTypeCounts.Object ?? 0, intervals: live.size }) + "\\n");
});
`;

filterLibsignalSessionChurnLogs();
const wa = await startFakeWhatsApp();
const dataDir = mkdtempSync(join(tmpdir(), "chasqui-bench-churn-"));
const preload = join(dataDir, "heap-preload.ts");
writeFileSync(preload, PRELOAD);
const port = freePort();
const base = `http://127.0.0.1:${port}`;
const server = Bun.spawn(
  [
    "bun",
    "--preload",
    join(ROOT, "tests/wasim/trust-test-root.ts"),
    "--preload",
    preload,
    join(ROOT, "src/cli.ts"),
    "serve",
  ],
  {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      API_TOKEN: TOKEN,
      LOG_LEVEL: "warn",
      BAILEYS_LOG_LEVEL: "fatal",
      WA_WS_URL: wa.wsUrl,
      NODE_EXTRA_CA_CERTS: wa.certificate.certPath,
      WA_RECONNECT_BASE_MS: "1",
      WA_RECONNECT_MAX_MS: "2",
      WA_LOOP_MAX_CLOSES: "10000",
    },
    stdout: "ignore",
    stderr: "pipe",
  },
);
const heapLines: string[] = [];
void (async () => {
  let buffered = "";
  for await (const chunk of server.stderr) {
    buffered += new TextDecoder().decode(chunk);
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith("HEAP ")) heapLines.push(line.slice(5));
  }
})();

const api = async (method: string, path: string, body?: unknown): Promise<any> =>
  (
    await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  ).json();

async function heap() {
  const seen = heapLines.length;
  server.kill("SIGUSR2");
  while (heapLines.length === seen) await sleep(10);
  return JSON.parse(heapLines[seen]!) as { heapMb: number; Map: number; Object: number; intervals: number };
}

const rows: string[] = [];
try {
  await waitForHttp(`${base}/health`, server);
  const phone = wa.createAccount("595982100001");
  const { id } = await api("POST", "/api/v1/connections", { name: "churn" });
  let qr: string | undefined;
  while (!qr) {
    const c = await api("GET", `/api/v1/connections/${id}`);
    if (c.status === "qrcode") qr = c.qrcode;
    else await sleep(20);
  }
  await phone.scanQr(qr);
  await wa.changesUntil(() => phone.linkedDevices().some((d) => d.connected), "linked", 20_000);
  const started = performance.now();
  for (let i = 0; i <= RECONNECTS; i++) {
    if (i % EVERY === 0) {
      await sleep(2_000);
      const h = await heap();
      const rss = readMemory(server.pid).rssMb;
      rows.push(
        `| ${i} | ${rss.toFixed(1)} | ${h.heapMb.toFixed(1)} | ${h.Map} | ${h.Object} | ${h.intervals} |`,
      );
      console.error(`[bench] ${rows.at(-1)}`);
    }
    if (i === RECONNECTS) break;
    const before = wa.connectionAttempts;
    phone.disconnect("drop");
    await wa.changesUntil(
      () => wa.connectionAttempts > before && phone.linkedDevices().some((d) => d.connected),
      "the session to log in again",
      20_000,
    );
  }
  console.error(`[bench] ${RECONNECTS} reconnects in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await sleep(SETTLE_MS);
  const h = await heap();
  const rss = readMemory(server.pid).rssMb;
  rows.push(
    `| ${RECONNECTS}, then ${SETTLE_MS / 1000} s quiet | ${rss.toFixed(1)} | ${h.heapMb.toFixed(1)} | ${h.Map} | ${h.Object} | ${h.intervals} |`,
  );
} finally {
  await stopProcess(server);
  await wa.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(
  [
    "| reconnects | VmRSS MB | heap MB after GC | Map | Object | live intervals |",
    "|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n"),
);
