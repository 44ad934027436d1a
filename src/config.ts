import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { z } from "zod";
import { normalizeAllowEntry } from "./net/address-policy";
import { parseTrustedProxies, type TrustedProxies } from "./net/trusted-proxies";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const EnvSchema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  PUBLIC_URL: z.url().optional(),
  API_TOKEN: z.string().min(16, "API_TOKEN must be at least 16 characters").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  MAX_UPLOAD_MB: int(1, 2048).default(64),
  MEDIA_FETCH_ALLOW_PRIVATE: bool.default(false),
  MEDIA_FETCH_TIMEOUT_MS: int(100, 600_000).default(30_000),
  WEBHOOK_TIMEOUT_MS: int(100, 600_000).default(10_000),
  WEBHOOK_MAX_ATTEMPTS: int(1, 100).default(12),
  WEBHOOK_RETRY_BASE_MS: int(1, 3_600_000).default(5_000),
  WEBHOOK_CONCURRENCY: int(1, 1024).default(16),
  WEBHOOK_RETENTION_DAYS: int(1, 3650).default(7),
  WEBHOOK_LEASE_MS: int(100, 3_600_000).default(30_000),
  WEBHOOK_WINDOW: int(1, 256).default(8),
  WEBHOOK_WORKER: bool.default(true),
  DB_CHECKPOINT_THREAD: bool.default(true),
  DB_ASYNC_FSYNC: bool.default(true),
  HTTP_READ_THREADS: z
    .union([z.literal("auto"), int(0, 16)], { error: "auto, or a number of threads from 0 to 16" })
    .default("auto"),
  HTTP_READ_NICE: int(0, 19).default(10),
  EVENT_RETENTION_HOURS: int(1, 87_600).default(24),
  WA_WS_URL: z.string().optional(),
  WA_SEND_TIMEOUT_MS: int(100, 600_000).default(30_000),
  WA_RECONNECT_BASE_MS: int(1, 600_000).default(1_000),
  WA_RECONNECT_MAX_MS: int(1, 3_600_000).default(60_000),
  WA_LOOP_WINDOW_MS: int(1, 3_600_000).default(60_000),
  WA_LOOP_MAX_CLOSES: int(2, 10_000).default(8),
  WA_LOOP_PAUSE_MS: int(1, 86_400_000).default(5 * 60_000),
  CLUSTER_LEASE_TTL_MS: int(3, 600_000).default(15_000),
  CLUSTER_RPC_TIMEOUT_MS: int(100, 3_600_000).optional(),
  BAILEYS_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("warn"),
  AUTH_FAIL_LIMIT: int(0, 1_000_000).default(20),
  TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((v, ctx) => {
      try {
        return parseTrustedProxies(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  LOGIN_ACCOUNT_FAIL_LIMIT: int(0, 1_000_000).default(5),
  SESSION_IDLE_MINUTES: int(1, 525_600).default(720),
  SESSION_MAX_HOURS: int(1, 87_600).default(168),
  MAX_JSON_BODY_KB: int(1, 1_048_576).default(1024),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((text, ctx) => {
      const entries: string[] = [];
      for (const raw of text.split(",")) {
        if (raw.trim() === "") continue;
        const entry = normalizeAllowEntry(raw);
        if (entry instanceof Error) ctx.addIssue({ code: "custom", message: entry.message });
        else entries.push(entry);
      }
      return entries;
    }),
  SANDBOX_SEND_DELAY_MS: int(0, 60_000).default(0),
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional(),
  LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
  OUTBOX_STUCK_AFTER_MS: int(1_000, 86_400_000).default(15 * 60_000),
  MEDIA_RETENTION_DAYS: int(0, 36_500).default(0),
  MESSAGE_RETENTION_DAYS: int(0, 36_500).default(0),
  SEARCH_MAX_MATCHES: int(1, 10_000_000).default(10_000),
  SQLITE_MMAP_MB: int(0, 2047).default(0),
  SQLITE_CACHE_MB: int(1, 4096).default(16),
  SEND_QUEUE_EXPIRY_HOURS: int(1, 8760).default(24),
  SEND_QUEUE_POLL_MS: int(10, 600_000).default(1_000),
  SEND_QUEUE_RETRY_MS: int(10, 3_600_000).default(5_000),
  SEND_QUEUE_CLAIM_LEASE_MS: int(1_000, 3_600_000).default(120_000),
  MEDIA_S3_BUCKET: z
    .string()
    .regex(/^[A-Za-z0-9._-]{3,255}$/, "MEDIA_S3_BUCKET must be a bucket name (letters, digits, dots, dashes)")
    .optional(),
  MEDIA_S3_ENDPOINT: z
    .url({ protocol: /^https?$/, error: "MEDIA_S3_ENDPOINT must be an http(s) URL" })
    .optional(),
  MEDIA_S3_REGION: z.string().min(1).optional(),
  MEDIA_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  MEDIA_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  MEDIA_S3_PREFIX: z
    .string()
    .transform((p) => p.replace(/^\/+|\/+$/g, ""))
    .refine(
      (p) =>
        p === "" || (/^[A-Za-z0-9!_.*'()/-]*$/.test(p) && !p.split("/").some((s) => s === "" || s === "..")),
      {
        message:
          "MEDIA_S3_PREFIX may hold letters, digits and !_.*'()- in folders separated by single slashes",
      },
    )
    .default(""),
  MEDIA_S3_REDIRECT: bool.default(false),
  MEDIA_S3_URL_EXPIRY_SECONDS: int(10, 7 * 24 * 3600).default(300),
  MEDIA_S3_TIMEOUT_SECONDS: int(1, 3600).default(30),
  DATABASE_URL: z
    .string()
    .refine((v) => parsePostgresUrl(v) !== null, {
      message:
        "DATABASE_URL must be a PostgreSQL URL: postgres://user:password@host:5432/database (or postgresql://…)",
    })
    .optional(),
  DATABASE_POOL_MAX: int(1, 1000).default(10),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,100}$/, "NODE_ID may hold letters, digits and . _ : - (at most 100)")
    .optional(),
  NODE_ADDRESS: z.url({ protocol: /^https?$/, error: "NODE_ADDRESS must be an http(s) URL" }).optional(),
});

/** A postgres:// or postgresql:// URL with a host, or null (the text is never echoed: it may hold a password). */
function parsePostgresUrl(text: string): URL | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") return null;
  if (url.hostname === "") return null;
  return url;
}

/** Settings that mean nothing without DATABASE_URL. */
const POSTGRES_DEPENDENT = ["DATABASE_POOL_MAX"] as const;

/** Settings that mean nothing without MEDIA_S3_BUCKET: set alone, they are a mistake worth stopping for. */
const S3_DEPENDENT = [
  "MEDIA_S3_ENDPOINT",
  "MEDIA_S3_REGION",
  "MEDIA_S3_ACCESS_KEY_ID",
  "MEDIA_S3_SECRET_ACCESS_KEY",
  "MEDIA_S3_PREFIX",
  "MEDIA_S3_REDIRECT",
  "MEDIA_S3_URL_EXPIRY_SECONDS",
  "MEDIA_S3_TIMEOUT_SECONDS",
] as const;

/** Where media live: the folder DATA_DIR/media (default) or an S3-compatible bucket shared by every node. */
export type MediaStoreConfig =
  | { kind: "local" }
  | {
      kind: "s3";
      bucket: string;
      endpoint: string | undefined;
      region: string | undefined;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      /** Without slashes at either end; "" = the bucket's root. */
      prefix: string;
      /** `GET /public/<file>`: false = streamed through this server; true = 302 to a presigned URL. */
      redirect: boolean;
      /** Lifetime of that presigned URL, seconds. */
      urlExpirySeconds: number;
      /** How long one request to the bucket may take before it counts as failed (503), ms. */
      requestTimeoutMs: number;
    };

/** Where the data live: the SQLite file DATA_DIR/chasqui.sqlite (default) or a PostgreSQL database (DATABASE_URL). */
export type DatabaseConfig =
  | { kind: "sqlite" }
  | {
      kind: "postgres";
      url: string;
      /** Connections of this node's pool (DATABASE_POOL_MAX). */
      poolMax: number;
      /** host:port/database, for logs (never the user or password). */
      display: string;
    };

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  /** Base URL used to build media links (`${publicUrl}/public/<file>`), without a trailing slash. */
  publicUrl: string;
  /** False when publicUrl was derived from PORT (then PORT=0 rewrites it to the bound port). */
  publicUrlConfigured: boolean;
  apiToken: string | undefined;
  logLevel: z.infer<typeof EnvSchema>["LOG_LEVEL"];
  maxUploadBytes: number;
  mediaFetchAllowPrivate: boolean;
  mediaFetchTimeoutMs: number;
  mediaFetchMaxBytes: number;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  webhookRetryBaseMs: number;
  webhookConcurrency: number;
  webhookRetentionDays: number;
  /** How long a claimed delivery stays leased without a heartbeat; a crashed process's rows return after it. */
  webhookLeaseMs: number;
  /** Requests in flight per webhook (default 8): more = in creation order per chat, 1 = per webhook. */
  webhookWindow: number;
  /** Run the webhook dispatcher in its own thread (a Bun Worker with its own SQLite connection); on by default. */
  webhookWorker: boolean;
  /** WAL checkpoints run in their own thread (its own SQLite connection) instead of inside the API's commits. */
  dbCheckpointThread: boolean;
  /**
   * The group commit's WAL fsync runs on the thread pool instead of inside COMMIT on the event loop; callers are
   * answered, webhooks sent and live events streamed only once it is done (DB_ASYNC_FSYNC, default true).
   */
  dbAsyncFsync: boolean;
  /**
   * HTTP read threads (HTTP_READ_THREADS): 0 = the main thread answers everything; N ≥ 1 = the main thread, which
   * owns PORT and every connection, hands the GET lists the panel polls (tickets, contacts, a ticket's messages)
   * to N Bun Workers that answer them from their own read-only SQLite connections. Default `auto`: one thread per
   * CPU beyond two (the main thread and the webhook thread take those), at most 4 — so none on 2 CPUs, where a
   * thread measured no faster and cost ~45 MB — and always 0 with DATABASE_URL (docs/PERFORMANCE.md "Issue 14
   * status after session 12").
   */
  httpReadThreads: number;
  /**
   * The read threads' scheduling priority (HTTP_READ_NICE, Linux nice 0–19, default 10): under contention
   * for the CPU the main thread (the writer, webhook wake-ups) and the webhook dispatcher thread run first and the
   * lists get what is left; on an idle machine the lists get every cycle they need.
   */
  httpReadNice: number;
  /** Events no webhook delivery needs are kept this many hours (catch-up feed, SSE resume). */
  eventRetentionHours: number;
  waWsUrl: string | undefined;
  waSendTimeoutMs: number;
  waReconnectBaseMs: number;
  waReconnectMaxMs: number;
  /** Reconnect-loop detector: this many closes within the window pause reconnects for WA_LOOP_PAUSE_MS. */
  waLoopWindowMs: number;
  waLoopMaxCloses: number;
  waLoopPauseMs: number;
  /**
   * PostgreSQL cluster: how long a node's lease of a WhatsApp connection lasts without renewal, and how long a
   * node stays live after its last heartbeat (renewals every third of it; failover ≈ this + a reconnect).
   */
  clusterLeaseTtlMs: number;
  /**
   * PostgreSQL cluster: how long a node waits for the node running a connection to answer a call it forwarded (a
   * send, a read receipt, a pairing code…). Default WA_SEND_TIMEOUT_MS + 10 s, so the owner's own send timeout
   * answers first.
   */
  clusterRpcTimeoutMs: number;
  baileysLogLevel: string;
  /** Failed authentications allowed per client address and minute before 429; 0 = no limit. */
  authFailLimit: number;
  /** Reverse proxies whose `X-Forwarded-For` names the client (empty: the TCP peer is the client). */
  trustedProxies: TrustedProxies;
  /** Failed panel sign-ins allowed per account and minute (0 = off); the address limit is authFailLimit. */
  loginAccountFailLimit: number;
  /** A panel session ends after this long without a request… */
  sessionIdleMs: number;
  /** …and this long after sign-in in any case. */
  sessionMaxMs: number;
  /** Cap of a JSON or urlencoded body, and of the text fields of a multipart one (its files have their own). */
  maxJsonBodyBytes: number;
  /** Webhook receivers may be on private, loopback, link-local… addresses (same host or LAN). */
  webhookAllowPrivate: boolean;
  /** Host names, IPs and CIDR ranges admitted as webhook receivers though internal, in canonical form. */
  webhookAllowedHosts: string[];
  /** For tests: how long a sandbox send waits after the message "left" before WhatsApp's answer (ms). */
  sandboxSendDelayMs: number;
  /** Bearer secret that may read GET /metrics (admin tokens may too); unset: admin tokens only. */
  metricsToken: string | undefined;
  /** `json`: one NDJSON object a line (default); `pretty`: one readable line, for a terminal. */
  logFormat: "json" | "pretty";
  /** /health/ready calls the outbox stuck when an undelivered delivery has waited longer than this, ms. */
  outboxStuckAfterMs: number;
  /** Media files of messages older than this many days are deleted (the message stays, `mediaExpired`); 0 = keep. */
  mediaRetentionDays: number;
  /** Messages older than this many days are deleted with their files and reactions; 0 = keep forever. */
  messageRetentionDays: number;
  /** A ticket search reads at most this many of the newest matching messages (and contacts). */
  searchMaxMatches: number;
  /**
   * SQLite reads the first this many bytes of the database through a memory map (`PRAGMA mmap_size`); 0 = off, the
   * default: SQLite unmaps the whole map whenever another connection committed (docs/PERFORMANCE.md, session 15).
   */
  sqliteMmapBytes: number;
  /** SQLite's own page cache of the server's connection, bytes (`PRAGMA cache_size`). */
  sqliteCacheBytes: number;
  /** A queued send without `expiresAt` fails when it could not go out within this long after its `sendAt`. */
  sendQueueExpiryMs: number;
  /** The send queue looks for due messages at least this often (scheduled sends, held by the daily cap). */
  sendQueuePollMs: number;
  /** After a failed attempt (timeout, socket error) the queue tries the same message again after this, ms. */
  sendQueueRetryMs: number;
  /**
   * PostgreSQL: a queued send claimed by a node is not claimed by another for this long (database time), renewed
   * while its batch is sent; after it, a claim whose node died is taken again (and sent under the same id).
   */
  sendQueueClaimLeaseMs: number;
  /** MEDIA_S3_*: the bucket media are stored in, or the local folder. */
  mediaStore: MediaStoreConfig;
  /** DATABASE_URL: SQLite (unset) or PostgreSQL. */
  database: DatabaseConfig;
  /** NODE_ID: this process's name among the nodes sharing one PostgreSQL; unset = hostname + a random suffix per start. */
  nodeId: string | undefined;
  /** NODE_ADDRESS: where the other nodes and an operator reach this one; unset = PUBLIC_URL. */
  nodeAddress: string | undefined;
};

