// `/health` prober for bench/mixed.bench.ts, in its own process so that the bench's own work (reading every SSE
// frame of 20 streams) never delays a probe's answer: GET <url> every <intervalMs> until SIGTERM, then one JSON line
// {count, failed, worstMs, p99Ms, worstAtMs} (time from the request's start to its answer's last byte; worstAtMs:
// when the worst started, ms after the first probe).
import { quantile } from "./stats";

const [url, intervalArg] = process.argv.slice(2);
const intervalMs = Number(intervalArg ?? 100);
const took: number[] = [];
let failed = 0;
let worst = 0;
let worstAt = 0;
let probing = true;
const start = performance.now();

process.on("SIGTERM", () => {
  probing = false;
});

while (probing) {
  const t0 = performance.now();
  try {
    await (await fetch(url!)).arrayBuffer();
  } catch {
    failed++;
  }
  const ms = performance.now() - t0;
  took.push(ms);
  if (ms > worst) {
    worst = ms;
    worstAt = t0 - start;
  }
  if (probing) await Bun.sleep(intervalMs);
}
const sorted = took.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    count: sorted.length,
    failed,
    worstMs: Math.round(worst),
    p99Ms: Math.round(sorted.length ? quantile(sorted, 0.99) : 0),
    worstAtMs: Math.round(worstAt),
  }),
);
