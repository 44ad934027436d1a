// The message path's raw SQL, one named implementation per dialect (docs/CLUSTER.md §3(c)). Everything else the
// message path runs is a portable drizzle builder (src/domain/messages/).
import { and, Column, eq, getTableColumns, lt, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { PageAt } from "../../domain/paging";
import type { Db } from "../client";
import { messages as pgMessages, tickets as pgTickets } from "../pg/schema";
import { messages as sqliteMessages } from "../schema";
import type { Dialect, Query } from "../store";

/**
 * What a message does to its ticket: `lastMessage` shows it; `unread` 0 (inbound) adds one to the unread count
 * and stamps `first_inbound_at` once, 1 (an agent's reply) marks the ticket read and stamps `first_response_at`
 * once (after an inbound), 2 (automated: a greeting) leaves both alone. `updated_at` is the ticket's activity.
 */
export type TouchTicket = {
  ticketId: number;
  lastMessage: string;
  unread: 0 | 1 | 2;
  nowMs: number;
};

export type TouchTicketSql = (q: Query, t: TouchTicket) => Promise<void>;

/**
 * SQLite: the statement the synchronous message store ran (tests/db/query-plans.test.ts plans it), on the
 * connection the store handed the body (the writer). `first_inbound_at` / `first_response_at` feed the
 * dashboard's first-response time, kept here rather than computed from a scan of the messages.
 */
const SQLITE_TOUCH = `update tickets set last_message = ?1,
       unread_messages = case ?2 when 1 then 0 when 2 then unread_messages else unread_messages + 1 end,
       updated_at = ?3,
       first_inbound_at = case when ?2 = 0 and first_inbound_at is null then ?3 else first_inbound_at end,
       first_response_at = case when ?2 = 1 and first_response_at is null and first_inbound_at is not null then ?3
         else first_response_at end
     where id = ?4`;

/** The SQLite statement on a connection (`$client.query` compiles it once per connection and text). */
export function sqliteTouchTicket(client: Db["$client"], t: TouchTicket): void {
  client
    .query<unknown, [string, number, number, number]>(SQLITE_TOUCH)
    .run(t.lastMessage, t.unread, t.nowMs, t.ticketId);
}

const sqlite: TouchTicketSql = async (q, t) => sqliteTouchTicket((q as unknown as Db).$client, t);

/**
 * PostgreSQL: the same update as a builder over the pg tables, the branches chosen in JavaScript (`timestamptz`
 * values bound through the column's encoder).
 */
const postgres: TouchTicketSql = async (q, t) => {
  const db = q as unknown as PgDatabase<PgQueryResultHKT>;
  const now = new Date(t.nowMs);
  const tk = pgTickets;
  await db
    .update(tk)
    .set({
      lastMessage: t.lastMessage,
      updatedAt: now,
      ...(t.unread === 0
        ? {
            unreadMessages: sql`${tk.unreadMessages} + 1`,
            firstInboundAt: sql`coalesce(${tk.firstInboundAt}, ${sql.param(now, tk.firstInboundAt)})`,
          }
        : t.unread === 1
          ? {
              unreadMessages: 0,
              firstResponseAt: sql`case when ${tk.firstResponseAt} is null and ${tk.firstInboundAt} is not null
                then ${sql.param(now, tk.firstResponseAt)} else ${tk.firstResponseAt} end`,
            }
          : {}),
    })
    .where(eq(tk.id, t.ticketId));
};

export const touchTicketSql: Record<Dialect, TouchTicketSql> = { sqlite, postgres };

/** A delivery ack: the message's ack moves up to `ack` (never down); its ticket when it did. */
export type AckUpdate = { connectionId: number; id: string; ack: number; nowMs: number };

export type AckUpdateSql = (q: Query, a: AckUpdate) => Promise<{ ticketId: number } | undefined>;

/** SQLite: the statement the synchronous ack queue ran, compiled once per connection (three acks per message). */
const sqliteAck: AckUpdateSql = async (q, a) =>
  (q as unknown as Db).$client
    .query<{ ticketId: number }, [number, number, number, string, number]>(
      `update messages set ack = ?, updated_at = ? where connection_id = ? and id = ? and ack < ?
       returning ticket_id as ticketId`,
    )
    .get(a.ack, a.nowMs, a.connectionId, a.id, a.ack) ?? undefined;

/** PostgreSQL: the same update as a builder over the pg tables. */
const postgresAck: AckUpdateSql = async (q, a) => {
  const db = q as unknown as PgDatabase<PgQueryResultHKT>;
  const m = pgMessages;
  const [row] = await db
    .update(m)
    .set({ ack: a.ack, updatedAt: new Date(a.nowMs) })
    .where(and(eq(m.connectionId, a.connectionId), eq(m.id, a.id), lt(m.ack, a.ack)))
    .returning({ ticketId: m.ticketId });
  return row;
};

export const ackUpdateSql: Record<Dialect, AckUpdateSql> = { sqlite: sqliteAck, postgres: postgresAck };

/** A row of a ticket's message list: the message and, for an inbound one, its sender. */
export type MessagePageRow = {
  message: typeof sqliteMessages.$inferSelect;
  contact: { id: number; name: string; number: string } | null;
};

// Every column of `messages` in the table's order, each with the decoder drizzle applies (booleans, Date, JSON);
// none for the columns it hands out as stored.
const MESSAGE_COLUMNS = Object.entries(getTableColumns(sqliteMessages)).map(([key, col]) => ({
  key,
  name: col.name,
  decode:
    col.mapFromDriverValue === Column.prototype.mapFromDriverValue
      ? undefined
      : (raw: unknown) => col.mapFromDriverValue(raw),
}));
const MESSAGE_PAGE = `select ${MESSAGE_COLUMNS.map((c) => `m."${c.name}"`).join(", ")}, c.id, c.name, c.number
from messages m left join contacts c on c.id = m.contact_id
where m.ticket_id = ?`;
const NEWEST_FIRST = "order by m.created_at desc, m.pk desc";

/**
 * SQLite: limit + 1 messages of a ticket, newest first, from `offset` or after the keyset cursor (createdAt ms, pk)
 * — the rows the drizzle select `{ message: messages, contact: { id, name, number } }` left-joined on the contact
 * gives, read with one raw statement and decoded here: drizzle's generic row mapping was ~20 µs of the ~93 µs
 * the list took for a 10-message page. tests/api/message-page-rows.test.ts holds it equal to that select.
 */
export function sqliteMessagePage(
  client: Db["$client"],
  ticketId: number,
  at: PageAt<readonly [number, number]>,
): MessagePageRow[] {
  const raws = at.after
    ? client
        .query<unknown[], number[]>(
          `${MESSAGE_PAGE} and (m.created_at, m.pk) < (?, ?) ${NEWEST_FIRST} limit ?`,
        )
        .values(ticketId, at.after[0], at.after[1], at.limit + 1)
    : client
        .query<unknown[], number[]>(`${MESSAGE_PAGE} ${NEWEST_FIRST} limit ? offset ?`)
        .values(ticketId, at.limit + 1, at.offset);
  const n = MESSAGE_COLUMNS.length;
  return (raws as unknown[][]).map((raw) => {
    const message: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const { key, decode } = MESSAGE_COLUMNS[i]!;
      const value = raw[i];
      message[key] = value === null || decode === undefined ? value : decode(value);
    }
    const contactId = raw[n] as number | null;
    return {
      message: message as MessagePageRow["message"],
      contact:
        contactId === null
          ? null
          : { id: contactId, name: raw[n + 1] as string, number: raw[n + 2] as string },
    };
  });
}
