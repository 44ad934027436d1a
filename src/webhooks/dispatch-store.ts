/**
 * The dispatcher's persistence, one implementation per store (docs/CLUSTER.md §5.1): what src/webhooks/dispatcher.ts
 * claims, extends, settles, releases and reads. The dispatcher itself (lanes, windows, chat order, retries, the
 * batching of results) is the same on both.
 *
 * - SQLite (`createSqliteDispatchStore`): the statements the dispatcher always ran, on its own connection (the
 *   thread's, or the server's writer inline), synchronous: one `BEGIN IMMEDIATE` transaction for a batch of
 *   results, the heartbeat and the claims. Its answers are plain values, so the dispatcher's SQLite path runs as
 *   before, without a promise per step.
 * - PostgreSQL (`createPgDispatchStore`): the claims of src/cluster/claims.ts over a `Bun.SQL` pool shared by
 *   several nodes — a webhook's lane (`webhook_lanes`) held by one dispatcher at a time, rows `for update skip
 *   locked`, every result fenced by the claim's token, the heartbeat extending lanes and rows together, times in
 *   the database's clock. Answers are promises.
 */
import { randomUUID } from "node:crypto";
import type { SQL } from "bun";
import {
  claimDeliveries,
  type DeliveryClaim,
  extendClaims,
  releaseLane,
  settleDelivery,
} from "../cluster/claims";
import type { Db } from "../db/client";
import { EVENT_BODY_COLUMNS, EVENT_BODY_JOIN, type StoredEventRow } from "./event-codec";

/** `createdAt`: the row's creation (ms), where the store returns it with the claim (SQLite): the delivery lag metric. */
export type ClaimedRow = { id: number; eventId: number; attempts: number; createdAt?: number };
export type ClaimedBatch = { token: string; rows: ClaimedRow[] };
export type Hook = { id: number; url: string; secret: string; enabled: number };

/** A row's end state after an attempt, applied (fenced by its lease token) in the next batched write. */
export type Settlement =
  | { kind: "delivered"; id: number; token: string; at: number; statusCode: number; createdAt?: number }
  | {
      kind: "retry" | "failed" | "gone";
      id: number;
      token: string;
      webhookId: number;
      nextAttemptAt: number;
      statusCode: number | null;
      error: string;
    }
  | { kind: "release"; id: number; token: string; unsent: boolean; at: number };

/** One batched write: results first, then the heartbeat of the claims still held, then the claims asked for. */
export type DispatchWrite = {
  settlements: readonly Settlement[];
  /** Tokens whose leases to extend by `leaseMs` (null: no heartbeat in this write). */
  heartbeat: readonly string[] | null;
  /** Webhooks whose due rows to claim, up to `batchSize` each, under a new token each. */
  claims: readonly number[];
};

export type DispatchWritten = {
  /** Per settlement: stored (false: the lease was lost, another claim's result decides). */
  applied: boolean[];
  /** Per claim asked: the rows taken, or undefined when none. */
  claimed: (ClaimedBatch | undefined)[];
};

/** What a dispatcher pass reads: webhooks with due rows it may serve, and when the next row comes due. */
export type DispatchPass = { webhookIds: number[]; next: number | undefined };

type MaybeAsync<T> = T | Promise<T>;

export interface DispatchStore {
  readonly dialect: "sqlite" | "postgres";
  /** At start: puts back to pending every row whose lease ran out (a crashed process's), counting them. */
  releaseExpired(now: number): MaybeAsync<number>;
  write(w: DispatchWrite, opts: { now: () => number; durable: number }): MaybeAsync<DispatchWritten>;
  /** `discover`: also list the webhooks with due rows (false when every lane is busy). */
  pass(now: number, durable: number, discover: boolean): MaybeAsync<DispatchPass>;
  hook(id: number): MaybeAsync<Hook | undefined>;
  event(seq: number): MaybeAsync<StoredEventRow | undefined>;
  contactOfTicket(id: number): MaybeAsync<number | undefined>;
  enabledHooks(): MaybeAsync<{ id: number; url: string }[]>;
  /** At stop: every row still leased under these tokens back to pending, due `at`. */
  releaseHeld(tokens: readonly string[], at: number): MaybeAsync<void>;
  /** A lane went idle (nothing claimed, waiting or in flight): PostgreSQL gives its lane row up for other nodes. */
  laneIdle(webhookId: number): void;
  /** SQLite only: the connection's writes become non-blocking tries (see DispatcherOptions.lockRetryMs) until `blocking()`. */
  nonBlocking(): void;
  blocking(): void;
}

