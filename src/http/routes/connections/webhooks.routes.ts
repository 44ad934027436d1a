import { createRoute, z } from "@hono/zod-openapi";
import { EVENT_NAMES } from "../../../webhooks/events";
import { adminOnly } from "../../auth";
import { bodyDoc, readBody } from "../../body";
import { createRouter } from "../../create-router";
import { arrayPageOf, arrayPageQuery, nextCursorHeader, nextCursorOf } from "../../cursor";
import { commonErrors, IdParam, json, WebhookSchema, webhookWire } from "../../wire";

const ConnectionParam = IdParam("connectionId");
const WebhookParams = ConnectionParam.extend(IdParam("webhookId").shape);

const WebhookBody = z.object({
  url: z.string().min(1),
  enabled: z.boolean().default(true),
  events: z.array(z.enum(EVENT_NAMES)).default([]),
  secret: z.string().min(8).max(200).nullish(),
});
const WebhookUpdateBody = z.object({
  url: z.string().min(1).optional(),
  enabled: z.boolean().optional(),
  events: z.array(z.enum(EVENT_NAMES)).optional(),
  secret: z.string().min(8).max(200).nullish(),
});

const Ok = z.object({ message: z.string() });

/** A connection's webhooks. */
export const connectionWebhooksRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/connections/{connectionId}/webhooks",
      tags: ["Webhooks"],
      summary: "List a connection's webhooks (admin)",
      middleware: [adminOnly] as const,
      description: "By id. Whole, or one page with `limit` / `after` (cursor in `X-Next-Cursor`).",
      request: { params: ConnectionParam, query: arrayPageQuery("webhooks") },
      responses: {
        200: {
          ...json(z.array(WebhookSchema), "The webhooks (or the page asked for); secrets are never shown"),
          headers: nextCursorHeader,
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const { connectionId } = c.req.valid("param");
      const webhooks = c.get("deps").services.webhooks;
      const at = arrayPageOf(c.req.valid("query"));
      if (!at)
        return c.json(
          (await webhooks.list(connectionId)).map((w) => webhookWire(w)),
          200,
        );
      const page = await webhooks.listPage(connectionId, at);
      const next = nextCursorOf("webhooks", page, (r) => [r.id]);
      if (next) c.header("X-Next-Cursor", next);
      return c.json(
        page.rows.map((w) => webhookWire(w)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/webhooks",
      tags: ["Webhooks"],
      summary: "Add a webhook (admin)",
      description: `events: any of ${EVENT_NAMES.join(", ")}; empty means all. Without a secret one is generated (\`whsec_…\`) and returned once, in this response only.`,
      middleware: [adminOnly] as const,
      request: {
        params: ConnectionParam,
        body: bodyDoc(WebhookBody, {
          url: "https://example.com/hooks/whatsapp",
          enabled: true,
          events: ["message_received"],
        }),
      },
      responses: { 201: json(WebhookSchema, "Created, with its secret"), ...commonErrors },
    }),
    async (c) => {
      const body = await readBody(c, WebhookBody);
      const hook = await c.get("deps").services.webhooks.create(c.req.valid("param").connectionId, body);
      return c.json(webhookWire(hook, { withSecret: true }), 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/connections/{connectionId}/webhooks/{webhookId}",
      tags: ["Webhooks"],
      summary: "Update a webhook (admin)",
      middleware: [adminOnly] as const,
      request: { params: WebhookParams, body: bodyDoc(WebhookUpdateBody, { enabled: false }) },
      responses: { 200: json(WebhookSchema, "Updated"), ...commonErrors },
    }),
    async (c) => {
      const body = await readBody(c, WebhookUpdateBody);
      const { connectionId, webhookId } = c.req.valid("param");
      const hook = await c.get("deps").services.webhooks.update(connectionId, webhookId, body);
      return c.json(webhookWire(hook), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/connections/{connectionId}/webhooks/{webhookId}",
      tags: ["Webhooks"],
      summary: "Delete a webhook (admin)",
      middleware: [adminOnly] as const,
      request: { params: WebhookParams },
      responses: { 200: json(Ok, "Deleted", { message: "Webhook deleted successfully" }), ...commonErrors },
    }),
    async (c) => {
      const { connectionId, webhookId } = c.req.valid("param");
      await c.get("deps").services.webhooks.remove(connectionId, webhookId);
      return c.json({ message: "Webhook deleted successfully" }, 200);
    },
  );
