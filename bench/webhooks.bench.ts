// Webhook outbox benchmark: `bun bench/webhooks.bench.ts`
//   1. throughput: a backlog of stored events drained to a receiver that answers 204 at once
//      (one webhook = one in-order lane; then 8 webhooks = 8 lanes);
//   2. event-to-delivery latency p50/p99 at a steady 500 events/s, each event its own commit;
//   3. API latency (GET /api/v1/tickets) alone, then while 100 deliveries hang.
// The server (API + dispatcher, file database with synchronous=FULL) runs in this process, as in
// production; the receiver and the API load client run as separate processes.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { createRuntime } from "../src/server";

const TOKEN = "bench-admin-token-0123456789";
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 20_000);
const dataDir = mkdtempSync(join(tmpdir(), "chasqui-bench-"));
const config = loadConfig({
  DATA_DIR: dataDir,
  API_TOKEN: TOKEN,
  LOG_LEVEL: "silent",
  WEBHOOK_CONCURRENCY: "128",
  WEBHOOK_TIMEOUT_MS: "60000",
  WEBHOOK_ALLOW_PRIVATE: "true",
  // The dispatcher's own thread (the default) or, with WEBHOOK_WORKER=false, the main thread.
  WEBHOOK_WORKER: process.env.WEBHOOK_WORKER ?? "true",
  WEBHOOK_WINDOW: process.env.WEBHOOK_WINDOW ?? "1",
});
const rt = createRuntime(config, createLogger("silent"));
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: rt.app.fetch });
const api = async (method: string, path: string, json?: unknown) => {
  const res = await rt.app.request(path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return (await res.json()) as any;
};

const receiverProc = Bun.spawn(["bun", join(import.meta.dir, "webhooks-receiver.ts")], {
  stdout: "pipe",
  stderr: "inherit",
});
const reader = receiverProc.stdout.getReader();
const { value } = await reader.read();
const receiverPort = JSON.parse(new TextDecoder().decode(value).split("\n")[0]!).port as number;
const receiver = `http://127.0.0.1:${receiverPort}`;

const sqlite = rt.db.$client;
const count = (status: string) =>
  (sqlite.query("select count(*) as n from webhook_deliveries where status = ?").get(status) as { n: number })
    .n;
const until = async (cond: () => boolean, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("benchmark condition timed out");
    await Bun.sleep(5);
  }
};

const conn = await api("POST", "/api/v1/connections", {
  name: "Bench",
  driver: "sandbox",
  number: "595981234567",
});
await rt.sessions.start(await rt.services.connections.get(conn.id));
const data = (i: number) => ({
  messageId: `3EB0BENCH${i}`,
  body: "Hola, necesito información sobre mi pedido",
  fromMe: false,
  mediaType: "chat",
  hasMedia: false,
  timestamp: Math.floor(Date.now() / 1000),
  ticketId: 1,
  contact: { id: 1, name: "Juan Pérez", number: "595991234567" },
  media: null,
});
const emitBacklog = (n: number) => {
  for (let done = 0; done < n; done += 500) {
    rt.db.transaction((tx) => {
      for (let i = done; i < Math.min(n, done + 500); i++)
        rt.events.emit(tx, "message_received", conn.id, data(i));
    });
  }
};
const hooks: number[] = [];
const addHooks = async (n: number, path: string) => {
  for (let i = 0; i < n; i++) {
    const h = await api("POST", `/api/v1/connections/${conn.id}/webhooks`, {
      url: `${receiver}${path}`,
      events: ["message_received"],
    });
    hooks.push(h.id);
  }
};
const removeHooks = async () => {
  for (const id of hooks.splice(0)) await api("DELETE", `/api/v1/connections/${conn.id}/webhooks/${id}`);
};

const results: Record<string, unknown> = {};

/** CPU ms used so far by the main (JavaScript) thread, and by the whole process (every thread). */
const cpuMs = () => {
  const ticks = (path: string) => {
    const stat = readFileSync(path, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ = 100 on Linux
  };
  return { main: ticks(`/proc/self/task/${process.pid}/stat`), all: ticks("/proc/self/stat") };
};

// ── 1. throughput, and CPU per 1000 deliveries on the main thread and in the whole process
for (const lanes of [1, 8]) {
  await addHooks(lanes, "/ok");
  const events = Math.floor(BACKLOG / lanes);
  emitBacklog(events);
  const t0 = performance.now();
  const c0 = cpuMs();
  rt.dispatcher.start();
  await until(() => count("delivered") >= events * lanes);
  const seconds = (performance.now() - t0) / 1000;
  const c1 = cpuMs();
  await rt.dispatcher.stop();
  const per1000 = (ms: number) => Number(((ms * 1000) / (events * lanes)).toFixed(1));
  results[`throughput_${lanes}_webhook`] = {
    deliveries: events * lanes,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round((events * lanes) / seconds),
    mainThreadCpuMsPer1000: per1000(c1.main - c0.main),
    processCpuMsPer1000: per1000(c1.all - c0.all),
  };
  await removeHooks();
  sqlite.run("delete from webhook_deliveries");
}

// ── 2. latency at a steady rate, one commit per event (as API writes do)
await addHooks(1, "/ok");
await fetch(`${receiver}/reset`, { method: "POST" });
rt.dispatcher.start();
const rate = 500;
const seconds = 5;
let emitted = 0;
const started = performance.now();
while (emitted < rate * seconds) {
  const due = Math.floor(((performance.now() - started) / 1000) * rate);
  while (emitted < Math.min(due, rate * seconds)) {
    rt.db.transaction((tx) => rt.events.emit(tx, "message_received", conn.id, data(emitted)));
    emitted++;
  }
  await Bun.sleep(2);
}
await until(() => count("pending") + count("delivering") === 0);
results.latency_ms = await (await fetch(`${receiver}/stats`)).json();
await removeHooks();

// ── 3. API p99 alone, then with 100 deliveries hanging
for (let i = 0; i < 20; i++) {
  await api("POST", `/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: `5959910000${10 + i}`,
    body: "hola",
  });
}
const load = async () => {
  const p = Bun.spawn(
    [
      "bun",
      join(import.meta.dir, "webhooks-load.ts"),
      `${server.url}api/v1/tickets?limit=20`,
      TOKEN,
      "8000",
      "8",
    ],
    { stdout: "pipe" },
  );
  const out = await new Response(p.stdout).text();
  await p.exited;
  return JSON.parse(out.trim().split("\n").at(-1)!);
};
await load(); // warm-up
results.api_alone = await load();
await addHooks(100, "/hang");
rt.db.transaction((tx) => rt.events.emit(tx, "message_received", conn.id, data(0)));
await until(() => rt.dispatcher.inFlight === 100 && count("delivering") === 100);
results.api_with_100_hanging = await load();

const cpu = cpus();
const machine = `${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Bun ${Bun.version}`;
console.log(JSON.stringify({ date: new Date().toISOString(), machine, ...results }, null, 2));

await rt.dispatcher.stop(100);
server.stop(true);
receiverProc.kill();
await rt.close();
rmSync(dataDir, { recursive: true, force: true });
