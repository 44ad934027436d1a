/**
 * Entry of an HTTP read thread (src/http/read-front.ts starts HTTP_READ_THREADS of them as Bun Workers). The main
 * thread owns the public port and every connection on it; for the GET lists every panel polls it hands each
 * request here over `postMessage` (method, URL, headers, the caller's address) and sends the answer it gets back.
 * Here the same Hono app as the main thread's (`createApp`: same routes, auth, validation and serialization)
 * answers it over this thread's own **read-only** SQLite connection — WAL: its reads never wait for the writer.
 *
 * Handed back instead of answered, so that the main thread answers it itself: a list request whose handling tries
 * to write (a token's `lastUsedAt` or a session's `lastSeenAt` touch, an expired session's removal: SQLITE_READONLY
 * on this connection), and one whose authentication fails (401) — failed attempts are counted and refused (429)
 * in one place, the main thread's throttle, never ×N.
 *
 * In-memory state: the services here keep none that the lists read and the main thread changes (audited in
 * docs/PERFORMANCE.md, "Both cores"): the lists read tickets, contacts, messages, queues and tags from the
 * database, and the read cache is invalidated by `list_changes` (triggers see every connection's writes) and, for
 * the `any` scope, by `PRAGMA data_version` (moves whenever another connection commits).
 *
 * Protocol (structured-clone messages):
 * - in: `{ type: "start", settings }` once; `{ type: "request", id, url, headers, address }` per list request;
 *   `{ type: "metrics", id }` at each scrape of the main thread's /metrics; `{ type: "stop" }` once;
 * - out: `{ type: "ready" }` or `{ type: "failed", message }`; `{ type: "response", id, … }` per request (its
 *   status, headers and body, or `handBack: true`); `{ type: "metrics", id, series }`; `{ type: "stopped" }` once
 *   every request taken has been answered.
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
import { createLogger, createProcessHealth, flushLogs } from "../logger";
import { createMediaFetcher } from "../media/safe-fetch";
import { createMetrics } from "../metrics/metrics";
import { createReadiness } from "../metrics/readiness";
import { createMediaStore } from "../server";
import { createEventSink } from "../webhooks/events";
import { createReceiverPolicy } from "../webhooks/receiver-policy";
import { createSessionManager } from "../whatsapp/session-manager";
import { createAuthThrottle } from "./auth-throttle";
import { createEventStreams } from "./event-streams";
import { renderError } from "./on-error";
import { createReadCache } from "./read-cache";

declare const self: Worker;

export type ReadFrontSettings = {
  /** The main thread's configuration (PUBLIC_URL already resolved to the bound port). */
  config: Config;
  databasePath: string;
  /** `front-1`, `front-2`…: the `thread` label of its request metrics and log lines. */
  name: string;
};

/** A list request the main thread hands over: always a GET without a body. */
export type HandedRequest = {
  type: "request";
  id: number;
  url: string;
  headers: [string, string][];
  /** The caller's address, as the main thread's socket saw it (the throttle and the request log use it). */
  address: string;
};

export type ToFront =
  | { type: "start"; settings: ReadFrontSettings }
  | HandedRequest
  | { type: "metrics"; id: number }
  | { type: "stop" };

export type HandedResponse =
  | { type: "response"; id: number; handBack: true }
  | {
      type: "response";
      id: number;
      handBack?: false;
      status: number;
      headers: [string, string][];
      body: ArrayBuffer;
    };

export type FromFront =
  | { type: "ready" }
  | { type: "failed"; message: string }
  | HandedResponse
  | {
      type: "metrics";
      id: number;
      series: Awaited<ReturnType<ReturnType<typeof createMetrics>["httpSeries"]>>;
    }
  | { type: "stopped" };

const post = (m: FromFront, transfer?: Transferable[]) =>
  transfer ? self.postMessage(m, transfer) : self.postMessage(m);

/** True for an error the main thread must answer: a write attempted here, or an authentication that failed. */
function mustHandBack(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.code === "SQLITE_READONLY") return true;
    if (e instanceof AppError && (e.code === "ERR_UNAUTHORIZED" || e.code === "ERR_TOO_MANY_REQUESTS"))
      return true;
    e = e.cause as typeof e;
  }
  return false;
}

