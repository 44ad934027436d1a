import { and, count, desc, eq, sql } from "drizzle-orm";
import type { Tx } from "../../db/client";
import { contacts, messages } from "../../db/schema";
import { AppError } from "../../errors";
import type { ChatAddress } from "../../whatsapp/gateway";
import { type Contact, contactRef } from "../contact.service";
import type { DomainDeps } from "../deps";
import { type PageAt, takePage } from "../paging";

/** The message list's ORDER BY key: createdAt (ms), pk. */
export type MessageKey = readonly [number, number];

export type MessageRow = typeof messages.$inferSelect;
export type MessageInsert = Omit<typeof messages.$inferInsert, "connectionId">;
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
 * and WhatsApp id, the ticket it touches, the event it emits, and the reads by id and by ticket. Statements
 * are compiled once; they run on the caller's connection, so inside a transaction they are part of it.
 */
export function createMessageStore(
  deps: DomainDeps,
  /** An ack that arrived before its message was stored, taken once. */
  takeEarlyAck: (connectionId: number, id: string) => number | undefined,
) {
  const { db, events, clock } = deps;
  const touchTicket = db.$client.query<unknown, [string, number, number, number]>(
    // first_inbound_at / first_response_at feed the dashboard's first-response time, kept here rather
    // than computed from a scan of the messages; an automated message (a greeting) is not a response.
    `update tickets set last_message = ?1,
       unread_messages = case ?2 when 1 then 0 when 2 then unread_messages else unread_messages + 1 end,
       updated_at = ?3,
       first_inbound_at = case when ?2 = 0 and first_inbound_at is null then ?3 else first_inbound_at end,
       first_response_at = case when ?2 = 1 and first_response_at is null and first_inbound_at is not null then ?3
         else first_response_at end
     where id = ?4`,
  );
  const ph = (name: string) => sql.placeholder(name);
  const pageQuery = () =>
    db
      .select({
        message: messages,
        contact: { id: contacts.id, name: contacts.name, number: contacts.number },
      })
      .from(messages)
      .leftJoin(contacts, eq(contacts.id, messages.contactId));
  const newestFirst = [desc(messages.createdAt), desc(messages.pk)] as const;
  const ticketExists = db.$client.query<{ id: number }, [number]>("select id from tickets where id = ?");
  const listStmt = {
    count: db
      .select({ n: count() })
      .from(messages)
      .where(eq(messages.ticketId, ph("ticketId")))
      .prepare(),
    page: pageQuery()
      .where(eq(messages.ticketId, ph("ticketId")))
      .orderBy(...newestFirst)
      .limit(ph("limit"))
      .offset(ph("offset"))
      .prepare(),
    // Keyset: a seek in messages_ticket_idx (ticket_id, created_at, rowid) past the cursor's row.
    after: pageQuery()
      .where(
        and(
          eq(messages.ticketId, ph("ticketId")),
          sql`(${messages.createdAt}, ${messages.pk}) < (${ph("afterAt")}, ${ph("afterPk")})`,
        ),
      )
      .orderBy(...newestFirst)
      .limit(ph("limit"))
      .prepare(),
  };
  const insertMessage = db
    .insert(messages)
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
    .returning()
    .prepare();

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

  const byWaId = db
    .select()
    .from(messages)
    .where(and(eq(messages.connectionId, ph("connectionId")), eq(messages.id, ph("id"))))
    .prepare();
  const newestById = db
    .select()
    .from(messages)
    .where(eq(messages.id, ph("id")))
    .orderBy(desc(messages.pk))
    .limit(1)
    .prepare();
  /** A stored message by connection and WhatsApp id. */
  const findByWaId = (connectionId: number, id: string): MessageRow | undefined =>
    byWaId.get({ connectionId, id });

  /**
   * Inserts a message, updates its ticket and emits message_sent / message_received, in one transaction.
   * A queued message is only inserted: the send queue announces it when it really went out.
   */
  function store(tx: Tx, row: MessageInsert, ticket: TicketRef, contact: Contact): MessageRow | null {
    const now = new Date(clock());
    const early = takeEarlyAck(ticket.connectionId, row.id);
    const inserted = insertMessage.get({
      ...EMPTY_MESSAGE,
      ...row,
      connectionId: ticket.connectionId,
      ack: Math.max(row.ack ?? 0, early ?? 0),
      createdAt: now,
      updatedAt: now,
    }) as MessageRow | undefined;
    // The same WhatsApp id twice on a connection is one message: no second row, no second event.
    if (!inserted) return null;
    const message = inserted;
    // History imported at first link is the past: it neither touches the ticket nor emits events.
    if (message.isImported || message.status === "queued") return message;
    announce(tx, message, ticket.id, contact, now.getTime());
    return message;
  }

  /** A message now on WhatsApp (or received): the ticket shows it, and message_sent / message_received. */
  function announce(tx: Tx, m: MessageRow, ticketId: number, contact: Contact, nowMs: number): void {
    // Inbound counts as unread (0); an agent's reply marks the ticket read (1); an automated one (a
    // greeting) leaves the count alone (2).
    const unread = !m.fromMe ? 0 : m.isAutomated ? 2 : 1;
    touchTicket.run(lastMessageLabel(m), unread, nowMs, ticketId);
    events.emit(
      tx,
      m.fromMe ? "message_sent" : "message_received",
      m.connectionId,
      messageEventData(m, contact),
    );
  }

  return {
    store,
    announce,
    findByWaId,
    mediaUrlOf,

    /**
     * A message by WhatsApp id. Two of our connections hold the same id only when they wrote to each
     * other or share a group; the newest copy is the one the API addresses then.
     */
    newest(id: string): MessageRow | undefined {
      return newestById.get({ id });
    },

    /** A page of a ticket's messages, newest first, with the sender of each inbound one. */
    list(ticketId: number, at: PageAt<MessageKey>) {
      if (!ticketExists.get(ticketId)) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
      const total = listStmt.count.get({ ticketId })?.n ?? 0;
      const limit = at.limit + 1;
      const rows = at.after
        ? listStmt.after.all({ ticketId, limit, afterAt: at.after[0], afterPk: at.after[1] })
        : listStmt.page.all({ ticketId, limit, offset: at.offset });
      return { ...takePage(rows, at.limit), count: total };
    },
  };
}

export type MessageStore = ReturnType<typeof createMessageStore>;
