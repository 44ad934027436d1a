import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { SQL } from "bun";
import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from "prom-client";
import type { Db } from "../db/client";
import type { CommitObserver } from "../db/store";
import type { EventSink } from "../webhooks/events";
import type { ConnectionStatus } from "../whatsapp/gateway";
import { createOutboxStats, createPgOutboxStats, type OutboxStatsSource } from "./outbox-stats";

const CONNECTION_STATUSES: ConnectionStatus[] = [
  "OPENING",
  "qrcode",
  "PAIRING",
  "CONNECTED",
  "TIMEOUT",
  "DISCONNECTED",
];
/** Walking the media folder costs one stat per file: done at most this often, whatever the scrape rate. */
const MEDIA_SCAN_INTERVAL_MS = 60_000;

export type MetricsOptions = {
  db: Db;
  /** The folder stored media lives in (its bytes are reported as chasqui_media_bytes); null: a bucket, not measured. */
  mediaDir: string | null;
  clock?: () => number;
  /**
   * Set in an HTTP read thread: its requests carry `thread="<name>"` (the main thread's carry no thread
   * label), and the main thread's /metrics merges them (`httpSeries`, `render(extra)`).
   */
  thread?: string;
  /** DATABASE_URL: every series carries `node="<NODE_ID>"`, so one Prometheus tells the nodes apart. */
  node?: string;
  /** DATABASE_URL: the pool; the webhook outbox (queue depth, delivery lag) is read there, not in the SQLite file. */
  postgres?: SQL;
};

/** The request series a read thread hands to the main thread's /metrics. */
export type HttpSeries = MetricObjectWithValues<MetricValue<string>>[];
const HTTP_SERIES = ["chasqui_http_requests_total", "chasqui_http_request_duration_seconds"];

/** What /metrics reads at scrape time, and the event sources it counts from; given once they exist. */
export type MetricsSources = {
  events: Pick<EventSink, "subscribe">;
  dispatcher: {
    onSettled(listener: (s: { id: number; kind: string; lagMs?: number }) => void): () => void;
  };
  connections: () => Promise<{ id: number; name: string; driver: string; status: string }[]>;
  streams: { readonly size: number };
};

/**
 * The Prometheus registry of one runtime (not prom-client's global one, so each test app has its own).
 * prom-client's `collectDefaultMetrics` runs under Bun but several of its series are wrong there (the
 * "heap" is the virtual size, heap spaces read 0), so only the process figures Bun reports truly are
 * registered here, under the names the default collector uses.
 */
