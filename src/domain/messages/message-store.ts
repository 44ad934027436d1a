import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { connections as connectionsSqlite, messages as messagesSqlite } from "../../db/schema";
import { type MessagePageRow, sqliteMessagePage, touchTicketSql } from "../../db/sql/messages";
import type { Query } from "../../db/store";
import { preparedQuery } from "../../db/store/prepared";
import { ONE_SNAPSHOT } from "../../db/store/store";
import { AppError } from "../../errors";
import type { ChatAddress } from "../../whatsapp/gateway";
import { type Contact, contactRef } from "../contact.service";
import type { DomainDeps } from "../deps";
import { type PageAt, takePage } from "../paging";
import { ACK_NAMES } from "./acks";

/** The message list's ORDER BY key: createdAt (ms), pk. */
export type MessageKey = readonly [number, number];

export type MessageRow = typeof messagesSqlite.$inferSelect;
export type MessageInsert = Omit<typeof messagesSqlite.$inferInsert, "connectionId">;
export type TicketRef = { id: number; connectionId: number };

/** Where a driver sends for a contact: its number, or the group id for a group. */
export const chatAddress = (c: { number: string; isGroup: boolean }): ChatAddress =>
  c.isGroup ? `${c.number}@g.us` : c.number;

/** Every column a stored message gets, so the prepared insert always has all its placeholders. */
const EMPTY_MESSAGE = {
  contactId: null,
  body: "",
  ack: 0,
  mediaType: "chat",
  mediaFile: null,
  mimeType: null,
  filename: null,
  hasMedia: false,
  quotedMsgId: null,
  remoteKey: null,
  mediaRef: null,
  participant: null,
  participantName: null,
  isImported: false,
  userId: null,
  isSystem: false,
  systemData: null,
  isAutomated: false,
  status: "sent",
  sendAt: null,
  expiresAt: null,
  outbound: null,
};

/**
 * The messages table as the send and receive paths share it: one insert that is idempotent per connection
 * and WhatsApp id, the ticket it touches, the event it emits, and the reads by id and by ticket. On the Store
 * (docs/CLUSTER.md §3): the `…In(q, …)` functions run on a `store.write` / `store.read` body's `q`, so inside a
 * write they are part of its transaction; the hot ones are `preparedQuery`s (compiled once per connection on
 * SQLite). The synchronous `announce(tx, …)`, `findByWaId` and `newest` are the bridge for callers not on the
 * Store yet (the send queue, the message lifecycle): they run on the SQLite writer connection.
 */
