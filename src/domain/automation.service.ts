import { and, desc, eq, ne, sql } from "drizzle-orm";
import type { queues, ticketAutomation } from "../db/schema";
import type { Query } from "../db/store";
import { preparedQuery } from "../db/store/prepared";
import { ONE_SNAPSHOT } from "../db/store/store";
import type { InboundMessage } from "../whatsapp/gateway";
import { scheduleState } from "./automation/schedule";
import type { Connection, ConnectionService, ConnectionSetup, OfferedQueue } from "./connection.service";
import type { Contact } from "./contact.service";
import type { DomainDeps } from "./deps";
import type { MessageService } from "./message.service";
import type { InboundHooks } from "./messages/receive";
import { type TicketRow, type TicketService, ticketEventData } from "./ticket.service";

/** Invalid answers to the queue menu that repeat it; the next one ends the menu (no loops with bots). */
export const MENU_MAX_REPEATS = 3;
/** How long after a close the customer's 1–5 answer is taken as the rating of the closed ticket. */
export const RATING_WINDOW_MS = 24 * 60 * 60 * 1000;

const RATING_ANSWER = /^\s*([1-5])\s*$/;
const MENU_ANSWER = /^\s*(\d{1,3})\s*$/;

type AutomationState = Omit<typeof ticketAutomation.$inferSelect, "ticketId">;
type ConnectionQueue = OfferedQueue;
type QueueRow = typeof queues.$inferSelect;
type InboundView = {
  t: TicketRow;
  conn: Connection;
  offered: ConnectionQueue[];
  state: AutomationState;
  queue: QueueRow | undefined;
};

/** A ticket's automation state before anything was recorded for it. */
const NO_STATE: AutomationState = {
  menuAttempts: 0,
  menuOpen: false,
  outOfHoursWindow: null,
  ratingRequestedAt: null,
};

/**
 * What the helpdesk says by itself, per connection and queue, through the normal send path (stored as an
 * automated message of ours, `message_sent`, acks, webhooks):
 *
 * - a new ticket opened by a customer's message gets the connection's greeting; with one queue the ticket
 *   goes to it (and its greeting follows); with two or more the greeting lists them as a numbered menu and
 *   the customer's number routes the ticket and sends that queue's greeting. An invalid answer repeats the
 *   menu at most MENU_MAX_REPEATS times, then the ticket stays without queue for an agent. The menu is over
 *   once the ticket has a queue or a user, or someone other than the automation wrote in it;
 * - outside the schedule of the ticket's queue, its out-of-hours message, once per ticket per closed window;
 * - when an agent or the API closes a ticket (any `ticket_closed`), the farewell, then the rating request;
 *   a 1–5 answer within RATING_WINDOW_MS is stored on the closed ticket instead of opening a new one.
 *
 * Never for group tickets, our own messages (fromMe), imported history, edits or reactions. Each ticket's
 * steps run one after another, after the commit of what triggered them, so a slow WhatsApp never holds the
 * inbound pipeline and an answer is read only after the menu it answers was recorded.
 */
