import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { SQL } from "bun";
import QRCode from "qrcode";
import { createApp } from "./app";
import { nodeLiveness, nodeOwner } from "./cluster/node-owner";
import { createPostgresEventSink } from "./cluster/pg-event-sink";
import {
  NOT_YET,
  type NodeIdentity,
  nodeIdentity,
  notYetOnPostgres,
  ON_POSTGRES,
  openPostgres,
  PostgresStartError,
  postgresHealth,
} from "./cluster/postgres-mode";
import { createGatewayRpcHandler, createRemoteSessions } from "./cluster/remote-gateway";
import { connectionOwnership } from "./cluster/session-ownership";
import type { Config } from "./config";
import { createCheckpointer } from "./db/checkpointer";
import { openDatabase } from "./db/client";
import { migrate } from "./db/migrate";
import { createSqliteStore, type Store } from "./db/store";
import { createWalSyncer } from "./db/wal-sync";
import { createServices } from "./domain";
import { createRetention } from "./domain/retention.service";
import { AppError } from "./errors";
import { createEventStreams, type EventStreams } from "./http/event-streams";
import { createPgEventStreams } from "./http/pg-event-streams";
import { createReadCache, createUncachedReads } from "./http/read-cache";
import { createReadFront, preloadReadThreads } from "./http/read-front";
import { createProcessHealth, type Logger, type ProcessHealth } from "./logger";
import { createMediaStorage, type MediaStore, removeOrphanTempFiles } from "./media/media-storage";
import { createS3MediaStore } from "./media/s3-media-store";
import { createMediaFetcher } from "./media/safe-fetch";
import { createMetrics } from "./metrics/metrics";
import { createPgOutboxStats } from "./metrics/outbox-stats";
import { createReadiness, type ReadFrontHealth } from "./metrics/readiness";
import { createPgDispatchStore } from "./webhooks/dispatch-store";
import { createDispatcher } from "./webhooks/dispatcher";
import { createThreadedDispatcher, type DispatcherHandle } from "./webhooks/dispatcher-thread";
import { createEventSink, type EventSink } from "./webhooks/events";
import { createReceiverPolicy } from "./webhooks/receiver-policy";
import type { BaileysOptions } from "./whatsapp/baileys/baileys-gateway";
import type { ConnectionStatus, GatewayFactory } from "./whatsapp/gateway";
import { createSandboxGateway } from "./whatsapp/sandbox/sandbox-gateway";
import { createSessionManager } from "./whatsapp/session-manager";

export type RuntimeOptions = {
  /** `:memory:` for tests; defaults to DATA_DIR/chasqui.sqlite. */
  databasePath?: string;
  /** Extra or replacement drivers (tests inject fakes here). */
  factories?: Partial<Record<string, GatewayFactory>>;
  /** Replaces DNS resolution for media downloads and webhook deliveries (tests keep traffic on loopback). */
  resolve?: (host: string) => Promise<string[]>;
  clock?: () => number;
  /** Replaces the media store MEDIA_S3_* chose (tests use a folder whose disk fails). */
  media?: MediaStore;
  /** The counters the logger and the process guards write to (one per process). */
  health?: ProcessHealth;
  /** Replaces the WAL fsync of DB_ASYNC_FSYNC (tests hold or fail it). */
  walFsync?: (handle: FileHandle) => Promise<void>;
  /**
   * How often the store indexes the message bodies waiting for the full-text index (ms; default 250). 0: only when a
   * search asks (tests that look at the queue).
   */
  searchIndexMs?: number;
  /** Events an SSE stream may hold for a slow client before it is dropped with a reset (tests set a few). */
  sseBufferEvents?: number;
  /** DATABASE_URL: the pool (owned by the caller, migrated), its store and this node (see startServer). */
  postgres?: PostgresRuntime;
};

/**
 * A server on PostgreSQL. The converted services (src/cluster/postgres-mode.ts ON_POSTGRES) use `store`; the parts
 * not converted yet keep this node's SQLite file in DATA_DIR, and their routes answer 503 (NOT_YET).
 */
