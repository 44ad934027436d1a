import { randomBytes } from "node:crypto";
import type { Config } from "../config";
import { workerEntry } from "../lib/worker-entry";
import type { Logger } from "../logger";
import type { HttpSeries, Metrics } from "../metrics/metrics";
import type { ReadFrontHealth } from "../metrics/readiness";
import type { CommitNotices } from "./event-streams";
import { forwardedEnv } from "./read-front-protocol";
import type { FromFront, ReadFrontSettings, ToFront } from "./read-front-worker";

/** The worker's file (an entrypoint of its own in the compiled binary). */
const WORKER_ENTRY = workerEntry("http/read-front-worker.ts");

/** Restart delay after a thread died unexpectedly (the main thread serves the port meanwhile). */
const RESTART_MS = 1000;
/** A thread that does not hand its request series within this time is left out of that scrape. */
const METRICS_TIMEOUT_MS = 2000;
/** How long a stop waits for a thread's requests in flight before ending it. */
const STOP_GRACE_MS = 10_000;
/** A start whose threads are not all listening by then serves the port from the main thread meanwhile. */
const START_TIMEOUT_MS = 30_000;

/**
 * Creates the threads' Workers early (startServer calls it before opening the database): each loads the whole app
 * in its own thread, which takes a second or more, while the main thread migrates and starts its sessions.
 */
export function preloadReadThreads(n: number): Worker[] {
  return Array.from({ length: n }, () => new Worker(WORKER_ENTRY));
}

type Fetch = (req: Request, server: Bun.Server<undefined>) => Response | Promise<Response>;

type Thread = {
  name: string;
  worker: Worker;
  listening: boolean;
  stopped?: () => void;
};

/**
 * The HTTP read front (HTTP_READ_THREADS = N ≥ 1): N threads (src/http/read-front-worker.ts) own the public
 * port with `reusePort` and answer the GET lists and the event streams (SSE) from read-only connections; the main
 * thread — the single writer — answers everything else on a private listener on 127.0.0.1, tells the threads the
 * highest announced event `seq` and its durable mark after its commits (their streams' wake-up and bound), and its
 * `/metrics` merges the threads' request series and open streams. While no thread listens (one died, until it is
 * started again; or none came up at start in time) the main thread listens on the public port itself (a graceful stop of that listener moves its idle keep-alive connections to the
 * threads once one is back), so the port keeps answering.
 *
 * `start` binds the public port first without `reusePort` (so a port in use fails as without the front, and
 * PORT=0 resolves to one free port), then with it for the threads.
 */
