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
export function searchInbox(deps: AppDeps, input: { query: string; page: number; limit: number }) {
  const { tickets, messageSearch, messages: svc } = deps.services;
  const found = tickets.list({
    search: input.query,
    limit: input.limit,
    offset: (input.page - 1) * input.limit,
  });
  const hits = messageSearch({ q: input.query, page: 1, limit: Math.min(input.limit, 20) });
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

export type SendInput = { ticketId: number; body: string; quotedMsgId?: string | null; queue: boolean };

/**
 * `send_message`: a text on a ticket through the same service as `POST /tickets/{ticketId}/messages`.
 * This server has no outbound queue yet, so `queue: true` is refused rather than silently sent now.
 */
export async function sendOnTicket(deps: AppDeps, input: SendInput) {
  const { messages } = deps.services;
  if (input.queue) {
    throw new AppError(
      "ERR_VALIDATION",
      "Queued sends are not available on this server version: send with queue=false to send now and wait for WhatsApp's answer",
    );
  }
  const sent: SentResult[] = await messages.sendToTicket(input.ticketId, {
    body: input.body,
    quotedMsgId: input.quotedMsgId,
  });
  return {
    queued: false,
    ticketId: input.ticketId,
    data: sent.map((s) => sentWire(s, messages.mediaUrlOf)),
  };
}

/** A page of a ticket's conversation, newest first, as `GET /tickets/{ticketId}/messages` shows it. */
export function ticketMessages(deps: AppDeps, ticketId: number, page: number, limit: number) {
  const { messages: svc, lifecycle } = deps.services;
  const { rows, count, hasMore } = svc.list(ticketId, { limit, offset: (page - 1) * limit });
  const reactions = lifecycle.reactionsOf(rows.map((r) => r.message.pk));
  const messages = rows.map((r) =>
    messageWire(r.message, r.contact, svc.mediaUrlOf, reactions.get(r.message.pk)),
  );
  return { messages, ticketId, count, hasMore, page, limit };
}
