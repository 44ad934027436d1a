/// <reference lib="webworker" />
/**
 * The WAL checkpointer's thread (see checkpointer.ts). Its own connection copies committed WAL frames into the
 * database file and fsyncs it, so the main thread's commits never do: SQLite's automatic checkpoint is off on
 * the main connection while this runs.
 */
import { Database } from "bun:sqlite";
import { walCheckpoint, walFrames } from "./wal-index";

declare const self: Worker;

export type CheckpointThreadSettings = {
  databasePath: string;
  /**
   * A descriptor of the WAL index (`<db>-shm`) the main thread opened once for the process's life (`walIndexFd` in
   * checkpointer.ts); undefined when it could not: no early checkpoints then, the main connection's restarts only.
   */
  walIndexFd: number | undefined;
  /** Checkpoint once at least this many WAL frames are not yet in the database file. */
  minFrames: number;
  /** How often the WAL index is looked at, ms. */
  pollMs: number;
  /**
   * Once the WAL holds this many frames, the thread pauses after its checkpoint (`restart: true`) until the main
   * connection has copied the rest and told it to resume, so the next commit starts the WAL over.
   */
  restartFrames: number;
};

export type ToCheckpointThread =
  | { type: "start"; settings: CheckpointThreadSettings }
  | { type: "resume" }
  /** Copy every frame and truncate the WAL file to zero bytes (`wal_checkpoint(TRUNCATE)`), never waiting. */
  | { type: "truncate"; id: number }
  | { type: "stop" };

/** `log`: frames in the WAL (since its last restart); `checkpointed`: how many of them are in the database. */
export type CheckpointResult = { busy: boolean; log: number; checkpointed: number; ms: number };

/** A truncation's outcome: `busy` when a reader or the writer was in the way (the next one tries again). */
export type TruncateResult = ReturnType<typeof walCheckpoint>;

export type FromCheckpointThread =
  | { type: "started" }
  | ({ type: "truncated"; id: number } & TruncateResult)
  | ({ type: "checkpointed"; restart: boolean } & CheckpointResult)
  | { type: "failed"; message: string }
  | { type: "stopped" };

const post = (m: FromCheckpointThread) => self.postMessage(m);

let timer: ReturnType<typeof setInterval> | undefined;
let sqlite: Database | undefined;

function start(s: CheckpointThreadSettings) {
  const db = new Database(s.databasePath, { strict: true });
  sqlite = db;
  db.exec("PRAGMA busy_timeout = 5000;");
  // A checkpoint fsyncs the WAL before copying and the database after, at NORMAL and FULL alike; FULL says so.
  db.exec("PRAGMA synchronous = FULL;");
  db.exec("PRAGMA wal_autocheckpoint = 0;");
  const checkpoint = db.query<{ busy: number; log: number; checkpointed: number }, []>(
    "PRAGMA wal_checkpoint(PASSIVE)",
  );
  let paused = false;
  const run = () => {
    const t0 = performance.now();
    try {
      const r = checkpoint.get();
      const log = r?.log ?? 0;
      const restart = log >= s.restartFrames;
      paused = restart;
      post({
        type: "checkpointed",
        busy: (r?.busy ?? 0) !== 0,
        log,
        checkpointed: r?.checkpointed ?? 0,
        ms: performance.now() - t0,
        restart,
      });
    } catch (err) {
      post({ type: "failed", message: (err as Error).message });
    }
  };
  const fd = s.walIndexFd;
  const buf = Buffer.alloc(100);
  timer = setInterval(() => {
    if (paused || fd === undefined) return;
    const w = walFrames(fd, buf);
    if (w && w.mxFrame - w.nBackfill >= s.minFrames) run();
  }, s.pollMs);
  /**
   * The truncation holds the write lock while it copies the last frames, fsyncs the database and truncates the WAL
   * file (40-80 ms under load, more at start); here the main thread's batches step around it (their BEGIN does not
   * wait on the event loop) instead of the loop stopping for it. It never waits for the lock or for readers.
   */
  const truncateWal = (id: number) => {
    if (sqlite === undefined) {
      post({ type: "truncated", id, busy: true, walPages: 0 }); // stopped
      return;
    }
    try {
      post({ type: "truncated", id, ...walCheckpoint(db) });
    } catch (err) {
      // An I/O error (a lock taken answers busy, it does not throw): nothing was truncated; the next call tries again.
      post({ type: "truncated", id, busy: true, walPages: 0 });
      post({ type: "failed", message: (err as Error).message });
    }
  };
  self.onmessage = (e: MessageEvent<ToCheckpointThread>) => {
    if (e.data.type === "resume") paused = false;
    else if (e.data.type === "truncate") truncateWal(e.data.id);
    else if (e.data.type === "stop") stop();
  };
  post({ type: "started" });
}

function stop() {
  if (timer) clearInterval(timer);
  timer = undefined;
  sqlite?.close();
  sqlite = undefined;
  post({ type: "stopped" });
}

self.onmessage = (e: MessageEvent<ToCheckpointThread>) => {
  if (e.data.type === "truncate") post({ type: "truncated", id: e.data.id, busy: true, walPages: 0 });
  else if (e.data.type === "start") {
    try {
      start(e.data.settings);
    } catch (err) {
      post({ type: "failed", message: (err as Error).message });
    }
  } else if (e.data.type === "stop") stop();
};