export type PostgresRuntime = {
  sql: SQL;
  store: Store;
  node: NodeIdentity;
  /** The connection leases' own small pool (renewals never wait for the main pool); absent: they use `sql`. */
  leaseSql?: SQL;
};

/**
 * Builds every part of the server except the listening socket: database with migrations, services,
 * sessions and the HTTP app. `startServer` adds Bun.serve and the shutdown sequence.
 */
export function createRuntime(config: Config, logger: Logger, opts: RuntimeOptions = {}) {
  const clock = opts.clock ?? Date.now;
  const databasePath = opts.databasePath ?? join(config.dataDir, "chasqui.sqlite");
  const db = openDatabase(databasePath, {
    mmapBytes: config.sqliteMmapBytes,
    cacheBytes: config.sqliteCacheBytes,
  });
  migrate(db);
  const media = opts.media ?? createMediaStore(config);
  const pg = opts.postgres;
  const metrics = createMetrics({
    db,
    mediaDir: media.localDir,
    clock,
    node: pg?.node.id,
    postgres: pg?.sql,
  });
  // After migrate: the store's reader connection opens the migrated file. The store's writer is the commit
  // queue's too, and the event sink tells its listeners once the store's batch has committed.
  const maxEventSeq = db.$client.query<{ seq: number | null }, []>("SELECT max(seq) AS seq FROM events");
  const store = createSqliteStore(db, {
    path: databasePath,
    observer: metrics.observeCommit,
    readPragmas: { cacheBytes: config.sqliteCacheBytes, mmapBytes: config.sqliteMmapBytes },
    walSync: config.dbAsyncFsync ? createWalSyncer(`${databasePath}-wal`, opts.walFsync) : undefined,
    commitMark: () => maxEventSeq.get()?.seq ?? 0,
    // New bodies reach the full-text index in batches (migration 0015); a search indexes what still waits first.
    searchIndexMs: opts.searchIndexMs ?? 250,
  });
  // The services' store: PostgreSQL with DATABASE_URL, else the SQLite store (the writer the synchronous parts share).
  const shared: Store = pg?.store ?? store;
  // On PostgreSQL events are written in the services' transactions and every node's listeners read them from the feed.
  const pgEvents = pg ? createPostgresEventSink(pg.sql, { clock, logger }) : undefined;
  const events: EventSink = pgEvents ?? createEventSink(db, clock, store.afterCommit);
  /** This node's run in the cluster's registry, once it registered (the Idempotency-Keys it holds). */
  let nodeRun: string | undefined;
  const fetcher = createMediaFetcher({
    allowPrivate: config.mediaFetchAllowPrivate,
    timeoutMs: config.mediaFetchTimeoutMs,
    maxBytes: config.mediaFetchMaxBytes,
    resolve: opts.resolve,
  });
  const webhookReceivers = createReceiverPolicy({
    allowPrivate: config.webhookAllowPrivate,
    allowedHosts: config.webhookAllowedHosts,
    lookupTimeoutMs: config.webhookTimeoutMs,
    resolve: opts.resolve,
  });
  let services: ReturnType<typeof createServices> | undefined;
  let readFront: { health(): ReadFrontHealth } | undefined;
  // ── PostgreSQL cluster: calls for a connection another node runs go to it (src/cluster/remote-gateway.ts) ──
  /** This run's secret: other nodes send it with their internal calls (stored in its `nodes` row). */
  const rpcSecret = pg ? randomBytes(32).toString("base64url") : undefined;
  const remote = pg
    ? createRemoteSessions(pg.sql, {
        nodeId: pg.node.id,
        ttlMs: config.clusterLeaseTtlMs,
        timeoutMs: config.clusterRpcTimeoutMs,
        logger,
      })
    : undefined;
  // Every node hears every connection_update (the PostgreSQL sink's feed): the view's status stays current. The
  // view names only other nodes' connections, so this node's own (it holds their lease) are not looked up.
  if (remote)
    events.subscribe((e) => {
      const { event, connectionId, data } = e.envelope;
      if (
        event === "connection_update" &&
        connectionId !== null &&
        typeof data.status === "string" &&
        !sessions.holds(connectionId)
      )
        remote.noteStatus(connectionId, data.status as ConnectionStatus);
    });
  // On PostgreSQL a connection's socket runs only on the node holding its lease (docs/CLUSTER.md §4).
  const ownership = pg
    ? connectionOwnership(pg.leaseSql ?? pg.sql, {
        nodeId: pg.node.id,
        address: pg.node.address,
        ttlMs: config.clusterLeaseTtlMs,
        find: (id) => services!.connections.find(id),
        secret: rpcSecret,
        remote,
      })
    : undefined;
  // ── end PostgreSQL cluster ──
  const sessions = createSessionManager({
    ownership,
    factories: {
      sandbox: (connection, events) =>
        createSandboxGateway(connection, events, { sendDelayMs: config.sandboxSendDelayMs }),
      baileys: lazyBaileysFactory({
        db,
        // On PostgreSQL the session keys live there, every write fenced by the connection's lease.
        postgres: pg?.sql,
        logger,
        wsUrl: config.waWsUrl,
        sendTimeoutMs: config.waSendTimeoutMs,
        reconnectBaseMs: config.waReconnectBaseMs,
        reconnectMaxMs: config.waReconnectMaxMs,
        loopWindowMs: config.waLoopWindowMs,
        loopMaxCloses: config.waLoopMaxCloses,
        loopPauseMs: config.waLoopPauseMs,
        baileysLogLevel: config.baileysLogLevel,
        lookupMessage: (connectionId, id) => services?.messages.findBody(connectionId, id),
        numberForLid: (lid) => services?.contacts.numberForLid(lid),
      }),
      ...opts.factories,
    },
    logger,
    eventsFor: (connectionId) => ({
      status: async (status, info) => {
        if (status === "qrcode" && info.qrcode && process.stdout.isTTY) printQr(connectionId, info.qrcode);
        try {
          await services?.connections.applyStatus(connectionId, status, info);
        } catch (err) {
          logger.error({ err, connectionId, status }, "storing a connection status failed");
        }
        if (status === "CONNECTED") services?.messages.queue.kick(connectionId);
      },
      message: async (msg) => {
        try {
          await services?.messages.receive(connectionId, msg);
        } catch (err) {
          logger.error({ err, connectionId, messageId: msg.id }, "storing an inbound message failed");
          throw err;
        }
      },
      update: async (u) => {
        try {
          await services?.lifecycle.applyUpdate(connectionId, u);
        } catch (err) {
          logger.error(
            { err, connectionId, update: u.kind, targetId: u.targetId },
            "applying a message update failed",
          );
          throw err;
        }
      },
      history: async (msgs) => {
        await services?.lifecycle.importHistory(connectionId, msgs);
      },
      historyImportDays: async () => (await services?.connections.find(connectionId))?.historyImportDays ?? 0,
      acceptsGroups: async () => (await services?.connections.find(connectionId))?.groups === "tickets",
      ack: (id, ack) => services?.messages.queueAck(connectionId, id, ack),
      seen: (at) => {
        services?.connections
          .touchSeen(connectionId, at)
          .catch((err) =>
            logger.warn({ err, connectionId }, "storing when a connection was last seen failed"),
          );
      },
    }),
  });
  const readCache = pg ? createUncachedReads() : createReadCache(db);
  services = createServices({
    db,
    store: shared,
    durableMark: store.durableMark,
    events,
    sessions,
    media,
    fetcher,
    webhookReceivers,
    config,
    logger,
    clock,
    idempotencyOwners: pg
      ? { self: () => nodeRun ?? pg.node.id, isLive: nodeLiveness(pg.sql, config.clusterLeaseTtlMs) }
      : undefined,
    principalsVersion: readCache.principalsVersion,
    configVersion: readCache.configVersion,
  });
  // On PostgreSQL the hub reads the shared feed, so every node's streams show every node's events (§5.3).
  const pgStreams = pg
    ? createPgEventStreams({
        store: pg.store,
        sql: pg.sql,
        feed: services.pgEventFeed,
        events,
        bufferEvents: opts.sseBufferEvents,
        queuesOf: (ids) => services.tickets.queuesOf(ids),
        onError: (err) => logger.warn({ err }, "reading events for the live streams failed; retrying"),
      })
    : undefined;
  const streams: EventStreams =
    pgStreams ??
    createEventStreams({
      events,
      feed: services.eventFeed,
      bufferEvents: opts.sseBufferEvents,
      queueOf: (id) => services.tickets.queueOfSync(id),
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
    readCache,
    clock,
    health: opts.health ?? createProcessHealth(),
    streams,
    metrics,
    readiness: createReadiness({
      db,
      clock,
      stuckAfterMs: config.outboxStuckAfterMs,
      // On PostgreSQL the webhook outbox is the cluster's: counted there.
      outbox: pg && createPgOutboxStats(pg.sql, clock),
      connections: () => services.connections.list(),
      dispatcherRunning: () => dispatcher.running,
      media: () => media.health(),
      readFront: () => readFront?.health() ?? null,
      storeFailure: store.failure,
      postgres: pg && {
        node: pg.node,
        check: () => postgresHealth(pg.sql),
        notYet: NOT_YET.map((p) => p.area),
      },
    }),
    notYet: pg ? notYetOnPostgres : undefined,
    cluster:
      pg && rpcSecret && remote
        ? {
            sql: pg.sql,
            nodeId: pg.node.id,
            ttlMs: config.clusterLeaseTtlMs,
            // The owner renews now (sees the move, lets go), then the target claims now: here or on those nodes.
            nudgeMove: async (id, from, to) => {
              if (from === pg.node.id) await sessions.renewNow(id);
              await remote.nudgeMove(id, from, to);
              if (to === pg.node.id) await sessions.claimRound();
            },
            rpc: createGatewayRpcHandler({
              secret: rpcSecret,
              nodeId: pg.node.id,
              holds: (id) => sessions.holds(id),
              local: (id) => sessions.local(id),
              start: async (id) => {
                const c = await services.connections.find(id);
                if (!c) throw new AppError("ERR_CONNECTION_NOT_FOUND", "Connection not found");
                await sessions.start(c);
              },
              stop: (id) => sessions.stop(id),
              retire: (id) => sessions.retire(id),
              renew: (id) => sessions.renewNow(id),
              claim: () => sessions.claimRound(),
              loggedOut: (id) =>
                services.connections.applyStatus(id, "DISCONNECTED", { qrcode: null, reason: "logged out" }),
              logger,
            }),
          }
        : undefined,
  });
  // Created here, started by startServer (tests start it themselves when they want deliveries). With
  // its own thread (WEBHOOK_WORKER, on by default), unless the caller injects what a thread cannot share (a clock, a
  // resolver, an in-memory database): tests that move time run it inline.
  // On PostgreSQL every node's dispatcher claims from the shared outbox (lanes, skip locked; docs/CLUSTER.md §5.1).
  const holder = pg ? `${pg.node.id}:webhooks` : undefined;
  const dispatcher: DispatcherHandle =
    config.webhookWorker && databasePath !== ":memory:" && !opts.clock && !opts.resolve
      ? createThreadedDispatcher({
          events,
          logger,
          durableMark: pg ? undefined : store.durableMark,
          settings: {
            databasePath,
            databaseUrl: pg && config.database.kind === "postgres" ? config.database.url : undefined,
            holder,
            logLevel: config.logLevel,
            logFormat: config.logFormat,
            timeoutMs: config.webhookTimeoutMs,
            maxAttempts: config.webhookMaxAttempts,
            retryBaseMs: config.webhookRetryBaseMs,
            concurrency: config.webhookConcurrency,
            window: config.webhookWindow,
            leaseMs: config.webhookLeaseMs,
            allowPrivate: config.webhookAllowPrivate,
            allowedHosts: config.webhookAllowedHosts,
          },
        })
      : createDispatcher({
          ...(pg
            ? {
                store: createPgDispatchStore(pg.sql, {
                  leaseMs: config.webhookLeaseMs,
                  batchSize: 50,
                  clock,
                  holder,
                }),
              }
            : { db, durableMark: store.durableMark }),
          events,
          logger,
          receivers: webhookReceivers,
          clock,
          timeoutMs: config.webhookTimeoutMs,
          maxAttempts: config.webhookMaxAttempts,
          retryBaseMs: config.webhookRetryBaseMs,
          concurrency: config.webhookConcurrency,
          window: config.webhookWindow,
          leaseMs: config.webhookLeaseMs,
        });
  // Created here, run by startServer's maintenance loop (tests call it with a moved clock).
  const retention = createRetention({
    store: shared,
    db,
    media,
    logger,
    clock,
    webhookRetentionDays: config.webhookRetentionDays,
    eventRetentionHours: config.eventRetentionHours,
    mediaRetentionDays: config.mediaRetentionDays,
    messageRetentionDays: config.messageRetentionDays,
  });
  metrics.watch({
    events,
    dispatcher,
    connections: () => services.connections.list(),
    streams,
  });

  return {
    app,
    db,
    /** The SQLite store over the database file (on PostgreSQL: the parts not converted yet, see NOT_YET). */
    store,
    /** The store the converted services run on: PostgreSQL with DATABASE_URL, else `store`. */
    domainStore: shared,
    /** DATABASE_URL: the pool and this node; undefined on SQLite. */
    postgres: pg,
    services,
    sessions,
    events,
    media,
    dispatcher,
    streams,
    metrics,
    retention,
    /** Created here, started by startServer (tests start it themselves when they want queued sends sent). */
    sendQueue: services.messages.queue,
    /** On PostgreSQL: the address other nodes reach this one at, once it listens (PORT=0 binds it late). */
    async advertise(address: string) {
      await ownership?.leases.advertise(address);
    },
    /** The HTTP read threads, when startServer starts them: what /health/ready reports of them. */
    attachReadFront(front: { health(): ReadFrontHealth }) {
      readFront = front;
    },
    /** Starts a session for every connection that is not logged out. */
    async startSessions() {
      if (pg && pgEvents) {
        await pgEvents.start();
        await pgStreams?.ready;
        // Registers this node and takes the leases of the connections nobody runs (least loaded first, in rounds).
        await sessions.startOwnership();
        nodeRun = await nodeOwner(pg.sql, pg.node.id);
        return;
      }
      for (const c of await services.connections.list()) {
        if (c.status === "DISCONNECTED" && c.driver !== "sandbox") continue;
        await sessions.start(c);
      }
    },
    async close() {
      streams.closeAll();
      // Automated messages already triggered (a greeting, a farewell) leave before the sessions stop.
      await services.automation.idle();
      // Sends in flight settle before their sockets close; what is still queued stays for the next start.
      await services.messages.queue.stop();
      await sessions.stopAll();
      await services.messages.flushAcks();
      await dispatcher.stop();
      metrics.close();
      await retention.stop();
      await pgStreams?.stop();
      await pgEvents?.close();
      await shared.close();
      if (shared !== store) await store.close();
      db.$client.close();
    },
  };
}

