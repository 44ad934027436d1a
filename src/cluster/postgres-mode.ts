// What a server on PostgreSQL (DATABASE_URL) runs there today, and what it refuses until the rest of the domain is
// converted (docs/CLUSTER.md §3, §7). One list, read by the startup log, /health/ready and the HTTP guard: when a
// part moves onto the store, its entry leaves NOT_YET and its routes answer again.
import { hostname } from "node:os";
import { SQL } from "bun";
import type { Config } from "../config";
import { NewerDatabaseError } from "../db/migrate";
import { migratePostgres } from "../db/pg/migrate";
import { embeddedMigrations } from "../db/pg/migrations.generated";
import { createPostgresStore, type Store } from "../db/store";

/** Converted services: their data live in PostgreSQL, shared by every node. */
export const ON_POSTGRES = [
  "accounts (users, sign-in, panel sessions)",
  "API tokens",
  "queues and tags",
  "quick answers",
  "contact notes",
  "contacts",
  "connections (their settings and stored status)",
  "tickets (list, counts, get, update, transfer) and the ticket search",
  "message search",
  "dashboard",
  "Idempotency-Key records (a key in flight on another live node answers in progress)",
  "messages: receive, send, acks, edits, deletes, reactions, the queued-send worker (claims shared by the nodes)",
  "events (written in the same transaction, read by every node), the catch-up feed (GET /events) and the live streams (GET /events/stream, SSE)",
  "webhooks: their settings, the deliveries and the dispatcher (every node claims from the shared outbox)",
  "WhatsApp sessions: each connection runs on the one node holding its lease; keys stored in PostgreSQL, fenced",
  "MCP",
] as const;

export type NotYet = {
  /** What does not run on PostgreSQL yet. */
  area: string;
  /** Why (which part still runs synchronous SQLite). */
  reason: string;
  /** Routes (method + path after /api or /api/v1, or from the root for /mcp) answered 503 meanwhile. */
  routes: { method: string | "*"; path: RegExp; body?: (json: unknown) => boolean }[];
};

const ID = "[^/]+";
const path = (p: string) => new RegExp(`^${p.replaceAll("{id}", ID)}/?$`);

/**
 * Parts that do not run on PostgreSQL yet: their routes answer 503 (ERR_NOT_ON_POSTGRES) instead of half-working.
 */
export const NOT_YET: NotYet[] = [
  {
    area: "backup (GET /admin/backup)",
    reason: "it copies the SQLite file; a PostgreSQL database is backed up with pg_dump",
    routes: [{ method: "GET", path: path("/admin/backup") }],
  },
];

/** The not-yet part a request would reach, or null; `json` reads the body for the routes that depend on it. */
export async function notYetOnPostgres(
  method: string,
  fullPath: string,
  json: () => Promise<unknown>,
): Promise<NotYet | null> {
  const rest = fullPath.startsWith("/api/v1/")
    ? fullPath.slice(7)
    : fullPath.startsWith("/api/")
      ? fullPath.slice(4)
      : fullPath;
  for (const part of NOT_YET)
    for (const r of part.routes)
      if ((r.method === "*" || r.method === method) && r.path.test(rest)) {
        if (!r.body) return part;
        let body: unknown = null;
        try {
          body = await json();
        } catch {
          // Not JSON: the route's own validation answers it.
          continue;
        }
        if (r.body(body)) return part;
      }
  return null;
}

/** This process among the nodes sharing one PostgreSQL. */
export type NodeIdentity = {
  /** NODE_ID, or hostname + a random suffix: unique per process start (a restarted node inherits no lease). */
  id: string;
  /** NODE_ADDRESS, or PUBLIC_URL. */
  address: string;
};

export function nodeIdentity(config: Config): NodeIdentity {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .slice(0, 60) || "node";
  return {
    id: config.nodeId ?? `${host}-${crypto.randomUUID().slice(0, 8)}`,
    address: config.nodeAddress ?? config.publicUrl,
  };
}

export type PostgresHealth = { database: "ok" | "error"; migrations: "ok" | "pending" | "unknown" };

const latestEmbedded = Math.max(0, ...embeddedMigrations.map((m) => m.when));

/** PostgreSQL answers, and every embedded migration is applied (drizzle applies what is newer than its latest row). */
export async function postgresHealth(sql: SQL): Promise<PostgresHealth> {
  try {
    await sql`select 1`;
  } catch {
    return { database: "error", migrations: "unknown" };
  }
  try {
    const [row] = await sql`select max(created_at)::text as at from drizzle.__drizzle_migrations`;
    return { database: "ok", migrations: Number(row?.at ?? 0) >= latestEmbedded ? "ok" : "pending" };
  } catch {
    // No bookkeeping table: nothing was ever migrated.
    return { database: "ok", migrations: "pending" };
  }
}

/** PostgreSQL cannot be used at start (unreachable, refused, migrations failed): the CLI prints the message. */
export class PostgresStartError extends Error {}

/**
 * Opens this node's pool on DATABASE_URL, checks that PostgreSQL answers, applies the embedded migrations (one node
 * at a time: an advisory lock) and builds the store. The caller owns the pool (close it on shutdown).
 */
export async function openPostgres(db: {
  url: string;
  poolMax: number;
  display: string;
}): Promise<{ sql: SQL; store: Store }> {
  const password = new URL(db.url).password;
  // Driver messages name the host and database at most; a password is never printed.
  const reason = (err: unknown) => {
    const text = err instanceof Error ? err.message : String(err);
    return password ? text.replaceAll(decodeURIComponent(password), "***") : text;
  };
  const sql = new SQL({ url: db.url, max: db.poolMax, connectionTimeout: 10 });
  try {
    await sql`select 1`;
  } catch (err) {
    await sql.close().catch(() => {});
    throw new PostgresStartError(`PostgreSQL at ${db.display} (DATABASE_URL) cannot be used: ${reason(err)}`);
  }
  try {
    await migratePostgres(sql);
  } catch (err) {
    await sql.close().catch(() => {});
    if (err instanceof NewerDatabaseError)
      throw new PostgresStartError(`PostgreSQL at ${db.display}: ${err.message}`);
    throw new PostgresStartError(`migrating PostgreSQL at ${db.display} failed: ${reason(err)}`);
  }
  return { sql, store: createPostgresStore(sql) };
}
