import type { Context } from "hono";
import { canSeeTicket, visibleQueues } from "../domain/account.service";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

/**
 * Ticket visibility for signed-in agents: the tickets of their queues and those with no queue. Supervisors,
 * admins and API tokens see every ticket. A ticket the caller cannot see is answered as not found.
 */
export async function assertTicketVisible(c: Context<AppEnv>, ticketId: number): Promise<void> {
  const p = c.get("principal");
  if (visibleQueues(p) === null) return;
  const queueId = await c.get("deps").services.tickets.queueOf(ticketId);
  if (!canSeeTicket(p, { queueId })) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
}

/** The same for a message addressed by WhatsApp id (reply, edit, delete, react). */
export async function assertMessageVisible(c: Context<AppEnv>, messageId: string): Promise<void> {
  const p = c.get("principal");
  if (visibleQueues(p) === null) return;
  const m = await c.get("deps").services.messages.getAsync(messageId);
  const queueId = await c.get("deps").services.tickets.queueOf(m.ticketId);
  if (!canSeeTicket(p, { queueId })) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Message not found");
}

/** Who sent a message, for attribution and the signature: the signed-in user, or nobody (API token). */
export function authorOf(c: Context<AppEnv>): { userId: number; name: string; signature: boolean } | null {
  const p = c.get("principal");
  return p.kind === "user" ? { userId: p.id, name: p.name, signature: p.signature } : null;
}
