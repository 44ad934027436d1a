// Disk probe for bench/mixed.bench.ts, in its own process: every <intervalMs> it appends one 4 KiB block to a file
// in <dir> (the server's DATA_DIR, so the same filesystem as its WAL) and fsyncs it, until SIGTERM; then one JSON
// line {count, worstMs, over50} (the fsync's own time). A webhook lag or write latency spike in a round is the
// server's only if the disk answered on time meanwhile: on a shared virtual disk a lone 4 KiB fsync can take
// 100-200 ms with no load of ours at all (docs/PERFORMANCE.md, "Issue 14 status after session 25").
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

const [dir, intervalArg] = process.argv.slice(2);
const intervalMs = Number(intervalArg ?? 200);
const file = join(dir!, `disk-probe-${process.pid}.dat`);
const fd = openSync(file, "w");
const block = Buffer.alloc(4096, 1);
let count = 0;
let worst = 0;
let over50 = 0;
let probing = true;

process.on("SIGTERM", () => {
  probing = false;
});

while (probing) {
  writeSync(fd, block);
  const t0 = performance.now();
  fsyncSync(fd);
  const took = performance.now() - t0;
  count++;
  worst = Math.max(worst, took);
  if (took > 50) over50++;
  if (probing) await Bun.sleep(intervalMs);
}
closeSync(fd);
rmSync(file, { force: true });
console.log(JSON.stringify({ count, worstMs: Math.round(worst), over50 }));
