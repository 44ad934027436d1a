import { createRoute, z } from "@hono/zod-openapi";
import { EVENT_NAMES } from "../../../webhooks/events";
import { DELIVERY_STATUSES } from "../../../webhooks/webhook-ops.service";
import { adminOnly } from "../../auth";
import type { AppDeps } from "../../context";
import { createRouter } from "../../create-router";
import { cursorParam, NextCursor, nextCursorOf } from "../../cursor";
import { commonErrors, IdParam, json, PageQuery, positiveInt } from "../../wire";

const opsOf = (deps: AppDeps) => deps.services.webhookOps;

const DeliverySchema = z
  .object({
    id: z.number().int(),
    eventId: z.string().openapi({ description: "The `webhook-id` header sent with every attempt" }),
    event: z.string(),
    connectionId: z.number().int(),
    webhookId: z.number().int(),
    url: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable().openapi({ description: "When a pending delivery is tried next" }),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .openapi("WebhookDelivery", {
    example: {
      id: 42,
      eventId: "evt_019384a2b1c0f3e2d1a0b9",
      event: "message_received",
      connectionId: 1,
      webhookId: 3,
      url: "https://example.com/hooks/whatsapp",
      status: "pending",
      attempts: 2,
      lastStatusCode: 503,
      lastError: "receiver answered 503",
      nextAttemptAt: "2024-12-01T10:31:20.000Z",
      createdAt: "2024-12-01T10:30:00.000Z",
      deliveredAt: null,
    },
  });

const DeliveryWithPayload = DeliverySchema.extend({
  payload: z.record(z.string(), z.unknown()).openapi({ description: "The exact envelope delivered" }),
}).openapi("WebhookDeliveryDetail");

const optionalId = positiveInt().optional();
const DeliveryQuery = PageQuery.extend({
  connectionId: optionalId,
  webhookId: optionalId,
  status: z.enum(DELIVERY_STATUSES).optional(),
  event: z.enum(EVENT_NAMES).optional(),
  after: cursorParam("deliveries"),
});

const DeliveryParam = IdParam("deliveryId");
const WebhookParams = IdParam("connectionId").extend(IdParam("webhookId").shape);

const PingResult = z
  .object({
    webhookId: z.number().int(),
    eventId: z.string(),
    delivered: z.boolean().openapi({ description: "true when the receiver answered 2xx" }),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
  })
  .openapi("WebhookTestResult", {
    example: {
      webhookId: 3,
      eventId: "evt_019384a2b1c0f3e2d1a0b9",
      delivered: true,
      statusCode: 200,
      error: null,
      durationMs: 41,
    },
  });

export const webhookOpsRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/webhooks/deliveries",
      tags: ["Webhooks"],
      summary: "List webhook deliveries, newest first (admin)",
      description: "By id, newest first. Page with `page` (offset) or `after=<nextCursor>` (keyset).",
      middleware: [adminOnly] as const,
      request: { query: DeliveryQuery },
      responses: {
        200: json(
          z.object({
            deliveries: z.array(DeliverySchema),
            count: z.number().int(),
            hasMore: z.boolean(),
            page: z.number().int(),
            limit: z.number().int(),
            nextCursor: NextCursor,
          }),
          "A page of deliveries",
        ),
        ...commonErrors,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const result = await opsOf(c.get("deps")).listDeliveries(q);
      const nextCursor = nextCursorOf(
        "deliveries",
        { rows: result.deliveries, hasMore: result.hasMore },
        (d) => [d.id],
      );
      return c.json({ ...result, page: q.page, limit: q.limit, nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/webhooks/deliveries/{deliveryId}",
      tags: ["Webhooks"],
      summary: "One delivery with its payload (admin)",
      middleware: [adminOnly] as const,
      request: { params: DeliveryParam },
      responses: { 200: json(DeliveryWithPayload, "The delivery"), ...commonErrors },
    }),
    async (c) => c.json(await opsOf(c.get("deps")).getDelivery(c.req.valid("param").deliveryId), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/webhooks/deliveries/{deliveryId}/retry",
      tags: ["Webhooks"],
      summary: "Send a delivery again (admin)",
      description:
        "Re-enqueues the delivery for a fresh series of attempts with the same `webhook-id` and body, whatever its status (delivered ones are resent). 409 while it is being sent.",
      middleware: [adminOnly] as const,
      request: { params: DeliveryParam },
      responses: {
        200: json(DeliverySchema, "Re-enqueued"),
        ...commonErrors,
        409: json(
          z.object({ error: z.string(), message: z.string() }),
          "Being sent right now (ERR_CONFLICT)",
        ),
      },
    }),
    async (c) => c.json(await opsOf(c.get("deps")).retry(c.req.valid("param").deliveryId), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/webhooks/{webhookId}/test",
      tags: ["Webhooks"],
      summary: "Send a signed `ping` to a webhook now (admin)",
      description:
        'Sends `{event: "ping", …}` with the usual headers and signature, outside the outbox (no retries), even to a disabled webhook, and returns what the receiver answered. A URL whose address the policy refuses (private, loopback, link-local… unless WEBHOOK_ALLOW_PRIVATE or WEBHOOK_ALLOWED_HOSTS allow it) is 400 ERR_INVALID_WEBHOOK_URL, and nothing is sent.',
      middleware: [adminOnly] as const,
      request: { params: WebhookParams },
      responses: { 200: json(PingResult, "The receiver's answer"), ...commonErrors },
    }),
    async (c) => {
      const deps = c.get("deps");
      const { connectionId, webhookId } = c.req.valid("param");
      const hook = await deps.services.webhooks.get(connectionId, webhookId);
      return c.json(await opsOf(deps).ping(hook, deps.services.webhooks.receivers), 200);
    },
  );
