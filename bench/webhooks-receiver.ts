// Receiver for bench/webhooks.bench.ts, run as its own process so it does not share the server's core.
// POST /ok answers 204 at once and records event-to-delivery latency from the envelope's timestamp;
// POST /hang never answers; GET /stats and POST /reset read and clear the figures.
let latencies: number[] = [];
let count = 0;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  idleTimeout: 0,
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/ok") {
      const body = await req.text();
      const at = Date.now();
      count++;
      const ts = /"timestamp":"([^"]+)"/.exec(body)?.[1];
      if (ts) latencies.push(at - Date.parse(ts));
      if (ts && process.env.BENCH_TRACE && at - Date.parse(ts) > 20)
        console.error(count, at - Date.parse(ts));
      return new Response(null, { status: 204 });
    }
    if (path === "/hang") return new Promise<Response>(() => {});
    if (path === "/stats") {
      const sorted = [...latencies].sort((a, b) => a - b);
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;
      return Response.json({ count, p50: q(0.5), p99: q(0.99), max: sorted.at(-1) ?? null });
    }
    if (path === "/reset") {
      latencies = [];
      count = 0;
      return new Response("ok");
    }
    return new Response("not found", { status: 404 });
  },
});
console.log(JSON.stringify({ port: server.port }));

export {};
