/** Child processes for the benchmark: spawning, readiness, memory from /proc, and a clean stop. */
import { execSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Memory = { rssMb: number; hwmMb: number };

/** VmRSS (now) and VmHWM (peak since start) of a process, in MB (MiB). */
export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (!m) throw new Error(`${field} missing from /proc/${pid}/status`);
    return Number(m[1]);
  };
  return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
}

/** Samples VmRSS every `everyMs` until stopped; returns the highest value seen. */
export function sampleRss(pid: number, everyMs = 100) {
  let peak = 0;
  const tick = () => {
    try {
      peak = Math.max(peak, readMemory(pid).rssMb);
    } catch {
      // The process is gone; the caller notices elsewhere.
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop(): number {
      clearInterval(timer);
      tick();
      return peak;
    },
  };
}

export async function waitForHttp(url: string, proc: { exitCode: number | null }, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null)
      throw new Error(`process exited with ${proc.exitCode} before ${url} answered`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(50);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export async function stopProcess(proc: {
  pid: number;
  exited: Promise<number>;
  kill(sig?: number | NodeJS.Signals): void;
}) {
  proc.kill("SIGTERM");
  const timeout = Bun.sleep(10_000).then(() => "timeout" as const);
  if ((await Promise.race([proc.exited, timeout])) === "timeout") {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

export const sleep = (ms: number) => Bun.sleep(ms);

/** A shell command's trimmed output for the report header (git commit, CPU model…), "?" when it fails. */
export const sh = (cmd: string): string => {
  try {
    return execSync(cmd, { encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
};

export { freePort } from "../../tests/support/determinism";

/**
 * Starts the server of the code in `root` (`bun src/cli.ts serve`) on 127.0.0.1:`port` with a token, logging to
 * `server.log` / `server.err` in its DATA_DIR; `env` adds or overrides settings.
 */
export function spawnServer(o: {
  root: string;
  dataDir: string;
  port: number;
  token: string;
  env?: Record<string, string>;
}) {
  // BENCH_SERVER_BUN_ARGS: flags for the server's bun (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it).
  const bunArgs = (process.env.BENCH_SERVER_BUN_ARGS ?? "").split(" ").filter(Boolean);
  return Bun.spawn(["bun", ...bunArgs, "src/cli.ts", "serve"], {
    cwd: o.root,
    env: {
      ...process.env,
      DATA_DIR: o.dataDir,
      PORT: String(o.port),
      HOST: "127.0.0.1",
      API_TOKEN: o.token,
      LOG_LEVEL: "warn",
      ...o.env,
    },
    stdout: Bun.file(join(o.dataDir, "server.log")),
    stderr: Bun.file(join(o.dataDir, "server.err")),
  });
}

/** The hello-world `Bun.serve` ceiling (bench/lib/hello-server.ts) on `port`. */
export function spawnHello(port: number) {
  return Bun.spawn(["bun", join(import.meta.dir, "hello-server.ts")], {
    env: { ...process.env, PORT: String(port) },
    stdout: "ignore",
  });
}

/**
 * A `git archive` of `ref` in a temp folder, with this checkout's node_modules linked in: a bench's `--ref` runs
 * the server of another commit, so before and after are measured by the same script. The caller deletes it.
 */
export function checkoutRef(repo: string, ref: string): string {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-ref-"));
  execSync(`git -C ${repo} archive ${ref} | tar -x -C ${dir}`);
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const CLOCK_TICKS = Number(sh("getconf CLK_TCK")) || 100;

/** Fields 3… of /proc/<pid>/stat (after the command name, which may hold spaces), or null if it is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system, every thread) used so far by a process and by its children: the live ones (read
 * from /proc) and the ones it has waited for (its cutime/cstime). For a PostgreSQL postmaster that is the whole
 * server: backends, WAL writer, checkpointer, and the backends that already exited.
 */
export function cpuSecondsTree(pid: number): number {
  const own = statFields(pid);
  if (!own) return Number.NaN;
  // utime, stime, cutime, cstime are fields 14–17 of stat; statFields starts at field 3.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(Number(entry));
    if (f && Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / CLOCK_TICKS;
}
