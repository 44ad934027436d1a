/**
 * Work shared between nodes on PostgreSQL (docs/CLUSTER.md §5.1, §5.2): the statements the webhook dispatcher
 * and the send queue need there, as named functions over a `Bun.SQL` client, with the column semantics of the
 * SQLite ones (src/webhooks/dispatcher.ts, src/domain/send-queue.service.ts):
 *
 * - webhook_deliveries: `pending` → claimed `delivering` with a lease (`lease_token`, `locked_until` in ms) and
 *   the attempt counted at claim; a `delivering` row whose lease ran out is due again; every settling update is
 *   fenced by the token, so a late result of a lost claim changes nothing.
 * - one holder per webhook at a time (a lane in `webhook_lanes`, taken in the claim's transaction), so a
 *   receiver sees a webhook's deliveries in creation order whichever node sends them.
 * - messages (queued sends): claimed `sending` with the attempt counted, only by the holder of the
 *   connection's lease (fenced like a session-key write: src/cluster/leases.ts); a handover re-claims a
 *   `sending` row and sends it again under the same WhatsApp id (WhatsApp drops the repeat).
 *
 * Rows are selected `for update skip locked`: concurrent claimers skip each other's rows instead of waiting.
 * Times are the database's, in ms (`now()`), like the ms columns the domain writes.
 */
import { randomUUID } from "node:crypto";
import type { SQL } from "bun";
import { type Lease, withFence } from "./leases";

/** The database's clock in ms since the epoch, for the ms columns (`next_attempt_at`, `locked_until`, `send_at`). */
const NOW_MS = "(extract(epoch from now()) * 1000)::bigint";

export type ClaimedDelivery = { id: number; eventId: number; attempts: number };
export type DeliveryClaim = { token: string; rows: ClaimedDelivery[] };

type Rows<T> = Promise<T[]>;
const q = <T>(p: Promise<unknown>): Rows<T> => p as Rows<T>;

/**
 * Claims up to `limit` due deliveries of one webhook for `holder` (a dispatcher's id: node + process), oldest
 * first, under a new lease token valid `leaseMs`. In one transaction: takes (or extends) the webhook's lane —
 * free, already `holder`'s, or expired — and, only with it, the rows. Undefined when another holder has the
 * lane or nothing is due. A disabled or deleted webhook has nothing due.
 */
export async function claimDeliveries(
  sql: SQL,
  options: { webhookId: number; holder: string; leaseMs: number; limit: number },
): Promise<DeliveryClaim | undefined> {
  const { webhookId, holder, leaseMs, limit } = options;
  const token = randomUUID();
  const rows = await sql.begin(async (tx) => {
    const lane = await q(
      tx.unsafe(
        `insert into webhook_lanes (webhook_id, holder, locked_until)
           select w.id, $2, ${NOW_MS} + $3 from webhooks w where w.id = $1 and w.enabled
         on conflict (webhook_id) do update set holder = excluded.holder, locked_until = excluded.locked_until
           where webhook_lanes.holder = excluded.holder or webhook_lanes.locked_until <= ${NOW_MS}
         returning webhook_id`,
        [webhookId, holder, leaseMs],
      ),
    );
    if (lane.length === 0) return [];
    return q<{ id: unknown; event_id: unknown; attempts: number }>(
      tx.unsafe(
        `with due as (
           select d.id from webhook_deliveries d
           where d.webhook_id = $1 and d.status in ('pending', 'delivering')
             and ((d.status = 'pending' and d.next_attempt_at <= ${NOW_MS})
                  or (d.status = 'delivering' and d.locked_until <= ${NOW_MS}))
           order by d.id limit $4
           for update skip locked)
         update webhook_deliveries d
           set status = 'delivering', attempts = d.attempts + 1, lease_token = $2, locked_until = ${NOW_MS} + $3
         from due where d.id = due.id
         returning d.id, d.event_id, d.attempts`,
        [webhookId, token, leaseMs, limit],
      ),
    );
  });
  if (rows.length === 0) return undefined;
  return {
    token,
    rows: rows
      .map((r) => ({ id: Number(r.id), eventId: Number(r.event_id), attempts: r.attempts }))
      .sort((a, b) => a.id - b.id),
  };
}

