import type { Config } from "../config";
import { workerEntry } from "../lib/worker-entry";
import type { Logger } from "../logger";
import type { HttpSeries, Metrics } from "../metrics/metrics";
import type { ReadFrontHealth } from "../metrics/readiness";
import type { FromFront, HandedResponse, ReadFrontSettings, ToFront } from "./read-front-worker";

/** The worker's file (an entrypoint of its own in the compiled binary). */
const WORKER_ENTRY = workerEntry("http/read-front-worker.ts");

/** Restart delay after a thread died unexpectedly (the main thread answers the lists meanwhile). */
const RESTART_MS = 1000;
/** A thread that does not hand its request series within this time is left out of that scrape. */
const METRICS_TIMEOUT_MS = 2000;
/** How long a stop waits for a thread's requests in flight before ending it. */
const STOP_GRACE_MS = 10_000;

/**
 * The GET routes a read thread answers: the lists every open panel polls. Everything else, the event streams
 * included, is the main thread's.
 */
const THREAD_GET = [/^\/api\/v1\/tickets$/, /^\/api\/v1\/contacts$/, /^\/api\/v1\/tickets\/\d+\/messages$/];

/** The path of a request URL (`http://host/path?query`), without building a URL object. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

/**
 * Creates the threads' Workers early (startServer calls it before opening the database): each loads the whole app
 * in its own thread, which takes a second or more, while the main thread migrates and starts its sessions.
 */
export function preloadReadThreads(n: number): Worker[] {
  return Array.from({ length: n }, () => new Worker(WORKER_ENTRY));
}

type Fetch = (req: Request, server: Bun.Server<undefined>) => Response | Promise<Response>;

type Waiting = (res: HandedResponse | undefined) => void;

type Thread = {
  name: string;
  worker: Worker;
  ready: boolean;
  /** Requests handed to it and not answered yet, by id. */
  waiting: Map<number, Waiting>;
  stopped?: () => void;
};

/**
 * The HTTP read threads (HTTP_READ_THREADS = N ≥ 1): the main thread — the single writer — owns the public port
 * and every connection, and hands each GET list request (tickets, contacts, a ticket's messages) to one of N
 * threads (src/http/read-front-worker.ts), the one with the fewest waiting; it answers with what the thread gives
 * back. A thread runs the same app over a read-only connection, so the lists' SQL, JSON and validation run on the
 * other core while this thread takes the writes, the webhooks' commits and the event streams. What a thread
 * cannot answer (a write it would need, a failed authentication) it hands back and the main thread answers it, as
 * it answers every list while no thread is ready (at start, after one died until it is started again, during a
 * stop). So writes never wait behind list work and no request is lost with a thread.
 *
 * `/metrics` merges the threads' request series (`thread="front-N"`); `/health/ready` shows how many are ready.
 */
