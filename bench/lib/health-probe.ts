// `/health` prober for bench/mixed.bench.ts, in its own process so that the bench's own work (reading every SSE
// frame of 20 streams) never delays a probe's answer: GET <url> every <intervalMs> until SIGTERM, then one JSON line
// {count, failed, worstMs} (time from the request's start to its answer's last byte; a failed probe counts as the
// time it took, as the bench's own probe did).

const [url, intervalArg] = process.argv.slice(2);
const intervalMs = Number(intervalArg ?? 100);
let count = 0;
let failed = 0;
let worst = 0;
let probing = true;

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
  count++;
  worst = Math.max(worst, performance.now() - t0);
  if (probing) await Bun.sleep(intervalMs);
}
console.log(JSON.stringify({ count, failed, worstMs: Math.round(worst) }));

export {};
