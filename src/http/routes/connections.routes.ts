import { createRoute, z } from "@hono/zod-openapi";
import QRCode from "qrcode";
import { normalizeNumber } from "../../domain/numbers";
import { AppError } from "../../errors";
import { EVENT_NAMES } from "../../webhooks/events";
import { adminOnly } from "../auth";
import { bodyDoc, MAX_TEXT, readBody } from "../body";
import { createRouter } from "../create-router";
import {
  ConnectionSchema,
  ConnectionSummarySchema,
  commonErrors,
  conflictErrors,
  connectionSummaryWire,
  connectionWire,
  IdParam,
  json,
  sendErrors,
  WebhookSchema,
  webhookWire,
} from "../wire";

const ConnectionParam = IdParam("connectionId");
const WebhookParams = ConnectionParam.extend(IdParam("webhookId").shape);

const CreateBody = z.object({
  name: z.string().trim().min(1).max(100),
  driver: z.enum(["baileys", "sandbox"]).optional(),
  number: z.string().min(1).nullish(),
  isDefault: z.boolean().optional(),
  greetingMessage: z.string().max(MAX_TEXT).nullish(),
  farewellMessage: z.string().max(MAX_TEXT).nullish(),
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
});
const UpdateBody = CreateBody.partial();

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

const InboundBody = z.object({
  number: z
    .string()
    .min(1)
    .openapi({ description: "Who writes: the contact, or in a group the participant" }),
  body: z.string().max(MAX_TEXT).nullish(),
  name: z.string().trim().max(200).nullish(),
  mediaUrl: z.string().min(1).nullish(),
  filename: z.string().nullish(),
  quotedMsgId: z.string().min(1).nullish(),
  fromMe: z.boolean().optional(),
  groupId: z.string().min(1).max(60).nullish().openapi({
    description:
      "A group chat (needs `groups: tickets` on the connection): the group id, e.g. 120363025246125888",
  }),
  groupName: z.string().trim().max(200).nullish().openapi({ description: "The group's subject" }),
  edit: z.string().min(1).nullish().openapi({ description: "Edit this message id: `body` is the new text" }),
  delete: z.string().min(1).nullish().openapi({ description: "Delete this message id for everyone" }),
  reactTo: z.string().min(1).nullish().openapi({ description: "React to this message id with `emoji`" }),
  emoji: z.string().max(32).nullish().openapi({ description: "The reaction; empty removes it" }),
  ptt: z.boolean().optional().openapi({ description: "The audio in mediaUrl is a voice note" }),
});

const Ok = z.object({ message: z.string() });
const StatusResponse = z.object({ message: z.string(), status: z.string() });
const PairingBody = z.object({ number: z.string().min(1) });