export class ConfigError extends Error {}

/** `HTTP_READ_THREADS=auto`: one read thread per CPU beyond the two the main and webhook threads use, at most 4. */
export function autoReadThreads(cpus: number): number {
  return Math.max(0, Math.min(4, cpus - 2));
}

/** Parses the environment once at boot; an invalid value stops the process with a message naming it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const issues: string[] = [];
  if (!e.MEDIA_S3_BUCKET) {
    for (const name of S3_DEPENDENT)
      if (cleaned[name] !== undefined)
        issues.push(`  ${name}: only used with MEDIA_S3_BUCKET, which is not set`);
  } else if ((e.MEDIA_S3_ACCESS_KEY_ID === undefined) !== (e.MEDIA_S3_SECRET_ACCESS_KEY === undefined)) {
    issues.push(
      "  MEDIA_S3_ACCESS_KEY_ID: set it together with MEDIA_S3_SECRET_ACCESS_KEY (or neither, to use S3_*/AWS_* credentials)",
    );
  }
  if (!e.DATABASE_URL) {
    for (const name of POSTGRES_DEPENDENT)
      if (cleaned[name] !== undefined)
        issues.push(`  ${name}: only used with DATABASE_URL, which is not set`);
  } else if (e.HTTP_READ_THREADS !== 0 && e.HTTP_READ_THREADS !== "auto") {
    // The read threads answer the lists from their own SQLite connections: on PostgreSQL they would read
    // a file nobody writes any more.
    issues.push("  HTTP_READ_THREADS: the HTTP read threads read SQLite; set it to 0 with DATABASE_URL");
  }
  if (issues.length > 0) throw new ConfigError(`Invalid configuration:\n${issues.join("\n")}`);
  const pgUrl = e.DATABASE_URL ? parsePostgresUrl(e.DATABASE_URL) : null;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    publicUrl,
    publicUrlConfigured: e.PUBLIC_URL !== undefined,
    apiToken: e.API_TOKEN,
    logLevel: e.LOG_LEVEL,
    maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
    mediaFetchAllowPrivate: e.MEDIA_FETCH_ALLOW_PRIVATE,
    mediaFetchTimeoutMs: e.MEDIA_FETCH_TIMEOUT_MS,
    mediaFetchMaxBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookMaxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    webhookRetryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
    webhookConcurrency: e.WEBHOOK_CONCURRENCY,
    webhookRetentionDays: e.WEBHOOK_RETENTION_DAYS,
    webhookLeaseMs: e.WEBHOOK_LEASE_MS,
    webhookWindow: e.WEBHOOK_WINDOW,
    webhookWorker: e.WEBHOOK_WORKER,
    dbCheckpointThread: e.DB_CHECKPOINT_THREAD,
    dbAsyncFsync: e.DB_ASYNC_FSYNC,
    httpReadThreads: pgUrl
      ? 0
      : e.HTTP_READ_THREADS === "auto"
        ? autoReadThreads(availableParallelism())
        : e.HTTP_READ_THREADS,
    httpReadNice: e.HTTP_READ_NICE,
    eventRetentionHours: e.EVENT_RETENTION_HOURS,
    waWsUrl: e.WA_WS_URL,
    waSendTimeoutMs: e.WA_SEND_TIMEOUT_MS,
    waReconnectBaseMs: e.WA_RECONNECT_BASE_MS,
    waReconnectMaxMs: e.WA_RECONNECT_MAX_MS,
    waLoopWindowMs: e.WA_LOOP_WINDOW_MS,
    waLoopMaxCloses: e.WA_LOOP_MAX_CLOSES,
    waLoopPauseMs: e.WA_LOOP_PAUSE_MS,
    clusterLeaseTtlMs: e.CLUSTER_LEASE_TTL_MS,
    clusterRpcTimeoutMs: e.CLUSTER_RPC_TIMEOUT_MS ?? e.WA_SEND_TIMEOUT_MS + 10_000,
    baileysLogLevel: e.BAILEYS_LOG_LEVEL,
    authFailLimit: e.AUTH_FAIL_LIMIT,
    trustedProxies: e.TRUSTED_PROXIES,
    loginAccountFailLimit: e.LOGIN_ACCOUNT_FAIL_LIMIT,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: e.SESSION_MAX_HOURS * 3_600_000,
    maxJsonBodyBytes: e.MAX_JSON_BODY_KB * 1024,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    webhookAllowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
    sandboxSendDelayMs: e.SANDBOX_SEND_DELAY_MS,
    metricsToken: e.METRICS_TOKEN,
    logFormat: e.LOG_FORMAT,
    outboxStuckAfterMs: e.OUTBOX_STUCK_AFTER_MS,
    mediaRetentionDays: e.MEDIA_RETENTION_DAYS,
    messageRetentionDays: e.MESSAGE_RETENTION_DAYS,
    searchMaxMatches: e.SEARCH_MAX_MATCHES,
    sqliteMmapBytes: e.SQLITE_MMAP_MB * 2 ** 20,
    sqliteCacheBytes: e.SQLITE_CACHE_MB * 2 ** 20,
    sendQueueExpiryMs: e.SEND_QUEUE_EXPIRY_HOURS * 3_600_000,
    sendQueuePollMs: e.SEND_QUEUE_POLL_MS,
    sendQueueRetryMs: e.SEND_QUEUE_RETRY_MS,
    sendQueueClaimLeaseMs: e.SEND_QUEUE_CLAIM_LEASE_MS,
    mediaStore: e.MEDIA_S3_BUCKET
      ? {
          kind: "s3",
          bucket: e.MEDIA_S3_BUCKET,
          endpoint: e.MEDIA_S3_ENDPOINT,
          region: e.MEDIA_S3_REGION,
          accessKeyId: e.MEDIA_S3_ACCESS_KEY_ID,
          secretAccessKey: e.MEDIA_S3_SECRET_ACCESS_KEY,
          prefix: e.MEDIA_S3_PREFIX,
          redirect: e.MEDIA_S3_REDIRECT,
          urlExpirySeconds: e.MEDIA_S3_URL_EXPIRY_SECONDS,
          requestTimeoutMs: e.MEDIA_S3_TIMEOUT_SECONDS * 1000,
        }
      : { kind: "local" },
    database: pgUrl
      ? {
          kind: "postgres",
          url: e.DATABASE_URL!,
          poolMax: e.DATABASE_POOL_MAX,
          display: `${pgUrl.host}${pgUrl.pathname === "/" ? "" : pgUrl.pathname}`,
        }
      : { kind: "sqlite" },
    nodeId: e.NODE_ID,
    nodeAddress: e.NODE_ADDRESS?.replace(/\/+$/, ""),
  };
}