export type DispatchStoreOptions = { leaseMs: number; batchSize: number; clock: () => number };

/** The SQLite statements, unchanged from the dispatcher of issue 14 (its own connection, synchronous). */
export function createSqliteDispatchStore(db: Db, opts: DispatchStoreOptions): DispatchStore {
  const { leaseMs, batchSize, clock } = opts;
  const sqlite = db.$client;
  // Only deliveries of events on disk: with the commit's fsync off the event loop a committed event may still be
  // lost to a power cut until its batch's fsync is done (`durableMark`).
  const due = `d.event_id <= $durable AND ((d.status = 'pending' AND d.next_attempt_at <= $now) OR (d.status = 'delivering' AND d.locked_until <= $now))`;
  const discoverStmt = sqlite.query<{ webhookId: number }, { now: number; durable: number }>(
    `SELECT w.id AS webhookId FROM webhooks w WHERE w.enabled = 1 AND EXISTS (
       SELECT 1 FROM webhook_deliveries d
       WHERE d.webhook_id = w.id AND d.status in ('pending', 'delivering') AND ${due})
     ORDER BY w.id`,
  );
  const claimStmt = sqlite.query<
    ClaimedRow,
    { webhookId: number; now: number; durable: number; token: string; lockedUntil: number; limit: number }
  >(
    `UPDATE webhook_deliveries
       SET status = 'delivering', attempts = attempts + 1, lease_token = $token, locked_until = $lockedUntil
     WHERE id IN (
       SELECT d.id FROM webhook_deliveries d
       WHERE d.webhook_id = $webhookId AND d.status in ('pending', 'delivering') AND ${due}
       ORDER BY d.id LIMIT $limit)
       AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = $webhookId AND w.enabled = 1)
     RETURNING id, event_id AS eventId, attempts, created_at AS createdAt`,
  );
  const hookStmt = sqlite.query<Hook, { id: number }>(
    "SELECT id, url, secret, enabled FROM webhooks WHERE id = $id",
  );
  const eventStmt = sqlite.query<StoredEventRow, { seq: number }>(
    `SELECT ${EVENT_BODY_COLUMNS} FROM ${EVENT_BODY_JOIN} WHERE e.seq = $seq`,
  );
  const ticketContactStmt = sqlite.query<{ contactId: number }, { id: number }>(
    "SELECT contact_id AS contactId FROM tickets WHERE id = $id",
  );
  const deliveredStmt = sqlite.query(
    `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $at, last_status_code = $statusCode,
       last_error = NULL, lease_token = NULL, locked_until = NULL
     WHERE id = $id AND lease_token = $token AND status = 'delivering'`,
  );
  const rescheduleStmt = sqlite.query(
    `UPDATE webhook_deliveries SET status = $status, next_attempt_at = $nextAttemptAt,
       last_status_code = $statusCode, last_error = $error, lease_token = NULL, locked_until = NULL
     WHERE id = $id AND lease_token = $token AND status = 'delivering'`,
  );
  const releaseStmt = sqlite.query(
    `UPDATE webhook_deliveries SET status = 'pending', attempts = max(0, attempts - $undo), next_attempt_at = $at,
       lease_token = NULL, locked_until = NULL
     WHERE id = $id AND lease_token = $token AND status = 'delivering'`,
  );
  const disableStmt = sqlite.query(
    "UPDATE webhooks SET enabled = 0, disabled_reason = $reason, updated_at = $at WHERE id = $id AND enabled = 1",
  );
  const heartbeatStmt = sqlite.query(
    "UPDATE webhook_deliveries SET locked_until = $lockedUntil WHERE lease_token = $token AND status = 'delivering'",
  );
  const releaseHeldStmt = sqlite.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $at, lease_token = NULL, locked_until = NULL
     WHERE lease_token = $token AND status = 'delivering'`,
  );
  const releaseExpiredStmt = sqlite.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $now, lease_token = NULL, locked_until = NULL
     WHERE status = 'delivering' AND locked_until <= $now`,
  );
  const nextPendingStmt = sqlite.query<{ t: number }, []>(
    `SELECT d.next_attempt_at AS t FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
     WHERE d.status = 'pending' AND w.enabled = 1 ORDER BY d.next_attempt_at LIMIT 1`,
  );
  const nextLeaseStmt = sqlite.query<{ t: number }, []>(
    // The partial index holds only leased rows, in expiry order: the first one is the answer.
    "SELECT locked_until AS t FROM webhook_deliveries INDEXED BY deliveries_lease_idx WHERE status = 'delivering' ORDER BY locked_until LIMIT 1",
  );
  const hooksStmt = sqlite.query<{ id: number; url: string }, []>(
    "SELECT id, url FROM webhooks WHERE enabled = 1",
  );

  const applySettlement = (s: Settlement): number => {
    switch (s.kind) {
      case "delivered":
        return deliveredStmt.run({ id: s.id, token: s.token, at: s.at, statusCode: s.statusCode }).changes;
      case "release":
        return releaseStmt.run({ id: s.id, token: s.token, at: s.at, undo: s.unsent ? 1 : 0 }).changes;
      default: {
        const changed = rescheduleStmt.run({
          id: s.id,
          token: s.token,
          status: s.kind === "retry" ? "pending" : "failed",
          nextAttemptAt: s.nextAttemptAt,
          statusCode: s.statusCode,
          error: s.error,
        }).changes;
        // A lost lease means another worker owns the row now; its result, not this one, decides.
        if (changed > 0 && s.kind === "gone") {
          disableStmt.run({ id: s.webhookId, reason: s.error, at: clock() });
        }
        return changed;
      }
    }
  };

  let savedBusyTimeout: number | undefined;
  return {
    dialect: "sqlite",
    releaseExpired: (now) => releaseExpiredStmt.run({ now }).changes,
    write(w, { now: nowOf, durable }) {
      const applied: boolean[] = [];
      const claimed: (ClaimedBatch | undefined)[] = [];
      sqlite
        .transaction(() => {
          for (const s of w.settlements) applied.push(applySettlement(s) > 0);
          const now = nowOf();
          if (w.heartbeat)
            for (const token of w.heartbeat) heartbeatStmt.run({ token, lockedUntil: now + leaseMs });
          for (const webhookId of w.claims) {
            const token = randomUUID();
            const rows = claimStmt
              .all({ webhookId, now, durable, token, lockedUntil: now + leaseMs, limit: batchSize })
              .sort((a, b) => a.id - b.id);
            claimed.push(rows.length > 0 ? { token, rows } : undefined);
          }
        })
        .immediate();
      return { applied, claimed };
    },
    pass(now, durable, discover) {
      const webhookIds = discover ? discoverStmt.all({ now, durable }).map((r) => r.webhookId) : [];
      const nextPending = nextPendingStmt.get()?.t;
      const nextLease = nextLeaseStmt.get()?.t;
      const next = Math.min(nextPending ?? Number.POSITIVE_INFINITY, nextLease ?? Number.POSITIVE_INFINITY);
      return { webhookIds, next: Number.isFinite(next) ? next : undefined };
    },
    hook: (id) => hookStmt.get({ id }) ?? undefined,
    event: (seq) => eventStmt.get({ seq }) ?? undefined,
    contactOfTicket: (id) => ticketContactStmt.get({ id })?.contactId,
    enabledHooks: () => hooksStmt.all(),
    releaseHeld(tokens, at) {
      for (const token of tokens) releaseHeldStmt.run({ token, at });
    },
    laneIdle() {},
    nonBlocking() {
      savedBusyTimeout = sqlite.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()?.timeout;
      sqlite.exec("PRAGMA busy_timeout = 0;");
    },
    blocking() {
      if (savedBusyTimeout !== undefined) sqlite.exec(`PRAGMA busy_timeout = ${savedBusyTimeout};`);
      savedBusyTimeout = undefined;
    },
  };
}