export type Runtime = ReturnType<typeof createRuntime>;

/** The folder DATA_DIR/media, or the bucket MEDIA_S3_BUCKET names. */
export function createMediaStore(config: Config): MediaStore {
  const s = config.mediaStore;
  if (s.kind === "local") return createMediaStorage(join(config.dataDir, "media"));
  return createS3MediaStore({
    bucket: s.bucket,
    endpoint: s.endpoint,
    region: s.region,
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
    prefix: s.prefix,
    signedUrlSeconds: s.urlExpirySeconds,
    requestTimeoutMs: s.requestTimeoutMs,
  });
}

/**
 * Baileys (and libsignal, protobufs) cost ~30 MB of memory once loaded: load them with the first
 * Baileys session, so a server with only sandbox connections stays small.
 */
function lazyBaileysFactory(options: BaileysOptions): GatewayFactory {
  return async (connection, events, owner) => {
    const { openBaileysGateway } = await import("./whatsapp/baileys/baileys-gateway");
    return openBaileysGateway(connection, events, options, owner);
  };
}

const MAINTENANCE_INTERVAL_MS = 60_000;
/** Retention pass (webhook history, media, messages, incremental vacuum). */
const RETENTION_INTERVAL_MS = 60 * 60_000;
/** WAL truncation: short enough that the WAL stays small, long enough to cost nothing. */
const CHECKPOINT_INTERVAL_MS = 5 * 60_000;

