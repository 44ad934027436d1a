import { createRoute, z } from "@hono/zod-openapi";
import { adminOnly } from "../../auth";
import { bodyDoc, MAX_TEXT, readBody } from "../../body";
import { createRouter } from "../../create-router";
import {
  ConnectionSchema,
  ConnectionSummarySchema,
  commonErrors,
  conflictErrors,
  connectionSummaryWire,
  connectionWire,
  IdParam,
  json,
} from "../../wire";

const ConnectionParam = IdParam("connectionId");
const CreateBody = z.object({
  name: z.string().trim().min(1).max(100),
  driver: z.enum(["baileys", "sandbox"]).optional(),
  number: z.string().min(1).nullish(),
  isDefault: z.boolean().optional(),
  greetingMessage: z.string().max(MAX_TEXT).nullish().openapi({
    description:
      "Sent when a customer's message opens a new ticket (never in groups); with two or more queues it heads the queue menu",
  }),
  farewellMessage: z.string().max(MAX_TEXT).nullish().openapi({
    description: "Sent when an agent or the API closes a ticket (never in groups)",
  }),
  groups: z.enum(["ignore", "tickets"]).optional().openapi({
    description:
      "Group chats: `ignore` (default, like the original product) or `tickets` (one ticket per group)",
  }),
  sendReadReceipts: z.boolean().optional().openapi({
    description: "Send WhatsApp read receipts when an agent reads a ticket (default true)",
  }),
  historyImportDays: z.number().int().min(0).max(365).optional().openapi({
    description:
      "On first link, import this many days of recent chats into closed tickets, without webhooks (default 0 = none)",
  }),
  agentSignature: z.boolean().optional().openapi({
    description:
      "Prefix `*Agent name:*` and a line break to what signed-in agents send (those with `signature` on); never to the stored body (default false)",
  }),
  queueIds: z.array(z.number().int().positive()).max(50).optional().openapi({
    description:
      "The queues offered, in menu order (replaces the list; unknown id → 404 ERR_QUEUE_NOT_FOUND). One queue: new tickets go to it. Two or more: the greeting lists them as a numbered menu",
  }),
  ratingMessage: z.string().max(MAX_TEXT).nullish().openapi({
    description:
      "Sent after the farewell when a ticket is closed by an agent or the API, asking for a 1–5 rating (null = none)",
  }),
  pacingMinIntervalMs: z.number().int().min(0).max(3_600_000).optional().openapi({
    description:
      "Queued sends only: at least this long between two messages to different chats (default 4000 ms)",
  }),
  pacingJitterMs: z.number().int().min(0).max(3_600_000).optional().openapi({
    description: "Queued sends only: a random 0..this added to each pause (default 3000 ms)",
  }),
  pacingTyping: z.boolean().optional().openapi({
    description:
      'Queued sends only: show "typing…" before each message, 40 ms per character within 0.8–5 s (default true)',
  }),
  pacingDailyCap: z.number().int().min(0).max(1_000_000).optional().openapi({
    description:
      "Queued sends only: at most this many in any 24 h; more wait in the queue (default 1000; 0 = no cap)",
  }),
});
const UpdateBody = CreateBody.partial();

const Ok = z.object({ message: z.string() });

/** Connections: create, list, show, update, delete. */
export const connectionCrudRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/connections",
      tags: ["Connections"],
      summary: "List connections",
      responses: { 200: json(z.array(ConnectionSummarySchema), "All connections, by name"), ...commonErrors },
    }),
    async (c) => c.json((await c.get("deps").services.connections.list()).map(connectionSummaryWire), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/connections/{connectionId}",
      tags: ["Connections"],
      summary: "Connection status and details",
      request: { params: ConnectionParam },
      responses: { 200: json(ConnectionSchema, "The connection"), ...commonErrors },
    }),
    async (c) => {
      const { connections } = c.get("deps").services;
      const conn = await connections.view(c.req.valid("param").connectionId);
      return c.json(
        connectionWire(conn, connections.isConnected(conn.id), connections.lastSeenAt(conn)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections",
      tags: ["Connections"],
      summary: "Create a connection (admin)",
      description:
        "driver `baileys` (default) links a real phone; `sandbox` is a simulated phone that connects at once. The first connection becomes the default.",
      middleware: [adminOnly] as const,
      request: {
        body: bodyDoc(CreateBody, { name: "WhatsApp Ventas", driver: "sandbox", number: "595982345678" }),
      },
      responses: { 201: json(ConnectionSchema, "Created"), ...conflictErrors },
    }),
    async (c) => {
      const body = await readBody(c, CreateBody);
      const { services, sessions } = c.get("deps");
      const created = await services.connections.create(body);
      await sessions.start(created);
      const conn = await services.connections.view(created.id);
      return c.json(connectionWire(conn, services.connections.isConnected(conn.id)), 201);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/connections/{connectionId}",
      tags: ["Connections"],
      summary: "Update a connection (admin)",
      middleware: [adminOnly] as const,
      request: {
        params: ConnectionParam,
        body: bodyDoc(UpdateBody, { name: "WhatsApp Soporte", isDefault: true }),
      },
      responses: { 200: json(ConnectionSchema, "Updated"), ...conflictErrors },
    }),
    async (c) => {
      const body = await readBody(c, UpdateBody);
      const { services, sessions } = c.get("deps");
      const id = c.req.valid("param").connectionId;
      const before = await services.connections.get(id);
      const updated = await services.connections.update(id, body);
      // A sandbox phone takes its number at start; restart it so the new number is live.
      if (updated.driver === "sandbox" && updated.number !== before.number) await sessions.start(updated);
      const conn = await services.connections.view(id);
      return c.json(connectionWire(conn, services.connections.isConnected(id)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/connections/{connectionId}",
      tags: ["Connections"],
      summary: "Delete a connection and its tickets (admin)",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam },
      responses: {
        200: json(Ok, "Deleted", { message: "Connection deleted successfully" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { services, sessions } = c.get("deps");
      const id = c.req.valid("param").connectionId;
      await services.connections.get(id);
      await sessions.retire(id);
      await services.connections.remove(id);
      return c.json({ message: "Connection deleted successfully" }, 200);
    },
  );
