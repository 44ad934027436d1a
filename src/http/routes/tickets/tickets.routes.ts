import { createRoute, z } from "@hono/zod-openapi";
import { pageAt } from "../../../domain/paging";
import { bodyDoc, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { cursorParam, NextCursor, nextCursorOf } from "../../cursor";
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
  ticketWire,
} from "../../wire";

const TicketStatus = z.enum(["pending", "open", "closed"]);

/** Exported: the MCP `list_tickets` tool derives its arguments from it. */
export const TicketListQuery = PageQuery.extend({
  status: TicketStatus.optional().openapi({ example: "open" }),
  whatsappId: positiveInt().optional(),
  queueId: positiveInt().optional(),
  tagId: positiveInt().optional().openapi({ description: "Only tickets carrying this tag" }),
  search: z.string().trim().max(200).optional().openapi({
    description:
      "Tickets whose contact name or number contains it, or that hold a message with all its words (any case, diacritics ignored, the last word as a prefix). Operators and quotes are plain text. Newest activity first; combinable with the other filters.",
    example: "maria factura",
  }),
  after: cursorParam("tickets"),
});

const MessagesQuery = PageQuery.extend({ after: cursorParam("messages") });

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

export const ticketsRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/tickets",
      tags: ["Tickets"],
      summary: "List tickets",
      description:
        "Newest activity first (`updatedAt DESC, id DESC`). Filters are exact matches; `search` narrows them to the tickets whose contact or messages match (an empty `search` is no filter). Page with `page` (offset) or with `after=<nextCursor>` (keyset: the same cost at any depth, and no row skipped or repeated when tickets move between pages).",
      request: { query: TicketListQuery },
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
    (c) => {
      const q = c.req.valid("query");
      const { services, readCache } = c.get("deps");
      const search = q.search || undefined;
      const key = `tickets:${q.status ?? ""}:${q.whatsappId ?? ""}:${q.queueId ?? ""}:${q.tagId ?? ""}:${q.page}:${q.limit}:${q.after ?? ""}:${search === undefined ? "" : JSON.stringify(search)}`;
      const body = readCache.get(key, () => {
        const result = services.tickets.list({ ...q, search, ...pageAt(q) });
        const nextCursor = nextCursorOf("tickets", result, (t) => [t.updatedAt.getTime(), t.id]);
        const { rows, count, hasMore } = result;
        return JSON.stringify({
          tickets: rows.map(ticketWire),
          count,
          hasMore,
          page: q.page,
          limit: q.limit,
          nextCursor,
        });
      });
      // The body is the already-serialized JSON of the typed shape above; the route's typing cannot see that.
      return c.body(body, 200, { "content-type": "application/json" }) as never;
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/tickets/{ticketId}",
      tags: ["Tickets"],
      summary: "Get a ticket",
      request: { params: TicketParam },
      responses: { 200: json(TicketSchema, "The ticket"), ...commonErrors },
    }),
    (c) => c.json(ticketWire(c.get("deps").services.tickets.get(c.req.valid("param").ticketId)), 200),
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
        "Marks the ticket read. Reopening a closed ticket while the contact has another open/pending ticket on the connection gives 409 ERR_OPEN_TICKET_EXISTS.",
      request: { params: TicketParam, body: bodyDoc(TicketUpdateBody, { status: "closed" }) },
      responses: {
        200: json(z.object({ message: z.string(), ticket: TicketSchema }), "Updated"),
        ...conflictErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, TicketUpdateBody);
      const ticket = c.get("deps").services.lifecycle.updateTicket(c.req.valid("param").ticketId, body);
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
    (c) => {
      const { ticketId } = c.req.valid("param");
      const q = c.req.valid("query");
      const { page, limit } = q;
      const { messages: svc, lifecycle } = c.get("deps").services;
      const result = svc.list(ticketId, pageAt(q));
      const { rows, count, hasMore } = result;
      const nextCursor = nextCursorOf("messages", result, (r) => [
        r.message.createdAt.getTime(),
        r.message.pk,
      ]);
      const reactions = lifecycle.reactionsOf(rows.map((r) => r.message.pk));
      const messages = rows.map((r) =>
        messageWire(r.message, r.contact, svc.mediaUrlOf, reactions.get(r.message.pk)),
      );
      return c.json({ messages, ticketId, count, hasMore, page, limit, nextCursor }, 200);
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
      await c.get("deps").services.lifecycle.typing(ticketId, body.state);
      return c.json({ ticketId, state: body.state }, 200);
    },
  );
