/**
 * Entry of an HTTP read-front thread (src/http/read-front.ts starts HTTP_READ_THREADS of them as Bun Workers).
 * Each one listens on the server's public port (`reusePort`: the kernel hands each new connection to one of the
 * threads), answers the GET lists every panel polls through the same Hono app as the main thread (`createApp`:
 * same routes, auth, validation and serialization) over its own **read-only** SQLite connection — WAL: its reads
 * never wait for the writer, and the main thread's group-commit fsync never blocks them — and forwards every
 * other request to the main thread, the single writer, on its private loopback listener (streamed both ways, so
 * uploads and SSE work through it).
 *
 * Forwarded instead of answered here, so that the main thread decides: a list request whose handling tries to
 * write (a token's `lastUsedAt` or a session's `lastSeenAt` touch, an expired session's removal: SQLITE_READONLY
 * on this connection), and one whose authentication fails (401) — failed attempts are counted and refused (429)
 * in one place, the main thread's throttle, never ×N. Forwarded requests carry the caller's address in a header
 * the main thread trusts only with this process's random secret.
 *
 * In-memory state: the services here keep none that the lists read and the main thread changes (audited in
 * docs/PERFORMANCE.md, "Both cores"): the lists read tickets, contacts, messages, queues and tags from the
 * database, and the read cache is invalidated by `list_changes` (triggers see every connection's writes) and, for
 * the `any` scope, by `PRAGMA data_version` (moves whenever another connection commits).
 *
 * Event streams (SSE, `GET /api/v1/events/stream`) are served here too, from this thread's own hub over the read
 * connection: after its commits the main thread posts its durable mark (the highest event `seq` on disk, see
 * `SqliteStore.durableMark`), and the hub reads the new rows once for all its streams. The event feed here stops
 * at that mark, as the main thread's does: with DB_ASYNC_FSYNC a batch is committed (and visible to this
 * connection) before its fsync is done, and no frame may show an event a power cut could still undo. Proxied,
 * every frame of every stream went through the main thread's socket writes and the process's one HTTP client
 * thread, which the webhook deliveries share.
 *
 * Protocol (structured-clone messages):
 * - in: `{ type: "start", settings }` once; `{ type: "events", seq, durable }` after the main thread's commits that
 *   stored events (the highest `seq` announced and the durable mark, one message per turn of its event loop); `{ type: "metrics", id }` at each scrape of the main thread's
 *   /metrics; `{ type: "stop" }` once;
 * - out: `{ type: "listening" }` or `{ type: "failed", message }`; `{ type: "metrics", id, series, sseStreams }`;
 *   `{ type: "stopped" }` once every request in flight (proxied ones and event streams included) has ended.
 */

import { Database } from "bun:sqlite";
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { createApp } from "../app";
import type { Config } from "../config";
import { applyReadPragmas, type Db } from "../db/client";
import * as schema from "../db/schema";
import { cacheStatements } from "../db/statement-cache";
import { createSqliteStore, type SqliteStore } from "../db/store";
import { createServices } from "../domain";
import { AppError } from "../errors";
import { createLogger, createProcessHealth } from "../logger";
import { createMediaFetcher } from "../media/safe-fetch";
import { createMetrics } from "../metrics/metrics";
import { createReadiness } from "../metrics/readiness";
import { createMediaStore } from "../server";
import { createEventSink } from "../webhooks/events";
import { createReceiverPolicy } from "../webhooks/receiver-policy";
import { createSessionManager } from "../whatsapp/session-manager";
import { createAuthThrottle } from "./auth-throttle";
import { type CommitNotices, createEventStreams, type EventStreams } from "./event-streams";
import { renderError } from "./on-error";
import { createReadCache } from "./read-cache";
import { ADDRESS_HEADER, SECRET_HEADER } from "./read-front-protocol";

declare const self: Worker;

export type ReadFrontSettings = {
  /** The main thread's configuration (PUBLIC_URL already resolved to the bound port). */
  config: Config;
  databasePath: string;
  /** `front-1`, `front-2`…: the `thread` label of its request metrics and log lines. */
  name: string;
  hostname: string;
  port: number;
  /** The main thread's private listener on 127.0.0.1. */
  writerPort: number;
  /** This process's random secret: the main thread trusts ADDRESS_HEADER only with it. */
  secret: string;
  /** The main thread's durable mark when it started this thread (then each `events` message raises it). */
  durable: number;
};

export type ToFront =
  | { type: "start"; settings: ReadFrontSettings }
  | { type: "events"; seq: number; durable: number }
  | { type: "metrics"; id: number }
  | { type: "stop" };

