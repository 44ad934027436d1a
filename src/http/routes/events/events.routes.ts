import { createRoute, z } from "@hono/zod-openapi";
import { visibleQueues } from "../../../domain/account.service";
import { AppError } from "../../../errors";
import { createRouter } from "../../create-router";
import { commonErrors, json, positiveInt } from "../../wire";

const EventsQuery = z.object({
  connectionId: positiveInt().optional(),
  after: z
    .string()
    .regex(/^evt_[0-9a-f]{22}$/, "must be an event id (evt_…)")
    .optional()
    .openapi({ description: "Return events stored after this one; omit to start from the oldest kept" }),
  limit: positiveInt({ max: 500 }).default(100).openapi({ default: 100 }),
});

const StoredEventSchema = z
  .object({
    id: z.string().openapi({ description: "The event id, also the `webhook-id` of its deliveries" }),
    seq: z.number().int(),
    event: z.string(),
    connectionId: z.number().int().nullable(),
    createdAt: z.string(),
    payload: z.record(z.string(), z.unknown()).openapi({ description: "The envelope webhooks receive" }),
  })
  .openapi("StoredEvent", {
    example: {
      id: "evt_019384a2b1c0f3e2d1a0b9",
      seq: 1042,
      event: "ticket_created",
      connectionId: 1,
      createdAt: "2024-12-01T10:30:00.000Z",
      payload: {
        event: "ticket_created",
        timestamp: "2024-12-01T10:30:00.000Z",
        connectionId: 1,
        connectionName: "WhatsApp Principal",
        connectionNumber: "595981234567",
        data: {
          ticketId: 123,
          status: "pending",
          contact: { id: 45, name: "Juan Pérez", number: "595991234567" },
          queueId: null,
          userId: null,
        },
      },
    },
  });

export const eventsRouter = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/events",
    tags: ["Webhooks"],
    summary: "Catch-up feed of stored events, in order",
    description:
      "Lets a consumer that was down read every event it missed without waiting for webhook retries: page with `after=<nextAfter>` until `hasMore` is false. Events are kept EVENT_RETENTION_HOURS (24 h), longer while a webhook delivery of theirs is kept; an unknown or pruned `after` gives 404. Signed-in agents get 403 (the feed shows every ticket; their stream is filtered).",
    request: { query: EventsQuery },
    responses: {
      200: json(
        z.object({
          events: z.array(StoredEventSchema),
          hasMore: z.boolean(),
          nextAfter: z.string().nullable(),
        }),
        "Events after `after`, oldest first",
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    // The feed is not filtered by ticket visibility: an agent's panel uses the (filtered) SSE stream.
    if (visibleQueues(c.get("principal")) !== null)
      throw new AppError(
        "ERR_FORBIDDEN",
        "Agents read events through /events/stream, which shows only their tickets",
      );
    return c.json(await c.get("deps").services.webhookOps.listEvents(c.req.valid("query")), 200);
  },
);
