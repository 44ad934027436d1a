import { createRoute, z } from "@hono/zod-openapi";
import { visibleQueues } from "../../../domain/account.service";
import { pageAt } from "../../../domain/paging";
import type { TicketView } from "../../../domain/ticket.service";
import { AppError } from "../../../errors";
import { bodyDoc, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { cursorParam, NextCursor, nextCursorOf } from "../../cursor";
import { assertTicketVisible } from "../../visibility";
import {
  commonErrors,
  conflictErrors,
  IdParam,
  json,
  MessageSchema,
  messageWire,
  PageQuery,
  positiveInt,
  sendErrors,
  TicketSchema,
  ticketListJson,
  ticketWire,
} from "../../wire";

const TicketStatus = z.enum(["pending", "open", "closed"]);

const View = z.enum(["mine", "queue", "all"]).optional().openapi({
  description:
    "The panel's tabs: `mine` = assigned to me and not closed (signed-in users only); `queue` = pending and unassigned; `all` (the default) = every ticket I may see. Combines with the other filters.",
});

const CountsQuery = z.object({
  status: TicketStatus.optional().openapi({ example: "open" }),
  whatsappId: positiveInt().optional(),
  queueId: positiveInt().optional(),
  tagId: positiveInt().optional().openapi({ description: "Only tickets carrying this tag" }),
});

const MessagesQuery = PageQuery.extend({ after: cursorParam("messages") });

/** Exported: the MCP `list_tickets` tool derives its arguments from it (tokens have no `view=mine`). */
export const TicketListQuery = PageQuery.extend({
  ...CountsQuery.shape,
  search: z.string().trim().max(200).optional().openapi({
    description:
      "Tickets whose contact name or number contains it, or that hold a message with all its words (any case, diacritics ignored, the last word as a prefix). Operators and quotes are plain text. Newest activity first; combinable with the other filters.",
    example: "maria factura",
  }),
  after: cursorParam("tickets"),
});
const ListQuery = TicketListQuery.extend({ view: View });

const TransferBody = z
  .object({
    queueId: z.number().int().positive().nullish().openapi({ description: "The new queue; null: no queue" }),
    userId: z.number().int().positive().nullish().openapi({ description: "The new agent; null: unassigned" }),
    note: z.string().max(1000).nullish(),
  })
  .refine((b) => b.queueId !== undefined || b.userId !== undefined, {
    message: "Name a queueId and/or a userId",
    path: ["queueId"],
  });

const CreateBody = z.object({
  number: z.string().min(1),
  whatsappId: z.number().int().positive().nullish(),
  queueId: z.number().int().positive().nullish(),
  userId: z.number().int().positive().nullish(),
  tagsId: z.number().int().positive().nullish(),
});

export const TicketUpdateBody = z.object({
  status: TicketStatus.optional(),
  userId: z.number().int().positive().nullish(),
  queueId: z.number().int().positive().nullish(),
  tagIds: z
    .array(z.number().int().positive())
    .max(50)
    .optional()
    .openapi({ description: "The ticket's tags: replaces the whole set ([] removes all)" }),
});

const TypingBody = z.object({ state: z.enum(["composing", "paused"]) });

export const TicketParam = IdParam("ticketId");

const ticketRowJson = (t: TicketView) => JSON.stringify(ticketWire(t));

/** The list answer's JSON from its tickets' JSON texts (the shape the route declares). */
const listJson = (
  tickets: string[],
  count: number,
  hasMore: boolean,
  q: { page: number; limit: number },
  nextCursor: string | null,
) =>
  `{"tickets":[${tickets.join(",")}],"count":${count},"hasMore":${hasMore},"page":${q.page},"limit":${q.limit},"nextCursor":${JSON.stringify(nextCursor)}}`;

export const ticketsRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/tickets",
      tags: ["Tickets"],
      summary: "List tickets",
      description:
        "Newest activity first (`updatedAt DESC, id DESC`). Filters are exact matches; `search` narrows them to the tickets whose contact or messages match (an empty `search` is no filter). A signed-in agent sees only the tickets of their queues and those with no queue; supervisors, admins and API tokens see all. Page with `page` (offset) or with `after=<nextCursor>` (keyset: the same cost at any depth, and no row skipped or repeated when tickets move between pages).",
      request: { query: ListQuery },
      responses: {
        200: json(
          z.object({
            tickets: z.array(TicketSchema),
            count: z.number().int(),
            hasMore: z.boolean(),
            page: z.number().int(),
            limit: z.number().int(),
            nextCursor: NextCursor,
          }),
          "A page of tickets",
        ),
        ...commonErrors,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { services, readCache } = c.get("deps");
      const p = c.get("principal");
      if (q.view === "mine" && p.kind !== "user")
        throw new AppError(
          "ERR_VALIDATION",
          "view=mine needs a signed-in user (a token has no tickets of its own)",
          [{ path: "view", message: "mine is for signed-in users" }],
        );
      const queues = visibleQueues(p);
      const userId = p.kind === "user" ? p.id : undefined;
      const search = q.search || undefined;
      // Who asks is part of the key only when it changes the answer (an agent's queues, my tickets).
      const who = `${q.view === "mine" ? userId : ""}:${queues?.join(",") ?? ""}`;
      const key = `tickets:${q.status ?? ""}:${q.whatsappId ?? ""}:${q.queueId ?? ""}:${q.tagId ?? ""}:${q.page}:${q.limit}:${q.after ?? ""}:${q.view ?? ""}:${who}:${search === undefined ? "" : JSON.stringify(search)}`;
      const body =
        search !== undefined
          ? // A search also reads messages: any write may change its answer.
            await readCache.get(key, "any", async () => {
              const result = await services.tickets.list({ ...q, search, userId, queues, ...pageAt(q) });
              const nextCursor = nextCursorOf("tickets", result, (t) => [t.updatedAt.getTime(), t.id]);
              return listJson(result.rows.map(ticketRowJson), result.count, result.hasMore, q, nextCursor);
            })
          : await readCache.get(key, "tickets", async (keep) => {
              const page = await services.tickets.listKeys({ ...q, userId, queues, ...pageAt(q) });
              const nextCursor = nextCursorOf("tickets", { rows: page.keys, hasMore: page.hasMore }, (k) => [
                k.updatedAt,
                k.id,
              ]);
              const rows = await readCache.ticketRows(
                page.keys.map((k) => k.id),
                async (missing) =>
                  (await services.tickets.wireRows(missing)).map(({ row, tags }) => ({
                    id: row[0],
                    contactId: row[4],
                    json: ticketListJson(row, tags),
                  })),
                keep,
              );
              return listJson(rows, page.count, page.hasMore, q, nextCursor);
            });
      // The body is the already-serialized JSON of the typed shape above; the route's typing cannot see that.
      return c.body(body, 200, { "content-type": "application/json" }) as never;
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/tickets/counts",
      tags: ["Tickets"],
      summary: "How many tickets each tab holds",
      description:
        "`mine`, `queue` and `all` as `GET /tickets?view=` counts them, with the same filters and visibility; `mine` is null for an API token. Index-backed: cheap enough to poll.",
      request: { query: CountsQuery },
      responses: {
        200: json(
          z.object({ mine: z.number().int().nullable(), queue: z.number().int(), all: z.number().int() }),
          "Counts per tab",
          { mine: 3, queue: 5, all: 42 },
        ),
        ...commonErrors,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { services, readCache } = c.get("deps");
      const p = c.get("principal");
      const userId = p.kind === "user" ? p.id : undefined;
      const queues = visibleQueues(p);
      // Polled with the list (every panel reloads both after each ticket event): kept until a ticket or its tags
      // change, as the list is. Who asks is in the key: `mine` is theirs, an agent counts only their queues.
      const key = `counts:${q.status ?? ""}:${q.whatsappId ?? ""}:${q.queueId ?? ""}:${q.tagId ?? ""}:${userId ?? ""}:${queues?.join(",") ?? ""}`;
      const body = await readCache.get(key, "tickets", async () =>
        JSON.stringify(await services.tickets.counts(q, { userId, queues })),
      );
      // The body is the serialized JSON of the typed shape above; the route's typing cannot see that.
      return c.body(body, 200, { "content-type": "application/json" }) as never;
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/tickets/{ticketId}",
      tags: ["Tickets"],
      summary: "Get a ticket",
      description: "404 also for a ticket the signed-in agent may not see.",
      request: { params: TicketParam },
      responses: { 200: json(TicketSchema, "The ticket"), ...commonErrors },
    }),
    async (c) => {
      const { ticketId } = c.req.valid("param");
      await assertTicketVisible(c, ticketId);
      return c.json(ticketWire(await c.get("deps").services.tickets.get(ticketId)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tickets",
      tags: ["Tickets"],
      summary: "Create a ticket (or reuse the contact's open one)",
      description:
        "Validates the number on WhatsApp. If the contact already has an open or pending ticket on the connection it is returned with 200; otherwise a new `open` ticket is created (201).",
      request: { body: bodyDoc(CreateBody, { number: "595991234567", whatsappId: 2, queueId: 1 }) },
      responses: {
        201: json(z.object({ message: z.string(), ticket: TicketSchema }), "Created"),
        200: json(
          z.object({ message: z.string(), ticket: TicketSchema }),
          "Existing open/pending ticket reused",
        ),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, CreateBody);
      const { ticket, created } = await c
        .get("deps")
        .services.tickets.createForNumber({ ...body, tagId: body.tagsId });
      return created
        ? c.json({ message: "Ticket created successfully", ticket: ticketWire(ticket) }, 201)
        : c.json({ message: "Ticket already open", ticket: ticketWire(ticket) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/tickets/{ticketId}",
      tags: ["Tickets"],
      summary: "Update status, user, queue or tags",
      description:
        "Marks the ticket read. Reopening a closed ticket while the contact has another open/pending ticket on the connection gives 409 ERR_OPEN_TICKET_EXISTS. Accepting: a signed-in user who sets `status: open` on an unassigned ticket without naming a `userId` is assigned to it.",
      request: { params: TicketParam, body: bodyDoc(TicketUpdateBody, { status: "closed" }) },
      responses: {
        200: json(z.object({ message: z.string(), ticket: TicketSchema }), "Updated"),
        ...conflictErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, TicketUpdateBody);
      const { ticketId } = c.req.valid("param");
      await assertTicketVisible(c, ticketId);
      const p = c.get("principal");
      const ticket = await c.get("deps").services.lifecycle.updateTicket(ticketId, {
        ...body,
        acceptedBy: p.kind === "user" ? p.id : undefined,
      });
      return c.json({ message: "Ticket updated successfully", ticket: ticketWire(ticket) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/tickets/{ticketId}/messages",
      tags: ["Messages"],
      summary: "List a ticket's messages",
      description:
        "Newest first. Does not mark the ticket read. Page with `page` (offset) or `after=<nextCursor>` (keyset).",
      request: { params: TicketParam, query: MessagesQuery },
      responses: {
        200: json(
          z.object({
            messages: z.array(MessageSchema),
            ticketId: z.number().int(),
            count: z.number().int(),
            hasMore: z.boolean(),
            page: z.number().int(),
            limit: z.number().int(),
            nextCursor: NextCursor,
          }),
          "A page of messages",
        ),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { ticketId } = c.req.valid("param");
      const q = c.req.valid("query");
      const { page, limit } = q;
      const { services } = c.get("deps");
      const { messages: svc, lifecycle } = services;
      await assertTicketVisible(c, ticketId);
      // The page and its count in one store read, then the page's reactions (a message written between the two
      // reads may be counted before it is shown: the next page shows it).
      const result = await svc.list(ticketId, pageAt(q));
      const { rows, count, hasMore } = result;
      const nextCursor = nextCursorOf("messages", result, (r) => [
        r.message.createdAt.getTime(),
        r.message.pk,
      ]);
      const reactions = await lifecycle.reactionsOf(rows.map((r) => r.message.pk));
      const messages = rows.map((r) =>
        messageWire(r.message, r.contact, svc.mediaUrlOf, reactions.get(r.message.pk)),
      );
      const body = JSON.stringify({ messages, ticketId, count, hasMore, page, limit, nextCursor });
      // The body is the serialized JSON of the typed shape above; the route's typing cannot see that.
      return c.body(body, 200, { "content-type": "application/json" }) as never;
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tickets/{ticketId}/typing",
      tags: ["Tickets"],
      summary: 'Show or stop "typing…" in the customer\'s chat',
      description:
        "`composing` shows the agent typing on the customer's phone; `paused` stops it. WhatsApp clears it by itself after a while; send `composing` again every ~10 s while typing.",
      request: { params: TicketParam, body: bodyDoc(TypingBody, { state: "composing" }) },
      responses: {
        200: json(z.object({ ticketId: z.number().int(), state: z.string() }), "Sent", {
          ticketId: 1,
          state: "composing",
        }),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, TypingBody);
      const { ticketId } = c.req.valid("param");
      await assertTicketVisible(c, ticketId);
      await c.get("deps").services.lifecycle.typing(ticketId, body.state);
      return c.json({ ticketId, state: body.state }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/tickets/{ticketId}/transfer",
      tags: ["Tickets"],
      summary: "Transfer a ticket to a queue and/or an agent",
      description: [
        "One action: to an agent (`userId`), the ticket becomes theirs and `open`; to a queue only (`queueId`), it goes back to that queue's waiting list (unassigned, `pending`); both together set both. An agent (role `agent`) must work in the ticket's queue (400 otherwise). A closed ticket is 409 ERR_TICKET_CLOSED.",
        "A system line is stored in the conversation (`isSystem: true`, `mediaType: system`, `system` tells from/to/by/note; never sent to WhatsApp) and `ticket_updated` is emitted with `transfer`.",
      ].join("\n\n"),
      request: {
        params: TicketParam,
        body: bodyDoc(TransferBody, { queueId: 2, userId: 3, note: "Cliente pide factura" }),
      },
      responses: {
        200: json(z.object({ message: z.string(), ticket: TicketSchema }), "Transferred"),
        ...conflictErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, TransferBody);
      const { ticketId } = c.req.valid("param");
      await assertTicketVisible(c, ticketId);
      const p = c.get("principal");
      const by = p.kind === "user" ? { userId: p.id, name: p.name } : { userId: null, name: p.name };
      const ticket = await c.get("deps").services.tickets.transfer(ticketId, body, by);
      return c.json({ message: "Ticket transferred", ticket: ticketWire(ticket) }, 200);
    },
  );
