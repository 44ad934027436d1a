/**
 * PROTOTYPE for bench/cores.bench.ts (not a server feature): one extra HTTP thread. A Bun Worker that listens on
 * the server's public port with `reusePort` (the kernel hands each new *connection* to one of the listeners),
 * answers the read-only GET lists itself through the real Hono app (the same `createApp` and routes as the main
 * thread) over its own read-only SQLite connection, and forwards every other request (writes, SSE, /metrics,
 * /health…) to the single writer, the main thread, over loopback HTTP. A GET list whose handling tries to write
 * (a token's or session's "last used" touch) fails with SQLITE_READONLY and is forwarded too.
 *
 * What it does NOT do (so it is only a prototype): its requests are counted in its own Prometheus registry (the
 * main thread's /metrics misses them), its failed-auth throttle is its own, forwarded requests lose the client
 * address (the writer sees 127.0.0.1), and /metrics, logs and graceful stop are the bench's, not the server's.
 *
 * Protocol: in `{ type: "start", settings }`; out `{ type: "listening" }`, or `{ type: "failed", message }`.
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import type { Db } from "../../src/db/client";
import { createCommitQueue } from "../../src/db/commit-queue";
import * as schema from "../../src/db/schema";
import { createSqliteStore } from "../../src/db/store";
import { createServices } from "../../src/domain";
import { createEventStreams } from "../../src/http/event-streams";
import { renderError } from "../../src/http/on-error";
import type { ReadCache } from "../../src/http/read-cache";
import { createLogger, createProcessHealth } from "../../src/logger";
import { createMediaStorage } from "../../src/media/media-storage";
import { createMediaFetcher } from "../../src/media/safe-fetch";
import { createMetrics } from "../../src/metrics/metrics";
import { createReadiness } from "../../src/metrics/readiness";
import { createEventSink } from "../../src/webhooks/events";
import { createReceiverPolicy } from "../../src/webhooks/receiver-policy";
import { createSessionManager } from "../../src/whatsapp/session-manager";

declare const self: Worker;

export type HttpWorkerSettings = {
  env: Record<string, string | undefined>;
  databasePath: string;
  hostname: string;
  port: number;
  /** The main thread's private listener (127.0.0.1) that every forwarded request goes to. */
  writerPort: number;
};

/** GET routes served here: the lists every panel polls. Everything else goes to the writer. */
const LOCAL_GET = [/^\/api\/v1\/tickets$/, /^\/api\/v1\/contacts$/, /^\/api\/v1\/tickets\/\d+\/messages$/];
const FORWARD_MARK = "x-chasqui-forward";

/**
 * The read cache of this thread, with the same exact-invalidation rule as src/http/read-cache.ts but keyed on
 * `PRAGMA data_version`, which changes whenever another connection (the writer) commits: a read-only connection's
 * own `total_changes()` never moves.
 */
function dataVersionCache(sqlite: Database, maxEntries = 128): ReadCache {
  const version = sqlite.query<{ data_version: number }, []>("PRAGMA data_version");
  const entries = new Map<string, { version: number; body: string }>();
  return {
    // Every scope is invalidated by any commit of the writer (coarser than the server's list_changes rule).
    get(key, _scope, compute) {
      const v = version.get()!.data_version;
      const hit = entries.get(key);
      if (hit && hit.version === v) {
        entries.delete(key);
        entries.set(key, hit);
        return hit.body;
      }
      const body = compute();
      entries.delete(key);
      entries.set(key, { version: v, body });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return body;
    },
    // No row cache here: every ticket of a recomputed page is rendered again.
    ticketRows(ids, render) {
      const byId = new Map(render(ids).map((r) => [r.id, r.json]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },
  };
}

function start(s: HttpWorkerSettings) {
  const config = loadConfig(s.env);
  const health = createProcessHealth();
  const logger = createLogger(config.logLevel, health, 1, config.logFormat).child({ thread: "http" });
  const sqlite = new Database(s.databasePath, { readonly: true, strict: true });
  sqlite.exec("PRAGMA busy_timeout = 5000;");
  sqlite.exec("PRAGMA temp_store = MEMORY;");
  sqlite.exec("PRAGMA cache_size = -16000;");
  const db = drizzle({ client: sqlite, schema }) as unknown as Db;
  const clock = Date.now;
  const events = createEventSink(db, clock);
  const media = createMediaStorage(join(config.dataDir, "media"));
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
      throw new Error("the HTTP thread runs no WhatsApp session");
    },
  });
  const metrics = createMetrics({ db, mediaDir: media.dir, clock });
  const services = createServices({
    db,
    store: createSqliteStore(db, { path: s.databasePath }),
    commits: createCommitQueue(db),
    events,
    sessions,
    media,
    fetcher,
    webhookReceivers,
    config,
    logger,
    clock,
  });
  const app = createApp({
    config,
    db,
    logger,
    services,
    sessions,
    media,
    events,
    fetcher,
    readCache: dataVersionCache(sqlite),
    clock,
    health,
    streams: createEventStreams({ events, feed: services.eventFeed }),
    metrics,
    readiness: createReadiness({
      db,
      clock,
      stuckAfterMs: config.outboxStuckAfterMs,
      connections: () => services.connections.list(),
      dispatcherRunning: () => true,
    }),
  });
  // A handler that tries to write on this read-only connection is answered by the writer instead.
  app.onError((err, c) => {
    // A Store write's error is drizzle's DrizzleQueryError, the driver's error its `cause`.
    const codeOf = (e: unknown) => (e as { code?: string } | undefined)?.code;
    if (codeOf(err) === "SQLITE_READONLY" || codeOf((err as { cause?: unknown }).cause) === "SQLITE_READONLY")
      return new Response(null, { status: 503, headers: { [FORWARD_MARK]: "1" } });
    return renderError(err, c);
  });

  const writer = `http://127.0.0.1:${s.writerPort}`;
  const forward = (req: Request) => {
    const url = new URL(req.url);
    return fetch(`${writer}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      // @ts-expect-error Bun streams a request body through when told so (fetch's duplex option).
      duplex: "half",
    });
  };

  Bun.serve({
    hostname: s.hostname,
    port: s.port,
    reusePort: true,
    maxRequestBodySize: 2 ** 40,
    idleTimeout: 120,
    async fetch(req, server) {
      if (req.method === "GET" && LOCAL_GET.some((r) => r.test(new URL(req.url).pathname))) {
        const res = await app.fetch(req, server);
        if (!res.headers.has(FORWARD_MARK)) return res;
      }
      return forward(req);
    },
  });
  self.postMessage({ type: "listening" });
}

self.onmessage = (e: MessageEvent<{ type: "start"; settings: HttpWorkerSettings }>) => {
  try {
    start(e.data.settings);
  } catch (err) {
    self.postMessage({ type: "failed", message: (err as Error).stack ?? String(err) });
  }
};