/** On a terminal, draw the QR so a phone can scan it straight from the console. */
function printQr(connectionId: number, qr: string) {
  QRCode.toString(qr, { type: "terminal", small: true }).then(
    (art) =>
      process.stdout.write(`\nScan with WhatsApp > Linked devices (connection #${connectionId}):\n${art}\n`),
    () => {},
  );
}

/** A reason `serve` cannot start that the operator can fix; the CLI prints its message alone. */
export class StartupError extends Error {}

const FS_REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the filesystem is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a part of the path is not a directory",
  EEXIST: "a file is in the way",
  ENOENT: "a part of the path does not exist",
};
const fsReason = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return `${FS_REASONS[code] ?? (err as Error).message}${code ? ` (${code})` : ""}`;
};

/** Fails early, with one line, when DATA_DIR cannot hold the database and media. */
export function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new StartupError(`DATA_DIR ${dir} cannot be created: ${fsReason(err)}`);
  }
  const probe = join(dir, `.write-check-${process.pid}`);
  try {
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (err) {
    throw new StartupError(`DATA_DIR ${dir} is not writable: ${fsReason(err)}`);
  }
}

function listenError(config: Config, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `port ${config.port} on ${config.host}`;
  if (code === "EADDRINUSE")
    return new StartupError(`${where} is already in use: stop the other process or set another PORT`);
  if (code === "EACCES") return new StartupError(`${where} needs privileges: set a PORT above 1023`);
  if (code === "EADDRNOTAVAIL")
    return new StartupError(`HOST ${config.host} is not an address of this machine`);
  return err;
}