export type FromFront =
  | { type: "listening" }
  | { type: "failed"; message: string }
  | {
      type: "metrics";
      id: number;
      series: Awaited<ReturnType<ReturnType<typeof createMetrics>["httpSeries"]>>;
      /** Event streams open on this thread now (the main thread's `chasqui_sse_streams_open` adds them up). */
      sseStreams: number;
    }
  | { type: "stopped" };

/**
 * The GET routes answered here: the lists every open panel polls, and the live event stream it keeps open.
 * Everything else goes to the writer.
 */
const LOCAL_GET = [
  /^\/api\/v1\/tickets$/,
  /^\/api\/v1\/contacts$/,
  /^\/api\/v1\/tickets\/\d+\/messages$/,
  /^\/api\/v1\/events\/stream$/,
];

const post = (m: FromFront) => self.postMessage(m);

/** True for an error the main thread must answer: a write attempted here, or an authentication that failed. */
function mustForward(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.code === "SQLITE_READONLY") return true;
    if (e instanceof AppError && (e.code === "ERR_UNAUTHORIZED" || e.code === "ERR_TOO_MANY_REQUESTS"))
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

let server: ReturnType<typeof Bun.serve> | undefined;
let metrics: ReturnType<typeof createMetrics> | undefined;
let sqlite: Database | undefined;
let store: SqliteStore | undefined;
let streams: EventStreams | undefined;
/** The highest event seq on disk, as the main thread last said: the event feed here shows nothing after it. */
let durable = 0;
/** The hub's listener for the main thread's commit notices (`{ type: "events" }`). */
const commitListeners = new Set<(e: { seq: number }) => void>();
const commits: CommitNotices = {
  subscribe(listener) {
    commitListeners.add(listener);
    return () => commitListeners.delete(listener);
  },
};

/**
 * Lowers this thread's priority to `nice` (Linux: setpriority on the thread id applies to that thread only). The
 * writer and the webhook thread keep theirs, so a flood of list requests takes the CPU they leave instead of
 * the CPU they need. A system without /proc/thread-self keeps the default priority.
 */
function lowerPriority(nice: number, logger: { warn: (o: object, m: string) => void }) {
  if (nice === 0 || process.platform !== "linux") return;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    setPriority(tid, nice);
  } catch (err) {
    logger.warn({ err }, "could not lower the read-front thread's priority");
  }
}

