import type { Tx } from "../../db/client";
import type { DomainDeps } from "../deps";

export const ACK_NAMES: Record<number, string> = {
  [-1]: "error",
  0: "pending",
  1: "server",
  2: "delivered",
  3: "read",
  4: "played",
};

/** How long acks wait to be committed together. */
const ACK_BATCH_MS = 5;

/** Acks that arrived before their message was stored (a fast phone can beat our insert). */
const EARLY_ACK_LIMIT = 1000;

/**
 * Delivery acks from the drivers. They only move forward, each change emits message_ack, and acks that
 * arrive within a few milliseconds commit together: a busy connection sends three per message, and one
 * commit each would dominate the cost of a send. An ack for a message not stored yet is kept until it is.
 */
export function createAckQueue(deps: DomainDeps) {
  const { db, events, clock, logger, commits } = deps;
  const log = logger.child({ module: "messages" });
  const earlyAcks = new Map<string, number>();
  const q = {
    ack: db.$client.query<{ ticketId: number }, [number, number, number, string, number]>(
      `update messages set ack = ?, updated_at = ? where connection_id = ? and id = ? and ack < ?
       returning ticket_id as ticketId`,
    ),
    messageExists: db.$client.query<{ id: string }, [number, string]>(
      "select id from messages where connection_id = ? and id = ?",
    ),
  };

  function ackBody(batch: [number, string, number][]) {
    return (tx: Tx): void => {
      for (const [connectionId, messageId, ack] of batch) {
        const updated = q.ack.get(ack, clock(), connectionId, messageId, ack);
        if (!updated) {
          if (!q.messageExists.get(connectionId, messageId)) {
            const key = `${connectionId}:${messageId}`;
            if (earlyAcks.size >= EARLY_ACK_LIMIT) earlyAcks.delete(earlyAcks.keys().next().value as string);
            earlyAcks.set(key, Math.max(ack, earlyAcks.get(key) ?? 0));
          }
          continue;
        }
        events.emit(tx, "message_ack", connectionId, {
          messageId,
          ack,
          ackName: ACK_NAMES[ack] ?? String(ack),
          ticketId: updated.ticketId,
        });
      }
    };
  }
  const applyAcks = (batch: [number, string, number][]): void => db.transaction(ackBody(batch));

  let pendingAcks: [number, string, number][] = [];
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  const takeBatch = () => {
    clearTimeout(ackTimer);
    ackTimer = undefined;
    const batch = pendingAcks;
    pendingAcks = [];
    return batch;
  };
  /**
   * The timer's flush: the batch joins the group commit, so under load the acks share the sends' commit
   * (one fsync) instead of paying one of their own.
   */
  function commitAcks(): void {
    const batch = takeBatch();
    if (batch.length === 0) return;
    commits.run(ackBody(batch)).catch((err) => log.error({ err, acks: batch.length }, "storing acks failed"));
  }
  /** Now, in a transaction of its own (shutdown: the commit queue may not get another turn). */
  function flushAcks(): void {
    const batch = takeBatch();
    if (batch.length === 0) return;
    try {
      applyAcks(batch);
    } catch (err) {
      log.error({ err, acks: batch.length }, "storing acks failed");
    }
  }

  return {
    /** The early ack of a message being stored now, if one came first. */
    takeEarly(connectionId: number, id: string): number | undefined {
      const key = `${connectionId}:${id}`;
      const early = earlyAcks.get(key);
      if (early !== undefined) earlyAcks.delete(key);
      return early;
    },

    /** Acks only move forward; each change emits message_ack. */
    applyAck(connectionId: number, messageId: string, ack: number): void {
      applyAcks([[connectionId, messageId, ack]]);
    },

    /** Queues an ack from a driver; see above. */
    queueAck(connectionId: number, messageId: string, ack: number): void {
      pendingAcks.push([connectionId, messageId, ack]);
      ackTimer ??= setTimeout(commitAcks, ACK_BATCH_MS);
    },

    /** Commits queued acks now (shutdown). */
    flushAcks,
  };
}

export type AckQueue = ReturnType<typeof createAckQueue>;
