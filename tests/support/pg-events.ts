// Events written on PostgreSQL as the event sink writes them there (docs/CLUSTER.md §5.3): the event, one delivery
// per enabled webhook of its connection, and `pg_notify('chasqui_events', '')`, in one transaction — through any
// node's pool. Returns the event's wire id and exact body.
import type { SQL } from "bun";
import { encodeData, eventIdOf } from "../../src/webhooks/event-codec";

/** Connection 1 ("Principal", 595981234567) and one webhook per url, all with `secret`. */
export async function pgOutbox(sql: SQL, urls: string[], secret: string): Promise<void> {
  await sql`insert into connections (id, name, number, driver) values (1, 'Principal', '595981234567', 'sandbox')`;
  for (const [i, url] of urls.entries())
    await sql`insert into webhooks (id, connection_id, url, secret) values (${i + 1}, 1, ${url}, ${secret})`;
}

export type WrittenEvent = { id: string; seq: number; body: string };

/** A `message_received` of `contactId` with text `hola n`; in `tx` when given (a transaction the test holds open). */
export async function storeEventIn(sql: SQL, contactId: number, n: number): Promise<WrittenEvent> {
  const dataJson = JSON.stringify({ messageId: `M${n}`, body: `hola ${n}`, contact: { id: contactId } });
  const [origin] = (await sql`insert into event_origins (connection_id, name, number)
    values (1, 'Principal', '595981234567') returning id`) as { id: unknown }[];
  const [e] = (await sql`insert into events (connection_id, type_code, data, origin_id)
    values (1, 1, ${Buffer.from(encodeData(dataJson))}, ${origin!.id})
    returning seq, (extract(epoch from created_at) * 1000)::bigint as ms`) as { seq: unknown; ms: unknown }[];
  await sql`insert into webhook_deliveries (event_id, webhook_id, next_attempt_at)
    select ${e!.seq}, w.id, (extract(epoch from now()) * 1000)::bigint from webhooks w where w.enabled`;
  await sql`select pg_notify('chasqui_events', '')`;
  const createdAt = Number(e!.ms);
  return {
    id: eventIdOf(Number(e!.seq), createdAt),
    seq: Number(e!.seq),
    body: `{"event":"message_received","timestamp":"${new Date(createdAt).toISOString()}","connectionId":1,"connectionName":"Principal","connectionNumber":"595981234567","data":${dataJson}}`,
  };
}

export const storeEvent = (sql: SQL, contactId: number, n: number) =>
  sql.begin((tx) => storeEventIn(tx as unknown as SQL, contactId, n));
