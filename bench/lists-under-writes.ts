/**
 * The ticket list's own cost while writes happen, in-process (a script, not a test):
 * `bun bench/lists-under-writes.ts [--ref COMMIT] [--messages N] [--reads-per-write N] [--acks] [--requests N]`.
 *
 * Seeds a fresh DATA_DIR with the seeder of the code under test (100k contacts and tickets, `--messages`
 * messages; `--ref COMMIT` runs a `git archive` of that commit, so before and after use the same script),
 * creates that code's runtime in this process with the sandbox session started, and reads `GET /api/v1/tickets`
 * (page 1) through `app.fetch` `--requests` times. Between reads: one sandbox inbound message every
 * `--reads-per-write` reads (it changes a ticket, so page 1 really changes) and, with `--acks`, an ack-like
 * `update messages set ack` every second read (a write no list shows). Prints the mean, p50 and p99 wall
 * time of the list requests alone. No HTTP client and no second process, so the figure is the list path's
 * CPU (plus whatever the machine's load steals); compare before and after run one after the other.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkoutRef } from "./lib/proc";

const { values: opt } = parseArgs({
  options: {
    ref: { type: "string" },
    messages: { type: "string", default: "200000" },
    "reads-per-write": { type: "string", default: "20" },
    acks: { type: "boolean", default: false },
    requests: { type: "string", default: "4000" },
  },
});
const HERE = resolve(import.meta.dir, "..");
const archive = opt.ref ? checkoutRef(HERE, opt.ref) : undefined;
const root = archive ?? HERE;
const dataDir = mkdtempSync(join(tmpdir(), "chasqui-lists-writes-"));
try {
  const { seedDatabase } = await import(join(root, "bench/lib/seed.ts"));
  seedDatabase(dataDir, { contacts: 100_000, tickets: 100_000, messages: Number(opt.messages) });
  const { loadConfig } = await import(join(root, "src/config.ts"));
  const { createLogger } = await import(join(root, "src/logger.ts"));
  const { createRuntime } = await import(join(root, "src/server.ts"));
  const TOKEN = "bench-token-0123456789abcdef";
  const config = loadConfig({ DATA_DIR: dataDir, API_TOKEN: TOKEN, LOG_LEVEL: "silent", HOST: "127.0.0.1" });
  const rt = createRuntime(config, createLogger("silent"));
  await rt.startSessions();
  const headers = { Authorization: `Bearer ${TOKEN}` };
  const every = Number(opt["reads-per-write"]);
  const N = Number(opt.requests);
  const list = async () => (await rt.app.fetch(new Request("http://x/api/v1/tickets", { headers }))).text();
  let k = 0;
  const inbound = async () => {
    k++;
    const number = String(595_971_000_000 + ((k * 7919) % 100_000) + 1);
    const res = await rt.app.fetch(
      new Request("http://x/api/v1/connections/1/sandbox/inbound", {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({ number, body: `w ${k}` }),
      }),
    );
    if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  };
  const ack = rt.db.$client.query("update messages set ack = ((ack + 1) % 4) where pk = ?");
  for (let i = 0; i < 500; i++) await list();
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    if (i % every === 0) await inbound();
    if (opt.acks && i % 2 === 1) ack.run(1 + (i % 1000));
    const t0 = performance.now();
    await list();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `${opt.ref ?? "HEAD"}: 1 inbound per ${every} reads${opt.acks ? " + 1 ack per 2 reads" : ""}: mean ${us(mean)}, p50 ${us(times[Math.floor(N / 2)]!)}, p99 ${us(times[Math.floor(N * 0.99)]!)} per list request`,
  );
  await rt.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  if (archive) rmSync(archive, { recursive: true, force: true });
}
process.exit(0);
