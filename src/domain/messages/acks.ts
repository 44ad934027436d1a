import { and, eq, sql } from "drizzle-orm";
import { ackUpdateSql } from "../../db/sql/messages";
import type { Query } from "../../db/store";
import { preparedQuery } from "../../db/store/prepared";
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
 * On the Store (docs/CLUSTER.md §3): each batch is one `store.write`, so under load it joins the sends' group
 * commit on SQLite (one fsync).
 */
export function createAckQueue(deps: DomainDeps) {
  const { store, events, clock, logger } = deps;
  const log = logger.child({ module: "messages" });
  const { messages } = store.t;
  const earlyAcks = new Map<string, number>();
  const ph = (name: string) => sql.placeholder(name);
  // Three acks per message on a busy connection: the update is a per-dialect statement (src/db/sql/messages.ts),
  // on SQLite the raw statement compiled once per connection.
  const ackUpdate = ackUpdateSql[store.dialect];
  const messageExists = preparedQuery<{ connectionId: number; id: string }, { pk: number }[]>((q) =>
    q
      .select({ pk: messages.pk })
      .from(messages)
      .where(and(eq(messages.connectionId, ph("connectionId")), eq(messages.id, ph("id")))),
  );

  function ackBody(batch: [number, string, number][]) {
    return async (q: Query): Promise<void> => {
      for (const [connectionId, messageId, ack] of batch) {
        const updated = await ackUpdate(q, { ack, nowMs: clock(), connectionId, id: messageId });
        if (!updated) {
          if ((await messageExists(q, { connectionId, id: messageId })).length === 0) {
            const key = `${connectionId}:${messageId}`;
            if (earlyAcks.size >= EARLY_ACK_LIMIT) earlyAcks.delete(earlyAcks.keys().next().value as string);
            earlyAcks.set(key, Math.max(ack, earlyAcks.get(key) ?? 0));
          }
          continue;
        }
        await events.emitIn(q, "message_ack", connectionId, {
          messageId,
          ack,
          ackName: ACK_NAMES[ack] ?? String(ack),
          ticketId: updated.ticketId,
        });
      }
    };
  }
  const applyAcks = (batch: [number, string, number][]): Promise<void> => store.write(ackBody(batch));

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
   * The timer's flush: the batch is one write, so under load the acks share the sends' commit (one fsync)
   * instead of paying one of their own.
   */
  function commitAcks(): void {
    const batch = takeBatch();
    if (batch.length === 0) return;
    applyAcks(batch).catch((err) => log.error({ err, acks: batch.length }, "storing acks failed"));
  }
  /** Now (shutdown: before the store closes). */
  async function flushAcks(): Promise<void> {
    const batch = takeBatch();
    if (batch.length === 0) return;
    try {
      await applyAcks(batch);
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

    /** Acks only move forward; each change emits message_ack. Resolves once committed. */
    applyAck(connectionId: number, messageId: string, ack: number): Promise<void> {
      return applyAcks([[connectionId, messageId, ack]]);
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