export function createMetrics(opts: MetricsOptions) {
  const { db } = opts;
  const clock = opts.clock ?? Date.now;
  const registry = new Registry();
  if (opts.node) registry.setDefaultLabels({ node: opts.node });
  const registers = [registry];
  const outbox: OutboxStatsSource = opts.postgres
    ? createPgOutboxStats(opts.postgres, clock)
    : createOutboxStats(db, clock);

  const httpRequests = new Counter({
    name: "chasqui_http_requests_total",
    help: "HTTP requests answered, by method, route template and status (thread: the HTTP read thread that answered; none for the main thread).",
    labelNames: ["method", "route", "status", "thread"] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: "chasqui_http_request_duration_seconds",
    help: "Time to answer an HTTP request (to the first byte of a stream), by method and route template (thread: as for chasqui_http_requests_total).",
    labelNames: ["method", "route", "thread"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const messages = new Counter({
    name: "chasqui_messages_total",
    help: "Messages stored, by connection id and direction (in: received, out: sent).",
    labelNames: ["connection", "direction"] as const,
    registers,
  });
  const sendsFailed = new Counter({
    name: "chasqui_sends_failed_total",
    help: "Send requests answered with an error, by error code (ERR_WAPP_NOT_CONNECTED, …).",
    labelNames: ["code"] as const,
    registers,
  });
  const reconnects = new Counter({
    name: "chasqui_connection_reconnects_total",
    help: "Times a connection went back to OPENING after a close (a connection_update with a reason).",
    labelNames: ["connection"] as const,
    registers,
  });
  const deliveries = new Counter({
    name: "chasqui_webhook_deliveries_total",
    help: "Webhook delivery attempts stored, by outcome (delivered, retry, failed, gone).",
    labelNames: ["outcome"] as const,
    registers,
  });
  const deliveryLag = new Histogram({
    name: "chasqui_webhook_delivery_lag_seconds",
    help: "From an event's creation to its successful delivery, retries included.",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400],
    registers,
  });
  const commitBatch = new Histogram({
    name: "chasqui_db_commit_batch_size",
    help: "Writes grouped into one transaction (one fsync) by the commit queue.",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers,
  });
  const commitSeconds = new Histogram({
    name: "chasqui_db_commit_duration_seconds",
    help: "Time from the group commit's COMMIT until its write is durable: the COMMIT and its WAL fsync (run off the event loop with DB_ASYNC_FSYNC, inside COMMIT without).",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });

  let sources: MetricsSources | undefined;
  let frontSeries: (() => Promise<HttpSeries[]>) | undefined;
  const unsubscribe: (() => void)[] = [];

  new Gauge({
    name: "chasqui_connections",
    help: "Connections by status.",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const all = (await sources?.connections()) ?? [];
      this.reset();
      for (const s of CONNECTION_STATUSES) this.set({ status: s }, 0);
      for (const c of all) this.inc({ status: c.status });
    },
  });
  new Gauge({
    name: "chasqui_connection_info",
    help: "1 for each connection, labelled with its id, name, driver and status (join on `connection`).",
    labelNames: ["connection", "name", "driver", "status"] as const,
    registers,
    async collect() {
      const all = (await sources?.connections()) ?? [];
      this.reset();
      for (const c of all)
        this.set({ connection: String(c.id), name: c.name, driver: c.driver, status: c.status }, 1);
    },
  });
  new Gauge({
    name: "chasqui_webhook_queue_depth",
    help: "Webhook deliveries not yet delivered: pending (waiting for an attempt) or delivering (in flight).",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const s = await outbox();
      this.set({ status: "pending" }, s.pending);
      this.set({ status: "delivering" }, s.delivering);
    },
  });
  new Gauge({
    name: "chasqui_webhook_oldest_pending_age_seconds",
    help: "Age of the oldest undelivered delivery of an enabled webhook; 0 when none waits.",
    registers,
    async collect() {
      this.set((await outbox()).oldestPendingAgeSeconds);
    },
  });
  new Gauge({
    name: "chasqui_sse_streams_open",
    help: "Server-Sent Events streams open now.",
    registers,
    collect() {
      this.set(sources?.streams.size ?? 0);
    },
  });
  const dbPath = db.$client.filename;
  const onDisk = dbPath !== "" && dbPath !== ":memory:";
  new Gauge({
    name: "chasqui_db_size_bytes",
    help: "Size of the SQLite files: the database (file=db) and its write-ahead log (file=wal).",
    labelNames: ["file"] as const,
    registers,
    async collect() {
      if (!onDisk) return;
      this.set({ file: "db" }, await sizeOf(dbPath));
      this.set({ file: "wal" }, await sizeOf(`${dbPath}-wal`));
    },
  });
  // The bodies of new messages not in the full-text index yet (migration 0015): the store indexes them every 250 ms,
  // so a queue that keeps growing means its index jobs fail (searches then index it first, and slow down).
  let waiting: { get(): { n: number } | null } | undefined;
  new Gauge({
    name: "chasqui_search_index_waiting",
    help: "Messages stored but not in the full-text search index yet (SQLite; indexed every 250 ms and before each search).",
    registers,
    collect() {
      waiting ??= db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM messages_fts_pending");
      this.set(waiting.get()?.n ?? 0);
    },
  });
  let media: { bytes: number; files: number; at: number } | undefined;
  let mediaScan: Promise<void> | undefined;
  const scanMedia = () => {
    mediaScan ??= folderSize(opts.mediaDir ?? "")
      .then((r) => {
        media = { ...r, at: clock() };
      })
      .finally(() => {
        mediaScan = undefined;
      });
    return mediaScan;
  };
  new Gauge({
    name: "chasqui_media_bytes",
    help: "Bytes of stored media files, measured at most once a minute (absent when media are in an S3 bucket).",
    registers: opts.mediaDir ? registers : [],
    async collect() {
      if (!media || clock() - media.at >= MEDIA_SCAN_INTERVAL_MS) await scanMedia();
      this.set(media?.bytes ?? 0);
    },
  });

  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    registers,
  }).set(Math.round(Date.now() / 1000 - process.uptime()));
  const cpu = new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      cpu.reset();
      cpu.inc((user + system) / 1e6);
    },
  });
  // Sampled continuously; each scrape reads what happened since the previous one and starts afresh.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const lagGauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const ns = read();
        this.set(Number.isFinite(ns) ? ns / 1e9 : 0);
      },
    });
  lagGauge("nodejs_eventloop_lag_mean_seconds", "Mean event loop delay since the last scrape.", () =>
    loopDelay.count > 0 ? loopDelay.mean : 0,
  );
  lagGauge(
    "nodejs_eventloop_lag_p99_seconds",
    "99th percentile of the event loop delay since the last scrape.",
    () => (loopDelay.count > 0 ? loopDelay.percentile(99) : 0),
  );
  lagGauge("nodejs_eventloop_lag_max_seconds", "Largest event loop delay since the last scrape.", () =>
    loopDelay.count > 0 ? loopDelay.max : 0,
  );

  type DeliveryTimes = { createdAt: number; deliveredAt: number | null };
  const pg = opts.postgres;
  // PostgreSQL's claims do not return a row's creation time, so its lag is read from the row; SQLite's dispatcher
  // tells it with each result.
  const deliveryTimes: ((id: number) => Promise<DeliveryTimes | undefined>) | undefined = pg
    ? async (id) => {
        const [row] = (await pg`select (extract(epoch from created_at) * 1000)::bigint as created,
            (extract(epoch from delivered_at) * 1000)::bigint as delivered
          from webhook_deliveries where id = ${id}`) as { created: unknown; delivered: unknown }[];
        return row
          ? {
              createdAt: Number(row.created),
              deliveredAt: row.delivered === null ? null : Number(row.delivered),
            }
          : undefined;
      }
    : undefined;

  return {
    registry,
    contentType: registry.contentType,

    /**
     * The exposition text; scrape-time gauges are computed now. With HTTP read threads, their' request
     * series are merged in (each thread's series carry their own `thread` label).
     */
    async render(): Promise<string> {
      const extra = (await frontSeries?.()) ?? [];
      let text: string;
      if (extra.length === 0) text = await registry.metrics();
      else {
        const own = await registry.getMetricsAsJSON();
        text = await AggregatorRegistry.aggregate([own, ...extra] as Parameters<
          typeof AggregatorRegistry.aggregate
        >[0]).metrics();
      }
      loopDelay.reset();
      return text;
    },

    /** Where render() gets the read threads' request series (src/http/read-front.ts). */
    mergeFrom(source: () => Promise<HttpSeries[]>) {
      frontSeries = source;
    },

    /** This registry's request series (a read thread posts them to the main thread at each scrape). */
    async httpSeries(): Promise<HttpSeries> {
      const out: HttpSeries = [];
      for (const name of HTTP_SERIES) {
        const m = registry.getSingleMetric(name);
        if (m) out.push((await m.get()) as HttpSeries[number]);
      }
      return out;
    },

    /** One answered request; `route` is the template (`/api/v1/tickets/:ticketId`), never the raw path. */
    observeRequest(method: string, route: string, status: number, durationMs: number) {
      const thread = opts.thread;
      httpRequests.inc(
        thread
          ? { method, route, status: String(status), thread }
          : { method, route, status: String(status) },
      );
      httpDuration.observe(thread ? { method, route, thread } : { method, route }, durationMs / 1000);
    },

    sendFailed(code: string) {
      sendsFailed.inc({ code });
    },

    observeCommit: ((batch) => {
      commitBatch.observe(batch.jobs);
      commitSeconds.observe(batch.commitMs / 1000);
    }) satisfies CommitObserver as CommitObserver,

    /** Starts counting from the event sink and the dispatcher, and reading connections and streams at scrape. */
    watch(given: MetricsSources) {
      sources = given;
      unsubscribe.push(
        given.events.subscribe((e) => {
          // This node's own writes: a cluster's nodes each count theirs (the `node` label tells them apart).
          if (e.remote) return;
          const { event, connectionId, data } = e.envelope;
          const connection = String(connectionId ?? "none");
          if (event === "message_received") messages.inc({ connection, direction: "in" });
          else if (event === "message_sent") messages.inc({ connection, direction: "out" });
          else if (event === "connection_update" && data.status === "OPENING" && data.reason)
            reconnects.inc({ connection });
        }),
        given.dispatcher.onSettled(({ id, kind, lagMs }) => {
          if (kind === "release") return; // handed back unsent at shutdown: not an attempt's outcome
          deliveries.inc({ outcome: kind });
          if (kind !== "delivered") return;
          if (lagMs !== undefined) return deliveryLag.observe(lagMs / 1000);
          deliveryTimes?.(id)
            .then((row) => {
              if (row?.deliveredAt != null)
                deliveryLag.observe(Math.max(0, row.deliveredAt - row.createdAt) / 1000);
            })
            .catch(() => {}); // a delivery gone meanwhile (retention), a store closing: not an observation
        }),
      );
    },

    close() {
      for (const u of unsubscribe.splice(0)) u();
      loopDelay.disable();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0; // no WAL between a checkpoint-truncate and the next write
  }
}

async function folderSize(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return { bytes, files };
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = await folderSize(path);
      bytes += sub.bytes;
      files += sub.files;
    } else if (e.isFile()) {
      bytes += await sizeOf(path);
      files++;
    }
  }
  return { bytes, files };
}
