/**
 * Entry of the dispatcher thread (src/webhooks/dispatcher-thread.ts starts it as a Bun Worker). It runs the same
 * dispatcher as the inline one on its own SQLite connection, so claiming, sending, signing and storing results
 * never wait for HTTP work on the main thread, and the main thread never waits for webhook receivers.
 *
 * Protocol (structured-clone messages):
 * - in: `{ type: "start", settings, durable }` once, `{ type: "wake", durable }` after each commit with events (once
 *   it is on disk) or a re-enqueued delivery, `{ type: "stop", graceMs }` once; `durable` is the main thread's
 *   `durableMark()`: deliveries of later events are not claimed yet;
 * - out: `{ type: "started" }`, `{ type: "settled", items, lanes }` after each stored batch of results, `{ type:
 *   "lanes", lanes }` when the lanes in hand change without a result (requests hanging),
 *   `{ type: "stopped" }` once the rows it held are back to pending and its connection is closed.
 */
import { SQL } from "bun";
import { openDatabase } from "../db/client";
import { createLogger, flushLogs, type LogFormat } from "../logger";
import { createPgDispatchStore, type DispatchStore } from "./dispatch-store";
import { createDispatcher, type Dispatcher, type DispatcherWakeups, type Settled } from "./dispatcher";
import { mergeWakeups, pgWakeups } from "./pg-wakeups";
import { createReceiverPolicy } from "./receiver-policy";

declare const self: Worker;

export type DispatcherThreadSettings = {
  /** The SQLite file (unused when `databaseUrl` is set). */
  databasePath: string;
  /**
   * PostgreSQL: the thread opens a pool of its own on this URL (a few connections, plus one for LISTEN), claims
   * through webhook lanes shared with the other nodes, and is woken by `chasqui_events`/`chasqui_wake` too.
   */
  databaseUrl?: string;
  /** PostgreSQL: this dispatcher's name in `webhook_lanes` (default: random per thread start). */
  holder?: string;
  logLevel: string;
  logFormat: LogFormat;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  concurrency: number;
  window: number;
  leaseMs: number;
  allowPrivate: boolean;
  allowedHosts: readonly string[];
};

export type ToWorker =
  | { type: "start"; settings: DispatcherThreadSettings; durable: number }
  | { type: "wake"; durable: number }
  | { type: "stop"; graceMs: number };

export type FromWorker =
  | { type: "started" }
  | { type: "settled"; items: Settled[]; lanes: number }
  | { type: "lanes"; lanes: number }
  | { type: "stopped" };

const post = (m: FromWorker) => self.postMessage(m);

let dispatcher: Dispatcher | undefined;
/** The main thread's durable event seq, as last told. */
let durable = 0;
let close: (() => Promise<void>) | undefined;
let openedDb: ReturnType<typeof openDatabase> | undefined;
const wakeListeners = new Set<() => void>();

function start(s: DispatcherThreadSettings) {
  const logger = createLogger(s.logLevel, undefined, 1, s.logFormat).child({ thread: "webhooks" });
  const local: DispatcherWakeups = {
    subscribe(listener: () => void) {
      wakeListeners.add(listener);
      return () => {
        wakeListeners.delete(listener);
      };
    },
    onWake(listener: () => void) {
      wakeListeners.add(listener);
      return () => {
        wakeListeners.delete(listener);
      };
    },
  };
  let wakeups = local;
  let store: DispatchStore | undefined;
  let closeDb: () => void | Promise<void>;
  const batchSize = 200;
  if (s.databaseUrl) {
    // PostgreSQL: no shared write lock to step around, no durable mark (a commit is durable when it returns).
    const sql = new SQL({ url: s.databaseUrl, max: 4 });
    store = createPgDispatchStore(sql, { leaseMs: s.leaseMs, batchSize, clock: Date.now, holder: s.holder });
    wakeups = mergeWakeups(
      local,
      pgWakeups(sql, (err) => logger.warn({ err }, "listening for wake-ups failed; polling only")),
    );
    closeDb = () => sql.close();
  } else {
    const db = openDatabase(s.databasePath);
    // This connection only stores delivery state. Without the per-commit fsync a result lost to a power cut
    // means the delivery is sent again (at least once, as after any crash); the events and deliveries
    // themselves are written by the main connection, whose next fsync (its group commit's, DB_ASYNC_FSYNC, or a
    // synchronous=FULL commit's) covers the WAL frames written here before it.
    db.$client.exec("PRAGMA synchronous = NORMAL;");
    // Nor does it checkpoint the WAL: a checkpoint run by one of its commits would hold this thread (and every
    // delivery in flight, whose timeouts are timers here) for the checkpoint's fsyncs. The main connection's commits
    // and the periodic checkpoint job keep the WAL short, as they did before this thread existed.
    db.$client.exec("PRAGMA wal_autocheckpoint = 0;");
    openedDb = db;
    closeDb = () => db.$client.close();
  }
  const d = createDispatcher({
    ...(store ? { store } : { db: openedDb }),
    events: wakeups,
    logger,
    receivers: createReceiverPolicy({
      allowPrivate: s.allowPrivate,
      allowedHosts: s.allowedHosts,
      lookupTimeoutMs: s.timeoutMs,
    }),
    timeoutMs: s.timeoutMs,
    maxAttempts: s.maxAttempts,
    retryBaseMs: s.retryBaseMs,
    concurrency: s.concurrency,
    window: s.window,
    leaseMs: s.leaseMs,
    settleDelayMs: 10,
    // Never sleep in SQLite's busy handler behind the API's commit fsync: try again within a millisecond or at the next wake-up.
    ...(store ? {} : { lockRetryMs: 1, durableMark: () => durable }),
    // Each claim takes the write lock, which the API's group commit holds through its fsync: claim more rows
    // at once so a busy API costs fewer waits per delivery.
    batchSize,
  });
  // Results stored in one commit are told in one message.
  let batch: Settled[] = [];
  d.onSettled((r) => {
    if (batch.length === 0)
      queueMicrotask(() => {
        const items = batch;
        batch = [];
        post({ type: "settled", items, lanes: d.inFlight });
      });
    batch.push(r);
  });
  // Lanes in hand change without a result when requests hang: tell them too, at most every 100 ms.
  let toldLanes = 0;
  const lanesTimer = setInterval(() => {
    if (d.inFlight === toldLanes) return;
    toldLanes = d.inFlight;
    post({ type: "lanes", lanes: toldLanes });
  }, 100);
  dispatcher = d;
  close = async () => {
    clearInterval(lanesTimer);
    await closeDb();
  };
  d.start();
  post({ type: "started" });
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === "start") {
    durable = m.durable;
    start(m.settings);
  } else if (m.type === "wake") {
    durable = Math.max(durable, m.durable);
    for (const l of wakeListeners) l();
  } else if (m.type === "stop") {
    await dispatcher?.stop(m.graceMs);
    await close?.();
    flushLogs(); // the main thread may end this thread before its next turn
    post({ type: "stopped" });
  }
};
