/**
 * The hello-world ceiling with `THREADS` listeners on one port (`reusePort`): the main thread and THREADS - 1
 * Bun Workers running this same file. THREADS=1 is bench/lib/hello-server.ts. For bench/cores.bench.ts.
 */
import { isMainThread } from "node:worker_threads";

const port = Number(process.env.PORT ?? 0);
const serve = () =>
  Bun.serve({ hostname: "127.0.0.1", port, reusePort: true, fetch: () => new Response("Hello World!") });

if (isMainThread) {
  const threads = Number(process.env.THREADS ?? 1);
  const workers: Worker[] = [];
  for (let i = 1; i < threads; i++) {
    const w = new Worker(import.meta.url);
    workers.push(w);
    await new Promise<void>((resolve) => {
      w.onmessage = () => resolve();
    });
  }
  const server = serve();
  console.log(`listening ${server.port}`);
  process.once("SIGTERM", () => {
    for (const w of workers) w.terminate();
    server.stop(true);
    process.exit(0);
  });
} else {
  serve();
  (self as unknown as Worker).postMessage("listening");
}
