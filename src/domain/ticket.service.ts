import { randomUUID } from "node:crypto";
import { and, desc, eq, ne, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../db/client";
import { contacts, messages, queues, tags, tickets, ticketTags, userQueues, users } from "../db/schema";
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

type ViewRow = {
  id: number;
  status: TicketStatus;
  contactId: number;
  connectionId: number;
  queueId: number | null;
  userId: number | null;
  unreadMessages: number;
  lastMessage: string;
  rating: number | null;
  ratedAt: number | null;
  createdAt: number;
  updatedAt: number;
  cNumber: string;
  cName: string;
  cEmail: string;
  cPic: string | null;
  cIsGroup: number;
  cLid: string | null;
  cCreatedAt: number;
  cUpdatedAt: number;
  wName: string;
  wNumber: string | null;
  qName: string | null;
  qColor: string | null;
  uName: string | null;
  uEmail: string | null;
};

const VIEW_SELECT = `select t.id, t.status, t.contact_id as contactId, t.connection_id as connectionId,
  t.queue_id as queueId, t.user_id as userId, t.unread_messages as unreadMessages, t.last_message as lastMessage,
  t.rating, t.rated_at as ratedAt, t.created_at as createdAt, t.updated_at as updatedAt,
  c.number as cNumber, c.name as cName, c.email as cEmail, c.profile_pic_url as cPic, c.is_group as cIsGroup,
  c.lid as cLid, c.created_at as cCreatedAt, c.updated_at as cUpdatedAt,
  w.name as wName, w.number as wNumber, q.name as qName, q.color as qColor, u.name as uName, u.email as uEmail
from tickets t
join contacts c on c.id = t.contact_id
join connections w on w.id = t.connection_id
left join queues q on q.id = t.queue_id
left join users u on u.id = t.user_id`;

/**
 * One ticket of a list page as the wire shows it, columns in the order of the wire's fields (see
 * `ticketListJson` in http/wire.ts): only what the list shows, as SQLite stores it (dates in ms, isGroup 0/1).
 */
export type TicketWireRow = [
  id: number,
  status: TicketStatus,
  lastMessage: string,
  unreadMessages: number,
  contactId: number,
  connectionId: number,
  queueId: number | null,
  userId: number | null,
  rating: number | null,
  ratedAt: number | null,
  createdAt: number,
  updatedAt: number,
  contactName: string,
  contactNumber: string,
  contactEmail: string,
  contactPic: string | null,
  contactIsGroup: number,
  connectionName: string,
  connectionNumber: string | null,
  queueName: string | null,
  queueColor: string | null,
  userName: string | null,
  userEmail: string | null,
];

/** A tag as a ticket shows it. */
export type TicketTag = { id: number; name: string; color: string };

/** The columns of `TicketWireRow` for these ticket ids (one `?` each). */
const wireRowsSelect = (n: number) => `select t.id, t.status, t.last_message, t.unread_messages, t.contact_id,
  t.connection_id, t.queue_id, t.user_id, t.rating, t.rated_at, t.created_at, t.updated_at,
  c.name, c.number, c.email, c.profile_pic_url, c.is_group, w.name, w.number, q.name, q.color, u.name, u.email
from tickets t
join contacts c on c.id = t.contact_id
join connections w on w.id = t.connection_id
left join queues q on q.id = t.queue_id
left join users u on u.id = t.user_id
where t.id in (${Array.from({ length: n }, () => "?").join(",")})`;

const TAGS_SELECT = `select tt.ticket_id as ticketId, g.id, g.name, g.color
from ticket_tags tt join tags g on g.id = tt.tag_id
where tt.ticket_id in (select value from json_each(?))`;

/** The ticket list's ORDER BY key: updatedAt (ms), id. */
export type TicketKey = readonly [number, number];

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

  type ViewFilter = {
    id?: number;
    /** Exactly these tickets (a search's page), in the list's order. */
    ids?: number[];
    /** The rows are looked up by id (a search): keep the tab indexes out of the plan. */
    byKey?: boolean;
    status?: TicketStatus;
    connectionId?: number;
    queueId?: number;
    tagId?: number;
  } & TicketScope;
  const matchingTickets = createTicketSearch(db, contactsSvc, deps.config.searchMaxMatches);

  /**
   * The one place a ticket filter becomes SQL, on alias `t`: the page query reads `tickets t`, the count
   * `ticket_counts t` (same column names). The tab conditions are written exactly as the partial indexes
   * tickets_mine_idx and tickets_unassigned_idx are, so SQLite uses them; the agent's queue filter wraps
   * queue_id in coalesce(), so it never displaces the index that gives the order. `byKey` (a search's
   * matches, looked up by id) puts `+` before the tab columns so no index on them competes with the ids.
   */
  function whereOf(filter: ViewFilter): { where: string; args: (string | number)[] } {
    const conds: string[] = [];
    const args: (string | number)[] = [];
    const add = (cond: string, value: string | number | undefined) => {
      if (value === undefined) return;
      conds.push(cond);
      args.push(value);
    };
    add("t.id = ?", filter.id);
    add("t.id in (select value from json_each(?))", filter.ids && JSON.stringify(filter.ids));
    add("t.status = ?", filter.status);
    add("t.connection_id = ?", filter.connectionId);
    add("t.queue_id = ?", filter.queueId);
    add("exists (select 1 from ticket_tags tt where tt.ticket_id = t.id and tt.tag_id = ?)", filter.tagId);
    const col = (name: string) => `${filter.byKey ? "+" : ""}t.${name}`;
    if (filter.view === "mine") {
      add(`${col("user_id")} = ?`, filter.userId ?? 0);
      conds.push(`${col("status")} <> 'closed'`);
    } else if (filter.view === "queue")
      conds.push(`${col("status")} = 'pending' and ${col("user_id")} is null`);
    if (filter.queues)
      add("coalesce(t.queue_id, 0) in (select value from json_each(?))", JSON.stringify(filter.queues));
    return { where: conds.join(" and "), args };
  }

  /**
   * `with page as (…)`: the ids of one page (limit + 1 rows, the extra one tells whether more follow), from
   * the index alone — skipped rows cost an index step, not five joins. Keyset pages seek past the
   * cursor's (updatedAt, id) in the same indexes as the ORDER BY.
   */
  function pageCte(filter: ViewFilter, page: PageAt<TicketKey>): { text: string; args: (string | number)[] } {
    const select = pageSelect(filter, page, "t.id");
    return { text: `with page as (${select.text})`, args: select.args };
  }

  /** The page's rows from the index alone: limit + 1 of them, the extra one tells whether more follow. */
  function pageSelect(
    filter: ViewFilter,
    page: PageAt<TicketKey>,
    columns: string,
  ): { text: string; args: (string | number)[] } {
    const { where: cond, args } = whereOf(filter);
    const where = [cond, page.after ? "(t.updated_at, t.id) < (?, ?)" : ""].filter(Boolean).join(" and ");
    if (page.after) args.push(...page.after);
    args.push(page.limit + 1, page.after ? 0 : page.offset);
    return {
      text: `select ${columns} from tickets t${where ? ` where ${where}` : ""}
        order by t.updated_at desc, t.id desc limit ? offset ?`,
      args,
    };
  }

  /**
   * Tickets with contact, connection, queue, user and tags, newest activity first. Raw SQL on statements
   * SQLite compiles once (bun:sqlite caches them by text): the ticket list is the hottest read of the API.
   * It runs on the caller's connection, so inside a transaction it sees that transaction's writes.
   */
  function loadViews(filter: ViewFilter, page?: PageAt<TicketKey>): TicketView[] {
    let text: string;
    let args: (string | number)[];
    if (page) {
      const cte = pageCte(filter, page);
      text = `${cte.text} ${VIEW_SELECT.replace("from tickets t", "from page p join tickets t on t.id = p.id")}`;
      args = cte.args;
    } else {
      // A few ids (a search's page) are looked up by key and put in order below, not sorted by an index scan.
      const { where, args: whereArgs } = whereOf(filter);
      text = `${VIEW_SELECT}${where ? ` where ${where}` : ""}${filter.ids ? "" : " order by t.updated_at desc, t.id desc"}`;
      args = whereArgs;
    }
    const rows = db.$client.query<ViewRow, (string | number)[]>(text).all(...args);
    if (page || filter.ids) rows.sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
    if (rows.length === 0) return [];
    const tagRows = db.$client
      .query<{ ticketId: number; id: number; name: string; color: string }, [string]>(TAGS_SELECT)
      .all(JSON.stringify(rows.map((r) => r.id)))
      // A page's few tags are ordered here rather than by a sort in SQLite.
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return rows.map((r) => ({
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
      queue:
        r.queueId !== null && r.qName !== null ? { id: r.queueId, name: r.qName, color: r.qColor! } : null,
      user: r.userId !== null && r.uName !== null ? { id: r.userId, name: r.uName, email: r.uEmail! } : null,
      tags: tagRows.filter((t) => t.ticketId === r.id).map(({ id, name, color }) => ({ id, name, color })),
    }));
  }

  /**
   * The number of tickets a list matches. Without a tab it is summed from the trigger-maintained
   * ticket_counts (O(groups), not O(matching tickets)); a tab counts its partial index, which holds only
   * the open work of one agent (mine) or the waiting tickets (queue).
   */
  function count(filter: ViewFilter): number {
    // A tag's tickets are counted from ticket_tags (index-backed by tag), with the other conditions on them.
    if (filter.tagId !== undefined) {
      const { where, args } = whereOf({ ...filter, tagId: undefined });
      return (
        db.$client
          .query<{ n: number }, (string | number)[]>(
            `select count(*) as n from ticket_tags tt join tickets t on t.id = tt.ticket_id where tt.tag_id = ?${where ? ` and ${where}` : ""}`,
          )
          .get(filter.tagId, ...args)?.n ?? 0
      );
    }
    if (filter.view === "mine" || filter.view === "queue") {
      const { where, args } = whereOf(filter);
      return (
        db.$client
          .query<{ n: number }, (string | number)[]>(`select count(*) as n from tickets t where ${where}`)
          .get(...args)?.n ?? 0
      );
    }
    // ticket_counts has the filter's columns under the same names (queue_id 0 = none), so the list's own
    // where clause applies to it.
    const { where, args } = whereOf(filter);
    return (
      db.$client
        .query<{ n: number }, (string | number)[]>(
          `select coalesce(sum(n), 0) as n from ticket_counts t${where ? ` where ${where}` : ""}`,
        )
        .get(...args)?.n ?? 0
    );
  }

  /**
   * Moves a ticket to a queue and/or an agent in one step. To an agent: it becomes theirs and open. To a
   * queue only: it goes back to that queue's waiting list (unassigned, pending). A system line records it
   * in the conversation (never sent to WhatsApp), and ticket_updated carries `transfer`.
   */
  function transfer(tx: Tx, id: number, input: TransferInput, by: { userId: number | null; name: string }) {
    const current = tx.select().from(tickets).where(eq(tickets.id, id)).get();
    if (!current) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    if (current.status === "closed")
      throw new AppError("ERR_TICKET_CLOSED", "A closed ticket cannot be transferred: reopen it first");
    assertRefs(tx, input);
    const toUser =
      input.userId !== undefined ? input.userId : input.queueId !== undefined ? null : current.userId;
    const toQueue = input.queueId !== undefined ? input.queueId : current.queueId;
    if (toUser !== null && toQueue !== null) {
      const agent = tx
        .select({ name: users.name, role: users.role })
        .from(users)
        .where(eq(users.id, toUser))
        .get();
      const works = tx
        .select({ q: userQueues.queueId })
        .from(userQueues)
        .where(and(eq(userQueues.userId, toUser), eq(userQueues.queueId, toQueue)))
        .get();
      // An agent sees only the tickets of their queues: the ticket would vanish from their list.
      if (agent?.role === "agent" && !works)
        throw new AppError("ERR_VALIDATION", `${agent.name} does not work in queue #${toQueue}`, [
          { path: "userId", message: "The agent is not in the ticket's queue" },
        ]);
    }
    const status: TicketStatus = toUser !== null ? "open" : "pending";
    const now = clock();
    const next = tx
      .update(tickets)
      .set({ userId: toUser, queueId: toQueue, status, updatedAt: new Date(now) })
      .where(eq(tickets.id, id))
      .returning()
      .get()!;
    const names = (table: typeof queues | typeof users, rowId: number | null) =>
      rowId === null
        ? null
        : (tx.select({ name: table.name }).from(table).where(eq(table.id, rowId)).get()?.name ?? null);
    const note = input.note?.trim() ? input.note.trim() : null;
    const data = {
      type: "transfer",
      fromQueueId: current.queueId,
      toQueueId: toQueue,
      fromUserId: current.userId,
      toUserId: toUser,
      byUserId: by.userId,
      byName: by.name,
      toQueueName: names(queues, toQueue),
      toUserName: names(users, toUser),
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
    tx.insert(messages)
      .values({
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
      })
      .run();
    const contact = tx.select().from(contacts).where(eq(contacts.id, next.contactId)).get()!;
    events.emit(tx, "ticket_updated", next.connectionId, {
      ...ticketEventData(next, contact),
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

  function view(id: number): TicketView {
    const v = loadViews({ id })[0];
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

  const queueOfStmt = db.$client.query<{ queueId: number | null }, [number]>(
    "select queue_id as queueId from tickets where id = ?",
  );

  // Compiled once (every send and every inbound message runs findOrCreate); they run on the connection the
  // caller's transaction holds, so they are part of it.
  const ph = (name: string) => sql.placeholder(name);
  const findOrCreateStmt = {
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
  };

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
    const existing = findOrCreateStmt.open.get({ contactId: contact.id, connectionId });
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
      ticket = findOrCreateStmt.insert.get({
        status: a.newStatus,
        contactId: contact.id,
        connectionId,
        queueId: a.queueId ?? null,
        userId: a.userId ?? null,
        createdAt: now,
        updatedAt: now,
      })!;
      created = true;
      events.emit(tx, "ticket_created", connectionId, ticketEventData(ticket, contact));
    }
    if (a.tagId != null)
      tx.insert(ticketTags).values({ ticketId: ticket.id, tagId: a.tagId }).onConflictDoNothing().run();
    return { ticket, created };
  }

  /** Replaces the ticket's tags with `tagIds`; says whether the set changed. */
  function replaceTags(tx: Tx, ticketId: number, tagIds: number[]) {
    const wanted = new Set(tagIds);
    for (const tagId of wanted)
      if (!tx.select({ id: tags.id }).from(tags).where(eq(tags.id, tagId)).get())
        throw new AppError("ERR_TAG_NOT_FOUND", `Tag #${tagId} not found`);
    const had = new Set(
      tx
        .select({ tagId: ticketTags.tagId })
        .from(ticketTags)
        .where(eq(ticketTags.ticketId, ticketId))
        .all()
        .map((r) => r.tagId),
    );
    let changed = false;
    for (const tagId of had)
      if (!wanted.has(tagId)) {
        tx.delete(ticketTags)
          .where(and(eq(ticketTags.ticketId, ticketId), eq(ticketTags.tagId, tagId)))
          .run();
        changed = true;
      }
    for (const tagId of wanted)
      if (!had.has(tagId)) {
        tx.insert(ticketTags).values({ ticketId, tagId }).run();
        changed = true;
      }
    return changed;
  }

  /**
   * Changes status, user, queue or tags; marks the ticket read unless `keepUnread` (the automation routing
   * a ticket is not someone reading it). Emits ticket_updated or ticket_closed.
   */
  function update(
    tx: Tx,
    id: number,
    given: {
      status?: TicketStatus;
      userId?: number | null;
      queueId?: number | null;
      /** Replaces the ticket's tags ([] removes all). */
      tagIds?: number[];
      /** The signed-in user making the change: opening an unassigned ticket (accepting it) assigns it to them. */
      acceptedBy?: number;
    },
    opts: { keepUnread?: boolean } = {},
  ) {
    const current = tx.select().from(tickets).where(eq(tickets.id, id)).get();
    if (!current) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
    const { acceptedBy, ...input } = given;
    if (
      acceptedBy !== undefined &&
      input.status === "open" &&
      input.userId === undefined &&
      current.userId === null
    )
      input.userId = acceptedBy;
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
    const tagsChanged = input.tagIds !== undefined && replaceTags(tx, id, input.tagIds);
    const next = tx
      .update(tickets)
      .set({
        status: input.status ?? current.status,
        userId: input.userId === undefined ? current.userId : input.userId,
        queueId: input.queueId === undefined ? current.queueId : input.queueId,
        unreadMessages: opts.keepUnread ? current.unreadMessages : 0,
        updatedAt: new Date(clock()),
      })
      .where(eq(tickets.id, id))
      .returning()
      .get()!;
    const changed =
      tagsChanged ||
      next.status !== current.status ||
      next.userId !== current.userId ||
      next.queueId !== current.queueId;
    if (changed) {
      const contact = tx.select().from(contacts).where(eq(contacts.id, next.contactId)).get()!;
      const data = { ...ticketEventData(next, contact), oldStatus: current.status, newStatus: next.status };
      const closing = next.status === "closed" && current.status !== "closed";
      events.emit(tx, closing ? "ticket_closed" : "ticket_updated", next.connectionId, data);
    }
    return next;
  }

  /**
   * Where imported history goes: the contact's newest ticket on the connection, or a new closed one.
   * Nothing is emitted: imported history is the past, not news for webhooks.
   */
  function findOrCreateImported(tx: Tx, contact: { id: number }, connectionId: number) {
    const existing = tx
      .select()
      .from(tickets)
      .where(and(eq(tickets.contactId, contact.id), eq(tickets.connectionId, connectionId)))
      .orderBy(desc(tickets.id))
      .limit(1)
      .get();
    if (existing) return { ticket: existing, created: false };
    const now = new Date(clock());
    const ticket = tx
      .insert(tickets)
      .values({ status: "closed", contactId: contact.id, connectionId, createdAt: now, updatedAt: now })
      .returning()
      .get();
    return { ticket, created: true };
  }

  type ListFilter = { status?: TicketStatus; whatsappId?: number; queueId?: number; tagId?: number };
  const viewFilterOf = (f: ListFilter & TicketScope): ViewFilter => ({
    status: f.status,
    connectionId: f.whatsappId,
    queueId: f.queueId,
    tagId: f.tagId,
    view: f.view,
    userId: f.userId,
    queues: f.queues,
  });

  return {
    findOrCreate,
    findOrCreateImported,
    transfer,
    update,
    view,
    get: (id: number) => view(id),

    /**
     * A page of tickets by filter and tab; `count` is every ticket the filter matches. With `search`, the
     * matching tickets (newest activity first, see createTicketSearch) are paged in memory by offset or key.
     */
    list(filter: ListFilter & TicketScope & { search?: string } & PageAt<TicketKey>) {
      const viewFilter = viewFilterOf(filter);
      if (filter.search !== undefined) {
        const { status, connectionId, queueId, tagId, ...scope } = viewFilter;
        let matched = matchingTickets({
          search: filter.search,
          status,
          connectionId,
          queueId,
          scope: whereOf({ ...scope, byKey: true }),
        });
        // With a tag too: the matches that carry it (looked up by the ticket_tags key).
        if (tagId !== undefined && matched.length > 0) {
          const tagged = new Set(
            db.$client
              .query<{ id: number }, [string, number]>(
                "select ticket_id as id from ticket_tags where ticket_id in (select value from json_each(?)) and tag_id = ?",
              )
              .all(JSON.stringify(matched.map((r) => r.id)), tagId)
              .map((r) => r.id),
          );
          matched = matched.filter((r) => tagged.has(r.id));
        }
        const after = filter.after;
        const start = after
          ? matched.findIndex((r) => r.updatedAt < after[0] || (r.updatedAt === after[0] && r.id < after[1]))
          : filter.offset;
        const from = start < 0 ? matched.length : start;
        const ids = matched.slice(from, from + filter.limit).map((r) => r.id);
        return {
          rows: ids.length > 0 ? loadViews({ ids }) : [],
          count: matched.length,
          hasMore: from + filter.limit < matched.length,
        };
      }
      const { rows, hasMore } = takePage(loadViews(viewFilter, filter), filter.limit);
      return { rows, count: count(viewFilter), hasMore };
    },

    /**
     * A page of the list without `search` as its keys only (id, updatedAt ms), read from the index that
     * gives the order; `count` and `hasMore` as `list` gives them. The rows come from `views`: the read
     * cache keeps their wire JSON and renders only the tickets that changed.
     */
    listKeys(filter: ListFilter & TicketScope & PageAt<TicketKey>) {
      const viewFilter = viewFilterOf(filter);
      const select = pageSelect(viewFilter, filter, "t.id, t.updated_at as updatedAt");
      const keys = db.$client
        .query<{ id: number; updatedAt: number }, (string | number)[]>(select.text)
        .all(...select.args);
      const { rows, hasMore } = takePage(keys, filter.limit);
      return { keys: rows, count: count(viewFilter), hasMore };
    },

    /** These tickets as the list shows them (those that exist), newest activity first. */
    views(ids: number[]): TicketView[] {
      return ids.length > 0 ? loadViews({ ids }) : [];
    },

    /**
     * These tickets (those that exist, in no particular order) as rows of the list's wire columns, with their
     * tags ordered by name: what `views` gives, without building the objects (the list renders each row's
     * JSON once from these and keeps it). One statement per id count, looked up by primary key.
     */
    wireRows(ids: number[]): { row: TicketWireRow; tags: TicketTag[] }[] {
      if (ids.length === 0) return [];
      const rows = db.$client
        .query<TicketWireRow, number[]>(wireRowsSelect(ids.length))
        .values(...ids) as TicketWireRow[];
      if (rows.length === 0) return [];
      const tagRows = db.$client
        .query<{ ticketId: number; id: number; name: string; color: string }, [string]>(TAGS_SELECT)
        .all(JSON.stringify(ids));
      if (tagRows.length === 0) return rows.map((row) => ({ row, tags: [] }));
      // The same order as `views`: by name, a page's few tags sorted here rather than in SQLite.
      tagRows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return rows.map((row) => ({
        row,
        tags: tagRows
          .filter((t) => t.ticketId === row[0])
          .map(({ id, name, color }) => ({ id, name, color })),
      }));
    },

    /** The number of tickets of each tab (with the same filters as the list), for the panel's tab badges. */
    counts(
      filter: { status?: TicketStatus; whatsappId?: number; queueId?: number; tagId?: number },
      scope: { userId?: number; queues?: number[] | null },
    ) {
      const base = {
        status: filter.status,
        connectionId: filter.whatsappId,
        queueId: filter.queueId,
        tagId: filter.tagId,
        queues: scope.queues,
      };
      return {
        mine: scope.userId === undefined ? null : count({ ...base, view: "mine", userId: scope.userId }),
        queue: count({ ...base, view: "queue" }),
        all: count(base),
      };
    },

    /** The queue of a ticket, for visibility checks; throws 404 for an unknown ticket. */
    queueOf(id: number): number | null {
      const row = queueOfStmt.get(id);
      if (!row) throw new AppError("ERR_TICKET_NOT_FOUND", "Ticket not found");
      return row.queueId;
    },

    updateById(
      id: number,
      input: {
        status?: TicketStatus;
        userId?: number | null;
        queueId?: number | null;
        tagIds?: number[];
        acceptedBy?: number;
      },
    ) {
      return db.transaction((tx) => {
        update(tx, id, input);
        return view(id);
      });
    },

    /**
     * POST /api/v1/tickets: validates the number on WhatsApp, then reuses the open/pending ticket of the
     * contact on that connection (created=false) or opens a new one (created=true, status open).
     */
    async createForNumber(input: { number: string; whatsappId?: number | null } & Assignment) {
      const number = normalizeNumber(input.number);
      const connection = await connectionsSvc.resolve(input.whatsappId);
      assertRefs(db, input);
      const gw = connectionsSvc.requireConnected(connection);
      const check = await gw.checkNumber(number);
      if (!check.exists) throw new AppError("ERR_WAPP_INVALID_CONTACT", `${number} is not on WhatsApp`);
      const profilePicUrl = await gw.profilePicUrl(check.number).catch(() => null);
      return db.transaction((tx) => {
        const { contact } = contactsSvc.upsert(tx, { number: check.number, profilePicUrl }, connection.id);
        const { ticket, created } = findOrCreate(tx, contact, connection.id, { ...input, newStatus: "open" });
        return { ticket: view(ticket.id), created };
      });
    },
  };
}

export type TicketService = ReturnType<typeof createTicketService>;
