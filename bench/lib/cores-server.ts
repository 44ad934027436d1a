/**
 * PROTOTYPE server for bench/cores.bench.ts (not a server feature): the real runtime (`createRuntime`: database,
 * services, sessions, webhook dispatcher inline or in its thread, send queue, the Hono app) on the main thread,
 * the single writer, plus `CORES_HTTP_THREADS - 1` HTTP threads (bench/lib/cores-http-worker.ts) listening on
 * the same port with `reusePort` and serving the read-only GET lists from their own read-only connections.
 *
 * Env: the server's own (DATA_DIR, PORT, HOST, API_TOKEN, WEBHOOK_WORKER…), plus
 * - CORES_HTTP_THREADS (1): listeners on PORT, counting the main thread when it listens;
 * - CORES_MAIN_PUBLIC (true): false = the main thread does not listen on PORT (only on its private writer port):
 *   every connection lands on a worker, which answers reads and forwards writes ("read front").
 * Prints `listening <port>` when every listener is up. SIGTERM stops the workers, the server and the runtime.
 * Left out against `startServer`: the once-a-minute maintenance and the retention timers (rounds are seconds).
 */
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { createLogger, createProcessHealth } from "../../src/logger";
import { createRuntime } from "../../src/server";
import type { HttpWorkerSettings } from "./cores-http-worker";

const threads = Number(process.env.CORES_HTTP_THREADS ?? 1);
const mainPublic = process.env.CORES_MAIN_PUBLIC !== "false";
const workers = mainPublic ? threads - 1 : threads;
if (!Number.isInteger(threads) || threads < 1 || workers < 0) throw new Error("bad CORES_HTTP_THREADS");

const config = loadConfig();
const health = createProcessHealth();
const logger = createLogger(config.logLevel, health, 1, config.logFormat);
const runtime = createRuntime(config, logger, { health });
await runtime.startSessions();
runtime.dispatcher.start();
runtime.sendQueue.start();

const serveOptions = {
  maxRequestBodySize: 2 ** 40,
  idleTimeout: 120,
  fetch: runtime.app.fetch,
} as const;
const servers: ReturnType<typeof Bun.serve>[] = [];
const threadsRunning: Worker[] = [];
if (workers > 0) {
  const writer = Bun.serve({ ...serveOptions, hostname: "127.0.0.1", port: 0 });
  servers.push(writer);
  const settings: HttpWorkerSettings = {
    env: { ...process.env },
    databasePath: join(config.dataDir, "chasqui.sqlite"),
    hostname: config.host,
    port: config.port,
    writerPort: writer.port as number,
  };
  for (let i = 0; i < workers; i++) {
    const w = new Worker(new URL("./cores-http-worker.ts", import.meta.url).href);
    threadsRunning.push(w);
    await new Promise<void>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<{ type: string; message?: string }>) => {
        if (e.data.type === "listening") resolve();
        else reject(new Error(`HTTP thread failed: ${e.data.message}`));
      };
      w.onerror = (e) => reject(new Error(`HTTP thread failed: ${e.message}`));
      w.postMessage({ type: "start", settings });
    });
  }
}
if (mainPublic)
  servers.push(Bun.serve({ ...serveOptions, hostname: config.host, port: config.port, reusePort: true }));
console.log(`listening ${config.port}`);

process.once("SIGTERM", async () => {
  for (const w of threadsRunning) w.terminate();
  runtime.streams.closeAll();
  for (const s of servers) await s.stop(true);
  await runtime.close();
  process.exit(0);
});
