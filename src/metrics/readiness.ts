import type { NodeIdentity, PostgresHealth } from "../cluster/postgres-mode";
import type { Db } from "../db/client";
import { embeddedMigrations } from "../db/migrations.generated";
import type { MediaHealth } from "../media/media-store";
import { createOutboxStats, type OutboxStatsSource } from "./outbox-stats";

export type ReadinessOptions = {
  db: Db;
  clock?: () => number;
  /** The outbox is "stuck" when an undelivered delivery has waited longer than this, ms (OUTBOX_STUCK_AFTER_MS). */
  stuckAfterMs: number;
  connections: () => Promise<{ id: number; name: string; status: string }[]>;
  dispatcherRunning: () => boolean;
  /** The media store's last known state (a bucket's start-up probe, its last operation). */
  media?: () => MediaHealth;
  /** The HTTP read threads (HTTP_READ_THREADS), null while they are off. */
  readFront?: () => ReadFrontHealth | null;
  /** Why the store takes no more writes (a failed fsync), or null: the database check fails until a restart. */
  storeFailure?: () => Error | null;
  /** The outbox figures (DATABASE_URL: PostgreSQL's); default: the SQLite database's. */
  outbox?: OutboxStatsSource;
  /** DATABASE_URL: this node, its PostgreSQL check, and the parts not on PostgreSQL yet. */
  postgres?: { node: NodeIdentity; check: () => Promise<PostgresHealth>; notYet: string[] };
};

/** Read-front threads configured and listening now (a dead one is started again; meanwhile the main thread serves). */
export type ReadFrontHealth = { threads: number; running: number };

export type Readiness = {
  ready: boolean;
  checks: {
    database: "ok" | "error";
    migrations: "ok" | "pending" | "unknown";
    media: "ok" | "error";
  };
  /** Where media are stored, and why the store failed last (null while it works). */
  media: { store: "local" | "s3"; error: string | null };
  connections: { id: number; name: string; status: string }[];
  readFront: ReadFrontHealth | null;
  outbox: {
    pending: number;
    oldestPendingAgeSeconds: number;
    stuck: boolean;
    dispatcherRunning: boolean;
  } | null;
  postgres?: {
    node: string;
    address: string;
    database: "ok" | "error";
    migrations: "ok" | "pending" | "unknown";
    notYet: string[];
  };
};

/**
 * What `GET /health/ready` answers. Ready means the store answers a query and every embedded migration is
 * applied; connections that are not CONNECTED and a stuck outbox are reported but do not make the server
 * unready: a load balancer should keep sending API traffic to it while a phone is offline or a webhook
 * receiver is down. A media bucket that never worked since the start (a wrong MEDIA_S3_* setting) makes it
 * unready; one that fails after it worked (an outage) is reported only, as text messages still flow. A store
 * whose fsync failed takes no more writes: the database check fails until the process restarts.
 */
export function createReadiness(opts: ReadinessOptions) {
  const { db } = opts;
  const clock = opts.clock ?? Date.now;
  let outbox: OutboxStatsSource | undefined = opts.outbox;
  // drizzle applies every migration newer than the latest `created_at` it recorded: the same test here.
  const latestApplied = () =>
    db.$client
      .query<{ at: number | null }, []>("SELECT max(created_at) AS at FROM __drizzle_migrations")
      .get()?.at ?? 0;
  const latestEmbedded = Math.max(0, ...embeddedMigrations.map((m) => m.when));

  const localMedia: MediaHealth = { store: "local", status: "ok", error: null, everWorked: true };
  const pg = opts.postgres;
  if (!pg) return () => local();
  // On PostgreSQL the node is ready when both its database and its local SQLite file (the parts not converted) are.
  return async (): Promise<Readiness> => {
    const health = await pg.check();
    // The connections are PostgreSQL rows: listed only while it answers.
    const r = await local(health.database === "ok" && health.migrations === "ok");
    const postgres = { node: pg.node.id, address: pg.node.address, ...health, notYet: pg.notYet };
    const database = r.checks.database === "ok" && health.database === "ok" ? "ok" : "error";
    const migrations = r.checks.migrations === "ok" ? health.migrations : r.checks.migrations;
    const ready = r.ready && database === "ok" && migrations === "ok";
    return {
      ...r,
      ready,
      checks: { ...r.checks, database, migrations },
      ...(ready ? {} : { connections: [], outbox: null }),
      postgres,
    };
  };

  async function local(details = true): Promise<Readiness> {
    const m = opts.media?.() ?? localMedia;
    const media = { store: m.store, error: m.error };
    const mediaCheck = m.status;
    let migrations: Readiness["checks"]["migrations"] = "unknown";
    try {
      db.$client.query("SELECT 1").get();
      const failure = opts.storeFailure?.();
      if (failure) throw failure;
    } catch {
      return {
        ready: false,
        checks: { database: "error", migrations, media: mediaCheck },
        media,
        connections: [],
        readFront: opts.readFront?.() ?? null,
        outbox: null,
      };
    }
    try {
      migrations = latestApplied() >= latestEmbedded ? "ok" : "pending";
    } catch {
      migrations = "pending"; // no bookkeeping table: nothing was ever migrated
    }
    if (migrations !== "ok")
      return {
        ready: false,
        checks: { database: "ok", migrations, media: mediaCheck },
        media,
        connections: [],
        readFront: opts.readFront?.() ?? null,
        outbox: null,
      };
    if (!details)
      return {
        ready: false,
        checks: { database: "ok", migrations, media: mediaCheck },
        media,
        connections: [],
        readFront: opts.readFront?.() ?? null,
        outbox: null,
      };
    outbox ??= createOutboxStats(db, clock);
    const stats = await outbox();
    const dispatcherRunning = opts.dispatcherRunning();
    return {
      ready: mediaCheck === "ok" || m.everWorked,
      checks: { database: "ok", migrations, media: mediaCheck },
      media,
      connections: (await opts.connections())
        .filter((c) => c.status !== "CONNECTED")
        .map((c) => ({ id: c.id, name: c.name, status: c.status })),
      readFront: opts.readFront?.() ?? null,
      outbox: {
        pending: stats.pending + stats.delivering,
        oldestPendingAgeSeconds: Math.round(stats.oldestPendingAgeSeconds),
        stuck: stats.oldestPendingAgeSeconds * 1000 > opts.stuckAfterMs,
        dispatcherRunning,
      },
    };
  }
}

export type ReadinessCheck = ReturnType<typeof createReadiness>;
