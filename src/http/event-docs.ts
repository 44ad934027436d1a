import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { EventName } from "../webhooks/event-names";
import { ContactSchema } from "./wire";

/**
 * The payload of every event, as an OpenAPI 3.1 `webhooks` entry: what a receiver gets in the POST body (and
 * what the SSE stream and the catch-up feed carry). Subscribing to no events means all of them, the ones
 * added later included.
 */
const ContactRef = z.object({ id: z.number().int(), name: z.string(), number: z.string() });
const contact = { id: 45, name: "Juan Pérez", number: "595991234567" };

const MessageData = z.object({
  messageId: z.string(),
  body: z.string(),
  fromMe: z.boolean(),
  mediaType: z.string(),
  hasMedia: z.boolean(),
  timestamp: z.number().int(),
  ticketId: z.number().int(),
  contact: ContactRef,
  media: z
    .object({ url: z.string().nullable(), mimeType: z.string().nullable(), type: z.string() })
    .nullable(),
  quotedMsgId: z.string().nullable(),
  userId: z.number().int().nullable().openapi({
    description:
      "The agent who sent it from the panel; null for API tokens, automation and received messages",
  }),
  participant: z
    .object({ number: z.string(), name: z.string().nullable() })
    .optional()
    .openapi({ description: "Group tickets only: who wrote" }),
});
const messageExample = {
  messageId: "3EB0ABC123DEF456",
  body: "Hola, necesito información",
  fromMe: false,
  mediaType: "chat",
  hasMedia: false,
  timestamp: 1701432600,
  ticketId: 123,
  contact,
  media: null,
  quotedMsgId: null,
  userId: null,
};
const TicketData = z.object({
  ticketId: z.number().int(),
  status: z.enum(["pending", "open", "closed"]),
  contact: ContactRef,
  queueId: z.number().int().nullable(),
  userId: z.number().int().nullable(),
  oldStatus: z.string().optional(),
  newStatus: z.string().optional(),
  transfer: z
    .object({
      fromQueueId: z.number().int().nullable(),
      toQueueId: z.number().int().nullable(),
      fromUserId: z.number().int().nullable(),
      toUserId: z.number().int().nullable(),
      byUserId: z.number().int().nullable().openapi({ description: "Null when an API token transferred it" }),
      note: z.string().nullable(),
      messageId: z.string().openapi({ description: "The system line recorded in the conversation" }),
    })
    .optional()
    .openapi({ description: "ticket_updated of POST /tickets/{id}/transfer only" }),
  rating: z.number().int().min(1).max(5).optional().openapi({
    description: "Only when the customer's answer to the rating request was stored on the (closed) ticket",
  }),
  ratedAt: z.string().optional(),
});
/** contact_created / contact_updated carry the contact as the API shows it. */
const ContactData = ContactSchema;
const contactExample = {
  ...contact,
  email: "",
  profilePicUrl: null,
  isGroup: false,
  createdAt: "2024-12-01T10:30:00.000Z",
  updatedAt: "2024-12-01T10:30:00.000Z",
};