/**
 * Process-wide safety nets, installed by `serve`. A stray async error (a promise nobody awaited, an
 * exception thrown from a timer or an event listener) is logged, counted in /health, and the process
 * keeps serving. Exiting would drop every WhatsApp socket and request in flight, and a restart does not
 * cure what causes them here (a busy or full disk); the state stays consistent because every database
 * change is one synchronous transaction, committed or rolled back as a whole. A process really wedged
 * stops answering /health, which is what a supervisor should watch.
 */
export function guardProcess(logger: Logger, health: ProcessHealth): void {
  process.on("unhandledRejection", (reason) => {
    health.unhandledErrors++;
    logger.error({ err: reason }, "unhandled promise rejection; still serving");
  });
  process.on("uncaughtException", (err) => {
    health.unhandledErrors++;
    logger.error({ err }, "uncaught exception; still serving");
  });
  // The QR drawing and the first-token banner write to the raw streams: a broken one must not throw.
  process.stdout.on("error", () => {
    health.logWriteErrors++;
  });
  process.stderr.on("error", () => {});
}

/**
 * Probes the media bucket (write and delete a small object). A bucket that does not answer, does not exist
 * or refuses the keys does not stop the server: exiting would only make a supervisor restart it in a loop
 * while the setting stays wrong. It logs one error naming the setting, `/health/ready` answers 503 until a
 * later check (once a minute) succeeds, and media sends answer 503 ERR_SERVICE_UNAVAILABLE meanwhile.
 */