/**
 * The heartbeat of a holder: extends its lanes and the leases of the given claims (tokens) by `leaseMs` from
 * now, together, so a lane never outlives or expires before the rows claimed under it. What already expired is
 * not revived (another holder may have taken it): its rows are due again, and a late result of this holder is
 * still stored if nobody claimed them meanwhile (the token fences it).
 */
export async function extendClaims(
  sql: SQL,
  options: { holder: string; tokens: string[]; leaseMs: number },
): Promise<void> {
  const { holder, tokens, leaseMs } = options;
  await sql.begin(async (tx) => {
    await tx.unsafe(
      `update webhook_lanes set locked_until = ${NOW_MS} + $2 where holder = $1 and locked_until > ${NOW_MS}`,
      [holder, leaseMs],
    );
    if (tokens.length > 0)
      await tx.unsafe(
        `update webhook_deliveries set locked_until = ${NOW_MS} + $2
         where lease_token = any($1::text[]) and status = 'delivering' and locked_until > ${NOW_MS}`,
        [tokens, leaseMs],
      );
  });
}

/** Gives a webhook's lane up (the holder has nothing in flight for it): another holder may take it at once. */
export async function releaseLane(sql: SQL, webhookId: number, holder: string): Promise<boolean> {
  const done = await q(
    sql`delete from webhook_lanes where webhook_id = ${webhookId} and holder = ${holder} returning 1 as ok`,
  );
  return done.length > 0;
}

/** How an attempt ended, as the dispatcher's settlements (src/webhooks/dispatcher.ts). */
export type DeliverySettlement =
  | { kind: "delivered"; statusCode: number }
  | { kind: "retry"; nextAttemptAt: number; statusCode: number | null; error: string }
  | { kind: "failed"; statusCode: number | null; error: string }
  /** Not sent (shutdown, or claimed but never started): back to pending, the attempt given back if `unsent`. */
  | { kind: "release"; unsent: boolean };

/**
 * Stores an attempt's end state, fenced by the claim's token: false (nothing written) when the lease was lost —
 * the row was claimed again elsewhere, and that claim's result decides.
 */
export async function settleDelivery(
  sql: SQL,
  id: number,
  token: string,
  s: DeliverySettlement,
): Promise<boolean> {
  let done: unknown[];
  switch (s.kind) {
    case "delivered":
      done = await q(sql`update webhook_deliveries
        set status = 'delivered', delivered_at = now(), last_status_code = ${s.statusCode}, last_error = null,
            lease_token = null, locked_until = null
        where id = ${id} and lease_token = ${token} and status = 'delivering' returning 1 as ok`);
      break;
    case "release":
      done = await q(
        sql.unsafe(
          `update webhook_deliveries
             set status = 'pending', attempts = greatest(0, attempts - $3), next_attempt_at = ${NOW_MS},
                 lease_token = null, locked_until = null
           where id = $1 and lease_token = $2 and status = 'delivering' returning 1 as ok`,
          [id, token, s.unsent ? 1 : 0],
        ),
      );
      break;
    default:
      done = await q(
        sql.unsafe(
          `update webhook_deliveries
             set status = $3, next_attempt_at = coalesce($4, ${NOW_MS}), last_status_code = $5, last_error = $6,
                 lease_token = null, locked_until = null
           where id = $1 and lease_token = $2 and status = 'delivering' returning 1 as ok`,
          [
            id,
            token,
            s.kind === "retry" ? "pending" : "failed",
            s.kind === "retry" ? s.nextAttemptAt : null,
            s.statusCode,
            s.error,
          ],
        ),
      );
  }
  return done.length > 0;
}

