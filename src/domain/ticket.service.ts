import { and, desc, eq, inArray, ne, type SQL, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../db/client";
import { connections, contacts, queues, tags, ticketCounts, tickets, ticketTags, users } from "../db/schema";
import { AppError } from "../errors";
import type { ConnectionService } from "./connection.service";
import { type ContactService, contactRef } from "./contact.service";
import type { DomainDeps } from "./deps";
import { normalizeNumber } from "./numbers";

export type TicketStatus = "pending" | "open" | "closed";
export type TicketRow = typeof tickets.$inferSelect;

export type TicketView = TicketRow & {
  contact: typeof contacts.$inferSelect;
  whatsapp: { id: number; name: string; number: string | null };
  queue: { id: number; name: string; color: string } | null;
  user: { id: number; name: string; email: string } | null;
  tags: { id: number; name: string; color: string }[];
};

export type Assignment = { queueId?: number | null; userId?: number | null; tagId?: number | null };

const ticketEventData = (t: TicketRow, contact: typeof contacts.$inferSelect) => ({
  ticketId: t.id,
  status: t.status,
  contact: contactRef(contact),
  queueId: t.queueId,
  userId: t.userId,
});

export function createTicketService(
  deps: DomainDeps,
  contactsSvc: ContactService,
  connectionsSvc: ConnectionService,
) {
  const { db, events, clock } = deps;

  function loadViews(
    dbx: DbOrTx,
    where: SQL | undefined,
    opts: { limit?: number; offset?: number } = {},
  ): TicketView[] {
    let q = dbx
      .select({
        ticket: tickets,
        contact: contacts,
        whatsapp: { id: connections.id, name: connections.name, number: connections.number },
        queue: { id: queues.id, name: queues.name, color: queues.color },
        user: { id: users.id, name: users.name, email: users.email },
      })
      .from(tickets)
      .innerJoin(contacts, eq(contacts.id, tickets.contactId))
      .innerJoin(connections, eq(connections.id, tickets.connectionId))
      .leftJoin(queues, eq(queues.id, tickets.queueId))
      .leftJoin(users, eq(users.id, tickets.userId))
      .where(where)
      .orderBy(desc(tickets.updatedAt), desc(tickets.id))
      .$dynamic();
    if (opts.limit !== undefined) q = q.limit(opts.limit).offset(opts.offset ?? 0);
    const rows = q.all();
    const ids = rows.map((r) => r.ticket.id);
    const tagRows =
      ids.length === 0
        ? []
        : dbx
            .select({ ticketId: ticketTags.ticketId, id: tags.id, name: tags.name, color: tags.color })
            .from(ticketTags)
            .innerJoin(tags, eq(tags.id, ticketTags.tagId))
            .where(inArray(ticketTags.ticketId, ids))
            .all();
    return rows.map((r) => ({
      ...r.ticket,
      contact: r.contact,
      whatsapp: r.whatsapp,
      queue: r.queue,
      user: r.user,
      tags: tagRows
        .filter((t) => t.ticketId === r.ticket.id)
        .map(({ id, name, color }) => ({ id, name, color })),
    }));
  }

  function view(dbx: DbOrTx, id: number): TicketView {
    const v = loadViews(dbx, eq(tickets.id, id))[0];
    if (!v) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    return v;
  }

  function assertRefs(tx: DbOrTx, a: Assignment) {
    if (a.queueId != null && !tx.select({ id: queues.id }).from(queues).where(eq(queues.id, a.queueId)).get())
      throw new AppError("ERR_QUEUE_NOT_FOUND", `Queue #${a.queueId} not found`);
    if (a.userId != null && !tx.select({ id: users.id }).from(users).where(eq(users.id, a.userId)).get())
      throw new AppError("ERR_USER_NOT_FOUND", `User #${a.userId} not found`);
    if (a.tagId != null && !tx.select({ id: tags.id }).from(tags).where(eq(tags.id, a.tagId)).get())
      throw new AppError("ERR_TAG_NOT_FOUND", `Tag #${a.tagId} not found`);
  }

  /**
   * Reuses the contact's open or pending ticket on the connection, else creates one with `newStatus`.
   * Assigning a user or queue never changes the status.
   */
  function findOrCreate(
    tx: Tx,
    contact: typeof contacts.$inferSelect,
    connectionId: number,
    a: Assignment & { newStatus: TicketStatus; unreadIncrement?: number },
  ): { ticket: TicketRow; created: boolean } {
    assertRefs(tx, a);
    const now = new Date(clock());
    const existing = tx
      .select()
      .from(tickets)
      .where(
        and(
          eq(tickets.contactId, contact.id),
          eq(tickets.connectionId, connectionId),
          ne(tickets.status, "closed"),
        ),
      )
      .get();
    let ticket: TicketRow;
    let created = false;
    if (existing) {
      const patch: Partial<TicketRow> = {};
      if (a.queueId != null && a.queueId !== existing.queueId) patch.queueId = a.queueId;
      if (a.userId != null && a.userId !== existing.userId) patch.userId = a.userId;
      ticket = existing;
      if (Object.keys(patch).length > 0) {
        ticket = tx
          .update(tickets)
          .set({ ...patch, updatedAt: now })
          .where(eq(tickets.id, existing.id))
          .returning()
          .get()!;
        events.emit(tx, "ticket_updated", connectionId, {
          ...ticketEventData(ticket, contact),
          oldStatus: existing.status,
          newStatus: ticket.status,
        });
      }
    } else {
      ticket = tx
        .insert(tickets)
        .values({
          status: a.newStatus,
          contactId: contact.id,
          connectionId,
          queueId: a.queueId ?? null,
          userId: a.userId ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
      created = true;
      events.emit(tx, "ticket_created", connectionId, ticketEventData(ticket, contact));
    }
    if (a.tagId != null)
      tx.insert(ticketTags).values({ ticketId: ticket.id, tagId: a.tagId }).onConflictDoNothing().run();
    return { ticket, created };
  }

  /** Changes status, user or queue; always marks the ticket read. Emits ticket_updated or ticket_closed. */
  function update(
    tx: Tx,
    id: number,
    input: { status?: TicketStatus; userId?: number | null; queueId?: number | null },
  ) {
    const current = tx.select().from(tickets).where(eq(tickets.id, id)).get();
    if (!current) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    assertRefs(tx, input);
    if (current.status === "closed" && input.status && input.status !== "closed") {
      const other = tx
        .select({ id: tickets.id })
        .from(tickets)
        .where(
          and(
            eq(tickets.contactId, current.contactId),
            eq(tickets.connectionId, current.connectionId),
            ne(tickets.status, "closed"),
          ),
        )
        .get();
      if (other) {
        throw new AppError(
          "ERR_OPEN_TICKET_EXISTS",
          `Ticket #${other.id} is already open or pending for this contact on this connection`,
        );
      }
    }
    const next = tx
      .update(tickets)
      .set({
        status: input.status ?? current.status,
        userId: input.userId === undefined ? current.userId : input.userId,
        queueId: input.queueId === undefined ? current.queueId : input.queueId,
        unreadMessages: 0,
        updatedAt: new Date(clock()),
      })
      .where(eq(tickets.id, id))
      .returning()
      .get()!;
    const changed =
      next.status !== current.status || next.userId !== current.userId || next.queueId !== current.queueId;
    if (changed) {
      const contact = tx.select().from(contacts).where(eq(contacts.id, next.contactId)).get()!;
      const data = { ...ticketEventData(next, contact), oldStatus: current.status, newStatus: next.status };
      const closing = next.status === "closed" && current.status !== "closed";
      events.emit(tx, closing ? "ticket_closed" : "ticket_updated", next.connectionId, data);
    }
    return next;
  }

  return {
    findOrCreate,
    update,
    view,
    get: (id: number) => view(db, id),

    list(filter: {
      status?: TicketStatus;
      whatsappId?: number;
      queueId?: number;
      page: number;
      limit: number;
    }) {
      const conds: SQL[] = [];
      if (filter.status) conds.push(eq(tickets.status, filter.status));
      if (filter.whatsappId !== undefined) conds.push(eq(tickets.connectionId, filter.whatsappId));
      if (filter.queueId !== undefined) conds.push(eq(tickets.queueId, filter.queueId));
      const where = conds.length > 0 ? and(...conds) : undefined;
      // Counted from the trigger-maintained ticket_counts: O(groups), not O(matching tickets).
      const countConds: SQL[] = [];
      if (filter.status) countConds.push(eq(ticketCounts.status, filter.status));
      if (filter.whatsappId !== undefined) countConds.push(eq(ticketCounts.connectionId, filter.whatsappId));
      if (filter.queueId !== undefined) countConds.push(eq(ticketCounts.queueId, filter.queueId));
      const total =
        db
          .select({ n: sql<number>`coalesce(sum(${ticketCounts.n}), 0)` })
          .from(ticketCounts)
          .where(countConds.length > 0 ? and(...countConds) : undefined)
          .get()?.n ?? 0;
      const rows = loadViews(db, where, { limit: filter.limit, offset: (filter.page - 1) * filter.limit });
      return { rows, count: total, hasMore: filter.page * filter.limit < total };
    },

    updateById(
      id: number,
      input: { status?: TicketStatus; userId?: number | null; queueId?: number | null },
    ) {
      return db.transaction((tx) => {
        update(tx, id, input);
        return view(tx, id);
      });
    },

    /**
     * POST /api/v1/tickets: validates the number on WhatsApp, then reuses the open/pending ticket of the
     * contact on that connection (created=false) or opens a new one (created=true, status open).
     */
    async createForNumber(input: { number: string; whatsappId?: number | null } & Assignment) {
      const number = normalizeNumber(input.number);
      const connection = connectionsSvc.resolve(input.whatsappId);
      assertRefs(db, input);
      const gw = connectionsSvc.requireConnected(connection);
      const check = await gw.checkNumber(number);
      if (!check.exists) throw new AppError("ERR_WAPP_INVALID_CONTACT", `${number} is not on WhatsApp`);
      const profilePicUrl = await gw.profilePicUrl(check.number).catch(() => null);
      return db.transaction((tx) => {
        const { contact } = contactsSvc.upsert(tx, { number: check.number, profilePicUrl }, connection.id);
        const { ticket, created } = findOrCreate(tx, contact, connection.id, { ...input, newStatus: "open" });
        return { ticket: view(tx, ticket.id), created };
      });
    },
  };
}

export type TicketService = ReturnType<typeof createTicketService>;