export function createReadFront(opts: {
  config: Config;
  logger: Logger;
  fetch: Fetch;
  metrics: Metrics;
  databasePath: string;
  threads: number;
  /** The Bun.serve options the main thread's listeners share (body size, timeouts, error handler). */
  serveOptions: Omit<Parameters<typeof Bun.serve>[0], "fetch" | "port" | "hostname">;
  /** The public port once bound (PORT=0 picks one), before the threads are given the config. */
  onPort?: (port: number) => void;
  /** Workers made by preloadReadThreads, used for the first start of each thread. */
  preloaded?: (Worker | undefined)[];
  /** The main thread's event sink: its commit notices wake the threads' event streams. */
  commits?: CommitNotices;
  /** The highest event seq on disk (`SqliteStore.durableMark`): the threads' event feeds stop there. */
  durableMark?: () => number;
}) {
  const { config, logger } = opts;
  const log = logger.child({ module: "read-front" });
  const secret = randomBytes(32).toString("base64url");
  const secretBytes = Buffer.from(secret);
  const threads: (Thread | undefined)[] = Array.from({ length: opts.threads }, () => undefined);
  let running = false;
  let port = config.port;
  let writer: ReturnType<typeof Bun.serve> | undefined;
  let fallback: ReturnType<typeof Bun.serve> | undefined;
  let metricsId = 0;
  const metricsWaiting = new Map<number, (series: HttpSeries, sseStreams: number) => void>();
  /** The threads' open event streams, as they said at the last scrape (series() asks before the gauges run). */
  let sseStreams = 0;
  /** The highest announced event seq, posted to the threads once per turn with the durable mark of that moment. */
  let notifySeq = 0;
  let notifyScheduled = false;
  let unsubscribe: (() => void) | undefined;
  const durableMark = opts.durableMark ?? (() => Number.MAX_SAFE_INTEGER);
  const postSeq = () => {
    notifyScheduled = false;
    const msg: ToFront = { type: "events", seq: notifySeq, durable: durableMark() };
    for (const t of threads) t?.worker.postMessage(msg);
  };

  const serve = (hostname: string, p: number, reusePort: boolean, fetch: Fetch) =>
    Bun.serve({ ...(opts.serveOptions as object), hostname, port: p, reusePort, fetch } as Parameters<
      typeof Bun.serve
    >[0]);
  const listeningCount = () => threads.filter((t) => t?.listening).length;

  const openFallback = () => {
    if (fallback || !running) return;
    fallback = serve(config.host, port, true, opts.fetch);
  };
  let fallbackStopping: Promise<void> | undefined;
  const closeFallback = () => {
    const f = fallback;
    fallback = undefined;
    if (f) fallbackStopping = f.stop();
  };

  let firstReady: () => void = () => {};
  /** Resolves once every thread has listened once (tests and the bench wait on it). */
  const ready = new Promise<void>((resolve) => {
    firstReady = resolve;
  });
  const everListened = new Set<number>();

  const spawn = (i: number) => {
    const name = `front-${i + 1}`;
    const given = opts.preloaded?.[i];
    if (opts.preloaded) opts.preloaded[i] = undefined;
    const worker = given ?? new Worker(WORKER_ENTRY);
    const thread: Thread = { name, worker, listening: false };
    threads[i] = thread;
    const settings: ReadFrontSettings = {
      config,
      databasePath: opts.databasePath,
      name,
      hostname: config.host,
      port,
      writerPort: writer!.port as number,
      secret,
      durable: durableMark(),
    };
    worker.onmessage = (e: MessageEvent<FromFront>) => {
      const m = e.data;
      if (m.type === "listening") {
        thread.listening = true;
        closeFallback();
        everListened.add(i);
        if (everListened.size === threads.length) firstReady();
      } else if (m.type === "failed") {
        // Ended and started again like a thread that died; the port is served by the others or the main thread.
        log.error({ thread: name, err: m.message }, "HTTP read thread failed to start");
        worker.terminate();
      } else if (m.type === "metrics") {
        metricsWaiting.get(m.id)?.(m.series, m.sseStreams);
      } else if (m.type === "stopped") {
        thread.stopped?.();
      }
    };
    worker.onerror = (e) => {
      log.error({ thread: name, err: e.message }, "HTTP read thread failed");
    };
    worker.addEventListener("close", () => {
      if (threads[i] !== thread) return;
      threads[i] = undefined;
      if (!running) return;
      // Its connections are gone; new ones land on the other threads, or on the main thread while none runs.
      if (listeningCount() === 0) openFallback();
      log.error({ thread: name }, "HTTP read thread exited; starting it again");
      const t = setTimeout(() => {
        if (running && !threads[i]) spawn(i);
      }, RESTART_MS);
      t.unref?.();
    });
    const start: ToFront = { type: "start", settings };
    worker.postMessage(start);
  };

  return {
    /**
     * Binds the public port and starts the threads; resolves with the port once every thread listens. Only the
     * threads accept on it from the start: a main-thread listener handing over under load would reset the
     * connections it holds. Threads not up within START_TIMEOUT_MS (they keep being started again) leave the port
     * to the main thread meanwhile, so the server always comes up.
     */
    async start(): Promise<number> {
      running = true;
      // Without reusePort first: a port already in use (another server, also one with its own read front)
      // fails here with EADDRINUSE, and PORT=0 becomes one free port that every listener then shares.
      const probe = serve(config.host, config.port, false, opts.fetch);
      port = probe.port as number;
      probe.stop(true);
      opts.onPort?.(port);
      writer = serve("127.0.0.1", 0, false, (req, server) =>
        opts.fetch(req, forwardedEnv(req, server, secretBytes) as typeof server),
      );
      for (let i = 0; i < threads.length; i++) spawn(i);
      opts.metrics.mergeFrom(() => this.series());
      // A thread's hub reads the rows itself; it needs only to know that (and up to where) events were committed.
      unsubscribe = opts.commits?.subscribe((e) => {
        if (e.seq <= notifySeq) return;
        notifySeq = e.seq;
        if (!notifyScheduled) {
          notifyScheduled = true;
          queueMicrotask(postSeq);
        }
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if (listeningCount() === 0) {
            log.error("HTTP read threads did not start in time: the main thread serves the port meanwhile");
            openFallback();
          }
          resolve();
        }, START_TIMEOUT_MS);
      });
      await Promise.race([ready, late]);
      clearTimeout(timer);
      log.info({ threads: threads.length, running: listeningCount(), port }, "HTTP read front listening");
      return port;
    },

    /** Resolves once every thread has listened (from then on only they accept on the public port). */
    ready,

    /**
     * The threads' request series, each within METRICS_TIMEOUT_MS (a thread that does not answer is left out);
     * also takes their open event streams for `sseStreams()`.
     */
    async series(): Promise<HttpSeries[]> {
      const asks = threads.map((t) => {
        if (!t?.listening) return Promise.resolve(undefined);
        const id = ++metricsId;
        return new Promise<{ series: HttpSeries; sse: number } | undefined>((resolve) => {
          const timer = setTimeout(() => {
            metricsWaiting.delete(id);
            resolve(undefined);
          }, METRICS_TIMEOUT_MS);
          metricsWaiting.set(id, (series, sse) => {
            clearTimeout(timer);
            metricsWaiting.delete(id);
            resolve({ series, sse });
          });
          const ask: ToFront = { type: "metrics", id };
          t.worker.postMessage(ask);
        });
      });
      const answers = (await Promise.all(asks)).filter((a) => a !== undefined);
      sseStreams = answers.reduce((n, a) => n + a.sse, 0);
      return answers.map((a) => a.series);
    },

    /** The event streams open on the threads, as they said at the last `series()` (each /metrics scrape). */
    sseStreams(): number {
      return sseStreams;
    },

    /**
     * Graceful stop, first step: every thread stops accepting, ends its event streams and finishes its requests
     * in flight. The caller ends the main thread's event streams meanwhile (proxied ones end with them), then
     * awaits the returned promise.
     */
    stopAccepting(): Promise<void> {
      running = false;
      unsubscribe?.();
      unsubscribe = undefined;
      closeFallback();
      const waits = threads.map((t) => {
        if (!t) return Promise.resolve();
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
        });
      });
      return Promise.all(waits).then(() => {
        threads.fill(undefined);
      });
    },

    /** Graceful stop: the threads, then the main thread's listeners (after its own requests in flight). */
    async stop(): Promise<void> {
      await this.stopAccepting();
      await Promise.all([writer?.stop(), fallbackStopping]);
      writer = undefined;
    },

    /** Ends a thread as a crash would (it is started again); for tests. */
    kill(index: number) {
      threads[index]?.worker.terminate();
    },

    health(): ReadFrontHealth {
      return { threads: threads.length, running: listeningCount() };
    },

    /** The main thread's private listener (forwarded requests arrive here). */
    get writerPort(): number | undefined {
      return writer?.port as number | undefined;
    },
  };
}

export type ReadFront = ReturnType<typeof createReadFront>;
