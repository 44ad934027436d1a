/**
 * Runs wrk (C, keep-alive, one thread so it leaves a core to the server on a 2-core box) and reads its
 * results from a Lua `done` hook that prints one JSON line.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type WrkResult = {
  requests: number;
  seconds: number;
  rps: number;
  /** Latencies in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Non-2xx/3xx responses, socket errors and timeouts. */
  non2xx: number;
  socketErrors: number;
  timeouts: number;
};

const DONE_HOOK = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_JSON {"requests":%d,"duration_us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50":%.0f,"p90":%.0f,"p99":%.0f,"max":%.0f}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`;

export function wrkAvailable(): boolean {
  return Bun.which("wrk") !== null;
}

/** Exits (code 2) with how to install wrk when it is not on PATH: every load bench needs it. */
export function requireWrk(): void {
  if (wrkAvailable()) return;
  console.error("wrk is not on PATH: apt-get install -y wrk");
  process.exit(2);
}

export async function runWrk(opts: {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** Extra Lua (e.g. a `request` function); the JSON `done` hook is appended. */
  lua?: string;
  /** CPU list for taskset (e.g. "0"), or undefined to let the scheduler place wrk. */
  cpus?: string;
}): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-wrk-"));
  try {
    const headerLua = Object.entries(opts.headers ?? {})
      .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
      .join("\n");
    const script = join(dir, "script.lua");
    writeFileSync(script, `${headerLua}\n${opts.lua ?? ""}\n${DONE_HOOK}`);
    const wrkArgs = [
      "wrk",
      "-t1",
      `-c${opts.connections}`,
      `-d${opts.seconds}s`,
      "--timeout",
      "10s",
      "-s",
      script,
      opts.url,
    ];
    const cmd = opts.cpus ? ["taskset", "-c", opts.cpus, ...wrkArgs] : wrkArgs;
    const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}\n${err}`);
    const j = JSON.parse(line.slice("WRK_JSON ".length)) as Record<string, number>;
    const seconds = j.duration_us! / 1e6;
    return {
      requests: j.requests!,
      seconds,
      rps: j.requests! / seconds,
      p50: j.p50! / 1000,
      p90: j.p90! / 1000,
      p99: j.p99! / 1000,
      max: j.max! / 1000,
      non2xx: j.status!,
      socketErrors: j.connect! + j.read! + j.write!,
      timeouts: j.timeout!,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