export type ClaimedSend = {
  pk: number;
  /** The WhatsApp id chosen at queueing: a re-send after a handover carries the same one. */
  id: string;
  attempts: number;
  ack: number;
  /** `sending` before this claim: claimed before (a crash or handover); sent already if `ack ≥ 1`. */
  reclaimed: boolean;
};

/**
 * Claims up to `limit` due queued sends of the connection `lease` holds, oldest due first (`send_at`, `pk`),
 * fenced by the lease (LeaseLost when it is not held: nothing claimed); rows another claimer is taking at this
 * instant are skipped. `retake`: `sending` rows are due too, as in the SQLite worker's every pass (a claim
 * nobody finished: a crash, a handover, a send kept for another try) — right for the one worker per connection
 * that awaits its sends before claiming again; without it only `queued` rows are taken, so claimers running at
 * the same time never take one message twice.
 */
export async function claimQueuedSends(
  sql: SQL,
  lease: Lease,
  limit: number,
  options: { retake?: boolean } = {},
): Promise<ClaimedSend[]> {
  const statuses = options.retake ? "('queued', 'sending')" : "('queued')";
  const rows = await sql.begin(async (tx) => {
    await withFence(tx, lease.connectionId, lease.nodeId, lease.token);
    return q<{ pk: unknown; id: string; attempts: number; ack: number; was: string }>(
      tx.unsafe(
        `with due as (
           select m.pk, m.status as was from messages m
           where m.connection_id = $1 and m.status in ${statuses} and m.send_at <= ${NOW_MS}
           order by m.send_at, m.pk limit $2
           for update skip locked)
         update messages m set status = 'sending', attempts = m.attempts + 1, updated_at = now()
         from due where m.pk = due.pk
         returning m.pk, m.id, m.attempts, m.ack, due.was`,
        [lease.connectionId, limit],
      ),
    );
  });
  return rows
    .map((r) => ({
      pk: Number(r.pk),
      id: r.id,
      attempts: r.attempts,
      ack: r.ack,
      reclaimed: r.was === "sending",
    }))
    .sort((a, b) => a.pk - b.pk);
}

/**
 * A claimed send was accepted by WhatsApp: `sent`, fenced by the lease (LeaseLost after a handover: the new
 * owner sends it again under the same id and stores that). False when the row is no longer `sending`.
 */
export async function markQueuedSent(
  sql: SQL,
  lease: Lease,
  pk: number,
  sent: { sentAt: number; timestamp: number; remoteKey: string | null },
): Promise<boolean> {
  const done = await sql.begin(async (tx) => {
    await withFence(tx, lease.connectionId, lease.nodeId, lease.token);
    return q(tx`update messages
      set status = 'sent', sent_at = ${sent.sentAt}, timestamp = ${sent.timestamp},
          remote_key = coalesce(${sent.remoteKey}, remote_key), error = null, updated_at = now()
      where pk = ${pk} and connection_id = ${lease.connectionId} and status = 'sending' returning 1 as ok`);
  });
  return done.length > 0;
}

/**
 * A claimed send did not leave (the connection went down, the media store did not answer): back to `queued`
 * with the reason, fenced by the lease. `undoAttempt`: it was never tried (the rest of a batch).
 */
export async function releaseQueuedSend(
  sql: SQL,
  lease: Lease,
  pk: number,
  options: { error: { code: string; reason: string } | null; undoAttempt: boolean },
): Promise<boolean> {
  const done = await sql.begin(async (tx) => {
    await withFence(tx, lease.connectionId, lease.nodeId, lease.token);
    return q(tx`update messages
      set status = 'queued', error = coalesce(${options.error}::json, error),
          attempts = greatest(0, attempts - ${options.undoAttempt ? 1 : 0}), updated_at = now()
      where pk = ${pk} and connection_id = ${lease.connectionId} and status = 'sending' returning 1 as ok`);
  });
  return done.length > 0;
}
