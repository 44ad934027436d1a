import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild } from "../support/child-server";
import { waitFor } from "../support/test-app";
import { type FakeWhatsApp, type SimAccount, startFakeWhatsApp } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";

/**
 * Bounded resources of a Baileys session in the real server (child process): reconnecting many times does
 * not leave its sockets' caches behind. The child gets a small extra preload (written to the temp dir) that
 * keeps count of live intervals and, on SIGUSR2, runs a full garbage collection and prints the heap's
 * object counts by type and the live intervals to stderr.
 */
const root = join(import.meta.dir, "../..");
const TOKEN = "e2e-admin-token-resources-0001";
const PHONE = "595981000500";
const WARMUP_RECONNECTS = 15;
const RECONNECTS = 60;

filterLibsignalSessionChurnLogs();
setDefaultTimeout(45_000);

const HEAP_PRELOAD = `
import { heapStats } from "bun:jsc";
const live = new Set();
const setInterval = globalThis.setInterval;
const clearInterval = globalThis.clearInterval;
globalThis.setInterval = (...args) => {
  const timer = setInterval(...args);
  live.add(timer);
  return timer;
};
globalThis.clearInterval = (timer) => {
  live.delete(timer);
  return clearInterval(timer);
};
process.on("SIGUSR2", () => {
  Bun.gc(true);
  const { objectTypeCounts } = heapStats();
  process.stderr.write("HEAP " + JSON.stringify({ ...objectTypeCounts, liveIntervals: live.size }) + "\\n");
});
`;

let wa: FakeWhatsApp;
let phone: SimAccount;
let dataDir: string;
let chasqui: Awaited<ReturnType<typeof startChild>>;

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${chasqui.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

/** Object counts by type after a full collection in the server process. */
async function heapCounts(): Promise<Record<string, number>> {
  const seen = chasqui
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("HEAP ")).length;
  chasqui.proc.kill("SIGUSR2");
  const line = await waitFor(
    () =>
      chasqui
        .stderr()
        .split("\n")
        .filter((l) => l.startsWith("HEAP "))[seen],
    {
      timeoutMs: 10_000,
      message: "heap counts from the server",
    },
  );
  return JSON.parse(line.slice(5));
}

async function reconnect(times: number) {
  for (let i = 0; i < times; i++) {
    const before = wa.connectionAttempts;
    phone.disconnect("drop");
    await wa.changesUntil(
      () => wa.connectionAttempts > before && phone.linkedDevices().some((d) => d.connected),
      "the session to log in again",
    );
  }
  await waitFor(async () => (await api("GET", "/api/v1/connections/1")).status === "CONNECTED", {
    timeoutMs: 10_000,
    message: "CONNECTED",
  });
}

beforeAll(async () => {
  wa = await startFakeWhatsApp();
  phone = wa.createAccount(PHONE, "Helpdesk");
  dataDir = mkdtempSync(join(tmpdir(), "chasqui-e2e-resources-"));
  const preload = join(dataDir, "heap-preload.ts");
  writeFileSync(preload, HEAP_PRELOAD);
  chasqui = await startChild(
    [
      "bun",
      "--preload",
      join(root, "tests/wasim/trust-test-root.ts"),
      "--preload",
      preload,
      join(root, "src/cli.ts"),
      "serve",
    ],
    {
      DATA_DIR: dataDir,
      API_TOKEN: TOKEN,
      WA_WS_URL: wa.wsUrl,
      NODE_EXTRA_CA_CERTS: wa.certificate.certPath,
      LOG_LEVEL: "info",
      WA_RECONNECT_BASE_MS: "1",
      WA_RECONNECT_MAX_MS: "2",
      WA_LOOP_MAX_CLOSES: "10000",
    },
  );
});

afterAll(async () => {
  if (process.env.E2E_DEBUG) console.log(chasqui?.stdout(), chasqui?.stderr());
  chasqui?.proc.kill("SIGTERM");
  await chasqui?.proc.exited;
  await wa?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test(`${RECONNECTS} reconnects of a linked session leave no caches behind in the server's heap`, async () => {
  const created = await api("POST", "/api/v1/connections", { name: "Reconexiones" });
  expect(created.id).toBe(1);
  const qr = await waitFor(async () => {
    const c = await api("GET", "/api/v1/connections/1");
    return c.status === "qrcode" ? (c.qrcode as string) : null;
  });
  await phone.scanQr(qr);
  await reconnect(WARMUP_RECONNECTS);
  const before = await heapCounts();
  await reconnect(RECONNECTS);
  const after = await heapCounts();
  const grew = (type: string) => (after[type] ?? 0) - (before[type] ?? 0);
  if (process.env.E2E_DEBUG)
    console.log({ liveIntervals: grew("liveIntervals"), Map: grew("Map"), Object: grew("Object") });
  // Before the fix every socket left its Signal key cache's expiry interval running, which kept the cache
  // and its keys alive: +1 live interval, +26 Map and +27 Object per reconnect, for good.
  expect(grew("liveIntervals")).toBe(0);
  // What Baileys' pending timeouts of the last sockets hold (a pre-key upload guard runs 30 s) is released
  // when they fire: about one Map per reconnect within a fast burst like this one, none 35 s later.
  expect(grew("Map")).toBeLessThan(RECONNECTS * 3);
});
