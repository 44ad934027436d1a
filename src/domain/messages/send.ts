import { and, eq, ne, sql } from "drizzle-orm";
import type { Query } from "../../db/store";
import { preparedQuery } from "../../db/store/prepared";
import { ONE_SNAPSHOT } from "../../db/store/store";
import { AppError } from "../../errors";
import type { StoredMedia } from "../../media/media-store";
import type { QuotedRef, SentMessage, WhatsAppGateway } from "../../whatsapp/gateway";
import type { Connection, ConnectionService } from "../connection.service";
import type { Contact, ContactService } from "../contact.service";
import type { DomainDeps } from "../deps";
import type { SendCompletion } from "../idempotency";
import { normalizeNumber } from "../numbers";
import { newWhatsAppMessageId } from "../send-queue.service";
import type { Assignment, TicketService } from "../ticket.service";
import {
  chatAddress,
  type MessageInsert,
  type MessageRow,
  type MessageStore,
  type TicketRef,
} from "./message-store";

/** What the caller asked to send; files are already read into memory by the HTTP layer. */
export type OutgoingContent = {
  body?: string | null;
  medias?: File[];
  mediaUrl?: string | null;
  filename?: string | null;
  /** Audio as a voice note; unset: ogg/opus audio is one. */
  ptt?: boolean;
  /** Sent by the automation (greeting, menu, farewell…): stored as such, and it does not mark the ticket read. */
  automated?: boolean;
};

type PreparedItem =
  | { kind: "text"; body: string }
  | { kind: "media"; stored: StoredMedia; caption: string; sourceUrl: string | null; ptt?: boolean };

export type SentResult = { message: MessageRow; sourceUrl: string | null };

/** The signed-in agent sending (null: an API token or automation); recorded as the message's userId. */
export type Author = { userId: number; name: string; signature: boolean } | null;

/**
 * What goes to WhatsApp for a signed send: `*Name:*` and a line break before the text or caption (as the
 * original product does). The stored body stays unsigned. A file without a caption goes unsigned.
 */
const signed = (item: PreparedItem, name: string): PreparedItem => {
  const prefix = `*${name}:*\n`;
  if (item.kind === "text") return { ...item, body: prefix + item.body };
  return item.caption ? { ...item, caption: prefix + item.caption } : item;
};

/**
 * Store the message for the send queue instead of sending it now (see send-queue.service.ts): not before
 * `sendAt` (ms; default now), failed when not sent by `expiresAt` (ms; default sendAt + SEND_QUEUE_EXPIRY_HOURS).
 */
export type QueueRequest = { sendAt?: number | null; expiresAt?: number | null };

/**
 * Sends through WhatsApp: on a ticket, as a quoted reply, or to a number (finding or creating its contact
 * and ticket). Each item is its own WhatsApp message, stored once WhatsApp accepted it.
 */
