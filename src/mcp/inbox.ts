import type { SentResult } from "../domain/message.service";
import { AppError } from "../errors";
import type { AppDeps } from "../http/context";
import { contactWire, messageWire, sentWire } from "../http/wire";

/**
 * The two operations the MCP server runs through one function each, so the lead can repoint them when
 * queued sends and full-text search land on main (see docs/MCP.md "Where search and send go next").
 */

/**
 * `search` today: contacts whose name or number contains the text — the same service and query as
 * `GET /api/v1/contacts?search=` (it reads the contacts table, never the messages). Message bodies are not
 * searched: there is no index for them yet.
 */
export function searchInbox(deps: AppDeps, input: { query: string; page: number; limit: number }) {
  const { rows, count, hasMore } = deps.services.contacts.list({
    search: input.query,
    page: input.page,
    limit: input.limit,
  });
  return {
    searched: "contacts" as const,
    contacts: rows.map(contactWire),
    count,
    hasMore,
    page: input.page,
    limit: input.limit,
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
  const { rows, count, hasMore } = svc.list(ticketId, page, limit);
  const reactions = lifecycle.reactionsOf(rows.map((r) => r.message.pk));
  const messages = rows.map((r) =>
    messageWire(r.message, r.contact, svc.mediaUrlOf, reactions.get(r.message.pk)),
  );
  return { messages, ticketId, count, hasMore, page, limit };
}