function start(s: ReadFrontSettings) {
  const { config } = s;
  const health = createProcessHealth();
  const logger = createLogger(config.logLevel, health, 1, config.logFormat).child({ thread: s.name });
  lowerPriority(config.httpReadNice, logger);
  sqlite = new Database(s.databasePath, { readonly: true, strict: true });
  sqlite.exec("PRAGMA busy_timeout = 5000;");
  sqlite.exec("PRAGMA temp_store = MEMORY;");
  // The lists are read here: the same page cache and memory map as the main thread's connection.
  applyReadPragmas(sqlite, { cacheBytes: config.sqliteCacheBytes, mmapBytes: config.sqliteMmapBytes });
  cacheStatements(sqlite);
  const db = drizzle({ client: sqlite, schema }) as unknown as Db;
  // Moves whenever another connection commits; this one never writes, so it covers every change.
  const dataVersion = sqlite.query<{ data_version: number }, []>("PRAGMA data_version");
  const clock = Date.now;
  const events = createEventSink(db, clock);
  const media = createMediaStore(config);
  const fetcher = createMediaFetcher({
    allowPrivate: config.mediaFetchAllowPrivate,
    timeoutMs: config.mediaFetchTimeoutMs,
    maxBytes: config.mediaFetchMaxBytes,
  });
  const webhookReceivers = createReceiverPolicy({
    allowPrivate: config.webhookAllowPrivate,
    allowedHosts: config.webhookAllowedHosts,
    lookupTimeoutMs: config.webhookTimeoutMs,
  });
  const sessions = createSessionManager({
    factories: {},
    logger,
    eventsFor: () => {
      throw new Error("a read-front thread runs no WhatsApp session");
    },
  });
  metrics = createMetrics({ db, mediaDir: null, clock, thread: s.name });
  // On this read-only connection ("`:memory:`": no second connection of its own): a store write, like any
  // write here, fails with SQLITE_READONLY and the request is forwarded to the main thread.
  store = createSqliteStore(db, { path: ":memory:" });
  durable = s.durable;
  const services = createServices({
    db,
    store,
    // The feed (live streams and their catch-up) shows only what the main thread said is on disk.
    durableMark: () => durable,
    events,
    sessions,
    media,
    fetcher,
    webhookReceivers,
    config,
    logger,
    clock,
  });
  // Fed by the main thread's commit notices; reads the rows on this thread's read-only connection.
  const hub = createEventStreams({
    events: commits,
    feed: services.eventFeed,
    queueOf: (id) => services.tickets.queueOfSync(id),
  });
  streams = hub;
  // Never counts nor refuses: a failed authentication is forwarded, and the main thread's throttle decides.
  const noThrottle = createAuthThrottle({ limitPerMinute: 0 });
  const app = createApp({
    config,
    db,
    logger,
    services,
    sessions,
    media,
    events,
    fetcher,
    readCache: createReadCache(db, { changeCounter: () => dataVersion.get()!.data_version }),
    clock,
    health,
    streams: hub,
    metrics,
    authThrottle: noThrottle,
    loginThrottle: noThrottle,
    readiness: createReadiness({
      db,
      clock,
      stuckAfterMs: config.outboxStuckAfterMs,
      connections: () => services.connections.list(),
      dispatcherRunning: () => true,
    }),
  });
  const forwarded = new WeakSet<Request>();
  app.onError((err, c) => {
    if (!mustForward(err)) return renderError(err, c);
    forwarded.add(c.req.raw);
    c.set("forwarded", true);
    return c.body(null, 421);
  });

  const writer = `http://127.0.0.1:${s.writerPort}`;
  const forward = (req: Request, address: string) => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    // Set here, never passed through: a caller's own copies of these headers are replaced.
    headers.set(ADDRESS_HEADER, address);
    headers.set(SECRET_HEADER, s.secret);
    return fetch(`${writer}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
      signal: req.signal,
      // Bun streams a request body through with duplex "half"; decompress false passes a compressed answer
      // through as it is (its content-encoding header stays true); no idle timeout of its own on this hop (the
      // caller's connection keeps the public listener's idleTimeout, as without the front).
      ...({ duplex: "half", decompress: false, timeout: false } as object),
    }).catch((err) => {
      if (req.signal.aborted) return new Response(null, { status: 499 });
      logger.error({ err }, "forwarding a request to the main thread failed");
      return Response.json(
        { error: "ERR_SERVICE_UNAVAILABLE", message: "The server is restarting: retry in a moment" },
        { status: 503 },
      );
    });
  };

  server = Bun.serve({
    hostname: s.hostname,
    port: s.port,
    reusePort: true,
    maxRequestBodySize: 2 ** 40,
    idleTimeout: 120,
    async fetch(req, srv) {
      const address = srv.requestIP(req)?.address ?? "unknown";
      if (req.method === "GET" && LOCAL_GET.some((r) => r.test(new URL(req.url).pathname))) {
        const res = await app.fetch(req, srv);
        if (!forwarded.has(req)) return res;
      }
      return forward(req, address);
    },
    error: (err) => {
      logger.error({ err }, "unhandled server error");
      return Response.json({ error: "ERR_INTERNAL", message: "Internal server error" }, { status: 500 });
    },
  });
  post({ type: "listening" });
}

self.onmessage = async (e: MessageEvent<ToFront>) => {
  const m = e.data;
  if (m.type === "start") {
    try {
      start(m.settings);
    } catch (err) {
      post({ type: "failed", message: (err as Error).stack ?? String(err) });
    }
  } else if (m.type === "events") {
    if (m.durable > durable) durable = m.durable;
    // Announced events are durable already; the bound only keeps the hub from skipping past what it may read.
    const seq = Math.min(m.seq, durable);
    for (const listener of commitListeners) listener({ seq });
  } else if (m.type === "metrics") {
    const series = (await metrics?.httpSeries()) ?? [];
    post({ type: "metrics", id: m.id, series, sseStreams: streams?.size ?? 0 });
  } else if (m.type === "stop") {
    // Stops accepting at once; resolves when the requests in flight have ended. Event streams never end by
    // themselves: this thread's own end now (clients reconnect with Last-Event-ID), proxied ones as the main
    // thread ends them.
    const stopping = server?.stop();
    streams?.closeAll();
    await stopping;
    await store?.close();
    sqlite?.close();
    // The services' prepared statements keep the closed connection open (sqlite3_close_v2) until they are
    // collected: drop the app and collect now, so the main thread's connection closes last and removes the WAL.
    server = undefined;
    metrics = undefined;
    streams = undefined;
    commitListeners.clear();
    sqlite = undefined;
    store = undefined;
    Bun.gc(true);
    post({ type: "stopped" });
  }
};