export function createSendService(
  deps: DomainDeps,
  messageStore: MessageStore,
  contactsSvc: ContactService,
  ticketsSvc: TicketService,
  connectionsSvc: ConnectionService,
  /** Told after messages were queued on a connection (wakes its send queue). */
  onQueued: (connectionId: number) => void = () => {},
) {
  const { store, media, fetcher, logger, clock, config } = deps;
  const { contacts, tickets } = store.t;
  const log = logger.child({ module: "messages" });
  const { storeIn, findByWaIdIn } = messageStore;
  const ph = (name: string) => sql.placeholder(name);
  /** The contact's open or pending ticket on the connection (the one findOrCreate would reuse). */
  const openTicket = preparedQuery<
    { contactId: number; connectionId: number },
    (typeof tickets.$inferSelect)[]
  >((q) =>
    q
      .select()
      .from(tickets)
      .where(
        and(
          eq(tickets.contactId, ph("contactId")),
          eq(tickets.connectionId, ph("connectionId")),
          ne(tickets.status, "closed"),
        ),
      ),
  );

  /** The live gateway when the connection is connected, else undefined. */
  const sessionsLive = (connection: Connection): WhatsAppGateway | undefined =>
    connectionsSvc.isConnected(connection.id) ? deps.sessions.get(connection.id) : undefined;

  /** The quoted message of a send (on a read body's `q`), or null when none is quoted. */
  async function findQuoted(
    q: Query,
    connectionId: number,
    quotedMsgId: string | null | undefined,
  ): Promise<QuotedRef | null> {
    if (!quotedMsgId) return null;
    const m = await findByWaIdIn(q, connectionId, quotedMsgId);
    if (!m) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Quoted message not found");
    if (m.isSystem) throw new AppError("ERR_MESSAGE_NOT_EDITABLE", "A system line cannot be quoted");
    return { id: m.id, fromMe: m.fromMe, body: m.body, remoteKey: m.remoteKey };
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
      const source = await media.source(item.stored.file);
      if (!source) throw new Error(`stored media ${item.stored.file} disappeared`);
      return await gw.sendMedia(
        to,
        {
          source,
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
  type QueueContext = {
    ticket: TicketRef;
    contact: Contact;
    quoted: QuotedRef | null;
    /** Who sends, and whether to sign: the connection's agentSignature and the user's signature toggle. */
    author?: Author;
    sign?: boolean;
  };
  type SendContext = QueueContext & { gw: WhatsAppGateway };

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
  async function ticketContext(
    ticketId: number,
    quotedMsgId: string | null | undefined,
    author: Author = null,
  ): Promise<SendContext> {
    const ctx = await queueContext(ticketId, quotedMsgId, author);
    const gw = connectionsSvc.requireConnected(ctx.connection);
    return { ...ctx, gw };
  }

  // Every send reads its ticket and contact: compiled once per connection.
  const sendTicketStmt = preparedQuery<
    { id: number },
    { id: number; connectionId: number; contactId: number }[]
  >((q) =>
    q
      .select({ id: tickets.id, connectionId: tickets.connectionId, contactId: tickets.contactId })
      .from(tickets)
      .where(eq(tickets.id, sql.placeholder("id"))),
  );
  const contactStmt = preparedQuery<{ id: number }, Contact[]>((q) =>
    q
      .select()
      .from(contacts)
      .where(eq(contacts.id, sql.placeholder("id"))),
  );

  /** The same for a queued send: the connection need not be connected now. */
  async function queueContext(
    ticketId: number,
    quotedMsgId: string | null | undefined,
    author: Author = null,
  ): Promise<QueueContext & { connection: Connection }> {
    const { ticket, contact, quoted } = await store.read(async (q) => {
      const [t] = await sendTicketStmt(q, { id: ticketId });
      if (!t) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
      const [c] = await contactStmt(q, { id: t.contactId });
      return { ticket: t, contact: c!, quoted: await findQuoted(q, t.connectionId, quotedMsgId) };
    }, ONE_SNAPSHOT);
    const connection = await connectionsSvc.get(ticket.connectionId);
    const sign = connection.agentSignature && author?.signature === true;
    return { ticket, contact, quoted, author, sign, connection };
  }

  /** The row of one prepared item, sent or queued. */
  const rowOf = (ctx: QueueContext, item: PreparedItem) => ({
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
    userId: ctx.author?.userId ?? null,
  });

  /**
   * Stores every item `queued` in one transaction, each under the WhatsApp id it will be sent with, and
   * wakes the connection's send queue. The Idempotency-Key's answer is stored in the same transaction.
   */
  async function queueItems(
    ctx: QueueContext,
    items: PreparedItem[],
    request: QueueRequest,
    completion?: SendCompletion<SentResult[]>,
  ): Promise<SentResult[]> {
    const now = clock();
    const sendAt = request.sendAt ?? now;
    const expiresAt = request.expiresAt ?? sendAt + config.sendQueueExpiryMs;
    if (expiresAt <= Math.max(sendAt, now))
      throw new AppError("ERR_VALIDATION", "expiresAt must be after sendAt and in the future", [
        { path: "expiresAt", message: "Must be later than sendAt and now" },
      ]);
    const results = await store.write(async (q) => {
      const out: SentResult[] = [];
      for (const item of items) {
        const row: MessageInsert = {
          ...rowOf(ctx, item),
          id: newWhatsAppMessageId(),
          timestamp: Math.floor(sendAt / 1000),
          status: "queued",
          sendAt,
          expiresAt,
          outbound: {
            to: chatAddress(ctx.contact),
            quoted: ctx.quoted,
            ...(item.kind === "media" && item.ptt !== undefined ? { ptt: item.ptt } : {}),
            ...(ctx.sign && ctx.author ? { signedBy: ctx.author.name } : {}),
          },
        };
        const message = (await storeIn(q, row, ctx.ticket, ctx.contact))!;
        out.push({ message, sourceUrl: item.kind === "media" ? item.sourceUrl : null });
      }
      await completion?.complete(q, out);
      return out;
    });
    onQueued(ctx.ticket.connectionId);
    return results;
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
    automated = false,
  ): Promise<SentResult[]> {
    const results: SentResult[] = [];
    for (const [index, item] of items.entries()) {
      const outgoing = ctx.sign && ctx.author ? signed(item, ctx.author.name) : item;
      const sent = await deliver(
        ctx.gw,
        chatAddress(ctx.contact),
        outgoing,
        ctx.quoted,
        completion?.messageLeft,
      );
      completion?.messageLeft();
      const row: MessageInsert = {
        ...rowOf(ctx, item),
        id: sent.id,
        remoteKey: sent.remoteKey ?? null,
        timestamp: sent.timestampSec,
        isAutomated: automated,
      };
      const sourceUrl = item.kind === "media" ? item.sourceUrl : null;
      const last = index === items.length - 1;
      const message = await store.write(async (q) => {
        const m =
          (await storeIn(q, row, ctx.ticket, ctx.contact)) ??
          (await findByWaIdIn(q, ctx.ticket.connectionId, sent.id))!;
        if (last) await completion?.complete(q, [...results, { message: m, sourceUrl }]);
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
      complete: (q, results) => completion.complete(q, wrap(results)),
    };

  return {
    /** Sends on a ticket; storing each sent message also marks the ticket read (store() resets unread). */
    async sendToTicket(
      ticketId: number,
      content: OutgoingContent & { quotedMsgId?: string | null },
      completion?: SendCompletion<SentResult[]>,
      author: Author = null,
      queue?: QueueRequest,
    ) {
      if (queue) {
        const ctx = await queueContext(ticketId, content.quotedMsgId, author);
        return queueItems(ctx, await prepare(content), queue, completion);
      }
      const ctx = await ticketContext(ticketId, content.quotedMsgId, author);
      return sendItems(ctx, await prepare(content), completion, content.automated === true);
    },

    async reply(
      messageId: string,
      content: OutgoingContent,
      completion?: SendCompletion<{ ticketId: number; results: SentResult[] }>,
      author: Author = null,
      queue?: QueueRequest,
    ) {
      const target = await store.read((q) => messageStore.newestIn(q, messageId));
      if (!target) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Message not found");
      const ticketId = target.ticketId;
      const wrapped = around(completion, (results) => ({ ticketId, results }));
      if (queue) {
        const ctx = await queueContext(target.ticketId, target.id, author);
        return { ticketId, results: await queueItems(ctx, await prepare(content), queue, wrapped) };
      }
      const ctx = await ticketContext(target.ticketId, target.id, author);
      const items = await prepare(content);
      const results = await sendItems(ctx, items, wrapped);
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
      author: Author = null,
      queue?: QueueRequest,
    ) {
      const number = normalizeNumber(input.number);
      const connection: Connection = await connectionsSvc.resolve(input.whatsappId);
      // A queued send is accepted while the connection is down; the number is then checked by WhatsApp
      // itself when the message goes out.
      const gw = queue ? sessionsLive(connection) : connectionsSvc.requireConnected(connection);
      if (!input.body?.trim() && !input.mediaUrl && (input.medias?.length ?? 0) === 0) {
        throw new AppError("ERR_VALIDATION", "Message body or media is required", [
          { path: "body", message: "Required when no media is sent" },
        ]);
      }
      const quoted = input.quotedMsgId
        ? await store.read((q) => findQuoted(q, connection.id, input.quotedMsgId))
        : null;
      const check = gw ? await gw.checkNumber(number) : { exists: true, number };
      if (!check.exists) throw new AppError("ERR_WAPP_INVALID_CONTACT", `${number} is not on WhatsApp`);
      const known = await store.read((q) => contactsSvc.byNumberIn(q, check.number));
      const profilePicUrl = known || !gw ? undefined : await gw.profilePicUrl(check.number).catch(() => null);
      const items = await prepare(input);
      // A known contact with an open or pending ticket and nothing to assign: upsert and findOrCreate would
      // read both and write nothing, so there is nothing to commit (and no turn of the commit queue to wait).
      // The ticket may be closed before the message is stored, exactly as it may after that commit.
      const reused =
        known &&
        profilePicUrl === undefined &&
        input.queueId == null &&
        input.userId == null &&
        input.tagId == null
          ? (await store.read((q) => openTicket(q, { contactId: known.id, connectionId: connection.id })))[0]
          : undefined;
      const { contact, ticket } =
        known && reused
          ? { contact: known, ticket: reused }
          : await store.write(async (q) => {
              const c = (
                await contactsSvc.upsertIn(q, { number: check.number, profilePicUrl }, connection.id)
              ).contact;
              const t = (
                await ticketsSvc.findOrCreateIn(q, c, connection.id, { ...input, newStatus: "open" })
              ).ticket;
              return { contact: c, ticket: t };
            });
      const sign = connection.agentSignature && author?.signature === true;
      const wrapped = around(completion, (results) => ({
        ticketId: ticket.id,
        contactId: contact.id,
        results,
      }));
      const results =
        queue || !gw
          ? await queueItems({ ticket, contact, quoted, author, sign }, items, queue ?? {}, wrapped)
          : await sendItems({ ticket, contact, gw, quoted, author, sign }, items, wrapped);
      // After the answer is stored: a crash here leaves the ticket open, never a message sent twice.
      // A queued send closes the ticket now too: its messages still go out (the queue does not look at it).
      if (input.closeTicket)
        await store.write((q) => ticketsSvc.updateIn(q, ticket.id, { status: "closed" }));
      return { ticketId: ticket.id, contactId: contact.id, results };
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;