const EVENTS: Record<EventName, { summary: string; data: z.ZodType; example: Record<string, unknown> }> = {
  message_received: {
    summary: "A message from the customer (or typed on the phone: fromMe), live or replayed after an outage",
    data: MessageData,
    example: messageExample,
  },
  message_sent: {
    summary:
      "A message sent through the API or the panel; a queued or scheduled one when WhatsApp accepted it (not when it was queued)",
    data: MessageData,
    example: { ...messageExample, fromMe: true, body: "Gracias por contactarnos", userId: 2 },
  },
  message_ack: {
    summary: "Delivery state of one of our messages moved forward (1 server, 2 delivered, 3 read, 4 played)",
    data: z.object({
      messageId: z.string(),
      ack: z.number().int(),
      ackName: z.string(),
      ticketId: z.number().int(),
    }),
    example: { messageId: "3EB0ABC123DEF456", ack: 3, ackName: "read", ticketId: 123 },
  },
  connection_update: {
    summary: "The connection's status changed",
    data: z.object({ status: z.string(), qrcode: z.string().nullable(), reason: z.string().optional() }),
    example: { status: "CONNECTED", qrcode: null },
  },
  ticket_created: {
    summary: "A ticket was opened",
    data: TicketData,
    example: { ticketId: 123, status: "pending", contact, queueId: null, userId: null },
  },
  ticket_updated: {
    summary:
      "A ticket's status, user or queue changed (the queue menu routing it included), or the customer rated a closed ticket (`rating`)",
    data: TicketData,
    example: {
      ticketId: 123,
      status: "open",
      contact,
      queueId: 1,
      userId: 2,
      oldStatus: "pending",
      newStatus: "open",
    },
  },
  ticket_closed: {
    summary: "A ticket was closed",
    data: TicketData,
    example: {
      ticketId: 123,
      status: "closed",
      contact,
      queueId: 1,
      userId: 2,
      oldStatus: "open",
      newStatus: "closed",
    },
  },
  contact_created: { summary: "A contact was created", data: ContactData, example: contactExample },
  contact_updated: { summary: "A contact changed", data: ContactData, example: contactExample },
  message_updated: {
    summary: "A message was edited on WhatsApp (by the customer, or by us)",
    data: z.object({
      messageId: z.string(),
      ticketId: z.number().int(),
      body: z.string(),
      previousBody: z.string(),
      isEdited: z.literal(true),
      editedAt: z.string(),
      fromMe: z.boolean(),
      contact: ContactRef,
    }),
    example: {
      messageId: "3EB0ABC123DEF456",
      ticketId: 123,
      body: "Hola, necesito información sobre envíos",
      previousBody: "Hola, necesito información",
      isEdited: true,
      editedAt: "2024-12-01T10:31:00.000Z",
      fromMe: false,
      contact,
    },
  },
  message_deleted: {
    summary: "A message was deleted for everyone; the stored body is kept",
    data: z.object({
      messageId: z.string(),
      ticketId: z.number().int(),
      body: z.string(),
      fromMe: z.boolean(),
      isDeleted: z.literal(true),
      deletedAt: z.string(),
      contact: ContactRef,
    }),
    example: {
      messageId: "3EB0ABC123DEF456",
      ticketId: 123,
      body: "Hola, necesito información",
      fromMe: false,
      isDeleted: true,
      deletedAt: "2024-12-01T10:32:00.000Z",
      contact,
    },
  },
  message_reaction: {
    summary: "Someone reacted to a message, changed or removed (emoji empty, removed true) a reaction",
    data: z.object({
      messageId: z.string(),
      ticketId: z.number().int(),
      emoji: z.string(),
      removed: z.boolean(),
      fromMe: z.boolean(),
      reactor: z.object({ number: z.string().nullable(), name: z.string().nullable() }),
      timestamp: z.number().int(),
      contact: ContactRef,
    }),
    example: {
      messageId: "3EB0DEF456",
      ticketId: 123,
      emoji: "👍",
      removed: false,
      fromMe: false,
      reactor: { number: "595991234567", name: "Juan Pérez" },
      timestamp: 1701432700,
      contact,
    },
  },
  message_failed: {
    summary:
      "A queued or scheduled message will not be sent: WhatsApp refused it, it expired (ERR_MESSAGE_EXPIRED) or it was cancelled (ERR_MESSAGE_CANCELLED)",
    data: z.object({
      messageId: z.string(),
      ticketId: z.number().int(),
      body: z.string(),
      mediaType: z.string(),
      code: z.string(),
      reason: z.string(),
      attempts: z.number().int().openapi({ description: "Times the queue handed it to WhatsApp" }),
      contact: ContactRef,
    }),
    example: {
      messageId: "3EB0C0FFEE1234567890AB",
      ticketId: 123,
      body: "Tu pedido está listo",
      mediaType: "chat",
      code: "ERR_MESSAGE_EXPIRED",
      reason: "The message could not be sent before its expiresAt",
      attempts: 0,
      contact,
    },
  },
};

export function registerEventDocs(app: Pick<OpenAPIHono, "openAPIRegistry">) {
  for (const [event, doc] of Object.entries(EVENTS)) {
    const Envelope = z.object({
      event: z.literal(event),
      timestamp: z.string(),
      connectionId: z.number().int().nullable(),
      connectionName: z.string().nullable(),
      connectionNumber: z.string().nullable(),
      data: doc.data,
    });
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: event,
      summary: doc.summary,
      description:
        "Headers: `X-Webhook-Event`, `X-Connection-Id`, Standard Webhooks `webhook-id` (the event id, stable across retries), `webhook-timestamp`, `webhook-signature`. Answer 2xx; anything else is retried with backoff.",
      request: {
        body: {
          content: {
            "application/json": {
              schema: Envelope,
              example: {
                event,
                timestamp: "2024-12-01T10:30:00.000Z",
                connectionId: 1,
                connectionName: "WhatsApp Principal",
                connectionNumber: "595981234567",
                data: doc.example,
              },
            },
          },
        },
      },
      responses: { 200: { description: "Received" } },
    });
  }
}

export const EVENT_DOCS = EVENTS;
