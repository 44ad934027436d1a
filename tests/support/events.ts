import type { PostgresEventSink } from "../../src/cluster/pg-event-sink";
import { EVENT_DOCS } from "../../src/http/event-docs";
import { type PgEventRow, pgEventRow } from "../../src/webhooks/dispatch-store";
import { eventTypeCode, type ReadEvent, readEvent } from "../../src/webhooks/event-codec";
import { createEventFeed } from "../../src/webhooks/event-feed";
import type { EventName } from "../../src/webhooks/event-names";
import type { TestApp } from "./test-app";

/**
 * Every committed event of the app's store, in `seq` (creation) order, each with its exact body as webhooks get it
 * (rebuilt from the compact rows by the one event reader, src/webhooks/event-codec.ts). SQLite: the event feed over
 * the app's file. PostgreSQL (STORE=postgres): the app's database, read directly in `seq` order — not through the
 * feed's `(tx_id, seq)` order, which a transaction still running anywhere on the test cluster holds back.
 */
export async function storedEvents(
  t: Pick<TestApp, "db" | "postgres">,
  f: { types?: readonly string[]; connectionId?: number; afterSeq?: number } = {},
): Promise<ReadEvent[]> {
  const after = f.afterSeq ?? 0;
  if (!t.postgres) {
    return createEventFeed(t.db)
      .after(after, { limit: 1_000_000, types: f.types, connectionId: f.connectionId })
      .map((r) => ({ ...r, createdAt: r.createdAt.getTime() }));
  }
  const connection = f.connectionId ?? null;
  const rows = (await t.postgres.sql`
    select e.seq, e.legacy_id, e.type_code, e.connection_id,
           (extract(epoch from e.created_at) * 1000)::bigint as created_ms, e.data, o.name, o.number
    from events e left join event_origins o on o.id = e.origin_id
    where e.seq > ${after} and (${connection}::bigint is null or e.connection_id = ${connection}::bigint)
    order by e.seq`) as PgEventRow[];
  const codes = f.types?.length ? new Set(f.types.map(eventTypeCode)) : undefined;
  return rows.filter((r) => !codes || codes.has(r.type_code)).map((r) => readEvent(pgEventRow(r)));
}

/** The `seq` of a stored event by its public id, or undefined (what `after=` and Last-Event-ID resolve). */
export async function storedEventSeq(t: TestApp, id: string): Promise<number | undefined> {
  return t.services.pgEventFeed ? t.services.pgEventFeed.seqOf(id) : t.services.eventFeed.seqOf(id);
}

/**
 * The `data` of every stored event of a type, in order, each checked against the payload /openapi.json documents
 * for it.
 */
export async function eventsOf(t: TestApp, type: EventName) {
  return (await storedEvents(t, { types: [type] })).map((r) => {
    const data = JSON.parse(r.payload).data;
    EVENT_DOCS[type].data.parse(data);
    return data;
  });
}

/**
 * Resolves once the app's event listeners have been told every event committed so far: at once on SQLite (they are
 * told at commit), after the PostgreSQL sink has read the feed that far (its listeners are fed from the feed).
 */
export async function listenersCaughtUp(t: Pick<TestApp, "events">): Promise<void> {
  await (t.events as Partial<PostgresEventSink>).drain?.();
}