/** The database's clock in ms, the unit of `next_attempt_at` and `locked_until`. */
const NOW_MS = "(extract(epoch from now()) * 1000)::bigint";

/**
 * The PostgreSQL twin, over `sql` (a pool of the dispatcher's own: the thread's, or the server's). `holder` names
 * this dispatcher in `webhook_lanes` (node + process); the default is a new random one per dispatcher.
 */
export function createPgDispatchStore(
  sql: SQL,
  opts: DispatchStoreOptions & { holder?: string },
): DispatchStore {
  const { leaseMs, batchSize } = opts;
  const holder = opts.holder ?? `dispatcher-${randomUUID()}`;
  /**
   * Lane releases in progress: a claim of the same webhook waits for its release first, so a late release never
   * deletes the lane a newer claim of this dispatcher just took (another node could then serve the webhook while
   * this one still has rows of it out).
   */
  const releasing = new Map<number, Promise<unknown>>();

  const settle = async (tx: SQL, s: Settlement): Promise<boolean> => {
    switch (s.kind) {
      case "delivered":
        return settleDelivery(tx, s.id, s.token, { kind: "delivered", statusCode: s.statusCode });
      case "release":
        return settleDelivery(tx, s.id, s.token, { kind: "release", unsent: s.unsent });
      case "retry":
        return settleDelivery(tx, s.id, s.token, {
          kind: "retry",
          nextAttemptAt: s.nextAttemptAt,
          statusCode: s.statusCode,
          error: s.error,
        });
      default: {
        const done = await settleDelivery(tx, s.id, s.token, {
          kind: "failed",
          statusCode: s.statusCode,
          error: s.error,
        });
        if (done && s.kind === "gone")
          await tx`update webhooks set enabled = false, disabled_reason = ${s.error}, updated_at = now()
                   where id = ${s.webhookId} and enabled`;
        return done;
      }
    }
  };

  return {
    dialect: "postgres",
    // Another node's rows are not this node's to release at start: a lease that ran out is due to any claimer.
    releaseExpired: () => 0,
    async write(w) {
      const applied: boolean[] = [];
      if (w.settlements.length > 0)
        await sql.begin(async (tx) => {
          for (const s of w.settlements) applied.push(await settle(tx as unknown as SQL, s));
        });
      if (w.heartbeat) await extendClaims(sql, { holder, tokens: [...w.heartbeat], leaseMs });
      const claimed: (DeliveryClaim | undefined)[] = [];
      for (const webhookId of w.claims) {
        await releasing.get(webhookId);
        claimed.push(await claimDeliveries(sql, { webhookId, holder, leaseMs, limit: batchSize }));
      }
      return { applied, claimed };
    },
    async pass(_now, _durable, discover) {
      // Webhooks with due rows whose lane is free, this dispatcher's, or expired (one held by a live node is not
      // this node's to serve); the next time a row comes due or a lease (row or lane) runs out, database time
      // turned into this process's clock by the offset read with it.
      const webhookIds = discover
        ? (
            (await sql.unsafe(
              `select w.id from webhooks w
               where w.enabled and exists (
                 select 1 from webhook_deliveries d
                 where d.webhook_id = w.id and d.status in ('pending', 'delivering')
                   and ((d.status = 'pending' and d.next_attempt_at <= ${NOW_MS})
                        or (d.status = 'delivering' and d.locked_until <= ${NOW_MS})))
               and not exists (
                 select 1 from webhook_lanes l
                 where l.webhook_id = w.id and l.holder <> $1 and l.locked_until > ${NOW_MS})
               order by w.id`,
              [holder],
            )) as { id: unknown }[]
          ).map((r) => Number(r.id))
        : [];
      const [row] = (await sql.unsafe(
        `select ${NOW_MS} as now,
           (select d.next_attempt_at from webhook_deliveries d join webhooks w on w.id = d.webhook_id
             where d.status = 'pending' and w.enabled order by d.next_attempt_at limit 1) as pending,
           (select locked_until from webhook_deliveries where status = 'delivering'
             order by locked_until limit 1) as lease,
           (select min(locked_until) from webhook_lanes
             where holder <> $1 and locked_until > ${NOW_MS}) as lane`,
        [holder],
      )) as { now: unknown; pending: unknown; lease: unknown; lane: unknown }[];
      const times = [row?.pending, row?.lease, row?.lane]
        .filter((t) => t !== null && t !== undefined)
        .map(Number);
      if (times.length === 0 || !row) return { webhookIds, next: undefined };
      // Due in database time; the timer runs on this process's clock.
      const next = Math.min(...times) - Number(row.now) + opts.clock();
      return { webhookIds, next };
    },
    async hook(id) {
      const [row] = (await sql`select id, url, secret, enabled from webhooks where id = ${id}`) as {
        id: unknown;
        url: string;
        secret: string;
        enabled: boolean;
      }[];
      return row
        ? { id: Number(row.id), url: row.url, secret: row.secret, enabled: row.enabled ? 1 : 0 }
        : undefined;
    },
    event: (seq) => readPgEventBody(sql, seq),
    async contactOfTicket(id) {
      const [row] = (await sql`select contact_id from tickets where id = ${id}`) as { contact_id: unknown }[];
      return row ? Number(row.contact_id) : undefined;
    },
    async enabledHooks() {
      const rows = (await sql`select id, url from webhooks where enabled`) as { id: unknown; url: string }[];
      return rows.map((r) => ({ id: Number(r.id), url: r.url }));
    },
    async releaseHeld(tokens) {
      if (tokens.length === 0) return;
      await sql.unsafe(
        `update webhook_deliveries set status = 'pending', next_attempt_at = ${NOW_MS}, lease_token = null,
           locked_until = null
         where lease_token = any($1::text[]) and status = 'delivering'`,
        [[...tokens]],
      );
      await sql`delete from webhook_lanes where holder = ${holder}`;
    },
    laneIdle(webhookId) {
      const p = releaseLane(sql, webhookId, holder)
        .catch(() => false)
        .finally(() => {
          if (releasing.get(webhookId) === p) releasing.delete(webhookId);
        });
      releasing.set(webhookId, p);
    },
    nonBlocking() {},
    blocking() {},
  };
}

/** One stored event's row as `readEvent` takes it, on PostgreSQL (`created_at` in ms, `data` as bytes). */
export async function readPgEventBody(sql: SQL, seq: number): Promise<StoredEventRow | undefined> {
  const [r] = (await sql`
    select e.seq, e.legacy_id, e.type_code, e.connection_id,
           (extract(epoch from e.created_at) * 1000)::bigint as created_ms, e.data, o.name, o.number
    from events e left join event_origins o on o.id = e.origin_id where e.seq = ${seq}`) as PgEventRow[];
  return r ? pgEventRow(r) : undefined;
}

export type PgEventRow = {
  seq: unknown;
  legacy_id: string | null;
  type_code: number;
  connection_id: unknown;
  created_ms: unknown;
  data: Uint8Array;
  name: string | null;
  number: string | null;
};

export const pgEventRow = (r: PgEventRow): StoredEventRow => ({
  seq: Number(r.seq),
  legacyId: r.legacy_id,
  typeCode: r.type_code,
  connectionId: r.connection_id === null ? null : Number(r.connection_id),
  createdAt: Number(r.created_ms),
  data: new Uint8Array(r.data),
  originName: r.name,
  originNumber: r.number,
});
