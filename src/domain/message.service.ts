import { and, count, desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Tx } from "../db/client";
import { contacts, messages, tickets } from "../db/schema";
import { AppError } from "../errors";
import type { StoredMedia } from "../media/media-storage";
import type {
  ChatAddress,
  InboundMessage,
  QuotedRef,
  SentMessage,
  WhatsAppGateway,
} from "../whatsapp/gateway";
import type { Connection, ConnectionService } from "./connection.service";
import { type Contact, type ContactService, contactRef } from "./contact.service";
import type { DomainDeps } from "./deps";
import type { SendCompletion } from "./idempotency";
import { normalizeNumber } from "./numbers";
import type { Assignment, TicketService } from "./ticket.service";

export type MessageRow = typeof messages.$inferSelect;

export const ACK_NAMES: Record<number, string> = {
  [-1]: "error",
  0: "pending",
  1: "server",
  2: "delivered",
  3: "read",
  4: "played",
};

/** What the caller asked to send; files are already read into memory by the HTTP layer. */
export type OutgoingContent = {
  body?: string | null;
  medias?: File[];
  mediaUrl?: string | null;
  filename?: string | null;
  /** Audio as a voice note; unset: ogg/opus audio is one. */
  ptt?: boolean;
};

type PreparedItem =
  | { kind: "text"; body: string }
  | { kind: "media"; stored: StoredMedia; caption: string; sourceUrl: string | null; ptt?: boolean };

export type SentResult = { message: MessageRow; sourceUrl: string | null };

type TicketRef = { id: number; connectionId: number };

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
};

/** How long acks wait to be committed together. */
const ACK_BATCH_MS = 5;

/** Acks that arrived before their message was stored (a fast phone can beat our insert). */
const EARLY_ACK_LIMIT = 1000;

