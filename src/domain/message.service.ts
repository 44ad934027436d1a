import { AppError } from "../errors";
import type { ConnectionService } from "./connection.service";
import type { ContactService } from "./contact.service";
import type { DomainDeps } from "./deps";
import { createMessageBridge } from "./message-bridge";
import { createAckQueue } from "./messages/acks";
import { createMessageStore, type MessageRow } from "./messages/message-store";
import { createReceiveService, type InboundHooks } from "./messages/receive";
import { createSendService } from "./messages/send";
import { createSendQueue } from "./send-queue.service";
import type { TicketService } from "./ticket.service";

export { ACK_NAMES } from "./messages/acks";
export { chatAddress, type MessageRow } from "./messages/message-store";
export type { Author, OutgoingContent, QueueRequest, SentResult } from "./messages/send";

/**
 * Messages, by seam: the store both paths share (messages/message-store.ts), sending (messages/send.ts),
 * receiving (messages/receive.ts) and delivery acks (messages/acks.ts), offered as one service.
 */
export function createMessageService(
  deps: DomainDeps,
  contactsSvc: ContactService,
  ticketsSvc: TicketService,
  connectionsSvc: ConnectionService,
) {
  const acks = createAckQueue(deps);
  const messageStore = createMessageStore(deps, acks.takeEarly);
  const bridge = createMessageBridge(deps, messageStore);
  const queue = createSendQueue(deps, bridge, connectionsSvc);
  const send = createSendService(deps, messageStore, contactsSvc, ticketsSvc, connectionsSvc, queue.kick);
  // Filled once the automation exists (it sends through this service, so it is created after it).
  const inboundHooks: InboundHooks = {};
  const receive = createReceiveService(
    deps,
    messageStore,
    contactsSvc,
    ticketsSvc,
    connectionsSvc,
    inboundHooks,
  );

  return {
    mediaUrlOf: messageStore.mediaUrlOf,
    list: messageStore.list,
    /** A stored message by connection and WhatsApp id (committed data). */
    findByWaIdAsync: messageStore.findByWaIdAsync,
    /** Bridge (message lifecycle, sandbox service: not on the Store yet): synchronous, on the SQLite writer. */
    findByWaId: messageStore.findByWaId,

    /** The stored body of a message, for a driver asked to re-send it. */
    async findBody(connectionId: number, id: string): Promise<{ body: string } | undefined> {
      const m = await messageStore.findByWaIdAsync(connectionId, id);
      return m ? { body: m.body } : undefined;
    },

    /** A message by WhatsApp id (the newest copy when two of our connections hold it). */
    async getAsync(id: string): Promise<MessageRow> {
      const m = await deps.store.read((q) => messageStore.newestIn(q, id));
      if (!m) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Message not found");
      return m;
    },

    /** Bridge (message lifecycle, tests): `getAsync` synchronously, on the SQLite writer. */
    get(id: string): MessageRow {
      const m = messageStore.newest(id);
      if (!m) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Message not found");
      return m;
    },

    /** BRIDGE (s7-lifecycle): the message-store calls of the store-based lifecycle and send queue, on `q`. */
    bridge,
    /** The durable outbound queue (queued and scheduled sends). */
    queue,
    sendToTicket: send.sendToTicket,
    reply: send.reply,
    sendToNumber: send.sendToNumber,
    receive: receive.receive,
    /** Plugs the customer-facing automation into the inbound pipeline. */
    setInboundHooks: (hooks: InboundHooks) => Object.assign(inboundHooks, hooks),
    retryPendingMedia: receive.retryPendingMedia,
    applyAck: acks.applyAck,
    queueAck: acks.queueAck,
    flushAcks: acks.flushAcks,
  };
}

export type MessageService = ReturnType<typeof createMessageService>;
