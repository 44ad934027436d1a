import { createRoute, z } from "@hono/zod-openapi";
import { visibleQueues } from "../../../domain/account.service";
import { createRouter } from "../../create-router";
import { assertTicketVisible } from "../../visibility";
import { commonErrors, json, MessageSchema, messageWire, PageQuery, positiveInt } from "../../wire";

const SearchQuery = PageQuery.extend({
  ticketId: positiveInt().optional().openapi({ description: "Only this ticket's messages" }),
  q: z.string().trim().min(1).max(200).openapi({
    description:
      "Words the body must all hold (any case, diacritics ignored, the last word as a prefix); operators and quotes are plain text",
    example: "factura",
  }),
});

const HitSchema = MessageSchema.extend({
  ticket: z.object({
    id: z.number().int(),
    status: z.enum(["pending", "open", "closed"]),
    contact: z.object({ id: z.number().int(), name: z.string(), number: z.string() }),
  }),
});

export const messageSearchRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/messages/search",
    tags: ["Messages"],
    summary: "Search message text",
    description:
      "Messages whose body matches, newest first, each with its ticket and the ticket's contact (to open the conversation). `contact` is the sender, as in the ticket's message list.",
    request: { query: SearchQuery },
    responses: {
      200: json(
        z.object({
          messages: z.array(HitSchema),
          count: z.number().int(),
          hasMore: z.boolean(),
          page: z.number().int(),
          limit: z.number().int(),
        }),
        "A page of matching messages",
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { q, page, limit, ticketId } = c.req.valid("query");
    const { messageSearch, messages: svc, lifecycle } = c.get("deps").services;
    if (ticketId !== undefined) await assertTicketVisible(c, ticketId);
    const queues = visibleQueues(c.get("principal"));
    const { rows, count, hasMore } = await messageSearch({ q, page, limit, ticketId, queues });
    const reactions = await lifecycle.reactionsOf(rows.map((r) => r.message.pk));
    const messages = rows.map((r) => ({
      ...messageWire(r.message, r.sender, svc.mediaUrlOf, reactions.get(r.message.pk)),
      ticket: { id: r.ticket.id, status: r.ticket.status, contact: r.customer },
    }));
    return c.json({ messages, count, hasMore, page, limit }, 200);
  },
);