export function createMessageService(
  deps: DomainDeps,
  contactsSvc: ContactService,
  ticketsSvc: TicketService,
  connectionsSvc: ConnectionService,
) {
  const { db, events, media, fetcher, clock, logger, commits } = deps;
  const log = logger.child({ module: "messages" });
  const earlyAcks = new Map<string, number>();

  // Statements on the send and ack paths, compiled once (each runs several times per message). They
  // run on the caller's connection, so inside a transaction they are part of it.
  const q = {
    ack: db.$client.query<{ ticketId: number }, [number, number, number, string, number]>(
      `update messages set ack = ?, updated_at = ? where connection_id = ? and id = ? and ack < ?
       returning ticket_id as ticketId`,
    ),
    messageExists: db.$client.query<{ id: string }, [number, string]>(
      "select id from messages where connection_id = ? and id = ?",
    ),
    touchTicket: db.$client.query<unknown, [string, number, number, number]>(
      `update tickets set last_message = ?1,
         unread_messages = case when ?2 then 0 else unread_messages + 1 end, updated_at = ?3 where id = ?4`,
    ),
  };
  const ph = (name: string) => sql.placeholder(name);
  const listStmt = {
    count: db
      .select({ n: count() })
      .from(messages)
      .where(eq(messages.ticketId, ph("ticketId")))
      .prepare(),
    page: db
      .select({
        message: messages,
        contact: { id: contacts.id, name: contacts.name, number: contacts.number },
      })
      .from(messages)
      .leftJoin(contacts, eq(contacts.id, messages.contactId))
      .where(eq(messages.ticketId, ph("ticketId")))
      .orderBy(desc(messages.createdAt), desc(sql`${messages}.rowid`))
      .limit(ph("limit"))
      .offset(ph("offset"))
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

  /** Inserts a message, updates its ticket and emits message_sent / message_received, in one transaction. */
  function store(
    tx: Tx,
    row: Omit<typeof messages.$inferInsert, "connectionId">,
    ticket: TicketRef,
    contact: Contact,
  ): MessageRow | null {
    const now = new Date(clock());
    const earlyKey = `${ticket.connectionId}:${row.id}`;
    const early = earlyAcks.get(earlyKey);
    if (early !== undefined) earlyAcks.delete(earlyKey);
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
    // History imported at first link is the past: it neither touches the ticket nor emits events.
    if (inserted.isImported) return inserted;
    q.touchTicket.run(lastMessageLabel(inserted), inserted.fromMe ? 1 : 0, now.getTime(), ticket.id);
    events.emit(
      tx,
      inserted.fromMe ? "message_sent" : "message_received",
      ticket.connectionId,
      messageEventData(inserted, contact),
    );
    return inserted;
  }

  function findQuoted(connectionId: number, quotedMsgId: string | null | undefined): QuotedRef | null {
    if (!quotedMsgId) return null;
    const q = findByWaId(connectionId, quotedMsgId);
    if (!q) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Quoted message not found");
    return { id: q.id, fromMe: q.fromMe, body: q.body, remoteKey: q.remoteKey };
  }

  async function prepare(content: OutgoingContent): Promise<PreparedItem[]> {
    const body = content.body?.trim() ? content.body : "";
    const items: PreparedItem[] = [];
    if (content.mediaUrl) {
      const fetched = await fetcher.fetch(content.mediaUrl);
      const stored = await media.save(fetched.bytes, {
        filename: content.filename || fetched.filename,
        mimeType: fetched.mimeType,
      });
      items.push({ kind: "media", stored, caption: "", sourceUrl: content.mediaUrl, ptt: content.ptt });
    }
    for (const file of content.medias ?? []) {
      const stored = await media.save(new Uint8Array(await file.arrayBuffer()), {
        filename: file.name || null,
        mimeType: file.type || null,
      });
      items.push({ kind: "media", stored, caption: "", sourceUrl: null, ptt: content.ptt });
    }
    const first = items[0];
    if (first?.kind === "media") first.caption = body;
    else if (body) items.push({ kind: "text", body });
    else
      throw new AppError("ERR_VALIDATION", "Message body or media is required", [
        { path: "body", message: "Required when no media is sent" },
      ]);
    return items;
  }

  async function deliver(
    gw: WhatsAppGateway,
    to: string,
    item: PreparedItem,
    quoted: QuotedRef | null,
    onLeft?: () => void,
  ): Promise<SentMessage> {
    try {
      if (item.kind === "text") return await gw.sendText(to, item.body, quoted);
      const path = media.pathOf(item.stored.file);
      if (!path) throw new Error(`stored media ${item.stored.file} disappeared`);
      return await gw.sendMedia(
        to,
        {
          path,
          mimeType: item.stored.mimeType,
          mediaType: item.stored.mediaType,
          filename: item.stored.filename,
          caption: item.caption || undefined,
          ptt: isVoiceNote(item),
        },
        quoted,
      );
    } catch (err) {
      // No confirmation in time: the message may have reached the customer.
      if (err instanceof AppError && err.code === "ERR_WAPP_TIMEOUT") onLeft?.();
      if (err instanceof AppError) throw err;
      log.warn({ err, to }, "WhatsApp send failed");
      throw new AppError(
        "ERR_SENDING_WAPP_MSG",
        `WhatsApp did not accept the message: ${(err as Error).message}`,
      );
    }
  }

  /** Sends prepared content on a ticket, one WhatsApp message per item, storing each as it is sent. */
  type SendContext = { ticket: TicketRef; contact: Contact; gw: WhatsAppGateway; quoted: QuotedRef | null };

  /**
   * A voice note: an opus audio asked for with `ptt`, or (the seed's media send has no flag) any
   * `.ogg`/opus audio, which is what WhatsApp itself records.
   */
  function isVoiceNote(item: Extract<PreparedItem, { kind: "media" }>): boolean {
    if (item.stored.mediaType !== "audio") return false;
    if (item.ptt !== undefined) return item.ptt;
    return /ogg|opus/i.test(item.stored.mimeType);
  }

  /** Resolves what a send on an existing ticket needs, before anything is sent. */
  function ticketContext(ticketId: number, quotedMsgId: string | null | undefined): SendContext {
    const ticket = db
      .select({ id: tickets.id, connectionId: tickets.connectionId, contactId: tickets.contactId })
      .from(tickets)
      .where(eq(tickets.id, ticketId))
      .get();
    if (!ticket) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    const gw = connectionsSvc.requireConnected(connectionsSvc.get(ticket.connectionId));
    const contact = db.select().from(contacts).where(eq(contacts.id, ticket.contactId)).get()!;
    return { ticket, contact, gw, quoted: findQuoted(ticket.connectionId, quotedMsgId) };
  }

  /**
   * Sends each item as its own WhatsApp message and stores it once WhatsApp accepted it. The completion of
   * an Idempotency-Key runs in the transaction storing the last message, so the answer and every message it
   * names commit together.
   */
  async function sendItems(
    ctx: SendContext,
    items: PreparedItem[],
    completion?: SendCompletion<SentResult[]>,
  ): Promise<SentResult[]> {
    const results: SentResult[] = [];
    for (const [index, item] of items.entries()) {
      const sent = await deliver(ctx.gw, chatAddress(ctx.contact), item, ctx.quoted, completion?.messageLeft);
      completion?.messageLeft();
      const row: Omit<typeof messages.$inferInsert, "connectionId"> = {
        id: sent.id,
        ticketId: ctx.ticket.id,
        contactId: null,
        body: item.kind === "text" ? item.body : item.caption,
        fromMe: true,
        ack: 0,
        mediaType: item.kind === "text" ? "chat" : isVoiceNote(item) ? "ptt" : item.stored.mediaType,
        mediaFile: item.kind === "media" ? item.stored.file : null,
        mimeType: item.kind === "media" ? item.stored.mimeType : null,
        filename: item.kind === "media" ? item.stored.filename : null,
        hasMedia: item.kind === "media",
        quotedMsgId: ctx.quoted?.id ?? null,
        remoteKey: sent.remoteKey ?? null,
        timestamp: sent.timestampSec,
      };
      const sourceUrl = item.kind === "media" ? item.sourceUrl : null;
      const last = index === items.length - 1;
      const message = await commits.run((tx) => {
        const m = store(tx, row, ctx.ticket, ctx.contact) ?? findByWaId(ctx.ticket.connectionId, sent.id)!;
        if (last) completion?.complete(tx, [...results, { message: m, sourceUrl }]);
        return m;
      });
      results.push({ message, sourceUrl });
    }
    return results;
  }

  /** A completion for a result built around the sent messages (the ticket and contact of a send). */
  const around = <R>(
    completion: SendCompletion<R> | undefined,
    wrap: (results: SentResult[]) => R,
  ): SendCompletion<SentResult[]> | undefined =>
    completion && {
      messageLeft: () => completion.messageLeft(),
      complete: (tx, results) => completion.complete(tx, wrap(results)),
    };

  function applyAcks(batch: [number, string, number][]): void {
    db.transaction((tx) => {
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
    });
  }

  let pendingAcks: [number, string, number][] = [];
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  function flushAcks(): void {
    clearTimeout(ackTimer);
    ackTimer = undefined;
    const batch = pendingAcks;
    pendingAcks = [];
    if (batch.length === 0) return;
    try {
      applyAcks(batch);
    } catch (err) {
      log.error({ err, acks: batch.length }, "storing acks failed");
    }
  }

  return {
    mediaUrlOf,

    list(ticketId: number, page: number, limit: number) {
      const ticket = db
        .select({ id: tickets.id, contactId: tickets.contactId })
        .from(tickets)
        .where(eq(tickets.id, ticketId))
        .get();
      if (!ticket) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
      const total = listStmt.count.get({ ticketId })?.n ?? 0;
      const rows = listStmt.page.all({ ticketId, limit, offset: (page - 1) * limit });
      return { rows, count: total, hasMore: page * limit < total };
    },

    /** The stored body of a message, for a driver asked to re-send it. */
    findBody(connectionId: number, id: string): { body: string } | undefined {
      const m = findByWaId(connectionId, id);
      return m ? { body: m.body } : undefined;
    },

    findByWaId,

    /**
     * A message by WhatsApp id. Two of our connections hold the same id only when they wrote to each
     * other or share a group; the newest copy is the one the API addresses then.
     */
    get(id: string): MessageRow {
      const m = newestById.get({ id });
      if (!m) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Message not found");
      return m;
    },

    /** Sends on a ticket; storing each sent message also marks the ticket read (store() resets unread). */
    async sendToTicket(
      ticketId: number,
      content: OutgoingContent & { quotedMsgId?: string | null },
      completion?: SendCompletion<SentResult[]>,
    ) {
      const ctx = ticketContext(ticketId, content.quotedMsgId);
      return sendItems(ctx, await prepare(content), completion);
    },

    async reply(
      messageId: string,
      content: OutgoingContent,
      completion?: SendCompletion<{ ticketId: number; results: SentResult[] }>,
    ) {
      const target = newestById.get({ id: messageId });
      if (!target) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Message not found");
      const ctx = ticketContext(target.ticketId, target.id);
      const ticketId = target.ticketId;
      const items = await prepare(content);
      const results = await sendItems(
        ctx,
        items,
        around(completion, (results) => ({ ticketId, results })),
      );
      return { ticketId, results };
    },

    /** POST /api/send and /api/v1/send: find or create the contact and ticket, send, optionally close. */
    async sendToNumber(
      input: OutgoingContent &
        Assignment & {
          number: string;
          whatsappId?: number | null;
          quotedMsgId?: string | null;
          closeTicket?: boolean;
        },
      completion?: SendCompletion<{ ticketId: number; contactId: number; results: SentResult[] }>,
    ) {
      const number = normalizeNumber(input.number);
      const connection: Connection = connectionsSvc.resolve(input.whatsappId);
      const gw = connectionsSvc.requireConnected(connection);
      if (!input.body?.trim() && !input.mediaUrl && (input.medias?.length ?? 0) === 0) {
        throw new AppError("ERR_VALIDATION", "Message body or media is required", [
          { path: "body", message: "Required when no media is sent" },
        ]);
      }
      const quoted = findQuoted(connection.id, input.quotedMsgId);
      const check = await gw.checkNumber(number);
      if (!check.exists) throw new AppError("ERR_WAPP_INVALID_CONTACT", `${number} is not on WhatsApp`);
      const known = contactsSvc.findByNumber(check.number);
      const profilePicUrl = known ? undefined : await gw.profilePicUrl(check.number).catch(() => null);
      const items = await prepare(input);
      const { contact, ticket } = await commits.run((tx) => {
        const c = contactsSvc.upsert(tx, { number: check.number, profilePicUrl }, connection.id).contact;
        const t = ticketsSvc.findOrCreate(tx, c, connection.id, { ...input, newStatus: "open" }).ticket;
        return { contact: c, ticket: t };
      });
      const results = await sendItems(
        { ticket, contact, gw, quoted },
        items,
        around(completion, (results) => ({ ticketId: ticket.id, contactId: contact.id, results })),
      );
      // After the answer is stored: a crash here leaves the ticket open, never a message sent twice.
      if (input.closeTicket)
        await commits.run((tx) => ticketsSvc.update(tx, ticket.id, { status: "closed" }));
      return { ticketId: ticket.id, contactId: contact.id, results };
    },

    /**
     * The inbound pipeline every driver feeds: contact, ticket, message, unread count, events. A WhatsApp
     * id already stored on the connection (a replay overlapping live traffic, our own echo) is a duplicate:
     * no second row, no second event. Returns null for a group message on a connection that ignores groups.
     */
    async receive(connectionId: number, inbound: InboundMessage, opts: { imported?: boolean } = {}) {
      const duplicate = (message: MessageRow) => {
        const t = db
          .select({ contactId: tickets.contactId })
          .from(tickets)
          .where(eq(tickets.id, message.ticketId))
          .get();
        return { message, ticketId: message.ticketId, contactId: t?.contactId ?? null, duplicate: true };
      };
      const existing = findByWaId(connectionId, inbound.id);
      if (existing) return duplicate(existing);
      if (inbound.group && connectionsSvc.find(connectionId)?.groups !== "tickets") return null;
      let stored: StoredMedia | null = null;
      let mediaFailed = inbound.media === "failed";
      if (inbound.media && inbound.media !== "failed") {
        try {
          stored = await media.save(inbound.media.bytes, {
            filename: inbound.media.filename,
            mimeType: inbound.media.mimeType,
          });
        } catch (err) {
          // A full disk must not lose what the customer sent: keep the message, fetch the file again later.
          const diskFull = err instanceof AppError && err.code === "ERR_SERVICE_UNAVAILABLE";
          if (!diskFull || !inbound.mediaRef) throw err;
          log.warn({ err, connectionId, messageId: inbound.id }, "inbound file not stored; retried later");
          mediaFailed = true;
        }
      }
      const imported = opts.imported === true;
      const result = await commits.run((tx) => {
        const { contact } = contactsSvc.upsert(
          tx,
          inbound.group
            ? {
                number: inbound.from,
                name: inbound.group.subject,
                isGroup: true,
                overwriteName: !!inbound.group.subject,
              }
            : { number: inbound.from, name: inbound.pushName, lid: inbound.lid ?? null },
          connectionId,
        );
        const { ticket } = imported
          ? ticketsSvc.findOrCreateImported(tx, contact, connectionId)
          : ticketsSvc.findOrCreate(tx, contact, connectionId, { newStatus: "pending" });
        const message = store(
          tx,
          {
            id: inbound.id,
            ticketId: ticket.id,
            contactId: inbound.fromMe ? null : contact.id,
            body: inbound.body,
            fromMe: inbound.fromMe,
            ack: inbound.fromMe ? 1 : 0,
            mediaType: stored && inbound.mediaType === "chat" ? stored.mediaType : inbound.mediaType,
            mediaFile: stored?.file ?? null,
            mimeType: stored?.mimeType ?? null,
            filename: stored?.filename ?? null,
            hasMedia: inbound.media !== null,
            quotedMsgId: inbound.quotedMsgId,
            remoteKey: inbound.remoteKey ?? null,
            mediaRef: mediaFailed ? (inbound.mediaRef ?? null) : null,
            timestamp: inbound.timestampSec,
            participant: inbound.group?.participant ?? null,
            participantName: inbound.group?.participantName || null,
            isImported: imported,
          },
          ticket,
          contact,
        );
        return { message, ticketId: ticket.id, contactId: contact.id };
      });
      if (!result.message) return duplicate(findByWaId(connectionId, inbound.id)!);
      return { ...result, message: result.message, duplicate: false };
    },

    /**
     * Tries again the inbound files whose download failed. A message is stored even when its file is not;
     * the file is attached when a later attempt succeeds. Returns how many files were attached.
     */
    async retryPendingMedia(limit = 20): Promise<number> {
      const pending = db
        .select({ pk: messages.pk, mediaRef: messages.mediaRef, connectionId: messages.connectionId })
        .from(messages)
        .where(and(isNotNull(messages.mediaRef), isNull(messages.mediaFile)))
        .limit(limit)
        .all();
      let attached = 0;
      for (const p of pending) {
        const gw = deps.sessions.get(p.connectionId);
        if (!gw?.retryMediaDownload || gw.status() !== "CONNECTED" || !p.mediaRef) continue;
        try {
          const fetched = await gw.retryMediaDownload(p.mediaRef);
          const stored = await media.save(fetched.bytes, {
            filename: fetched.filename,
            mimeType: fetched.mimeType,
          });
          db.update(messages)
            .set({
              mediaFile: stored.file,
              mimeType: stored.mimeType,
              filename: stored.filename,
              mediaRef: null,
              updatedAt: new Date(clock()),
            })
            .where(eq(messages.pk, p.pk))
            .run();
          attached++;
        } catch (err) {
          log.warn({ err, messagePk: p.pk }, "media download retry failed; will try again");
        }
      }
      return attached;
    },

    /** Acks only move forward; each change emits message_ack. */
    applyAck(connectionId: number, messageId: string, ack: number): void {
      applyAcks([[connectionId, messageId, ack]]);
    },

    /**
     * Queues an ack from a driver. Acks arriving within a few milliseconds commit together: a busy
     * connection sends three per message, and one commit each would dominate the cost of a send.
     */
    queueAck(connectionId: number, messageId: string, ack: number): void {
      pendingAcks.push([connectionId, messageId, ack]);
      ackTimer ??= setTimeout(flushAcks, ACK_BATCH_MS);
    },

    /** Commits queued acks now (shutdown). */
    flushAcks,
  };
}

export type MessageService = ReturnType<typeof createMessageService>;
