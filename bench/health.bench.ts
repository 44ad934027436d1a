/**
 * `/health` worst latency while the server's background jobs run (a script, not a test):
 * `bun bench/health.bench.ts [--messages 1000000,5000000] [--seconds 65] [--expired-keys 150000] [--ref COMMIT]`.
 *
 * For each size: seeds a fresh DATA_DIR (bench/lib/seed.ts: 100k contacts, 100k tickets, N messages) plus
 * `--expired-keys` Idempotency-Key rows already past their 24 h (what a server taking 2,500 sends/s expires
 * each minute), starts the real server (`bun src/cli.ts serve`, its own process) and asks `GET /health`
 * back to back, one request in flight, for `--seconds` (longer than the one-minute maintenance interval:
 * media retry and idempotency pruning; retention and a WAL checkpoint run at start). Reports p50, p99 and
 * max, and the time of the max. `--ref COMMIT` runs the server from a `git archive` of that commit.
 * `--seed-cache DIR` reuses seeded databases across runs (bench/lib/seed.ts; 10M messages are seeded once).
 * `--worst N` also lists the N slowest answers with their times, to match them with what the server ran.
 */
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../src/db/client";
import { checkoutRef, freePort, stopProcess, waitForHttp } from "./lib/proc";
import { seedDatabase } from "./lib/seed";

const { values: opt } = parseArgs({
  options: {
    messages: { type: "string", default: "1000000,5000000" },
    seconds: { type: "string", default: "65" },
    "expired-keys": { type: "string", default: "150000" },
    ref: { type: "string" },
    "seed-cache": { type: "string" },
    worst: { type: "string", default: "5" },
  },
});
const HERE = join(import.meta.dir, "..");
const sh = (cmd: string) => execSync(cmd, { encoding: "utf8" }).trim();

const archive = opt.ref ? checkoutRef(HERE, opt.ref) : undefined;
const root = archive ?? HERE;
console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    nproc: sh("nproc"),
    cpu: sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1"),
    bun: Bun.version,
    code: sh(`git -C ${HERE} rev-parse --short ${opt.ref ?? "HEAD"}`),
    load: sh("cat /proc/loadavg"),
  }),
);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

for (const messages of opt.messages.split(",").map(Number)) {
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-health-"));
  try {
    const seeded = seedDatabase(dataDir, {
      contacts: 100_000,
      tickets: 100_000,
      messages,
      cacheDir: opt["seed-cache"],
    });
    const db = openDatabase(join(dataDir, "chasqui.sqlite"));
    const expiredAt = Date.now() - 25 * 60 * 60 * 1000;
    const keys = Number(opt["expired-keys"]);
    db.$client.exec("BEGIN");
    const insert = db.$client.query(
      "INSERT INTO idempotency_keys (principal, key, request_hash, state, status_code, response_body, created_at) VALUES (0, ?, 'h', 'completed', 201, '{}', ?)",
    );
    for (let i = 0; i < keys; i++) insert.run(`k-${i}`, expiredAt + i);
    db.$client.exec("COMMIT");
    db.$client.close();

    const port = await freePort();
    const server = Bun.spawn(["bun", "src/cli.ts", "serve"], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: "127.0.0.1",
        API_TOKEN: "bench-token-0123456789abcdefghij",
        LOG_LEVEL: "warn",
      },
      stdout: "ignore",
      stderr: "inherit",
    });
    try {
      const url = `http://127.0.0.1:${port}/health`;
      await waitForHttp(url, server);
      const started = performance.now();
      const until = started + Number(opt.seconds) * 1000;
      const times: number[] = [];
      const slow: { ms: number; atS: number }[] = [];
      let worst = { ms: 0, atS: 0 };
      while (performance.now() < until) {
        const t0 = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        const ms = performance.now() - t0;
        if (!res.ok) throw new Error(`/health answered ${res.status}`);
        times.push(ms);
        if (ms > worst.ms) worst = { ms, atS: (t0 - started) / 1000 };
        if (ms > 10) slow.push({ ms: +ms.toFixed(1), atS: +((t0 - started) / 1000).toFixed(2) });
      }
      const check = openDatabase(join(dataDir, "chasqui.sqlite"));
      const left = (check.$client.query("SELECT count(*) AS n FROM idempotency_keys").get() as { n: number })
        .n;
      check.$client.close();
      times.sort((a, b) => a - b);
      console.log(
        JSON.stringify({
          messages: seeded.counts.messages,
          dbMb: Math.round(seeded.dbBytes / 2 ** 20),
          requests: times.length,
          p50Ms: +pct(times, 0.5).toFixed(2),
          p99Ms: +pct(times, 0.99).toFixed(2),
          maxMs: +worst.ms.toFixed(1),
          maxAtS: +worst.atS.toFixed(1),
          expiredKeysLeft: left,
          slowest: slow.sort((a, b) => b.ms - a.ms).slice(0, Number(opt.worst)),
          over10ms: slow.length,
          load: sh("cat /proc/loadavg"),
        }),
      );
    } finally {
      await stopProcess(server);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
if (archive) rmSync(archive, { recursive: true, force: true });
