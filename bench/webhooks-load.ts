// API load client for bench/webhooks.bench.ts, in its own process: GET <url> `total` times with
// `concurrency` requests in flight; prints latency p50/p99 in ms as JSON.
const [url, token, totalArg, concurrencyArg] = process.argv.slice(2);
const total = Number(totalArg ?? 4000);
const concurrency = Number(concurrencyArg ?? 8);
const headers = { authorization: `Bearer ${token}` };
const times: number[] = [];
let next = 0;
let errors = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next++ < total) {
      const t0 = performance.now();
      const res = await fetch(url!, { headers });
      await res.arrayBuffer();
      if (!res.ok) errors++;
      times.push(performance.now() - t0);
    }
  }),
);
const elapsed = performance.now() - started;
times.sort((a, b) => a - b);
const q = (p: number) => Number((times[Math.floor(p * (times.length - 1))] ?? 0).toFixed(2));
console.log(
  JSON.stringify({
    requests: times.length,
    errors,
    rps: Math.round((times.length / elapsed) * 1000),
    p50: q(0.5),
    p99: q(0.99),
  }),
);

export {};
