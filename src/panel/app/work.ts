import { useEffect } from "preact/hooks";
import { alertNewMessage } from "./alerts";
import { ApiError, get, type Page, type Ticket } from "./api";
import { useCoalesced, useLive } from "./live";

/** Whose work a ticket is: set once the signed-in principal is known (null: an API token, all tickets). */
export type Me = { id: number; queueIds: number[] | null } | null;

/** A ticket is the agent's work when it is theirs, or unassigned in one of their queues (or in none). */
export const isMyWork = (me: Me, tk: Ticket) =>
  !me ||
  tk.userId === me.id ||
  (tk.userId === null && (me.queueIds === null || tk.queueId === null || me.queueIds.includes(tk.queueId)));

const TITLE = "Chasqui";
const CHANGED = "chasqui-work";

/** Something this panel did changed the agent's work without an event (a ticket read): count again. */
export const workChanged = () => dispatchEvent(new Event(CHANGED));

/**
 * Keeps the browser tab's title as "(N) Chasqui", N = the agent's tickets with unread messages, and alerts
 * (sound + desktop notification, when the agent turned them on) on a customer's message in their work.
 * Mounted once by the signed-in shell, so it works whatever screen is shown.
 */
export function useWork(me: Me, listPath: () => string) {
  const refresh = useCoalesced(async () => {
    try {
      const page = await get<Page<"tickets", Ticket>>(listPath());
      const n = page.tickets.filter((tk) => tk.unreadMessages > 0 && isMyWork(me, tk)).length;
      document.title = n > 0 ? `(${n}) ${TITLE}` : TITLE;
    } catch {
      // The title keeps its last value; the inbox shows the error.
    }
  });
  useEffect(() => {
    refresh();
    addEventListener(CHANGED, refresh);
    return () => {
      removeEventListener(CHANGED, refresh);
      document.title = TITLE;
    };
  }, [me?.id]);

  useLive(async (e) => {
    if (e.event === "reset" || e.event.startsWith("ticket_") || e.event === "message_received") refresh();
    if (e.event !== "message_received" || e.data.fromMe) return;
    const ticketId = e.data.ticketId as number;
    try {
      // The ticket as this principal may see it: an agent gets 404 for tickets outside their queues.
      const tk = await get<Ticket>(`/tickets/${ticketId}`);
      if (!isMyWork(me, tk)) return;
      const body = String(e.data.body ?? "") || `[${String(e.data.mediaType ?? "")}]`;
      alertNewMessage(ticketId, tk.contact.name || `+${tk.contact.number}`, body);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
  });
}