export async function checkMediaStore(media: MediaStore, config: Config, logger: Logger) {
  if (media.kind !== "s3" || config.mediaStore.kind !== "s3") return;
  const was = media.health();
  const now = await media.check();
  const where = { bucket: config.mediaStore.bucket, endpoint: config.mediaStore.endpoint ?? null };
  if (now.status === "error" && (was.status !== "error" || !was.everWorked))
    logger.error(
      { ...where, reason: now.error },
      "MEDIA_S3_BUCKET cannot be used: media sends and /public answer 503 until it works; check MEDIA_S3_ENDPOINT, MEDIA_S3_REGION and the keys",
    );
  else if (now.status === "ok" && (was.status === "error" || !was.everWorked))
    logger.info({ ...where, prefix: config.mediaStore.prefix }, "media are stored in the S3 bucket");
}

export async function startServer(config: Config, baseLogger: Logger, opts: RuntimeOptions = {}) {
  // ── DATABASE_URL: this node's PostgreSQL pool (migrated), store and identity; the node id on every log line ──
  const ownPool = config.database.kind === "postgres" && !opts.postgres;
  const node = opts.postgres?.node ?? (ownPool ? nodeIdentity(config) : undefined);
  const logger = node ? baseLogger.child({ node: node.id }) : baseLogger;
  if (ownPool && node && config.database.kind === "postgres") {
    try {
      opts = { ...opts, postgres: { ...(await openPostgres(config.database)), node } };
    } catch (err) {
      if (err instanceof PostgresStartError) throw new StartupError(err.message);
      throw err;
    }
  }
  const pg = opts.postgres;
  const closePool = async () => {
    if (ownPool) await Promise.all([pg?.sql.close(), pg?.leaseSql?.close()]);
  };
  if (pg)
    logger.warn(
      {
        database: config.database.kind === "postgres" ? config.database.display : undefined,
        node: pg.node.id,
        onPostgres: ON_POSTGRES,
        notYet: NOT_YET.map((p) => `${p.area}: ${p.reason}`),
      },
      "PostgreSQL store (DATABASE_URL), not complete yet: the parts in notYet answer 503; see docs/CLUSTER.md",
    );
  // ── end DATABASE_URL ──
  const databasePath = opts.databasePath ?? join(config.dataDir, "chasqui.sqlite");
  // HTTP_READ_THREADS: the threads load the app while this thread opens the database and starts its sessions.
  const preloaded: (Worker | undefined)[] =
    config.httpReadThreads > 0 && databasePath !== ":memory:"
      ? preloadReadThreads(config.httpReadThreads)
      : [];
  const dropPreloaded = () => {
    for (const w of preloaded) w?.terminate();
  };
  let runtime: Runtime;
  try {
    runtime = createRuntime(config, logger, opts);
  } catch (err) {
    dropPreloaded();
    await closePool();
    if ((err as Error).name !== "SQLiteError") throw err;
    throw new StartupError(
      `the database in DATA_DIR ${config.dataDir} cannot be opened: ${(err as Error).message}`,
    );
  }
  // Before anything can upload: no request of this process owns a temp file yet.
  const orphans = removeOrphanTempFiles(runtime.media.localDir, join(config.dataDir, "tmp"));
  if (orphans.length > 0) logger.info({ removed: orphans.length }, "removed temp files left by a crash");
  try {
    await checkMediaStore(runtime.media, config, logger);
    await runtime.startSessions();
  } catch (err) {
    dropPreloaded();
    await closePool();
    throw err;
  }
  runtime.dispatcher.start();
  runtime.sendQueue.start();
  // WAL checkpoints off the event loop (the main connection's automatic checkpoint is off while it runs).
  const checkpointer = config.dbCheckpointThread ? createCheckpointer({ db: runtime.db, logger }) : undefined;
  checkpointer?.start();
  const serveOptions = {
    // The app's bodyLimit answers 413 with the error body before reading; Bun's own check would answer
    // an empty 413 first, so it is set out of the way.
    maxRequestBodySize: 2 ** 40,
    idleTimeout: 120,
    error: (err: Error) => {
      logger.error({ err }, "unhandled server error");
      return Response.json({ error: "ERR_INTERNAL", message: "Internal server error" }, { status: 500 });
    },
  };
  // HTTP_READ_THREADS: this thread, the single writer, owns the port and hands the GET lists to the read threads
  // (answering them itself while none is ready). Not for an in-memory database (a thread cannot open it).
  const front =
    config.httpReadThreads > 0 && databasePath !== ":memory:"
      ? createReadFront({
          config,
          logger,
          metrics: runtime.metrics,
          databasePath,
          threads: config.httpReadThreads,
          preloaded,
        })
      : undefined;
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      ...serveOptions,
      port: config.port,
      hostname: config.host,
      fetch: front ? front.wrap(runtime.app.fetch) : runtime.app.fetch,
    });
  } catch (err) {
    dropPreloaded();
    await checkpointer?.stop();
    await runtime.close();
    await closePool();
    throw listenError(config, err);
  }
  const port = server.port as number;
  // PORT=0 binds a free port: media links must name the real one.
  if (!config.publicUrlConfigured && config.port === 0) config.publicUrl = `http://localhost:${port}`;
  // A node advertises PUBLIC_URL unless NODE_ADDRESS says otherwise: with PORT=0, the port just bound.
  if (pg && !config.nodeAddress && !config.publicUrlConfigured && config.port === 0) {
    pg.node.address = config.publicUrl;
    // Registered before it listened: other nodes' calls for its connections need the port just bound.
    await runtime
      .advertise(pg.node.address)
      .catch((err) =>
        logger.warn({ err }, "storing this node's address failed; other nodes cannot forward calls to it"),
      );
  }
  // Given the config once PUBLIC_URL names the bound port (the lists' media links show it).
  if (front) {
    front.start();
    runtime.attachReadFront(front);
  }
  logger.info({ url: `http://${config.host}:${port}`, dataDir: config.dataDir }, "chasqui listening");

  // Once a minute: inbound files whose download failed are tried again until they arrive, and
  // Idempotency-Key records older than their 24 h are dropped; a media bucket that failed is checked again.
  const maintenance = setInterval(() => {
    if (runtime.media.health().status === "error") void checkMediaStore(runtime.media, config, logger);
    runtime.services.messages
      .retryPendingMedia()
      .catch((err) => logger.warn({ err }, "media retry pass failed"));
    runtime.services.idempotency
      .prune()
      .catch((err) => logger.warn({ err }, "pruning idempotency keys failed"));
  }, MAINTENANCE_INTERVAL_MS);
  // The WAL file truncated to zero bytes: in the checkpoint thread while it runs — under load that takes 40-80 ms
  // (180 ms at start), which on the main connection held the event loop.
  const truncateWal = async () =>
    checkpointer ? await checkpointer.truncate() : runtime.retention.checkpoint();
  const runRetention = () => {
    runtime.retention
      .run()
      .then(truncateWal)
      .catch((err) => logger.warn({ err }, "retention pass failed"));
  };
  runRetention();
  const retentionTimer = setInterval(runRetention, RETENTION_INTERVAL_MS);
  const checkpointTimer = setInterval(() => {
    truncateWal().catch((err) => logger.warn({ err }, "WAL checkpoint failed"));
  }, CHECKPOINT_INTERVAL_MS);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("shutting down");
      clearInterval(maintenance);
      clearInterval(retentionTimer);
      clearInterval(checkpointTimer);
      await checkpointer?.stop();
      // Open event streams never finish on their own; end them so the graceful stop can complete.
      runtime.streams.closeAll();
      // The port first (its requests in flight end, those on a read thread too), then the read threads.
      await server.stop();
      await front?.stop();
      await runtime.close();
      await closePool();
      logger.info("stopped");
    })();
    return stopping;
  };
  return { server, front, runtime, stop, port };
}
