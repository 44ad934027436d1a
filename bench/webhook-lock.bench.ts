/**
 * How long the webhook dispatcher thread waits for SQLite's write lock while the API commits (a script, not a
 * test): `bun bench/webhook-lock.bench.ts [--seconds 10] [--rate 300] [--rounds 3]`.
 *
 * The main thread plays the API's group commit on a file database (WAL, synchronous=FULL): `--rate` commits per
 * second, each a BEGIN IMMEDIATE, a few inserts and a COMMIT with its fsync, then a "wake" posted to a Worker, as
 * the event sink does. The Worker plays the dispatcher thread (synchronous=NORMAL): on each wake it takes the write
 * lock for one short transaction (an UPDATE … RETURNING of a few rows, as a claim). Measured per wake: wake posted →
 * the Worker's transaction committed, p50/p99/max; and the main thread's commit time (BEGIN → COMMIT). Two modes,
 * interleaved per round: `busy` — the connection's busy_timeout (5000 ms, SQLite's busy handler sleeps 1, 2, 5,
 * 10 … 100 ms between tries) and WAL auto-checkpoints, as the thread did before; `try` — busy_timeout=0, tried
 * again after 1 ms or at the next wake, no auto-checkpoint on this connection, as it does now.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { quantile } from "./lib/stats";

type Mode = "busy" | "try";

if (!isMainThread) {
  const { path, mode } = workerData as { path: string; mode: Mode };
  const db = new Database(path);
  db.exec("PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;");
  if (mode === "try") db.exec("PRAGMA busy_timeout = 0; PRAGMA wal_autocheckpoint = 0;");
  const claim = db.query(
    "UPDATE work SET n = n + 1 WHERE id IN (SELECT id FROM work ORDER BY n, id LIMIT 20) RETURNING id",
  );
  const pending: number[] = [];
  const lags: number[] = [];
  let retrying = false;
  const attempt = () => {
    if (pending.length === 0) return;
    try {
      db.transaction(() => claim.all()).immediate();
    } catch (err) {
      if (((err as { errno?: number }).errno ?? 0) % 256 !== 5) throw err;
      if (!retrying) {
        retrying = true;
        setTimeout(() => {
          retrying = false;
          attempt();
        }, 1);
      }
      return;
    }
    const now = performance.timeOrigin + performance.now();
    for (const at of pending.splice(0)) lags.push(now - at);
  };
  parentPort!.on("message", (m: { type: "wake"; at: number } | { type: "done" }) => {
    if (m.type === "wake") {
      pending.push(m.at);
      attempt();
    } else {
      parentPort!.postMessage(lags);
      db.close();
    }
  });
} else {
  const { values: opt } = parseArgs({
    options: {
      seconds: { type: "string", default: "10" },
      rate: { type: "string", default: "300" },
      rounds: { type: "string", default: "3" },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "chasqui-lock-bench-"));
  const path = join(dir, "lock.sqlite");
  const db = new Database(path);
  db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  db.exec("CREATE TABLE work (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)");
  db.exec("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  db.exec("CREATE INDEX work_n ON work (n, id)");
  db.transaction(() => {
    for (let i = 0; i < 10_000; i++) db.run("INSERT INTO work (n) VALUES (0)");
  })();
  const insert = db.query("INSERT INTO events (body) VALUES (?)");
  const body = "x".repeat(300);
  const run = async (mode: Mode) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { path, mode } });
    await new Promise((r) => setTimeout(r, 200));
    const commits: number[] = [];
    const interval = 1000 / Number(opt.rate);
    const end = performance.now() + Number(opt.seconds) * 1000;
    let next = performance.now();
    while (performance.now() < end) {
      const t0 = performance.now();
      db.transaction(() => {
        for (let i = 0; i < 4; i++) insert.run(body);
      }).immediate();
      commits.push(performance.now() - t0);
      worker.postMessage({ type: "wake", at: performance.timeOrigin + performance.now() });
      next += interval;
      const wait = next - performance.now();
      // Other work of the main thread (HTTP) between commits; lets the worker's messages through.
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    }
    const lags = await new Promise<number[]>((resolve) => {
      worker.once("message", resolve);
      worker.postMessage({ type: "done" });
    });
    await worker.terminate();
    lags.sort((a, b) => a - b);
    commits.sort((a, b) => a - b);
    const f = (x: number) => Number(x.toFixed(1));
    return {
      mode,
      wakes: lags.length,
      lockLagP50Ms: f(quantile(lags, 0.5)),
      lockLagP99Ms: f(quantile(lags, 0.99)),
      lockLagMaxMs: f(lags.at(-1) ?? Number.NaN),
      mainCommitP50Ms: f(quantile(commits, 0.5)),
      mainCommitP99Ms: f(quantile(commits, 0.99)),
    };
  };
  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  console.error(
    `[lock-bench] ${opt.rounds} rounds × 2 modes × ${opt.seconds} s at ${opt.rate} commits/s; load ${load}`,
  );
  try {
    for (let round = 1; round <= Number(opt.rounds); round++) {
      for (const mode of ["busy", "try"] as Mode[])
        console.log(JSON.stringify({ round, ...(await run(mode)) }));
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
