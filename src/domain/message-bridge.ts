// BRIDGE (session 7, s7-lifecycle): the message-store calls the lifecycle and the send queue make inside their
// store bodies, until the async MessageStore (helper s7-messages, src/domain/messages/*) lands. One function per
// call; after that merge each one becomes the MessageStore's own async method on `q` and this file goes away.
// - the reads are drizzle builders on the body's `q` (the same rows the synchronous `findByWaId` / `newest` read);
// - `announceIn` runs the synchronous `MessageStore.announce` on SQLite (the body's `q` IS the writer connection)
//   and, on PostgreSQL, a twin of it (the ticket's preview/unread/first-response columns, then message_sent or
//   message_received through `emitIn`) — the same columns and the same event data as message-store.ts.
import { and, desc, eq, sql } from "drizzle-orm";
import type { Tx } from "../db/client";
import type { Query } from "../db/store";
import { preparedQuery } from "../db/store/prepared";
import { type Contact, contactRef } from "./contact.service";
import type { DomainDeps } from "./deps";
import type { MessageRow, MessageStore } from "./messages/message-store";

export function createMessageBridge(deps: DomainDeps, messageStore: MessageStore) {
  const { messages, tickets } = deps.store.t;
  const ph = (name: string) => sql.placeholder(name);
  const byWaId = preparedQuery<{ connectionId: number; id: string }, MessageRow[]>((q) =>
    q
      .select()
      .from(messages)
      .where(and(eq(messages.connectionId, ph("connectionId")), eq(messages.id, ph("id")))),
  );
  const newestById = preparedQuery<{ id: string }, MessageRow[]>((q) =>
    q
      .select()
      .from(messages)
      .where(eq(messages.id, ph("id")))
      .orderBy(desc(messages.pk))
      .limit(1),
  );
  const byPk = preparedQuery<{ pk: number }, MessageRow[]>((q) =>
    q
      .select()
      .from(messages)
      .where(eq(messages.pk, ph("pk"))),
  );

  /** BRIDGE → MessageStore.findByWaId on `q`. */
  const findByWaIdIn = async (q: Query, connectionId: number, id: string) =>
    (await byWaId(q, { connectionId, id }))[0];

  /** BRIDGE → MessageStore.newest on `q`. */
  const newestIn = async (q: Query, id: string) => (await newestById(q, { id }))[0];

  /** BRIDGE → a message by row key on `q` (the synchronous services read it with their own prepared select). */
  const byPkIn = async (q: Query, pk: number) => (await byPk(q, { pk }))[0];

  const lastMessageLabel = (m: { body: string; mediaType: string; hasMedia: boolean }) =>
    m.mediaType === "chat" || (!m.hasMedia && m.mediaType !== "location" && m.mediaType !== "vcard")
      ? m.body
      : `[${m.mediaType}]${m.body ? ` ${m.body}` : ""}`;

  /** BRIDGE → MessageStore.announce on `q`: the ticket shows the message, and message_sent / message_received. */
  async function announceIn(q: Query, m: MessageRow, ticketId: number, contact: Contact, nowMs: number) {
    if (deps.store.dialect === "sqlite") {
      messageStore.announce(q as unknown as Tx, m, ticketId, contact, nowMs);
      return;
    }
    // PostgreSQL twin of message-store.ts's touchTicket and messageEventData (kept identical until the merge).
    const unread = !m.fromMe ? 0 : m.isAutomated ? 2 : 1;
    const at = new Date(nowMs);
    await q
      .update(tickets)
      .set({
        lastMessage: lastMessageLabel(m),
        unreadMessages:
          unread === 0
            ? sql`${tickets.unreadMessages} + 1`
            : unread === 1
              ? 0
              : sql`${tickets.unreadMessages}`,
        updatedAt: at,
        ...(unread === 0
          ? { firstInboundAt: sql`coalesce(${tickets.firstInboundAt}, ${at.toISOString()}::timestamptz)` }
          : unread === 1
            ? {
                firstResponseAt: sql`case when ${tickets.firstResponseAt} is null and ${tickets.firstInboundAt} is not null
                  then ${at.toISOString()}::timestamptz else ${tickets.firstResponseAt} end`,
              }
            : {}),
      })
      .where(eq(tickets.id, ticketId));
    await deps.events.emitIn(q, m.fromMe ? "message_sent" : "message_received", m.connectionId, {
      messageId: m.id,
      body: m.body,
      fromMe: m.fromMe,
      mediaType: m.mediaType,
      hasMedia: m.hasMedia,
      timestamp: m.timestamp,
      ticketId: m.ticketId,
      contact: contactRef(contact),
      media: m.hasMedia
        ? { url: messageStore.mediaUrlOf(m.mediaFile), mimeType: m.mimeType, type: m.mediaType }
        : null,
      quotedMsgId: m.quotedMsgId,
      userId: m.userId,
      ...(m.participant ? { participant: { number: m.participant, name: m.participantName } } : {}),
    });
  }

  return { findByWaIdIn, newestIn, byPkIn, announceIn };
}

export type MessageBridge = ReturnType<typeof createMessageBridge>;
