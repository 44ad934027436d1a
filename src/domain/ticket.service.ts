import { randomUUID } from "node:crypto";
import { and, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { type contacts, type queues, type tags, tickets, type users } from "../db/schema";
import {
  type TicketFilter,
  type TicketKey,
  type TicketViewRow,
  type TicketWireRow,
  ticketSql,
} from "../db/sql/tickets";
import type { Query } from "../db/store";
import { ONE_SNAPSHOT } from "../db/store/store";
import { AppError } from "../errors";
import type { ConnectionService } from "./connection.service";
import { type ContactService, contactRef } from "./contact.service";
import type { DomainDeps } from "./deps";
import { normalizeNumber } from "./numbers";
import { type PageAt, takePage } from "./paging";
import { createTicketSearch } from "./search/ticket-search";

export type TicketStatus = "pending" | "open" | "closed";
export type TicketRow = typeof tickets.$inferSelect;

/** The dashboard's timestamps stay out of the ticket shape (they are read by the dashboard alone). */
export type TicketView = Omit<TicketRow, "closedAt" | "firstInboundAt" | "firstResponseAt"> & {
  contact: typeof contacts.$inferSelect;
  whatsapp: { id: number; name: string; number: string | null };
  queue: { id: number; name: string; color: string } | null;
  user: { id: number; name: string; email: string } | null;
  tags: { id: number; name: string; color: string }[];
};

export type { TicketKey, TicketWireRow } from "../db/sql/tickets";

/** A tag as a ticket shows it. */
export type TicketTag = { id: number; name: string; color: string };

export type Assignment = { queueId?: number | null; userId?: number | null; tagId?: number | null };

/**
 * The list's tabs: `mine` = assigned to the user and not closed; `queue` = pending and unassigned; `all` =
 * every ticket the principal sees. `queues` (agents) limits any of them to those queues, 0 meaning "no queue".
 */
export type TicketScope = {
  view?: "mine" | "queue" | "all";
  /** The user of `mine`. */
  userId?: number;
  /** Null or absent: every queue. */
  queues?: number[] | null;
};

export type TransferInput = { queueId?: number | null; userId?: number | null; note?: string | null };

export const ticketEventData = (t: TicketRow, contact: typeof contacts.$inferSelect) => ({
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

  const { store } = deps;
  const stmts = ticketSql[store.dialect];
  const matchingTickets = createTicketSearch(store, deps.config.searchMaxMatches);

  /** A page's few tags, ordered by name here rather than by a sort in the database. */
  const byName = (a: { name: string }, b: { name: string }) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

  /**
   * Tickets with contact, connection, queue, user and tags, newest activity first: a page of the filter, or
   * (without a page) every ticket it matches — a search's page by `ids`, or one ticket by `id`. The ticket
   * list is the hottest read of the API: on SQLite these are raw statements compiled once (src/db/sql/tickets.ts).
   */
  async function loadViews(q: Query, filter: TicketFilter, page?: PageAt<TicketKey>): Promise<TicketView[]> {
    const rows = await stmts.views(q, filter, page);
    if (page || filter.ids) rows.sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
    if (rows.length === 0) return [];
    const tagRows = (
      await stmts.tags(
        q,
        rows.map((r) => r.id),
      )
    ).sort(byName);
    return rows.map((r) => viewOfRow(r, tagRows));
  }

  const viewOfRow = (
    r: TicketViewRow,
    tagRows: { ticketId: number; id: number; name: string; color: string }[],
  ) => ({
    id: r.id,
    status: r.status,
    contactId: r.contactId,
    connectionId: r.connectionId,
    queueId: r.queueId,
    userId: r.userId,
    unreadMessages: r.unreadMessages,
    lastMessage: r.lastMessage,
    rating: r.rating,
    ratedAt: r.ratedAt === null ? null : new Date(r.ratedAt),
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
    contact: {
      id: r.contactId,
      number: r.cNumber,
      name: r.cName,
      email: r.cEmail,
      profilePicUrl: r.cPic,
      isGroup: r.cIsGroup === 1,
      lid: r.cLid,
      createdAt: new Date(r.cCreatedAt),
      updatedAt: new Date(r.cUpdatedAt),
    },
    whatsapp: { id: r.connectionId, name: r.wName, number: r.wNumber },
    queue: r.queueId !== null && r.qName !== null ? { id: r.queueId, name: r.qName, color: r.qColor! } : null,
    user: r.userId !== null && r.uName !== null ? { id: r.userId, name: r.uName, email: r.uEmail! } : null,
    tags: tagRows.filter((t) => t.ticketId === r.id).map(({ id, name, color }) => ({ id, name, color })),
  });

  /**
   * Moves a ticket to a queue and/or an agent in one step. To an agent: it becomes theirs and open. To a
   * queue only: it goes back to that queue's waiting list (unassigned, pending). A system line records it
   * in the conversation (never sent to WhatsApp), and ticket_updated carries `transfer`. Inside the caller's
   * `store.write` (every check in the same transaction as the change).
   */
  async function transferIn(
    q: Query,
    id: number,
    input: TransferInput,
    by: { userId: number | null; name: string },
  ): Promise<TicketRow> {
    const { contacts, messages, queues, tickets, userQueues, users } = store.t;
    const [current] = await q.select().from(tickets).where(eq(tickets.id, id));
    if (!current) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    if (current.status === "closed")
      throw new AppError("ERR_TICKET_CLOSED", "A closed ticket cannot be transferred: reopen it first");
    await assertRefsIn(q, input);
    const toUser =
      input.userId !== undefined ? input.userId : input.queueId !== undefined ? null : current.userId;
    const toQueue = input.queueId !== undefined ? input.queueId : current.queueId;
    if (toUser !== null && toQueue !== null) {
      const [agent] = await q
        .select({ name: users.name, role: users.role })
        .from(users)
        .where(eq(users.id, toUser));
      const [works] = await q
        .select({ q: userQueues.queueId })
        .from(userQueues)
        .where(and(eq(userQueues.userId, toUser), eq(userQueues.queueId, toQueue)));
      // An agent sees only the tickets of their queues: the ticket would vanish from their list.
      if (agent?.role === "agent" && !works)
        throw new AppError("ERR_VALIDATION", `${agent.name} does not work in queue #${toQueue}`, [
          { path: "userId", message: "The agent is not in the ticket's queue" },
        ]);
    }
    const status: TicketStatus = toUser !== null ? "open" : "pending";
    const now = clock();
    const [next] = await q
      .update(tickets)
      .set({ userId: toUser, queueId: toQueue, status, updatedAt: new Date(now) })
      .where(eq(tickets.id, id))
      .returning();
    if (!next) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    const names = async (table: typeof queues | typeof users, rowId: number | null) => {
      if (rowId === null) return null;
      const [row] = await q.select({ name: table.name }).from(table).where(eq(table.id, rowId));
      return row?.name ?? null;
    };
    const note = input.note?.trim() ? input.note.trim() : null;
    const data = {
      type: "transfer",
      fromQueueId: current.queueId,
      toQueueId: toQueue,
      fromUserId: current.userId,
      toUserId: toUser,
      byUserId: by.userId,
      byName: by.name,
      toQueueName: await names(queues, toQueue),
      toUserName: await names(users, toUser),
      note,
    };
    const parts = [
      toQueue !== current.queueId || input.queueId !== undefined
        ? `queue ${data.toQueueName ?? "(none)"}`
        : null,
      toUser !== null ? `agent ${data.toUserName}` : null,
    ].filter(Boolean);
    const body = `Transferred to ${parts.join(" and ") || "the queue"} by ${by.name}${note ? `: ${note}` : ""}`;
    const messageId = `SYS-${randomUUID()}`;
    await q.insert(messages).values({
      id: messageId,
      connectionId: current.connectionId,
      ticketId: id,
      contactId: null,
      body,
      fromMe: true,
      ack: 0,
      mediaType: "system",
      timestamp: Math.floor(now / 1000),
      userId: by.userId,
      isSystem: true,
      systemData: data,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    });
    const [contact] = await q.select().from(contacts).where(eq(contacts.id, next.contactId));
    await events.emitIn(q, "ticket_updated", next.connectionId, {
      ...ticketEventData(next, contact!),
      oldStatus: current.status,
      newStatus: next.status,
      transfer: {
        fromQueueId: current.queueId,
        toQueueId: toQueue,
        fromUserId: current.userId,
        toUserId: toUser,
        byUserId: by.userId,
        note,
        messageId,
      },
    });
    return next;
  }

  /** 404 for a queue, user or tag that does not exist. */
  async function assertRefsIn(q: Query, a: Assignment) {
    const { queues, tags, users } = store.t;
    const missing = async (table: typeof queues | typeof users | typeof tags, id: number) =>
      (await q.select({ id: table.id }).from(table).where(eq(table.id, id))).length === 0;
    if (a.queueId != null && (await missing(queues, a.queueId)))
      throw new AppError("ERR_QUEUE_NOT_FOUND", `Queue #${a.queueId} not found`);
    if (a.userId != null && (await missing(users, a.userId)))
      throw new AppError("ERR_USER_NOT_FOUND", `User #${a.userId} not found`);
    if (a.tagId != null && (await missing(tags, a.tagId)))
      throw new AppError("ERR_TAG_NOT_FOUND", `Tag #${a.tagId} not found`);
  }

  /** Replaces the ticket's tags with `tagIds`; says whether the set changed. */
  async function replaceTagsIn(q: Query, ticketId: number, tagIds: number[]): Promise<boolean> {
    const { tags, ticketTags } = store.t;
    const wanted = new Set(tagIds);
    if (wanted.size > 0) {
      const found = await q
        .select({ id: tags.id })
        .from(tags)
        .where(inArray(tags.id, [...wanted]));
      const known = new Set(found.map((r) => r.id));
      const unknown = [...wanted].find((id) => !known.has(id));
      if (unknown !== undefined) throw new AppError("ERR_TAG_NOT_FOUND", `Tag #${unknown} not found`);
    }
    const had = new Set(
      (
        await q.select({ tagId: ticketTags.tagId }).from(ticketTags).where(eq(ticketTags.ticketId, ticketId))
      ).map((r) => r.tagId),
    );
    const gone = [...had].filter((tagId) => !wanted.has(tagId));
    const added = [...wanted].filter((tagId) => !had.has(tagId));
    if (gone.length > 0)
      await q
        .delete(ticketTags)
        .where(and(eq(ticketTags.ticketId, ticketId), inArray(ticketTags.tagId, gone)));
    if (added.length > 0) await q.insert(ticketTags).values(added.map((tagId) => ({ ticketId, tagId })));
    return gone.length > 0 || added.length > 0;
  }

  type UpdateInput = {
    status?: TicketStatus;
    userId?: number | null;
    queueId?: number | null;
    /** Replaces the ticket's tags ([] removes all). */
    tagIds?: number[];
    /** The signed-in user making the change: opening an unassigned ticket (accepting it) assigns it to them. */
    acceptedBy?: number;
  };

  /**
   * Changes status, user, queue or tags in the caller's `store.write`; marks the ticket read unless
   * `keepUnread` (the automation routing a ticket is not someone reading it). Emits ticket_updated or
   * ticket_closed.
   */
  async function updateIn(
    q: Query,
    id: number,
    given: UpdateInput,
    opts: { keepUnread?: boolean } = {},
  ): Promise<TicketRow> {
    const { contacts, tickets } = store.t;
    const [current] = await q.select().from(tickets).where(eq(tickets.id, id));
    if (!current) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    const { acceptedBy, ...input } = given;
    if (
      acceptedBy !== undefined &&
      input.status === "open" &&
      input.userId === undefined &&
      current.userId === null
    )
      input.userId = acceptedBy;
    await assertRefsIn(q, input);
    if (current.status === "closed" && input.status && input.status !== "closed") {
      const [other] = await q
        .select({ id: tickets.id })
        .from(tickets)
        .where(
          and(
            eq(tickets.contactId, current.contactId),
            eq(tickets.connectionId, current.connectionId),
            ne(tickets.status, "closed"),
          ),
        )
        .limit(1);
      if (other)
        throw new AppError(
          "ERR_OPEN_TICKET_EXISTS",
          `Ticket #${other.id} is already open or pending for this contact on this connection`,
        );
    }
    const tagsChanged = input.tagIds !== undefined && (await replaceTagsIn(q, id, input.tagIds));
    const [next] = await q
      .update(tickets)
      .set({
        status: input.status ?? current.status,
        userId: input.userId === undefined ? current.userId : input.userId,
        queueId: input.queueId === undefined ? current.queueId : input.queueId,
        unreadMessages: opts.keepUnread ? current.unreadMessages : 0,
        updatedAt: new Date(clock()),
      })
      .where(eq(tickets.id, id))
      .returning();
    if (!next) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    const changed =
      tagsChanged ||
      next.status !== current.status ||
      next.userId !== current.userId ||
      next.queueId !== current.queueId;
    if (changed) {
      const [contact] = await q.select().from(contacts).where(eq(contacts.id, next.contactId));
      const data = { ...ticketEventData(next, contact!), oldStatus: current.status, newStatus: next.status };
      const closing = next.status === "closed" && current.status !== "closed";
      await events.emitIn(q, closing ? "ticket_closed" : "ticket_updated", next.connectionId, data);
    }
    return next;
  }

  const queueOfStmt = db.$client.query<{ queueId: number | null }, [number]>(
    "select queue_id as queueId from tickets where id = ?",
  );

  /** One ticket as the API shows it; 404 when there is none. */
  async function view(id: number): Promise<TicketView> {
    const [v] = await store.read((q) => loadViews(q, { id }));
    if (!v) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    return v;
  }

  // SQLite: statements compiled once (every send and every inbound message runs findOrCreateIn), on the writer
  // connection — the body's `q` inside a store.write. PostgreSQL builds the same two queries per call.
  const ph = (name: string) => sql.placeholder(name);
  const findOrCreateStmt =
    store.dialect === "sqlite"
      ? {
          open: db
            .select()
            .from(tickets)
            .where(
              and(
                eq(tickets.contactId, ph("contactId")),
                eq(tickets.connectionId, ph("connectionId")),
                ne(tickets.status, "closed"),
              ),
            )
            .prepare(),
          insert: db
            .insert(tickets)
            .values({
              status: ph("status"),
              contactId: ph("contactId"),
              connectionId: ph("connectionId"),
              queueId: ph("queueId"),
              userId: ph("userId"),
              createdAt: ph("createdAt"),
              updatedAt: ph("updatedAt"),
            })
            .returning()
            .prepare(),
        }
      : null;

  /** The contact's open or pending ticket on the connection (at most one: tickets_one_active_per_contact). */
  async function openTicketIn(
    q: Query,
    contactId: number,
    connectionId: number,
  ): Promise<TicketRow | undefined> {
    if (findOrCreateStmt) return findOrCreateStmt.open.get({ contactId, connectionId });
    const { tickets: table } = store.t;
    const [row] = await q
      .select()
      .from(table)
      .where(
        and(eq(table.contactId, contactId), eq(table.connectionId, connectionId), ne(table.status, "closed")),
      );
    return row;
  }

  async function insertTicketIn(
    q: Query,
    values: {
      status: TicketStatus;
      contactId: number;
      connectionId: number;
      queueId: number | null;
      userId: number | null;
      createdAt: Date;
      updatedAt: Date;
    },
  ): Promise<TicketRow | undefined> {
    if (findOrCreateStmt) return findOrCreateStmt.insert.get(values)!;
    // Undefined when another write created the contact's active ticket on the connection after this one read
    // (PostgreSQL: the insert waited for its commit; tickets_one_active_per_contact).
    const [row] = await q.insert(store.t.tickets).values(values).onConflictDoNothing().returning();
    return row;
  }

  /**
   * Reuses the contact's open or pending ticket on the connection, else creates one with `newStatus`, in the
   * caller's `store.write`. Assigning a user or queue never changes the status.
   */
  async function findOrCreateIn(
    q: Query,
    contact: typeof contacts.$inferSelect,
    connectionId: number,
    a: Assignment & { newStatus: TicketStatus; unreadIncrement?: number },
  ): Promise<{ ticket: TicketRow; created: boolean }> {
    const { tickets: table, ticketTags: tagTable } = store.t;
    await assertRefsIn(q, a);
    const now = new Date(clock());
    const existing = await openTicketIn(q, contact.id, connectionId);
    let ticket: TicketRow;
    let created = false;
    if (existing) {
      const patch: Partial<TicketRow> = {};
      if (a.queueId != null && a.queueId !== existing.queueId) patch.queueId = a.queueId;
      if (a.userId != null && a.userId !== existing.userId) patch.userId = a.userId;
      ticket = existing;
      if (Object.keys(patch).length > 0) {
        const [updated] = await q
          .update(table)
          .set({ ...patch, updatedAt: now })
          .where(eq(table.id, existing.id))
          .returning();
        ticket = updated!;
        await events.emitIn(q, "ticket_updated", connectionId, {
          ...ticketEventData(ticket, contact),
          oldStatus: existing.status,
          newStatus: ticket.status,
        });
      }
    } else {
      const inserted = await insertTicketIn(q, {
        status: a.newStatus,
        contactId: contact.id,
        connectionId,
        queueId: a.queueId ?? null,
        userId: a.userId ?? null,
        createdAt: now,
        updatedAt: now,
      });
      // Another write's ticket won (an inbound message and a send at once, on any node): reuse it, as if it had
      // been there when this one read.
      if (!inserted) return findOrCreateIn(q, contact, connectionId, a);
      ticket = inserted;
      created = true;
      await events.emitIn(q, "ticket_created", connectionId, ticketEventData(ticket, contact));
    }
    if (a.tagId != null)
      await q.insert(tagTable).values({ ticketId: ticket.id, tagId: a.tagId }).onConflictDoNothing();
    return { ticket, created };
  }

  /**
   * Where imported history goes: the contact's newest ticket on the connection, or a new closed one.
   * Nothing is emitted: imported history is the past, not news for webhooks.
   */
  async function findOrCreateImportedIn(q: Query, contact: { id: number }, connectionId: number) {
    const { tickets: table } = store.t;
    const [existing] = await q
      .select()
      .from(table)
      .where(and(eq(table.contactId, contact.id), eq(table.connectionId, connectionId)))
      .orderBy(desc(table.id))
      .limit(1);
    if (existing) return { ticket: existing, created: false };
    const now = new Date(clock());
    const [ticket] = await q
      .insert(table)
      .values({ status: "closed", contactId: contact.id, connectionId, createdAt: now, updatedAt: now })
      .returning();
    return { ticket: ticket!, created: true };
  }

  type ListFilter = { status?: TicketStatus; whatsappId?: number; queueId?: number; tagId?: number };
  const viewFilterOf = (f: ListFilter & TicketScope): TicketFilter => ({
    status: f.status,
    connectionId: f.whatsappId,
    queueId: f.queueId,
    tagId: f.tagId,
    view: f.view,
    userId: f.userId,
    queues: f.queues,
  });

  return {
    findOrCreateIn,
    findOrCreateImportedIn,
    updateIn,
    view,

    /** POST /tickets/:id/transfer (see transferIn): one `store.write`, then the ticket as the API shows it. */
    async transfer(id: number, input: TransferInput, by: { userId: number | null; name: string }) {
      await store.write((q) => transferIn(q, id, input, by));
      return view(id);
    },
    get: (id: number) => view(id),

    /**
     * A page of tickets by filter and tab; `count` is every ticket the filter matches. With `search`, the
     * matching tickets (newest activity first, see createTicketSearch) are paged in memory by offset or key.
     */
    async list(filter: ListFilter & TicketScope & { search?: string } & PageAt<TicketKey>) {
      const viewFilter = viewFilterOf(filter);
      // A search finds every committed message, the newest too: their bodies may still wait for the index.
      if (filter.search !== undefined) await store.searchIndexed();
      return store.read(async (q) => {
        if (filter.search !== undefined) {
          const { status, connectionId, queueId, tagId, view, userId, queues } = viewFilter;
          let matched = await matchingTickets(q, {
            search: filter.search,
            status,
            connectionId,
            queueId,
            scope: { view, userId, queues },
          });
          // With a tag too: the matches that carry it (looked up by the ticket_tags key).
          if (tagId !== undefined && matched.length > 0) {
            const tagged = new Set(
              await stmts.tagged(
                q,
                matched.map((r) => r.id),
                tagId,
              ),
            );
            matched = matched.filter((r) => tagged.has(r.id));
          }
          const after = filter.after;
          const start = after
            ? matched.findIndex(
                (r) => r.updatedAt < after[0] || (r.updatedAt === after[0] && r.id < after[1]),
              )
            : filter.offset;
          const from = start < 0 ? matched.length : start;
          const ids = matched.slice(from, from + filter.limit).map((r) => r.id);
          return {
            rows: ids.length > 0 ? await loadViews(q, { ids }) : [],
            count: matched.length,
            hasMore: from + filter.limit < matched.length,
          };
        }
        const { rows, hasMore } = takePage(await loadViews(q, viewFilter, filter), filter.limit);
        return { rows, count: await stmts.count(q, viewFilter), hasMore };
      }, ONE_SNAPSHOT);
    },

    /**
     * A page of the list without `search` as its keys only (id, updatedAt ms), read from the index that
     * gives the order; `count` and `hasMore` as `list` gives them. The rows come from `views`: the read
     * cache keeps their wire JSON and renders only the tickets that changed.
     */
    async listKeys(filter: ListFilter & TicketScope & PageAt<TicketKey>) {
      const viewFilter = viewFilterOf(filter);
      return store.read(async (q) => {
        const { rows, hasMore } = takePage(await stmts.pageKeys(q, viewFilter, filter), filter.limit);
        return { keys: rows, count: await stmts.count(q, viewFilter), hasMore };
      }, ONE_SNAPSHOT);
    },

    /** These tickets as the list shows them (those that exist), newest activity first. */
    async views(ids: number[]): Promise<TicketView[]> {
      return ids.length > 0 ? store.read((q) => loadViews(q, { ids })) : [];
    },

    /**
     * These tickets (those that exist, in no particular order) as rows of the list's wire columns, with their
     * tags ordered by name: what `views` gives, without building the objects (the list renders each row's
     * JSON once from these and keeps it). One statement per id count, looked up by primary key.
     */
    async wireRows(ids: number[]): Promise<{ row: TicketWireRow; tags: TicketTag[] }[]> {
      if (ids.length === 0) return [];
      return store.read(async (q) => {
        const rows = await stmts.wireRows(q, ids);
        if (rows.length === 0) return [];
        const tagRows = await stmts.tags(q, ids);
        if (tagRows.length === 0) return rows.map((row) => ({ row, tags: [] }));
        // The same order as `views`: by name.
        tagRows.sort(byName);
        return rows.map((row) => ({
          row,
          tags: tagRows
            .filter((t) => t.ticketId === row[0])
            .map(({ id, name, color }) => ({ id, name, color })),
        }));
      }, ONE_SNAPSHOT);
    },

    /** The number of tickets of each tab (with the same filters as the list), for the panel's tab badges. */
    async counts(
      filter: { status?: TicketStatus; whatsappId?: number; queueId?: number; tagId?: number },
      scope: { userId?: number; queues?: number[] | null },
    ) {
      const base: TicketFilter = {
        status: filter.status,
        connectionId: filter.whatsappId,
        queueId: filter.queueId,
        tagId: filter.tagId,
        queues: scope.queues,
      };
      return store.read(
        async (q) => ({
          mine:
            scope.userId === undefined
              ? null
              : await stmts.count(q, { ...base, view: "mine", userId: scope.userId }),
          queue: await stmts.count(q, { ...base, view: "queue" }),
          all: await stmts.count(q, base),
        }),
        ONE_SNAPSHOT,
      );
    },

    /**
     * `queueOf` for the SQLite SSE hub's synchronous per-event filter (src/http/event-streams.ts calls it while
     * it fans a batch out; the PostgreSQL hub reads `queuesOf` once per pass): the writer connection,
     * synchronously. Undefined for a ticket that is gone.
     */
    queueOfSync(id: number): number | null | undefined {
      return queueOfStmt.get(id)?.queueId;
    },

    /** The queues of the tickets among `ids` that exist (the PostgreSQL SSE hub's agent filters, per pass). */
    async queuesOf(ids: number[]): Promise<Map<number, number | null>> {
      if (ids.length === 0) return new Map();
      const rows = await store.read((q) => stmts.queuesOf(q, ids));
      return new Map(rows.map((r) => [r.id, r.queueId]));
    },

    /** The queue of a ticket, for visibility checks; throws 404 for an unknown ticket. */
    async queueOf(id: number): Promise<number | null> {
      const row = await store.read((q) => stmts.queueOf(q, id));
      if (!row) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
      return row.queueId;
    },

    /** PUT /tickets/:id (see updateIn): one `store.write`, then the ticket as the API shows it. */
    async updateById(id: number, input: UpdateInput) {
      await store.write((q) => updateIn(q, id, input));
      return view(id);
    },

    /**
     * POST /api/v1/tickets: validates the number on WhatsApp, then reuses the open/pending ticket of the
     * contact on that connection (created=false) or opens a new one (created=true, status open).
     */
    async createForNumber(input: { number: string; whatsappId?: number | null } & Assignment) {
      const number = normalizeNumber(input.number);
      const connection = await connectionsSvc.resolve(input.whatsappId);
      await store.read((q) => assertRefsIn(q, input));
      const gw = connectionsSvc.requireConnected(connection);
      const check = await gw.checkNumber(number);
      if (!check.exists) throw new AppError("ERR_WAPP_INVALID_CONTACT", `${number} is not on WhatsApp`);
      const profilePicUrl = await gw.profilePicUrl(check.number).catch(() => null);
      const { ticket, created } = await store.write(async (q) => {
        const { contact } = await contactsSvc.upsertIn(
          q,
          { number: check.number, profilePicUrl },
          connection.id,
        );
        return findOrCreateIn(q, contact, connection.id, { ...input, newStatus: "open" });
      });
      return { ticket: await view(ticket.id), created };
    },
  };
}

export type TicketService = ReturnType<typeof createTicketService>;