export function createReadFront(opts: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  databasePath: string;
  threads: number;
  /** Workers made by preloadReadThreads, used for the first start of each thread. */
  preloaded?: (Worker | undefined)[];
}) {
  const { config, logger } = opts;
  const log = logger.child({ module: "read-front" });
  const threads: (Thread | undefined)[] = Array.from({ length: opts.threads }, () => undefined);
  let running = false;
  let requestId = 0;
  let metricsId = 0;
  const metricsWaiting = new Map<number, (series: HttpSeries) => void>();
  const readyCount = () => threads.filter((t) => t?.ready).length;

  let firstReady: () => void = () => {};
  /** Resolves once every thread has been ready once (tests and the bench wait on it). */
  const ready = new Promise<void>((resolve) => {
    firstReady = resolve;
  });
  const everReady = new Set<number>();

  /** Answers a thread's waiting requests with nothing: the main thread answers them itself. */
  const handBackAll = (t: Thread) => {
    const waiting = [...t.waiting.values()];
    t.waiting.clear();
    for (const w of waiting) w(undefined);
  };

  const spawn = (i: number) => {
    const name = `front-${i + 1}`;
    const given = opts.preloaded?.[i];
    if (opts.preloaded) opts.preloaded[i] = undefined;
    const worker = given ?? new Worker(WORKER_ENTRY);
    const thread: Thread = { name, worker, ready: false, waiting: new Map() };
    threads[i] = thread;
    const settings: ReadFrontSettings = { config, databasePath: opts.databasePath, name };
    worker.onmessage = (e: MessageEvent<FromFront>) => {
      const m = e.data;
      if (m.type === "response") {
        const w = thread.waiting.get(m.id);
        thread.waiting.delete(m.id);
        w?.(m);
      } else if (m.type === "ready") {
        thread.ready = running;
        everReady.add(i);
        if (everReady.size === threads.length) firstReady();
      } else if (m.type === "failed") {
        // Ended and started again like a thread that died; the main thread answers meanwhile.
        log.error({ thread: name, err: m.message }, "HTTP read thread failed to start");
        worker.terminate();
      } else if (m.type === "metrics") {
        metricsWaiting.get(m.id)?.(m.series);
      } else if (m.type === "stopped") {
        thread.stopped?.();
      }
    };
    worker.onerror = (e) => {
      log.error({ thread: name, err: e.message }, "HTTP read thread failed");
    };
    worker.addEventListener("close", () => {
      thread.ready = false;
      handBackAll(thread);
      if (threads[i] !== thread) return;
      threads[i] = undefined;
      if (!running) return;
      log.error({ thread: name }, "HTTP read thread exited; starting it again");
      const t = setTimeout(() => {
        if (running && !threads[i]) spawn(i);
      }, RESTART_MS);
      t.unref?.();
    });
    const start: ToFront = { type: "start", settings };
    worker.postMessage(start);
  };

  /** The ready thread with the fewest requests waiting, if any. */
  const pick = (): Thread | undefined => {
    let best: Thread | undefined;
    for (const t of threads) if (t?.ready && (!best || t.waiting.size < best.waiting.size)) best = t;
    return best;
  };

  const handOver = (t: Thread, req: Request, address: string) =>
    new Promise<HandedResponse | undefined>((resolve) => {
      const id = ++requestId;
      t.waiting.set(id, resolve);
      const m: ToFront = { type: "request", id, url: req.url, headers: [...req.headers], address };
      t.worker.postMessage(m);
    });

  return {
    /** Starts the threads (the main thread answers every request until one is ready). */
    start() {
      running = true;
      for (let i = 0; i < threads.length; i++) spawn(i);
      opts.metrics.mergeFrom(() => this.series());
      log.info({ threads: threads.length }, "HTTP read threads starting");
    },

    /** Resolves once every thread has been ready once. */
    ready,

    /**
     * The main thread's fetch with the lists handed to the threads: a GET list goes to a ready thread, and what
     * it hands back (or everything while none is ready) is answered by `fetch` here.
     */
    wrap(fetch: Fetch): Fetch {
      return (req, server) => {
        if (req.method !== "GET" || !running) return fetch(req, server);
        const path = pathOf(req.url);
        if (!THREAD_GET.some((r) => r.test(path))) return fetch(req, server);
        const t = pick();
        if (!t) return fetch(req, server);
        const address = server.requestIP(req)?.address ?? "unknown";
        return handOver(t, req, address).then((m) =>
          !m || m.handBack
            ? fetch(req, server)
            : new Response(m.body, { status: m.status, headers: m.headers }),
        );
      };
    },

    /** The threads' request series, each within METRICS_TIMEOUT_MS (a thread that does not answer is left out). */
    async series(): Promise<HttpSeries[]> {
      const asks = threads.map((t) => {
        if (!t?.ready) return Promise.resolve(undefined);
        const id = ++metricsId;
        return new Promise<HttpSeries | undefined>((resolve) => {
          const timer = setTimeout(() => {
            metricsWaiting.delete(id);
            resolve(undefined);
          }, METRICS_TIMEOUT_MS);
          metricsWaiting.set(id, (series) => {
            clearTimeout(timer);
            metricsWaiting.delete(id);
            resolve(series);
          });
          const ask: ToFront = { type: "metrics", id };
          t.worker.postMessage(ask);
        });
      });
      return (await Promise.all(asks)).filter((a) => a !== undefined);
    },

    /**
     * Graceful stop: no request is handed over any more (the main thread answers what still comes), each thread
     * answers the ones it has, then ends.
     */
    stop(): Promise<void> {
      running = false;
      const waits = threads.map((t) => {
        if (!t) return Promise.resolve();
        t.ready = false;
        return new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, STOP_GRACE_MS);
          t.stopped = () => {
            clearTimeout(timer);
            resolve();
          };
          const stop: ToFront = { type: "stop" };
          t.worker.postMessage(stop);
        }).then(() => {
          t.worker.terminate();
          handBackAll(t);
        });
      });
      return Promise.all(waits).then(() => {
        threads.fill(undefined);
      });
    },

    /** Ends a thread as a crash would (it is started again); for tests. */
    kill(index: number) {
      threads[index]?.worker.terminate();
    },

    health(): ReadFrontHealth {
      return { threads: threads.length, running: readyCount() };
    },
  };
}

export type ReadFront = ReturnType<typeof createReadFront>;
