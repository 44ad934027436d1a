import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Query } from "../../db/store";
import { AppError } from "../../errors";
import type { StoredMedia } from "../../media/media-store";
import type { InboundMessage } from "../../whatsapp/gateway";
import type { ConnectionService } from "../connection.service";
import type { Contact, ContactService } from "../contact.service";
import { type DomainDeps, localGateway } from "../deps";
import type { TicketRow, TicketService } from "../ticket.service";
import type { MessageRow, MessageStore } from "./message-store";

/** What the customer-facing automation (domain/automation.service.ts) plugs into the inbound pipeline. */
export type InboundHooks = {
  /**
   * Inside the receive transaction (on its `q`), before the contact's open ticket is found or created: a ticket
   * that takes this live 1:1 message instead (a rating answer on a closed ticket), with what to do once the
   * message is stored there (on the same `q`). Null: the message goes where it always goes.
   */
  claim?(
    q: Query,
    inbound: InboundMessage,
    contact: Contact,
    connectionId: number,
  ): Promise<{ ticket: TicketRow; stored(q: Query, message: MessageRow): Promise<void> } | null>;
  /** After the commit of a new live message (not a duplicate, not imported history). */
  received?(r: {
    connectionId: number;
    inbound: InboundMessage;
    ticketId: number;
    ticketCreated: boolean;
  }): void;
};

/** The inbound pipeline every driver feeds, and the later download of files that failed the first time. */
export function createReceiveService(
  deps: DomainDeps,
  messageStore: MessageStore,
  contactsSvc: ContactService,
  ticketsSvc: TicketService,
  connectionsSvc: ConnectionService,
  hooks: InboundHooks = {},
) {
  const { store, media, clock, logger } = deps;
  const { messages, tickets } = store.t;
  const log = logger.child({ module: "messages" });
  const { storeIn, findByWaIdIn } = messageStore;

  return {
    /**
     * The inbound pipeline every driver feeds: contact, ticket, message, unread count, events. A WhatsApp
     * id already stored on the connection (a replay overlapping live traffic, our own echo) is a duplicate:
     * no second row, no second event. Returns null for a group message on a connection that ignores groups.
     */
    async receive(connectionId: number, inbound: InboundMessage, opts: { imported?: boolean } = {}) {
      // A duplicate answers the stored message and its ticket's contact.
      const duplicateIn = async (q: Query) => {
        const message = await findByWaIdIn(q, connectionId, inbound.id);
        if (!message) return null;
        const [t] = await q
          .select({ contactId: tickets.contactId })
          .from(tickets)
          .where(eq(tickets.id, message.ticketId));
        return {
          message,
          ticketId: message.ticketId,
          contactId: t?.contactId ?? null,
          duplicate: true as const,
        };
      };
      const duplicate = () => store.read(duplicateIn);
      // A file is stored before the transaction and a group message may be dropped before it: those look for a
      // duplicate first. Any other message looks inside its own transaction, on the writer (no read of its own).
      const lookFirst = !!inbound.group || (!!inbound.media && inbound.media !== "failed");
      if (lookFirst) {
        const existing = await duplicate();
        if (existing) return existing;
      }
      if (inbound.group && (await connectionsSvc.find(connectionId))?.groups !== "tickets") return null;
      let stored: StoredMedia | null = null;
      let mediaFailed = inbound.media === "failed";
      if (inbound.media && inbound.media !== "failed") {
        try {
          stored = await media.save(inbound.media.bytes, {
            filename: inbound.media.filename,
            mimeType: inbound.media.mimeType,
          });
        } catch (err) {
          // A full disk or a bucket that does not answer must not lose what the customer sent: keep the
          // message, fetch the file again later.
          const diskFull = err instanceof AppError && err.code === "ERR_SERVICE_UNAVAILABLE";
          if (!diskFull || !inbound.mediaRef) throw err;
          log.warn({ err, connectionId, messageId: inbound.id }, "inbound file not stored; retried later");
          mediaFailed = true;
        }
      }
      const imported = opts.imported === true;
      // Contact, ticket, message, the ticket's touch and the events: one transaction on the body's `q`.
      const result = await store.write(async (q) => {
        if (!lookFirst) {
          const existing = await duplicateIn(q);
          if (existing) return existing;
        }
        const { contact } = await contactsSvc.upsertIn(
          q,
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
        const claimed =
          imported || inbound.fromMe || inbound.group
            ? null
            : ((await hooks.claim?.(q, inbound, contact, connectionId)) ?? null);
        const { ticket, created } = claimed
          ? { ticket: claimed.ticket, created: false }
          : imported
            ? await ticketsSvc.findOrCreateImportedIn(q, contact, connectionId)
            : await ticketsSvc.findOrCreateIn(q, contact, connectionId, { newStatus: "pending" });
        const message = await storeIn(
          q,
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
        if (message && claimed) await claimed.stored(q, message);
        return { message, ticketId: ticket.id, contactId: contact.id, created, duplicate: false as const };
      });
      if (result.duplicate) return result;
      // Stored meanwhile by another writer (a replay racing live traffic): the stored one answers.
      if (!result.message) return (await duplicate())!;
      if (!imported)
        hooks.received?.({ connectionId, inbound, ticketId: result.ticketId, ticketCreated: result.created });
      return { ...result, message: result.message, duplicate: false };
    },

    /**
     * Tries again the inbound files whose download failed. A message is stored even when its file is not;
     * the file is attached when a later attempt succeeds. Returns how many files were attached.
     */
    async retryPendingMedia(limit = 20): Promise<number> {
      const pending = await store.read((q) =>
        q
          .select({ pk: messages.pk, mediaRef: messages.mediaRef, connectionId: messages.connectionId })
          .from(messages)
          .where(and(isNotNull(messages.mediaRef), isNull(messages.mediaFile)))
          .limit(limit),
      );
      let attached = 0;
      for (const p of pending) {
        // The node running the socket fetches its media again (every node's maintenance loop runs this).
        const gw = localGateway(deps.sessions, p.connectionId);
        if (!gw?.retryMediaDownload || gw.status() !== "CONNECTED" || !p.mediaRef) continue;
        try {
          const fetched = await gw.retryMediaDownload(p.mediaRef);
          const stored = await media.save(fetched.bytes, {
            filename: fetched.filename,
            mimeType: fetched.mimeType,
          });
          await store.write(async (q) => {
            await q
              .update(messages)
              .set({
                mediaFile: stored.file,
                mimeType: stored.mimeType,
                filename: stored.filename,
                mediaRef: null,
                updatedAt: new Date(clock()),
              })
              .where(eq(messages.pk, p.pk));
          });
          attached++;
        } catch (err) {
          log.warn({ err, messagePk: p.pk }, "media download retry failed; will try again");
        }
      }
      return attached;
    },
  };
}

export type ReceiveService = ReturnType<typeof createReceiveService>;