export const connectionsRouter = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/connections",
      tags: ["Connections"],
      summary: "List connections",
      responses: { 200: json(z.array(ConnectionSummarySchema), "All connections, by name"), ...commonErrors },
    }),
    (c) => c.json(c.get("deps").services.connections.list().map(connectionSummaryWire), 200),
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
    (c) => {
      const { connections } = c.get("deps").services;
      const conn = connections.get(c.req.valid("param").connectionId);
      return c.json(
        connectionWire(conn, connections.isConnected(conn.id), connections.lastSeenAt(conn.id)),
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
      const created = services.connections.create(body);
      await sessions.start(created);
      const conn = services.connections.get(created.id);
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
      const before = services.connections.get(id);
      const updated = services.connections.update(id, body);
      // A sandbox phone takes its number at start; restart it so the new number is live.
      if (updated.driver === "sandbox" && updated.number !== before.number) await sessions.start(updated);
      const conn = services.connections.get(id);
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
      services.connections.get(id);
      await sessions.retire(id);
      services.connections.remove(id);
      return c.json({ message: "Connection deleted successfully" }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/connections/{connectionId}/webhooks",
      tags: ["Webhooks"],
      summary: "List a connection's webhooks (admin)",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam },
      responses: {
        200: json(z.array(WebhookSchema), "The webhooks; secrets are never shown"),
        ...commonErrors,
      },
    }),
    (c) =>
      c.json(
        c
          .get("deps")
          .services.webhooks.list(c.req.valid("param").connectionId)
          .map((w) => webhookWire(w)),
        200,
      ),
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
    (c) => {
      const { connectionId, webhookId } = c.req.valid("param");
      c.get("deps").services.webhooks.remove(connectionId, webhookId);
      return c.json({ message: "Webhook deleted successfully" }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/sandbox/inbound",
      tags: ["Sandbox"],
      summary: "Inject an inbound message on a sandbox connection",
      description:
        "Runs exactly the pipeline a real WhatsApp message runs: contact upsert with the push name, ticket find-or-create as pending, message stored, unread count, lastMessage and events. With `groupId` the message comes from a group (the connection needs `groups: tickets`). With `edit`, `delete` or `reactTo` (a message id) the customer edits, deletes for everyone or reacts instead (200; events message_updated, message_deleted, message_reaction). 409 ERR_NOT_SANDBOX on other drivers. In the sandbox every 8–15 digit number is on WhatsApp except those ending in 0000.",
      request: {
        params: ConnectionParam,
        body: bodyDoc(InboundBody, {
          number: "595991234567",
          name: "Juan Pérez",
          body: "Hola, necesito ayuda",
        }),
      },
      responses: {
        201: json(
          z.object({ messageId: z.string(), ticketId: z.number().int(), contactId: z.number().int() }),
          "Received",
          { messageId: "3EB0C0FFEE1234567890AB", ticketId: 1, contactId: 1 },
        ),
        200: json(
          z.object({ messageId: z.string(), ticketId: z.number().int(), contactId: z.number().int() }),
          "An edit, delete or reaction applied to messageId",
          { messageId: "3EB0C0FFEE1234567890AB", ticketId: 1, contactId: 1 },
        ),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, InboundBody);
      const { status, ...r } = await c
        .get("deps")
        .services.sandbox.inject(c.req.valid("param").connectionId, body);
      return status === 200 ? c.json(r, 200) : c.json(r, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/connections/{connectionId}/qrcode",
      tags: ["Connections"],
      summary: "The QR code to link a phone (admin)",
      description:
        "JSON `{status, qrcode}` (qrcode is the raw QR string while status is `qrcode`, else null). Ask with `Accept: image/png` or `Accept: image/svg+xml` for the QR drawn as an image (404 when there is none right now). WhatsApp rotates the QR about every 20 s: poll, or follow `connection_update` events.",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam },
      responses: {
        200: {
          description: "The QR, as JSON or as an image",
          content: {
            "application/json": {
              schema: z.object({ status: z.string(), qrcode: z.string().nullable() }),
              example: { status: "qrcode", qrcode: "2@Xb4…,QzEt…,Hk2s…,YmFz…" },
            },
            "image/png": { schema: { type: "string", format: "binary" } },
            "image/svg+xml": { schema: { type: "string" } },
          },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const conn = c.get("deps").services.connections.get(c.req.valid("param").connectionId);
      const qrcode = conn.status === "qrcode" ? conn.qrcode : null;
      const accept = c.req.header("accept") ?? "";
      const wantsPng = accept.includes("image/png");
      const wantsSvg = accept.includes("image/svg+xml");
      if (!wantsPng && !wantsSvg) return c.json({ status: conn.status, qrcode }, 200);
      if (!qrcode) throw new AppError("ERR_NOT_FOUND", `No QR code right now (status ${conn.status})`);
      const headers = { "cache-control": "no-store" };
      if (wantsPng) {
        const png = await QRCode.toBuffer(qrcode, { type: "png", margin: 2, width: 320 });
        return c.body(new Uint8Array(png), 200, { ...headers, "content-type": "image/png" });
      }
      const svg = await QRCode.toString(qrcode, { type: "svg", margin: 2 });
      return c.body(svg, 200, { ...headers, "content-type": "image/svg+xml" });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/pairing-code",
      tags: ["Connections"],
      summary: "Link a phone with an 8-character code instead of a QR (admin)",
      description: "Type the code on the phone: WhatsApp > Linked devices > Link with phone number.",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam, body: bodyDoc(PairingBody, { number: "595981234567" }) },
      responses: {
        200: json(z.object({ code: z.string() }), "The pairing code", { code: "ABCD1234" }),
        ...sendErrors,
      },
    }),
    async (c) => {
      const body = await readBody(c, PairingBody);
      const number = normalizeNumber(body.number);
      const { services, sessions } = c.get("deps");
      const conn = services.connections.get(c.req.valid("param").connectionId);
      const gw = sessions.get(conn.id);
      if (!gw)
        throw new AppError(
          "ERR_WAPP_NOT_CONNECTED",
          "The connection's session is not running: restart it first",
        );
      return c.json({ code: await gw.requestPairingCode(number) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/restart",
      tags: ["Connections"],
      summary: "Restart the connection's session (admin)",
      description: "Reconnects with the saved credentials, or starts a new QR when the phone is not linked.",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam },
      responses: {
        200: json(StatusResponse, "Restarted", { message: "Connection restarted", status: "OPENING" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { services, sessions } = c.get("deps");
      const conn = services.connections.get(c.req.valid("param").connectionId);
      await sessions.start(conn);
      return c.json(
        { message: "Connection restarted", status: services.connections.get(conn.id).status },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/connections/{connectionId}/logout",
      tags: ["Connections"],
      summary: "Unlink the phone (admin)",
      description:
        "Logs the device out of WhatsApp and forgets its credentials; status becomes DISCONNECTED.",
      middleware: [adminOnly] as const,
      request: { params: ConnectionParam },
      responses: {
        200: json(StatusResponse, "Logged out", { message: "Connection logged out", status: "DISCONNECTED" }),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { services, sessions } = c.get("deps");
      const conn = services.connections.get(c.req.valid("param").connectionId);
      const gw = sessions.get(conn.id);
      if (gw) await gw.logout();
      else services.connections.applyStatus(conn.id, "DISCONNECTED", { qrcode: null, reason: "logged out" });
      await sessions.stop(conn.id);
      return c.json(
        { message: "Connection logged out", status: services.connections.get(conn.id).status },
        200,
      );
    },
  );
