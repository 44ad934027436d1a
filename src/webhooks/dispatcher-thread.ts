import { workerEntry } from "../lib/worker-entry";
import type { Logger } from "../logger";
import type { Settled } from "./dispatcher";
import type { DispatcherThreadSettings, FromWorker, ToWorker } from "./dispatcher-worker";
import type { EventSink } from "./events";

/** What the runtime, readiness and metrics use of a dispatcher, inline or in its own thread. */
export type DispatcherHandle = {
  start(): void;
  stop(graceMs?: number): Promise<void>;
  wake(): void;
  /** Stores queued results now (inline only; the thread stores its own); on PostgreSQL, once the promise resolves. */
  flush(): void | Promise<void>;
  readonly running: boolean;
  /** Webhook lanes with work in hand. */
  readonly inFlight: number;
  onSettled(listener: (s: Settled) => void): () => void;
};

/** The worker's file (an entrypoint of its own in the compiled binary). */
const WORKER_ENTRY = workerEntry("webhooks/dispatcher-worker.ts");

/** Restart delay after the thread died unexpectedly. */
const RESTART_MS = 1000;

/**
 * The dispatcher in its own Bun Worker (the default; WEBHOOK_WORKER=false runs it inline): it claims, signs, sends
 * and stores results on its own SQLite connection (WAL: its reads never block the API's, and its writes are
 * short, un-fsynced transactions that take the write lock for microseconds), so webhooks stay on time while
 * HTTP work saturates the main thread. The main thread only tells it "something was committed" and hears back
 * which deliveries settled (metrics). Stopping asks the thread to finish or release its deliveries within the
 * grace period, as the inline dispatcher does; a thread that dies is logged and started again.
 */
export function createThreadedDispatcher(opts: {
  settings: DispatcherThreadSettings;
  events: Pick<EventSink, "subscribe" | "onWake">;
  logger: Logger;
  /** Events up to this seq are on disk (the store's `durableMark`): sent to the thread with every wake-up. */
  durableMark?: () => number;
  stopGraceMs?: number;
}): DispatcherHandle {
  const logger = opts.logger.child({ module: "webhooks" });
  const stopGraceMs = opts.stopGraceMs ?? 10_000;
  const durableMark = opts.durableMark ?? (() => Number.MAX_SAFE_INTEGER);
  let worker: Worker | undefined;
  let running = false;
  let lanes = 0;
  let wakePosted = false;
  let stopped: (() => void) | undefined;
  const unsubscribers: (() => void)[] = [];
  let settledListeners: ((s: Settled) => void)[] = [];

  const send = (m: ToWorker) => worker?.postMessage(m);
  // One wake-up per turn of the event loop, however many events the commits of that turn stored.
  const wake = () => {
    if (wakePosted || !worker) return;
    wakePosted = true;
    queueMicrotask(() => {
      wakePosted = false;
      send({ type: "wake", durable: durableMark() });
    });
  };

  const spawn = () => {
    const w = new Worker(WORKER_ENTRY);
    worker = w;
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === "settled") {
        lanes = m.lanes;
        for (const item of m.items) for (const l of settledListeners) l(item);
      } else if (m.type === "lanes") {
        lanes = m.lanes;
      } else if (m.type === "stopped") {
        stopped?.();
      }
    };
    w.onerror = (e) => {
      logger.error({ err: e.message }, "webhook dispatcher thread failed");
    };
    w.addEventListener("close", () => {
      if (worker !== w) return;
      worker = undefined;
      lanes = 0;
      if (!running) return;
      // Its leased rows expire and are claimed again by the new thread: nothing is lost, at worst resent.
      logger.error("webhook dispatcher thread exited; starting it again");
      const t = setTimeout(() => {
        if (running && !worker) spawn();
      }, RESTART_MS);
      t.unref?.();
    });
    send({ type: "start", settings: opts.settings, durable: durableMark() });
  };

  return {
    start() {
      if (running) return;
      running = true;
      spawn();
      unsubscribers.push(opts.events.subscribe(wake), opts.events.onWake(wake));
    },
    async stop(graceMs = stopGraceMs) {
      if (!running) return;
      running = false;
      for (const u of unsubscribers.splice(0)) u();
      const w = worker;
      if (!w) return;
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs + 5000);
      });
      send({ type: "stop", graceMs });
      await Promise.race([done, late]);
      clearTimeout(timer);
      stopped = undefined;
      worker = undefined;
      lanes = 0;
      w.terminate();
    },
    wake,
    flush() {},
    /** False while the thread is down (readiness shows it), true again once it was started anew. */
    get running() {
      return running && worker !== undefined;
    },
    get inFlight() {
      return lanes;
    },
    onSettled(listener) {
      settledListeners.push(listener);
      return () => {
        settledListeners = settledListeners.filter((l) => l !== listener);
      };
    },
  };
}
