import { workerEntry } from "../lib/worker-entry";
import type { Logger } from "../logger";
import type {
  CheckpointResult,
  FromCheckpointThread,
  ToCheckpointThread,
  TruncateResult,
} from "./checkpoint-worker";
import type { Db } from "./client";
import { walCheckpoint, walIndexFd } from "./wal-index";

/** The worker's file (an entrypoint of its own in the compiled binary). */
const WORKER_ENTRY = workerEntry("db/checkpoint-worker.ts");

/** SQLite's own automatic checkpoint threshold (frames), used again on the main connection when the thread stops. */
const SQLITE_AUTOCHECKPOINT = 1000;
const RESTART_MS = 1000;

export type CheckpointerOptions = {
  db: Db;
  logger: Logger;
  /** Checkpoint once this many WAL frames are not in the database file yet (SQLite's automatic one: 1000). */
  minFrames?: number;
  /** How often the thread looks at the WAL index, ms. */
  pollMs?: number;
  /**
   * Once the WAL holds this many frames, the main connection copies the few the thread has not (written while
   * it copied the rest), so the next commit starts the WAL file over instead of growing it.
   */
  restartFrames?: number;
  /** Told of every checkpoint the thread ran (tests, logs). */
  onCheckpoint?: (r: CheckpointResult & { restart: boolean; mainMs: number }) => void;
};

/**
 * WAL checkpoints in their own thread. SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL
 * past 1,000 frames, on the committing connection: it copies those pages into the database file and fsyncs it.
 * On the main connection that is the event loop; at 10M messages the pages of a thousand frames lie all over a
 * 3 GB file, and the copy and its fsync held the loop for hundreds of ms to seconds (docs/PERFORMANCE.md, "10M
 * stall"). Here a Bun Worker with its own connection runs `wal_checkpoint(PASSIVE)` whenever 1,000 frames wait,
 * while the main connection's automatic checkpoint is off. PASSIVE never blocks the writer; the WAL file restarts
 * from its beginning when a commit finds every frame copied, which under a steady stream of commits needs the
 * main connection to copy the last few itself (`restartFrames`). A thread that dies gives the checkpoint back to
 * the main connection until it is running again.
 */
export function createCheckpointer(opts: CheckpointerOptions) {
  const logger = opts.logger.child({ module: "checkpoint" });
  const sqlite = opts.db.$client;
  const path = sqlite.filename;
  const minFrames = opts.minFrames ?? SQLITE_AUTOCHECKPOINT;
  const pollMs = opts.pollMs ?? 50;
  const restartFrames = opts.restartFrames ?? 16_384;
  let worker: Worker | undefined;
  let running = false;
  let stopping = false;
  let stopped: (() => void) | undefined;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let truncateId = 0;
  /** Truncations asked of the thread and not answered yet. */
  const truncating = new Map<number, (r: TruncateResult) => void>();
  /** Answers the waiting truncations as busy (the thread ended): the next one tries again. */
  const truncateBusy = () => {
    const waiting = [...truncating.values()];
    truncating.clear();
    for (const done of waiting) done({ busy: true, walPages: 0 });
  };

  const autocheckpoint = (frames: number) => sqlite.exec(`PRAGMA wal_autocheckpoint = ${frames};`);
  const onResult = (r: CheckpointResult & { restart: boolean }) => {
    let restarted = false;
    let mainMs = 0;
    if (stopping) return; // the database may be closing
    if (r.restart) {
      // The frames committed while the thread copied the rest (its checkpoint's time's worth of commits): once
      // they are in the database too, the next commit starts the WAL file over from its beginning. RESTART copies
      // them under the write lock, so no write transaction of another connection (the webhook dispatcher's) spans
      // the copy and the next commit, of any connection, begins after it; it never waits, and answers busy when
      // the lock is taken (it then copies as PASSIVE does) or another connection still reads from the WAL — the
      // thread's next checkpoint past restartFrames hands over again. (With PASSIVE, under the mixed load at 10M
      // messages a dispatcher transaction begun before the copy committed after it in most hand-overs: the WAL went
      // on growing, and the main connection copied again every ~150 ms, 1–20 ms on the event loop each time.)
      if (!sqlite.inTransaction) {
        const t0 = performance.now();
        restarted = !walCheckpoint(sqlite, "RESTART").busy;
        mainMs = performance.now() - t0;
      }
      worker?.postMessage({ type: "resume" } satisfies ToCheckpointThread);
    }
    opts.onCheckpoint?.({ ...r, restart: restarted, mainMs });
  };

  const spawn = () => {
    const w = new Worker(WORKER_ENTRY);
    worker = w;
    w.onmessage = (e: MessageEvent<FromCheckpointThread>) => {
      const m = e.data;
      if (m.type === "started") {
        running = true;
        autocheckpoint(0);
      } else if (m.type === "checkpointed") onResult(m);
      else if (m.type === "truncated") {
        const done = truncating.get(m.id);
        truncating.delete(m.id);
        done?.({ busy: m.busy, walPages: m.walPages });
      } else if (m.type === "failed") logger.warn({ err: m.message }, "WAL checkpoint failed in its thread");
      else if (m.type === "stopped") stopped?.();
    };
    w.onerror = (e) => {
      logger.error({ err: e.message }, "WAL checkpoint thread failed");
      died();
    };
    w.addEventListener("close", () => {
      if (!stopping) died();
    });
    w.postMessage({
      type: "start",
      settings: { databasePath: path, walIndexFd: walIndexFd(path), minFrames, pollMs, restartFrames },
    } satisfies ToCheckpointThread);
  };

  const died = () => {
    if (worker === undefined) return;
    worker = undefined;
    running = false;
    truncateBusy();
    // The WAL must not grow without bound meanwhile: the main connection checkpoints as SQLite does by default.
    autocheckpoint(SQLITE_AUTOCHECKPOINT);
    if (!stopping) restartTimer = setTimeout(spawn, RESTART_MS);
  };

  return {
    /** Starts the thread (a file database only; `:memory:` has no WAL). */
    start() {
      if (path === "" || path === ":memory:" || worker) return;
      stopping = false;
      spawn();
    },
    get running() {
      return running;
    },
    /**
     * Copies every WAL frame into the database and truncates the WAL file to zero bytes, never waiting (busy: a
     * reader or the writer was in the way; the next call tries again). In the thread while it exists: under load
     * this takes 40-80 ms (the last frames, the database's fsync, the file's truncation), which on the main
     * connection held the event loop. Without the thread (stopped, or not started), on the main connection.
     */
    truncate(): Promise<TruncateResult> {
      const w = worker;
      if (!w || stopping) return Promise.resolve(walCheckpoint(sqlite));
      const id = ++truncateId;
      return new Promise<TruncateResult>((resolve) => {
        truncating.set(id, resolve);
        w.postMessage({ type: "truncate", id } satisfies ToCheckpointThread);
      });
    },
    /** Stops the thread; the main connection checkpoints by itself again. */
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const w = worker;
      if (!w) return;
      await new Promise<void>((resolve) => {
        const timeout = setTimeout(resolve, 5000);
        stopped = () => {
          clearTimeout(timeout);
          resolve();
        };
        w.postMessage({ type: "stop" } satisfies ToCheckpointThread);
      });
      w.terminate();
      worker = undefined;
      running = false;
      truncateBusy();
      autocheckpoint(SQLITE_AUTOCHECKPOINT);
    },
  };
}

export type Checkpointer = ReturnType<typeof createCheckpointer>;