export function createMessageStore(
  deps: DomainDeps,
  /** An ack that arrived before its message was stored, taken once. */
  takeEarlyAck: (connectionId: number, id: string) => number | undefined,
) {
  const { db, events, clock } = deps;
  const st = deps.store;
  const {
    messages: table,
    contacts: contactTable,
    tickets: ticketTable,
    connections: connectionTable,
    messageCounts,
  } = st.t;
  const touchTicketIn = touchTicketSql[st.dialect];
  const ph = (name: string) => sql.placeholder(name);
  const newestFirst = [desc(table.createdAt), desc(table.pk)] as const;
  const pageQuery = (q: Query) =>
    q
      .select({
        message: table,
        contact: { id: contactTable.id, name: contactTable.name, number: contactTable.number },
      })
      .from(table)
      .leftJoin(contactTable, eq(contactTable.id, table.contactId));
  const listQuery = {
    exists: preparedQuery<{ ticketId: number }, { id: number }[]>((q) =>
      q
        .select({ id: ticketTable.id })
        .from(ticketTable)
        .where(eq(ticketTable.id, ph("ticketId"))),
    ),
    // Kept by triggers (migration 0017): one lookup, not a walk over the ticket's messages.
    count: preparedQuery<{ ticketId: number }, { n: number }[]>((q) =>
      q
        .select({ n: messageCounts.n })
        .from(messageCounts)
        .where(eq(messageCounts.ticketId, ph("ticketId"))),
    ),
    page: preparedQuery<{ ticketId: number; limit: number; offset: number }, MessagePageRow[]>((q) =>
      pageQuery(q)
        .where(eq(table.ticketId, ph("ticketId")))
        .orderBy(...newestFirst)
        .limit(ph("limit"))
        .offset(ph("offset")),
    ),
    // Keyset: a seek in messages_ticket_idx (ticket_id, created_at, rowid) past the cursor's row. The cursor's
    // time is bound through the column's encoder (ms on SQLite, timestamptz on PostgreSQL).
    after: preparedQuery<
      { ticketId: number; limit: number; afterAt: Date; afterPk: number },
      MessagePageRow[]
    >((q) =>
      pageQuery(q)
        .where(
          and(
            eq(table.ticketId, ph("ticketId")),
            sql`(${table.createdAt}, ${table.pk}) < (${sql.param(ph("afterAt"), table.createdAt)}, ${ph("afterPk")})`,
          ),
        )
        .orderBy(...newestFirst)
        .limit(ph("limit")),
    ),
  };
  const insertMessage = preparedQuery<Record<string, unknown>, MessageRow[]>((q) =>
    q
      .insert(table)
      .values({
        id: ph("id"),
        connectionId: ph("connectionId"),
        ticketId: ph("ticketId"),
        contactId: ph("contactId"),
        body: ph("body"),
        fromMe: ph("fromMe"),
        ack: ph("ack"),
        mediaType: ph("mediaType"),
        mediaFile: ph("mediaFile"),
        mimeType: ph("mimeType"),
        filename: ph("filename"),
        hasMedia: ph("hasMedia"),
        quotedMsgId: ph("quotedMsgId"),
        remoteKey: ph("remoteKey"),
        mediaRef: ph("mediaRef"),
        timestamp: ph("timestamp"),
        participant: ph("participant"),
        participantName: ph("participantName"),
        isImported: ph("isImported"),
        userId: ph("userId"),
        isSystem: ph("isSystem"),
        systemData: ph("systemData"),
        isAutomated: ph("isAutomated"),
        status: ph("status"),
        sendAt: ph("sendAt"),
        expiresAt: ph("expiresAt"),
        outbound: ph("outbound"),
        createdAt: ph("createdAt"),
        updatedAt: ph("updatedAt"),
      })
      .onConflictDoNothing()
      .returning(),
  );
  const byWaId = preparedQuery<{ connectionId: number; id: string }, MessageRow[]>((q) =>
    q
      .select()
      .from(table)
      .where(and(eq(table.connectionId, ph("connectionId")), eq(table.id, ph("id")))),
  );
  // A message by its WhatsApp id alone goes through messages_connection_wa_id (connection_id, id): one lookup per
  // connection, a handful; the newest of the copies found is picked in JS (sorting them in SQL is a temp B-tree).
  const byIdEverywhere = preparedQuery<{ id: string }, MessageRow[]>((q) =>
    q
      .select()
      .from(table)
      .where(
        and(
          inArray(table.connectionId, q.select({ id: connectionTable.id }).from(connectionTable)),
          eq(table.id, ph("id")),
        ),
      ),
  );
  const newestOf = (rows: MessageRow[]) =>
    rows.reduce<MessageRow | undefined>((newest, m) => (newest && newest.pk > m.pk ? newest : m), undefined);

  const mediaUrlOf = (file: string | null) =>
    file ? `${deps.config.publicUrl}/public/${encodeURIComponent(file)}` : null;

  const lastMessageLabel = (m: { body: string; mediaType: string; hasMedia: boolean }) =>
    m.mediaType === "chat" || (!m.hasMedia && m.mediaType !== "location" && m.mediaType !== "vcard")
      ? m.body
      : `[${m.mediaType}]${m.body ? ` ${m.body}` : ""}`;

  function messageEventData(m: MessageRow, contact: Contact) {
    return {
      messageId: m.id,
      body: m.body,
      fromMe: m.fromMe,
      mediaType: m.mediaType,
      hasMedia: m.hasMedia,
      timestamp: m.timestamp,
      ticketId: m.ticketId,
      contact: contactRef(contact),
      media: m.hasMedia ? { url: mediaUrlOf(m.mediaFile), mimeType: m.mimeType, type: m.mediaType } : null,
      quotedMsgId: m.quotedMsgId,
      userId: m.userId,
      ...(m.participant ? { participant: { number: m.participant, name: m.participantName } } : {}),
    };
  }

  /** A stored message by connection and WhatsApp id, on the body's `q`. */
  async function findByWaIdIn(q: Query, connectionId: number, id: string): Promise<MessageRow | undefined> {
    return (await byWaId(q, { connectionId, id }))[0];
  }

  /**
   * Inserts a message, updates its ticket and emits message_sent / message_received, on a `store.write` body's
   * `q`. A queued message is only inserted: the send queue announces it when it really went out. The same
   * WhatsApp id twice on a connection is one message: null, no second row, no second event.
   */
  async function storeIn(
    q: Query,
    row: MessageInsert,
    ticket: TicketRef,
    contact: Contact,
  ): Promise<MessageRow | null> {
    const now = new Date(clock());
    const early = takeEarlyAck(ticket.connectionId, row.id);
    const [inserted] = await insertMessage(q, {
      ...EMPTY_MESSAGE,
      ...row,
      connectionId: ticket.connectionId,
      ack: Math.max(row.ack ?? 0, early ?? 0),
      createdAt: now,
      updatedAt: now,
    });
    if (!inserted) return null;
    // History imported at first link is the past: it neither touches the ticket nor emits events.
    if (inserted.isImported || inserted.status === "queued") return inserted;
    await announceIn(q, inserted, ticket.id, contact, now.getTime());
    // An ack that beat the insert (a fast phone, a slow store) moved the message forward like any other: its
    // message_ack follows message_sent, as it would have had it come a moment later.
    if (early !== undefined && inserted.ack > (row.ack ?? 0))
      await events.emitIn(q, "message_ack", inserted.connectionId, {
        messageId: inserted.id,
        ack: inserted.ack,
        ackName: ACK_NAMES[inserted.ack] ?? String(inserted.ack),
        ticketId: ticket.id,
      });
    return inserted;
  }

  /** Inbound counts as unread (0); an agent's reply marks the ticket read (1); an automated one (a greeting) 2. */
  const unreadOf = (m: MessageRow) => (!m.fromMe ? 0 : m.isAutomated ? 2 : 1);
  const eventOf = (m: MessageRow) => (m.fromMe ? "message_sent" : "message_received");

  /** A message now on WhatsApp (or received): the ticket shows it, and message_sent / message_received. */
  async function announceIn(q: Query, m: MessageRow, ticketId: number, contact: Contact, nowMs: number) {
    await touchTicketIn(q, { ticketId, lastMessage: lastMessageLabel(m), unread: unreadOf(m), nowMs });
    await events.emitIn(q, eventOf(m), m.connectionId, messageEventData(m, contact));
  }

  // The bridge (SQLite writer, synchronous) for callers not on the Store yet; see the doc comment above.
  const bridge = {
    byWaId: db
      .select()
      .from(messagesSqlite)
      .where(and(eq(messagesSqlite.connectionId, ph("connectionId")), eq(messagesSqlite.id, ph("id"))))
      .prepare(),
    byIdEverywhere: db
      .select()
      .from(messagesSqlite)
      .where(
        and(
          inArray(
            messagesSqlite.connectionId,
            db.select({ id: connectionsSqlite.id }).from(connectionsSqlite),
          ),
          eq(messagesSqlite.id, ph("id")),
        ),
      )
      .prepare(),
  };

  return {
    storeIn,
    announceIn,
    findByWaIdIn,
    mediaUrlOf,

    /** A stored message by connection and WhatsApp id (committed data). */
    findByWaIdAsync: (connectionId: number, id: string) => st.read((q) => findByWaIdIn(q, connectionId, id)),

    /**
     * A message by WhatsApp id. Two of our connections hold the same id only when they wrote to each
     * other or share a group; the newest copy is the one the API addresses then.
     */
    async newestIn(q: Query, id: string): Promise<MessageRow | undefined> {
      return newestOf(await byIdEverywhere(q, { id }));
    },

    /** A page of a ticket's messages, newest first, with the sender of each inbound one. */
    list(ticketId: number, at: PageAt<MessageKey>) {
      return st.read(async (q) => {
        if ((await listQuery.exists(q, { ticketId })).length === 0)
          throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
        const total = Number((await listQuery.count(q, { ticketId }))[0]?.n ?? 0);
        if (st.dialect === "sqlite")
          return {
            ...takePage(sqliteMessagePage((q as unknown as Db).$client, ticketId, at), at.limit),
            count: total,
          };
        const limit = at.limit + 1;
        const rows = at.after
          ? await listQuery.after(q, {
              ticketId,
              limit,
              afterAt: new Date(at.after[0]),
              afterPk: at.after[1],
            })
          : await listQuery.page(q, { ticketId, limit, offset: at.offset });
        return { ...takePage(rows, at.limit), count: total };
      }, ONE_SNAPSHOT);
    },

    /** Bridge (lifecycle, sandbox): `findByWaIdIn` on the SQLite writer, synchronously. */
    findByWaId(connectionId: number, id: string): MessageRow | undefined {
      return bridge.byWaId.get({ connectionId, id });
    },
    /** Bridge (lifecycle, tests): `newestIn` on the SQLite writer, synchronously. */
    newest(id: string): MessageRow | undefined {
      return newestOf(bridge.byIdEverywhere.all({ id }));
    },
  };
}

export type MessageStore = ReturnType<typeof createMessageStore>;
