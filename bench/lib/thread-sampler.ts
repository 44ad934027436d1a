/**
 * Off-CPU look at the server's main thread (docs/PERFORMANCE.md, "Issue 14 status after session 5"), Linux only:
 * `bun bench/lib/thread-sampler.ts OUT_FILE SECONDS`, run beside a bench that starts `src/cli.ts serve`.
 *
 * Every ~2 ms appends "<time> <state> <syscall>" for the newest `src/cli.ts serve` process's main thread, read
 * from /proc/<pid>/stat (R running, S sleeping, D uninterruptible) and /proc/<pid>/syscall; at the end prints the
 * share of each (state, syscall) and the runs of one blocking call longer than 30 ms — where the event loop waits
 * (fsync, futex, reads) rather than computes.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const SYSCALLS: Record<string, string> = {
  "0": "read",
  "1": "write",
  "7": "poll",
  "17": "pread64",
  "18": "pwrite64",
  "74": "fsync",
  "75": "fdatasync",
  "77": "ftruncate",
  "202": "futex",
  "217": "getdents64",
  "232": "epoll_wait",
  "281": "epoll_pwait",
  "441": "epoll_pwait2",
  "257": "openat",
  "262": "newfstatat",
  "9": "mmap",
  "11": "munmap",
  "28": "madvise",
};
const IDLE = new Set(["epoll_wait", "epoll_pwait", "epoll_pwait2"]);

const [out = "thread-samples.txt", seconds = "60"] = process.argv.slice(2);

function newestServer(): number | null {
  let best: number | null = null;
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, "latin1").replaceAll("\0", " ");
      if (cmd.includes("src/cli.ts serve") && (best === null || Number(p) > best)) best = Number(p);
    } catch {
      // gone meanwhile
    }
  }
  return best;
}

const samples: { t: number; state: string; call: string }[] = [];
const end = Date.now() + Number(seconds) * 1000;
let pid: number | null = null;
while (Date.now() < end) {
  if (pid === null || !existsSync(`/proc/${pid}`)) {
    pid = newestServer();
    if (pid === null) {
      Bun.sleepSync(50);
      continue;
    }
  }
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "latin1").split(")").at(-1)!.trim().split(" ")[0]!;
    const nr = readFileSync(`/proc/${pid}/syscall`, "latin1").split(" ")[0]!.trim();
    samples.push({ t: Date.now(), state, call: SYSCALLS[nr] ?? nr });
  } catch {
    pid = null;
    continue;
  }
  Bun.sleepSync(2);
}

writeFileSync(out, samples.map((s) => `${s.t} ${s.state} ${s.call}`).join("\n"));
const share = new Map<string, number>();
for (const s of samples) share.set(`${s.state} ${s.call}`, (share.get(`${s.state} ${s.call}`) ?? 0) + 1);
console.log(`${samples.length} samples`);
for (const [k, n] of [...share].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`${k.padEnd(24)} ${((100 * n) / samples.length).toFixed(1)} %`);
const runs: { call: string; ms: number }[] = [];
let run: { call: string; from: number; to: number } | null = null;
for (const s of samples) {
  const blocked = (s.state === "D" || s.state === "S") && s.call !== "running" && !IDLE.has(s.call);
  if (run && blocked && s.call === run.call) run.to = s.t;
  else {
    if (run && run.to - run.from > 30) runs.push({ call: run.call, ms: run.to - run.from });
    run = blocked ? { call: s.call, from: s.t, to: s.t } : null;
  }
}
console.log("blocking runs > 30 ms:", runs.sort((a, b) => b.ms - a.ms).slice(0, 12));
