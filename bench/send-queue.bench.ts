// Send queue throughput: messages/s through the queue's worker with pacing off, against the same number of
// synchronous sends (POST /api/v1/tickets/:id/messages, one after another) in the same run, on a file
// database (synchronous=FULL, so every commit is an fsync) and the sandbox driver.
// Run: bun bench/send-queue.bench.ts [messages]   (default 2000)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { createRuntime } from "../src/server";

const N = Number(process.argv[2] ?? 2000);
const TOKEN = "bench-admin-token-0123456789";
const dir = mkdtempSync(join(tmpdir(), "chasqui-queue-bench-"));
const config = loadConfig({ DATA_DIR: dir, API_TOKEN: TOKEN, LOG_LEVEL: "silent", PUBLIC_URL: "http://x" });
const rt = createRuntime(config, createLogger("silent"));

const call = async (method: string, path: string, body?: unknown) => {
  const res = await rt.app.request(path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};

const conn = await call("POST", "/api/v1/connections", { name: "bench", driver: "sandbox" });
await rt.startSessions();
await call("PUT", `/api/v1/connections/${conn.body.id}`, {
  pacingMinIntervalMs: 0,
  pacingJitterMs: 0,
  pacingTyping: false,
  pacingDailyCap: 0,
});
const first = await call("POST", "/api/v1/send", { number: "595991000001", body: "hola" });
const ticketId = first.body.ticketId as number;
const count = (status: string) =>
  (rt.db.$client.query("select count(*) as n from messages where status = ?").get(status) as { n: number }).n;

// Reference: synchronous sends, one after another.
let t0 = performance.now();
for (let i = 0; i < N; i++) await call("POST", `/api/v1/tickets/${ticketId}/messages`, { body: `sync ${i}` });
const syncMs = performance.now() - t0;

// Queued: stored first (the worker stopped), then drained by the worker alone.
t0 = performance.now();
for (let i = 0; i < N; i++)
  await call("POST", `/api/v1/tickets/${ticketId}/messages`, { body: `queued ${i}`, queue: true });
const enqueueMs = performance.now() - t0;
t0 = performance.now();
rt.sendQueue.start();
while (count("queued") + count("sending") > 0) await new Promise((r) => setTimeout(r, 5));
const drainMs = performance.now() - t0;

const rate = (ms: number) => ((N * 1000) / ms).toFixed(0);
console.log(`messages: ${N}`);
console.log(`synchronous sends (reference): ${rate(syncMs)} msg/s`);
console.log(`queued sends, enqueue (202):   ${rate(enqueueMs)} msg/s`);
console.log(
  `queue worker drain:            ${rate(drainMs)} msg/s (${(syncMs / drainMs).toFixed(2)}× the reference)`,
);
await rt.close();
rmSync(dir, { recursive: true, force: true });
