/**
 * Where the main connection's commit time goes as the database grows (a script, not a test):
 * `bun bench/checkpoint.bench.ts [--messages 10000000] [--commits 1500] [--batch 20] [--modes inline,thread,nofts]`.
 *
 * Copies a seeded database (`bench/lib/seed.ts`, seed cache from `CHASQUI_SEED_CACHE` or `--seed-cache`) once per
 * mode and, on one connection opened like the server's (WAL, synchronous=FULL, 16 MB cache), commits `--commits`
 * transactions of `--batch` message writes each: an insert copying a random existing row under a new WhatsApp id,
 * ticket and time (so every index and the full-text trigger do their real work) plus its ticket's update — what
 * a group commit of inbound messages writes. Per commit: wall time, WAL frames written, and whether a checkpoint
 * ran inside it (the WAL index's backfill count moved). Modes, one after the other:
 * - `inline`: SQLite's automatic checkpoint (1,000 frames) inside the commits, as before session 5;
 * - `thread`: the server's default since session 5, `createCheckpointer` (src/db/checkpointer.ts) — the checkpoint
 *   runs in a Bun Worker with its own connection, the event loop turns between commits;
 * - `nofts`: `inline` without the messages full-text trigger (what FTS5 costs, merges included).
 * Reports p50 / p99 / max commit time, the share of commit time spent in commits that checkpointed, and the total.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createCheckpointer } from "../src/db/checkpointer";
import { createLogger } from "../src/logger";
import { seedDatabase } from "./lib/seed";

const { values: opt } = parseArgs({
  options: {
    messages: { type: "string", default: "10000000" },
    commits: { type: "string", default: "1500" },
    batch: { type: "string", default: "20" },
    modes: { type: "string", default: "inline,thread,nofts" },
    "seed-cache": { type: "string" },
  },
});
const COMMITS = Number(opt.commits);
const BATCH = Number(opt.batch);
const load = () =>
  (require("node:fs").readFileSync("/proc/loadavg", "utf8") as string).split(" ").slice(0, 3).join(" ");

async function run(mode: string) {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-checkpoint-bench-"));
  try {
    seedDatabase(dir, {
      contacts: 100_000,
      tickets: 100_000,
      messages: Number(opt.messages),
      cacheDir: opt["seed-cache"],
    });
    const path = join(dir, "chasqui.sqlite");
    const db = new Database(path);
    db.exec(
      "PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-16000; PRAGMA foreign_keys=ON;",
    );
    if (mode === "nofts") db.exec("DROP TRIGGER messages_fts_insert");
    const checkpoints: { ms: number; restart: boolean; mainMs: number }[] = [];
    const checkpointer =
      mode === "thread"
        ? createCheckpointer({
            db: { $client: db } as unknown as Parameters<typeof createCheckpointer>[0]["db"],
            logger: createLogger("silent"),
            onCheckpoint: (r) => checkpoints.push(r),
          })
        : undefined;
    checkpointer?.start();
    while (checkpointer && !checkpointer.running) await Bun.sleep(5);
    const keep = ["pk", "id", "ticket_id", "created_at", "updated_at", "body"];
    const cols = (db.query("pragma table_info(messages)").all() as { name: string }[])
      .map((c) => c.name)
      .filter((c) => !keep.includes(c));
    const maxPk = (db.query("select max(pk) as m from messages").get() as { m: number }).m;
    const insert = db.query(
      `INSERT INTO messages (id, ticket_id, created_at, updated_at, body, ${cols.join(",")}) SELECT ?1, ?2, ?3, ?3, ?4, ${cols.join(",")} FROM messages WHERE pk = ?5`,
    );
    const touch = db.query("UPDATE tickets SET last_message = ?1, updated_at = ?2 WHERE id = ?3");
    // WAL index header: mxFrame at byte 16, nBackfill at 96 (https://www.sqlite.org/walformat.html).
    const shm = openSync(`${path}-shm`, "r");
    const buf = Buffer.alloc(100);
    const walIndex = () => {
      readSync(shm, buf, 0, 100, 0);
      return { mx: buf.readUInt32LE(16), backfill: buf.readUInt32LE(96) };
    };
    const times: { ms: number; checkpointed: boolean; frames: number }[] = [];
    let k = 0;
    const started = performance.now();
    for (let i = 0; i < COMMITS; i++) {
      const w0 = walIndex();
      const t0 = performance.now();
      db.exec("BEGIN IMMEDIATE");
      for (let j = 0; j < BATCH; j++) {
        k++;
        const ticket = 1 + ((k * 7919) % 100_000);
        insert.run(`BENCHCKPT${k}`, ticket, Date.now(), `mixed inbound ${k}`, 1 + ((k * 104_729) % maxPk));
        touch.run(`mixed inbound ${k}`, Date.now(), ticket);
      }
      db.exec("COMMIT");
      const ms = performance.now() - t0;
      const w1 = walIndex();
      // A checkpoint inside this commit moved the backfill count (in thread mode the thread's do too, but those are
      // not in this connection's commit: counted apart).
      times.push({
        ms,
        checkpointed: mode !== "thread" && w1.backfill !== w0.backfill,
        frames: w1.mx >= w0.mx ? w1.mx - w0.mx : w1.mx,
      });
      if (checkpointer) await Bun.sleep(0); // the server's event loop turns between group commits
    }
    const wall = (performance.now() - started) / 1000;
    await checkpointer?.stop();
    db.close();
    const sorted = [...times].sort((a, b) => a.ms - b.ms);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.ms;
    const sum = (xs: typeof times) => xs.reduce((a, t) => a + t.ms, 0);
    const inCommit = times.filter((t) => t.checkpointed);
    console.log(
      JSON.stringify({
        mode,
        messages: Number(opt.messages),
        load: load(),
        wallSeconds: Number(wall.toFixed(1)),
        commitMsP50: Number(q(0.5).toFixed(1)),
        commitMsP99: Number(q(0.99).toFixed(1)),
        commitMsMax: Number(sorted.at(-1)!.ms.toFixed(0)),
        commitSecondsTotal: Number((sum(times) / 1000).toFixed(2)),
        framesPerCommit: Number((times.reduce((a, t) => a + t.frames, 0) / times.length).toFixed(0)),
        checkpointsInCommits: inCommit.length,
        shareOfCommitTimeInCheckpointingCommits: Number((sum(inCommit) / sum(times)).toFixed(2)),
        threadCheckpoints: checkpoints.length,
        threadCheckpointMsMean: checkpoints.length
          ? Number((checkpoints.reduce((a, c) => a + c.ms, 0) / checkpoints.length).toFixed(0))
          : null,
        walRestartsByMainConnection: checkpoints.filter((c) => c.restart).length,
        // The main connection's own short checkpoint before a restart runs between commits, on the event loop.
        mainRestartStepMsMax: Number(Math.max(0, ...checkpoints.map((c) => c.mainMs)).toFixed(0)),
        mainRestartStepMsTotal: Number(checkpoints.reduce((a, c) => a + c.mainMs, 0).toFixed(0)),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.error(
  `[checkpoint-bench] ${COMMITS} commits × ${BATCH} message writes on ${opt.messages} messages; load ${load()}`,
);
for (const mode of opt.modes.split(",")) await run(mode);