export function createAutomationService(
  deps: DomainDeps,
  connectionsSvc: ConnectionService,
  ticketsSvc: TicketService,
  messagesSvc: MessageService,
) {
  const { store, events, clock, logger } = deps;
  const { contacts, messages, queues, ticketAutomation: automation, tickets } = store.t;
  const log = logger.child({ module: "automation" });
  const chains = new Map<number, Promise<void>>();

  // Prepared once per connection: the claim runs the state lookup inside receive's transaction.
  const stateStmt = preparedQuery<{ ticketId: number }, (typeof ticketAutomation.$inferSelect)[]>((q) =>
    q
      .select()
      .from(automation)
      .where(eq(automation.ticketId, sql.placeholder("ticketId"))),
  );
  const agentWroteStmt = preparedQuery<{ ticketId: number }, { pk: number }[]>((q) =>
    q
      .select({ pk: messages.pk })
      .from(messages)
      .where(
        and(
          eq(messages.ticketId, sql.placeholder("ticketId")),
          eq(messages.fromMe, true),
          eq(messages.isAutomated, false),
        ),
      )
      .limit(1),
  );

  const stateOf = async (ticketId: number): Promise<AutomationState> =>
    (await store.read((q) => stateStmt(q, { ticketId })))[0] ?? NO_STATE;

  async function saveState(ticketId: number, patch: Partial<AutomationState>) {
    await store.write(async (q) => {
      await q
        .insert(automation)
        .values({ ticketId, ...patch })
        .onConflictDoUpdate({ target: automation.ticketId, set: patch });
    });
  }

  // Read for every inbound message (inboundView): compiled once per connection.
  const ticketStmt = preparedQuery<{ id: number }, TicketRow[]>((q) =>
    q
      .select()
      .from(tickets)
      .where(eq(tickets.id, sql.placeholder("id"))),
  );
  const ticketOf = async (id: number): Promise<TicketRow | undefined> =>
    (await store.read((q) => ticketStmt(q, { id })))[0];
  const isGroupTicket = async (t: TicketRow) =>
    (
      await store.read((q) =>
        q.select({ isGroup: contacts.isGroup }).from(contacts).where(eq(contacts.id, t.contactId)),
      )
    )[0]?.isGroup !== false;

  /** Runs a ticket's steps in order; a failed step (WhatsApp down) is logged and the next one still runs. */
  function enqueue(ticketId: number, step: () => Promise<void>) {
    const next = (chains.get(ticketId) ?? Promise.resolve())
      .then(step)
      .catch((err) => log.warn({ err, ticketId }, "automated message not sent"));
    chains.set(ticketId, next);
    void next.then(() => {
      if (chains.get(ticketId) === next) chains.delete(ticketId);
    });
  }

  const send = (ticketId: number, body: string) =>
    messagesSvc.sendToTicket(ticketId, { body, automated: true });

  const menuText = (greeting: string | null, offered: ConnectionQueue[]) =>
    [greeting?.trim(), offered.map((q, i) => `${i + 1} - ${q.name}`).join("\n")].filter(Boolean).join("\n\n");

  async function sendMenu(
    ticketId: number,
    greeting: string | null,
    offered: ConnectionQueue[],
    attempt: number,
  ) {
    await send(ticketId, menuText(greeting, offered));
    await saveState(ticketId, { menuAttempts: attempt, menuOpen: true });
  }

  /** Puts a queue-less ticket in a queue (ticket_updated; the unread count stays) and sends its greeting. */
  async function route(ticketId: number, queue: ConnectionQueue) {
    const routed = await deps.store.write(async (q) => {
      const [t] = await q.select().from(tickets).where(eq(tickets.id, ticketId));
      if (!t || t.queueId !== null || t.status === "closed") return false;
      await ticketsSvc.updateIn(q, ticketId, { queueId: queue.id }, { keepUnread: true });
      return true;
    });
    if (routed && queue.greetingMessage?.trim()) await send(ticketId, queue.greetingMessage);
  }

  const queueStmt = preparedQuery<{ id: number }, QueueRow[]>((q) =>
    q
      .select()
      .from(queues)
      .where(eq(queues.id, sql.placeholder("id"))),
  );

  /**
   * What the steps after a customer's message decide on: the ticket (null when it is gone or closed), its
   * automation state and its queue in one read (three lookups by key share one look at the database: every read pays
   * for the writer's latest commit), its connection and the queues it offers as the connection service keeps them.
   */
  async function inboundView(ticketId: number): Promise<InboundView | null> {
    const kept = connectionsSvc.keepsSetup();
    const read = await store.read(async (q) => {
      const [t] = await ticketStmt(q, { id: ticketId });
      if (!t || t.status === "closed") return null;
      const state = (await stateStmt(q, { ticketId }))[0] ?? NO_STATE;
      const queue = t.queueId === null ? undefined : (await queueStmt(q, { id: t.queueId }))[0];
      // Where nothing is kept (PostgreSQL) the connection is read in the same look at the database.
      const conn = kept ? undefined : await connectionsSvc.findIn(q, t.connectionId);
      const setup: ConnectionSetup | undefined = conn
        ? { conn, offered: await connectionsSvc.queuesIn(q, conn.id) }
        : undefined;
      return { t, state, queue, setup };
    }, ONE_SNAPSHOT);
    if (!read) return null;
    const setup = read.setup ?? (kept ? await connectionsSvc.setup(read.t.connectionId) : undefined);
    return setup ? { t: read.t, state: read.state, queue: read.queue, ...setup } : null;
  }

  /**
   * Whether nothing is configured that could answer a customer on this connection: no greeting, no queue offered,
   * no queue anywhere with an out-of-hours reply. Then a message needs no step but closing a queue menu left open by
   * an earlier configuration, and its ticket is not read. Asked only where the setup is kept (SQLite): on PostgreSQL
   * the question would cost more reads than it saves.
   */
  async function silent(connectionId: number): Promise<boolean> {
    const setup = await connectionsSvc.setup(connectionId);
    if (!setup || setup.conn.greetingMessage?.trim() || setup.offered.length > 0) return false;
    return !(await connectionsSvc.anyOutOfHours());
  }

  /**
   * The out-of-hours message of the ticket's queue, once per closed window. `seen`: the view read for this message
   * when nothing was sent or written since; otherwise it is read again (a greeting or a route takes time, and an
   * agent may have moved the ticket meanwhile).
   */
  async function outOfHours(ticketId: number, seen?: InboundView) {
    const v = seen ?? (await inboundView(ticketId));
    const queue = v?.queue;
    if (!v || !queue?.schedule || !queue.outOfHoursMessage?.trim()) return;
    const state = scheduleState(queue.schedule, queue.timeZone ?? "UTC", clock());
    if (state.open || v.state.outOfHoursWindow === state.window) return;
    await send(ticketId, queue.outOfHoursMessage);
    await saveState(ticketId, { outOfHoursWindow: state.window });
  }

  async function onInbound(ticketId: number, connectionId: number, body: string, ticketCreated: boolean) {
    if (connectionsSvc.keepsSetup() && (await silent(connectionId)) && !(await stateOf(ticketId)).menuOpen)
      return;
    const v = await inboundView(ticketId);
    if (!v) return;
    const { t, conn, offered, state } = v;
    if (ticketCreated) {
      if (offered.length >= 2 && t.queueId === null && t.userId === null) {
        await sendMenu(ticketId, conn.greetingMessage, offered, 1);
        return;
      }
      const greeting = !!conn.greetingMessage?.trim();
      if (greeting) await send(ticketId, conn.greetingMessage!);
      if (offered.length === 1) await route(ticketId, offered[0]!);
      await outOfHours(ticketId, greeting || offered.length === 1 ? undefined : v);
      return;
    }
    if (!state.menuOpen) return outOfHours(ticketId, v);
    const over =
      t.queueId !== null ||
      t.userId !== null ||
      offered.length === 0 ||
      (await store.read((q) => agentWroteStmt(q, { ticketId }))).length > 0;
    const choice = MENU_ANSWER.exec(body)?.[1];
    const picked = choice ? offered[Number(choice) - 1] : undefined;
    if (!over && !picked) {
      if (state.menuAttempts <= MENU_MAX_REPEATS) {
        await sendMenu(ticketId, conn.greetingMessage, offered, state.menuAttempts + 1);
      } else {
        await saveState(ticketId, { menuOpen: false });
        log.info({ ticketId, attempts: state.menuAttempts }, "queue menu ended without an answer");
      }
      return;
    }
    await saveState(ticketId, { menuOpen: false });
    if (!over && picked) await route(ticketId, picked);
    await outOfHours(ticketId);
  }

  async function onClosed(ticketId: number) {
    const t = await ticketOf(ticketId);
    if (t?.status !== "closed" || (await isGroupTicket(t))) return;
    const conn = await connectionsSvc.find(t.connectionId);
    if (!conn) return;
    if ((await stateOf(ticketId)).menuOpen) await saveState(ticketId, { menuOpen: false });
    if (conn.farewellMessage?.trim()) await send(ticketId, conn.farewellMessage);
    if (conn.ratingMessage?.trim()) {
      await send(ticketId, conn.ratingMessage);
      await saveState(ticketId, { ratingRequestedAt: new Date(clock()) });
    }
  }

  /**
   * A 1–5 answer from a customer with no open ticket, whose newest ticket on the connection is closed,
   * unrated and was asked for a rating within the window: the message goes to that ticket and rates it.
   * Inside receive's transaction, on its `q`; only a 1–5 text runs a statement.
   */
  async function claimRating(q: Query, inbound: InboundMessage, contact: Contact, connectionId: number) {
    const answer = inbound.media ? undefined : RATING_ANSWER.exec(inbound.body)?.[1];
    if (!answer) return null;
    const [newest] = await q
      .select()
      .from(tickets)
      .where(and(eq(tickets.contactId, contact.id), eq(tickets.connectionId, connectionId)))
      .orderBy(desc(tickets.id))
      .limit(1);
    if (newest?.status !== "closed" || newest.rating !== null) return null;
    const [open] = await q
      .select({ id: tickets.id })
      .from(tickets)
      .where(
        and(
          eq(tickets.contactId, contact.id),
          eq(tickets.connectionId, connectionId),
          ne(tickets.status, "closed"),
        ),
      );
    if (open) return null;
    const asked = (await stateStmt(q, { ticketId: newest.id }))[0]?.ratingRequestedAt;
    if (!asked || clock() - asked.getTime() > RATING_WINDOW_MS) return null;
    return {
      ticket: newest,
      async stored(q: Query) {
        const now = new Date(clock());
        // The answer is not work for an agent: the closed ticket stays read.
        const [rated] = await q
          .update(tickets)
          .set({ rating: Number(answer), ratedAt: now, unreadMessages: 0 })
          .where(eq(tickets.id, newest.id))
          .returning();
        if (!rated) return;
        await events.emitIn(q, "ticket_updated", connectionId, {
          ...ticketEventData(rated, contact),
          oldStatus: "closed",
          newStatus: "closed",
          rating: rated.rating,
          ratedAt: now.toISOString(),
        });
      },
    };
  }

  const hooks: InboundHooks = {
    claim: claimRating,
    received({ connectionId, inbound, ticketId, ticketCreated }) {
      if (inbound.fromMe || inbound.group) return;
      enqueue(ticketId, () => onInbound(ticketId, connectionId, inbound.body, ticketCreated));
    },
  };

  return {
    hooks,
    /** Starts listening: inbound messages through the receive hooks, closes through `ticket_closed`. */
    start() {
      messagesSvc.setInboundHooks(hooks);
      return events.subscribe((e) => {
        // A ticket closed on another node (PostgreSQL cluster) is that node's to follow up.
        if (e.remote || e.envelope.event !== "ticket_closed") return;
        const ticketId = e.envelope.data.ticketId;
        if (typeof ticketId === "number") enqueue(ticketId, () => onClosed(ticketId));
      });
    },
    /** Resolves when every queued step has run (shutdown, tests). */
    async idle() {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
  };
}

export type AutomationService = ReturnType<typeof createAutomationService>;
