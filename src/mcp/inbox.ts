import type { SentResult } from "../domain/message.service";
import { AppError } from "../errors";
import type { AppDeps } from "../http/context";
import { messageWire, sentWire, ticketWire } from "../http/wire";

/**
 * The two operations the MCP server runs through one function each, so the lead can repoint them when
 * queued sends land on main (see docs/MCP.md).
 */

/**
 * `search`: the tickets whose contact or messages match (the FTS search behind `GET /api/v1/tickets?search=`,
 * newest activity first) and the newest matching messages with their ticket (`GET /api/v1/messages/search`).
 */
export async function searchInbox(deps: AppDeps, input: { query: string; page: number; limit: number }) {
  const { tickets, messageSearch, messages: svc } = deps.services;
  const found = await tickets.list({
    search: input.query,
    limit: input.limit,
    offset: (input.page - 1) * input.limit,
  });
  const hits = await messageSearch({ q: input.query, page: 1, limit: Math.min(input.limit, 20) });
  return {
    tickets: found.rows.map(ticketWire),
    count: found.count,
    hasMore: found.hasMore,
    page: input.page,
    limit: input.limit,
    messages: hits.rows.map((r) => ({
      ...messageWire(r.message, r.sender, svc.mediaUrlOf),
      ticket: { id: r.ticket.id, status: r.ticket.status, contact: r.customer },
    })),
  };
}

export type SendInput = {
  ticketId: number;
  body: string;
  quotedMsgId?: string | null;
  queue: boolean;
  sendAt?: string;
  expiresAt?: string;
};

/**
 * `send_message`: a text on a ticket through the same service as `POST /tickets/{ticketId}/messages`. Queued
 * by default (stored at once, sent by the connection's paced send queue, `message_sent` when it went out);
 * `queue: false` sends now and answers when WhatsApp accepted it.
 */
export async function sendOnTicket(deps: AppDeps, input: SendInput) {
  const { messages } = deps.services;
  const content = { body: input.body, quotedMsgId: input.quotedMsgId };
  if (!input.queue && input.expiresAt !== undefined)
    throw new AppError("ERR_VALIDATION", "expiresAt applies to queued sends only", [
      { path: "expiresAt", message: "Leave queue on (the default) or drop expiresAt" },
    ]);
  const when = (iso: string | undefined) => (iso === undefined ? null : Date.parse(iso));
  const sent: SentResult[] = input.queue
    ? await messages.sendToTicket(input.ticketId, content, undefined, null, {
        sendAt: when(input.sendAt),
        expiresAt: when(input.expiresAt),
      })
    : await messages.sendToTicket(input.ticketId, content);
  return {
    queued: input.queue,
    ticketId: input.ticketId,
    data: sent.map((s) => sentWire(s, messages.mediaUrlOf)),
  };
}

/** A page of a ticket's conversation, newest first, as `GET /tickets/{ticketId}/messages` shows it. */
export async function ticketMessages(deps: AppDeps, ticketId: number, page: number, limit: number) {
  const { messages: svc, lifecycle } = deps.services;
  const { rows, count, hasMore } = await svc.list(ticketId, { limit, offset: (page - 1) * limit });
  const reactions = await lifecycle.reactionsOf(rows.map((r) => r.message.pk));
  const messages = rows.map((r) =>
    messageWire(r.message, r.contact, svc.mediaUrlOf, reactions.get(r.message.pk)),
  );
  return { messages, ticketId, count, hasMore, page, limit };
}