let answer: ((m: HandedRequest) => Promise<void>) | undefined;
let metrics: ReturnType<typeof createMetrics> | undefined;
let sqlite: Database | undefined;
let store: SqliteStore | undefined;
/** Requests taken and not answered yet: a stop waits for them. */
let inFlight = 0;
let drained: (() => void) | undefined;

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
    logger.warn({ err }, "could not lower the read thread's priority");
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
      throw new Error("a read thread runs no WhatsApp session");
    },
  });
  metrics = createMetrics({ db, mediaDir: null, clock, thread: s.name });
  // On this read-only connection ("`:memory:`": no second connection of its own): a store write, like any
  // write here, fails with SQLITE_READONLY and the request is handed back to the main thread.
  store = createSqliteStore(db, { path: ":memory:" });
  const readCache = createReadCache(db, { changeCounter: () => dataVersion.get()!.data_version });
  const services = createServices({
    db,
    store,
    // No event feed is read here (event streams stay on the main thread): it shows nothing.
    durableMark: () => 0,
    events,
    sessions,
    media,
    fetcher,
    webhookReceivers,
    config,
    logger,
    clock,
    principalsVersion: readCache.principalsVersion,
    configVersion: readCache.configVersion,
  });
  // Never counts nor refuses: a failed authentication is handed back, and the main thread's throttle decides.
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
    readCache,
    clock,
    health,
    // Never opened here: the main thread keeps the event streams.
    streams: createEventStreams({
      events: { subscribe: () => () => {} },
      feed: services.eventFeed,
      queueOf: (id) => services.tickets.queueOfSync(id),
    }),
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
  const handedBack = new WeakSet<Request>();
  app.onError((err, c) => {
    if (!mustHandBack(err)) return renderError(err, c);
    handedBack.add(c.req.raw);
    c.set("forwarded", true);
    return c.body(null, 421);
  });

  answer = async (m) => {
    const req = new Request(m.url, { headers: m.headers });
    const family = m.address.includes(":") ? "IPv6" : "IPv4";
    const env = { requestIP: () => ({ address: m.address, family, port: 0 }) };
    let reply: HandedResponse;
    try {
      const res = await app.fetch(req, env);
      if (handedBack.has(req)) reply = { type: "response", id: m.id, handBack: true };
      else {
        const body = await res.arrayBuffer();
        reply = { type: "response", id: m.id, status: res.status, headers: [...res.headers], body };
      }
    } catch (err) {
      // The app answers its own errors; anything else is the main thread's to answer.
      logger.error({ err }, "a read thread failed to answer a request");
      reply = { type: "response", id: m.id, handBack: true };
    }
    post(reply, reply.handBack ? undefined : [reply.body]);
  };
  post({ type: "ready" });
}

self.onmessage = async (e: MessageEvent<ToFront>) => {
  const m = e.data;
  if (m.type === "request") {
    if (!answer) {
      post({ type: "response", id: m.id, handBack: true });
      return;
    }
    inFlight++;
    try {
      await answer(m);
    } finally {
      if (--inFlight === 0) drained?.();
    }
  } else if (m.type === "start") {
    try {
      start(m.settings);
    } catch (err) {
      post({ type: "failed", message: (err as Error).stack ?? String(err) });
    }
  } else if (m.type === "metrics") {
    const series = (await metrics?.httpSeries()) ?? [];
    post({ type: "metrics", id: m.id, series });
  } else if (m.type === "stop") {
    // The main thread hands nothing more after its stop; the requests taken are answered first.
    if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
    answer = undefined;
    await store?.close();
    sqlite?.close();
    // The services' prepared statements keep the closed connection open (sqlite3_close_v2) until they are
    // collected: drop the app and collect now, so the main thread's connection closes last and removes the WAL.
    metrics = undefined;
    sqlite = undefined;
    store = undefined;
    Bun.gc(true);
    flushLogs(); // the main thread may end this thread before its next turn
    post({ type: "stopped" });
  }
};
