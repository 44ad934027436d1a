import { z } from "@hono/zod-openapi";
import type { Connection } from "../domain/connection.service";
import { contactEventData } from "../domain/contact.service";
import type { MessageRow, SentResult } from "../domain/message.service";
import { EDIT_WINDOW_MS, REVOKE_WINDOW_MS, type Reaction } from "../domain/message-lifecycle.service";
import type { TicketTag, TicketView, TicketWireRow } from "../domain/ticket.service";
import type { Webhook } from "../domain/webhook-config.service";

/** Wire shapes of seed/API.md, written by hand and decoupled from the tables. */

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: "ERR_TICKET_NOT_FOUND" }),
    message: z.string().openapi({ example: "Ticket not found" }),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Error");

const err = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/** The error responses every authenticated route can give; spread into each route's responses. */
export const commonErrors = {
  400: err("Invalid parameters (ERR_VALIDATION, ERR_INVALID_NUMBER, …)"),
  401: err("Missing, invalid or revoked token (ERR_UNAUTHORIZED)"),
  403: err("The token lacks the needed scope (ERR_FORBIDDEN)"),
  404: err("Resource not found (ERR_*_NOT_FOUND)"),
  429: err(
    "Too many failed authentication attempts from this address (ERR_TOO_MANY_REQUESTS); see Retry-After",
  ),
};
export const sendErrors = {
  ...commonErrors,
  409: err("Connection not connected (ERR_WAPP_NOT_CONNECTED) or Idempotency-Key reused with another body"),
  413: err("The body is larger than MAX_JSON_BODY_KB, or a file than MAX_UPLOAD_MB (ERR_PAYLOAD_TOO_LARGE)"),
  502: err(
    "WhatsApp refused the message (ERR_SENDING_WAPP_MSG) or the media URL failed (ERR_MEDIA_FETCH_FAILED)",
  ),
};
export const conflictErrors = { ...commonErrors, 409: err("A unique field is taken (ERR_CONFLICT)") };
export const lifecycleErrors = {
  ...commonErrors,
  409: err(
    "Not connected (ERR_WAPP_NOT_CONNECTED), not a message we sent (ERR_MESSAGE_NOT_OURS), not a text (ERR_MESSAGE_NOT_EDITABLE) or already deleted (ERR_MESSAGE_DELETED)",
  ),
  422: err(
    "Past WhatsApp's window: 15 min to edit (ERR_EDIT_WINDOW_EXPIRED), 2 days to delete (ERR_DELETE_WINDOW_EXPIRED)",
  ),
  502: err("WhatsApp refused the change (ERR_SENDING_WAPP_MSG)"),
};

export const json = <T extends z.ZodType>(schema: T, description: string, example?: unknown) => ({
  description,
  content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } },
});

// ── contacts ────────────────────────────────────────────────────────────────

export const ContactSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    number: z.string(),
    email: z.string(),
    profilePicUrl: z.string().nullable(),
    isGroup: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Contact", {
    example: {
      id: 1,
      name: "Juan Pérez",
      number: "595991234567",
      email: "juan@example.com",
      profilePicUrl: null,
      isGroup: false,
      createdAt: "2024-01-15T10:00:00.000Z",
      updatedAt: "2024-12-01T10:30:00.000Z",
    },
  });

/** The wire contact is the contact the events carry: one shape for API and webhooks. */
export const contactWire = contactEventData;

// ── connections ─────────────────────────────────────────────────────────────

export const ConnectionSummarySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    number: z.string().nullable(),
    status: z.string(),
    isDefault: z.boolean(),
    driver: z.enum(["baileys", "sandbox"]),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ConnectionSummary", {
    example: {
      id: 1,
      name: "WhatsApp Principal",
      number: "595981234567",
      status: "CONNECTED",
      isDefault: true,
      driver: "baileys",
      createdAt: "2024-01-01T00:00:00.000Z",
      updatedAt: "2024-12-01T10:00:00.000Z",
    },
  });

export const ConnectionSchema = ConnectionSummarySchema.extend({
  battery: z.string().nullable(),
  plugged: z.boolean().nullable(),
  isConnected: z.boolean(),
  qrcode: z.string().nullable(),
  statusReason: z.string().nullable(),
  greetingMessage: z.string().nullable(),
  farewellMessage: z.string().nullable(),
  groups: z.enum(["ignore", "tickets"]).openapi({
    description: "Group chats: `ignore` (default) or `tickets` (one ticket per group)",
  }),
  sendReadReceipts: z.boolean().openapi({
    description: "Send WhatsApp read receipts when a ticket's unread messages are read (default true)",
  }),
  historyImportDays: z.number().int().openapi({
    description: "Days of recent history imported into closed tickets on first link; 0 (default) = none",
  }),
  agentSignature: z.boolean().openapi({
    description:
      "Sign what signed-in agents send: `*Name:*` and a line break before the text (users with `signature` on); the stored body stays unsigned (default false)",
  }),
  queueIds: z.array(z.number().int()).openapi({
    description:
      "The queues this connection offers, in menu order. One queue: every new ticket goes to it. Two or more: the greeting lists them and the customer's numeric answer routes the ticket",
  }),
  ratingMessage: z.string().nullable().openapi({
    description:
      "Sent after the farewell when an agent or the API closes a ticket; the customer's 1–5 answer is stored on the ticket (`rating`). Null = no rating request",
  }),
  pacingMinIntervalMs: z.number().int().openapi({
    description: "Queued sends: minimum pause between messages to different chats, ms (default 4000)",
  }),
  pacingJitterMs: z
    .number()
    .int()
    .openapi({ description: "Queued sends: random 0..this added, ms (default 3000)" }),
  pacingTyping: z
    .boolean()
    .openapi({ description: "Queued sends: typing presence before each (default true)" }),
  pacingDailyCap: z.number().int().openapi({
    description: "Queued sends: at most this many per 24 h, more wait (default 1000; 0 = none)",
  }),
  lastSeenAt: z.string().nullable(),
}).openapi("Connection", {
  example: {
    id: 1,
    name: "WhatsApp Principal",
    number: "595981234567",
    status: "CONNECTED",
    isDefault: true,
    driver: "sandbox",
    battery: null,
    plugged: null,
    isConnected: true,
    qrcode: null,
    statusReason: null,
    greetingMessage: null,
    farewellMessage: null,
    groups: "ignore",
    sendReadReceipts: true,
    historyImportDays: 0,
    agentSignature: false,
    queueIds: [],
    ratingMessage: null,
    pacingMinIntervalMs: 4000,
    pacingJitterMs: 3000,
    pacingTyping: true,
    pacingDailyCap: 1000,
    lastSeenAt: null,
    createdAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-12-01T10:00:00.000Z",
  },
});

export const connectionSummaryWire = (c: Connection) => ({
  id: c.id,
  name: c.name,
  number: c.number,
  status: c.status,
  isDefault: c.isDefault,
  driver: c.driver,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

export const connectionWire = (
  c: Connection & { queueIds: number[] },
  isConnected: boolean,
  lastSeenAt: Date | null = c.lastSeenAt,
) => ({
  ...connectionSummaryWire(c),
  battery: c.battery,
  plugged: c.plugged,
  isConnected,
  qrcode: c.qrcode,
  statusReason: c.statusReason,
  greetingMessage: c.greetingMessage,
  farewellMessage: c.farewellMessage,
  groups: c.groups,
  sendReadReceipts: c.sendReadReceipts,
  historyImportDays: c.historyImportDays,
  agentSignature: c.agentSignature,
  queueIds: c.queueIds,
  ratingMessage: c.ratingMessage,
  pacingMinIntervalMs: c.pacingMinIntervalMs,
  pacingJitterMs: c.pacingJitterMs,
  pacingTyping: c.pacingTyping,
  pacingDailyCap: c.pacingDailyCap,
  lastSeenAt: iso(lastSeenAt),
});

export const WebhookSchema = z
  .object({
    id: z.number().int(),
    connectionId: z.number().int(),
    url: z.string(),
    enabled: z.boolean(),
    events: z.array(z.string()),
    disabledReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    secret: z.string().optional().openapi({ description: "Only in the response that created the webhook" }),
  })
  .openapi("Webhook", {
    example: {
      id: 3,
      connectionId: 1,
      url: "https://example.com/hooks/whatsapp",
      enabled: true,
      events: ["message_received", "message_ack"],
      disabledReason: null,
      createdAt: "2024-12-01T10:00:00.000Z",
      updatedAt: "2024-12-01T10:00:00.000Z",
    },
  });

export const webhookWire = (w: Webhook, opts: { withSecret?: boolean } = {}) => ({
  id: w.id,
  connectionId: w.connectionId,
  url: w.url,
  enabled: w.enabled,
  events: w.events,
  disabledReason: w.disabledReason,
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
  ...(opts.withSecret ? { secret: w.secret } : {}),
});

// ── tickets ─────────────────────────────────────────────────────────────────

const Named = z.object({ id: z.number().int(), name: z.string() });

export const TicketSchema = z
  .object({
    id: z.number().int(),
    status: z.enum(["pending", "open", "closed"]),
    lastMessage: z.string(),
    unreadMessages: z.number().int(),
    contactId: z.number().int(),
    whatsappId: z.number().int(),
    queueId: z.number().int().nullable(),
    userId: z.number().int().nullable(),
    rating: z.number().int().min(1).max(5).nullable().openapi({
      description: "The customer's 1–5 answer to the rating request sent on close (connection ratingMessage)",
    }),
    ratedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    contact: z.object({
      id: z.number().int(),
      name: z.string(),
      number: z.string(),
      email: z.string(),
      profilePicUrl: z.string().nullable(),
      isGroup: z.boolean(),
    }),
    whatsapp: z.object({ id: z.number().int(), name: z.string(), number: z.string().nullable() }),
    queue: Named.extend({ color: z.string() }).nullable(),
    user: Named.extend({ email: z.string() }).nullable(),
    tags: z.array(Named.extend({ color: z.string() })),
  })
  .openapi("Ticket", {
    example: {
      id: 1,
      status: "open",
      lastMessage: "Hola, necesito ayuda",
      unreadMessages: 0,
      contactId: 1,
      whatsappId: 1,
      queueId: null,
      userId: null,
      rating: null,
      ratedAt: null,
      createdAt: "2024-12-01T10:00:00.000Z",
      updatedAt: "2024-12-01T10:30:00.000Z",
      contact: {
        id: 1,
        name: "Juan Pérez",
        number: "595991234567",
        email: "",
        profilePicUrl: null,
        isGroup: false,
      },
      whatsapp: { id: 1, name: "WhatsApp Principal", number: "595981234567" },
      queue: null,
      user: null,
      tags: [],
    },
  });

export const ticketWire = (t: TicketView) => ({
  id: t.id,
  status: t.status,
  lastMessage: t.lastMessage,
  unreadMessages: t.unreadMessages,
  contactId: t.contactId,
  whatsappId: t.connectionId,
  queueId: t.queueId,
  userId: t.userId,
  rating: t.rating,
  ratedAt: iso(t.ratedAt),
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
  contact: {
    id: t.contact.id,
    name: t.contact.name,
    number: t.contact.number,
    email: t.contact.email,
    profilePicUrl: t.contact.profilePicUrl,
    isGroup: t.contact.isGroup,
  },
  whatsapp: t.whatsapp,
  queue: t.queue,
  user: t.user,
  tags: t.tags,
});

const str = (s: string) => JSON.stringify(s);
const strOrNull = (s: string | null) => (s === null ? "null" : JSON.stringify(s));
const isoOrNull = (ms: number | null) => (ms === null ? "null" : `"${new Date(ms).toISOString()}"`);

/**
 * `JSON.stringify(ticketWire(view))` of a list row, written from the row's columns without building the view
 * and wire objects: the same text byte for byte (same key order; strings through JSON.stringify; a null
 * number prints as `null` in a template). tests/api/list-rendering.test.ts compares the two.
 */
export function ticketListJson(r: TicketWireRow, tags: TicketTag[]): string {
  const queue =
    r[6] !== null && r[19] !== null ? `{"id":${r[6]},"name":${str(r[19])},"color":${str(r[20]!)}}` : "null";
  const user =
    r[7] !== null && r[21] !== null ? `{"id":${r[7]},"name":${str(r[21])},"email":${str(r[22]!)}}` : "null";
  let tagsJson = "";
  for (const t of tags)
    tagsJson += `${tagsJson ? "," : ""}{"id":${t.id},"name":${str(t.name)},"color":${str(t.color)}}`;
  return `{"id":${r[0]},"status":${str(r[1])},"lastMessage":${str(r[2])},"unreadMessages":${r[3]},"contactId":${r[4]},"whatsappId":${r[5]},"queueId":${r[6]},"userId":${r[7]},"rating":${r[8]},"ratedAt":${isoOrNull(r[9])},"createdAt":"${new Date(r[10]).toISOString()}","updatedAt":"${new Date(r[11]).toISOString()}","contact":{"id":${r[4]},"name":${str(r[12])},"number":${str(r[13])},"email":${str(r[14])},"profilePicUrl":${strOrNull(r[15])},"isGroup":${r[16] === 1}},"whatsapp":{"id":${r[5]},"name":${str(r[17])},"number":${strOrNull(r[18])}},"queue":${queue},"user":${user},"tags":[${tagsJson}]}`;
}

// ── messages ────────────────────────────────────────────────────────────────

/** Audio sent as a voice note; by default an ogg/opus file is one (what WhatsApp records). */
export const PttField = z.boolean().optional().openapi({
  description:
    "Send the audio as a voice note (push-to-talk). Default: true for ogg/opus audio, false for other audio",
});

export const ReactionSchema = z
  .object({
    emoji: z.string(),
    fromMe: z.boolean(),
    number: z.string().nullable().openapi({ description: "Who reacted; null for our own number" }),
    name: z.string().nullable(),
    timestamp: z.number().int(),
  })
  .openapi("Reaction");

/** Where a message is on our side of the send; the queue's fields (see the send queue in the README). */
const QueueFields = {
  status: z.enum(["queued", "sending", "sent", "failed"]).openapi({
    description:
      "Our side of the send: `queued` (stored, waiting for the send queue), `sending` (handed to WhatsApp, not confirmed yet), `sent` (WhatsApp accepted it; synchronous sends and inbound messages are always `sent`), `failed` (see `error`). Delivery to the phone is `ack`.",
  }),
  error: z.object({ code: z.string(), reason: z.string() }).nullable().openapi({
    description:
      "Why a queued message failed (or why its last attempt did): ERR_MESSAGE_EXPIRED, ERR_MESSAGE_CANCELLED, ERR_SENDING_WAPP_MSG…",
  }),
  sendAt: z.string().nullable().openapi({ description: "Queued sends: not before this time; else null" }),
  expiresAt: z.string().nullable().openapi({
    description: "Queued sends: failed with ERR_MESSAGE_EXPIRED when not sent by then; else null",
  }),
};

const queueWire = (m: MessageRow) => ({
  status: m.status,
  error: m.error ?? null,
  sendAt: m.sendAt == null ? null : new Date(m.sendAt).toISOString(),
  expiresAt: m.expiresAt == null ? null : new Date(m.expiresAt).toISOString(),
});

export const MessageSchema = z
  .object({
    id: z.string(),
    body: z.string(),
    fromMe: z.boolean(),
    ack: z.number().int(),
    mediaUrl: z.string().nullable(),
    mediaType: z.string(),
    hasMedia: z.boolean(),
    mediaExpired: z.boolean().openapi({
      description:
        "Its file was deleted after MEDIA_RETENTION_DAYS: `hasMedia` stays true, `mediaUrl` is null",
    }),
    mimeType: z.string().nullable(),
    filename: z.string().nullable(),
    quotedMsgId: z.string().nullable(),
    ticketId: z.number().int(),
    timestamp: z.number().int(),
    createdAt: z.string(),
    contact: z.object({ id: z.number().int(), name: z.string(), number: z.string() }).nullable(),
    isEdited: z.boolean(),
    previousBody: z.string().nullable().openapi({ description: "The body before the last edit" }),
    editedAt: z.string().nullable(),
    isDeleted: z.boolean().openapi({ description: "Deleted for everyone on WhatsApp; the body is kept" }),
    deletedAt: z.string().nullable(),
    reactions: z.array(ReactionSchema),
    participant: z
      .object({ number: z.string(), name: z.string().nullable() })
      .nullable()
      .openapi({ description: "Who wrote it, in a group ticket" }),
    isImported: z.boolean().openapi({ description: "Imported from history at first link (no events)" }),
    userId: z.number().int().nullable().openapi({
      description: "The agent who sent it (signed in); null for API tokens, automation and received messages",
    }),
    isSystem: z.boolean().openapi({
      description: "A line of the ticket's history (a transfer), never sent to WhatsApp; `system` tells what",
    }),
    system: z
      .object({
        type: z.string(),
        fromQueueId: z.number().int().nullable().optional(),
        toQueueId: z.number().int().nullable().optional(),
        fromUserId: z.number().int().nullable().optional(),
        toUserId: z.number().int().nullable().optional(),
        byUserId: z.number().int().nullable().optional(),
        byName: z.string().optional(),
        toQueueName: z.string().nullable().optional(),
        toUserName: z.string().nullable().optional(),
        note: z.string().nullable().optional(),
      })
      .nullable()
      .openapi({ description: "What a system line records (type `transfer`); null for other messages" }),
    editableUntil: z.string().nullable().openapi({
      description: "Ours and text: until when WhatsApp accepts an edit (15 min after sending); else null",
    }),
    deletableUntil: z.string().nullable().openapi({
      description: "Ours: until when it can be deleted for everyone (2 days after sending); else null",
    }),
    updatedAt: z.string().openapi({ description: "Last change (ack, edit, delete, reaction)" }),
    ...QueueFields,
  })
  .openapi("Message", {
    example: {
      id: "3EB0ABC123",
      body: "Hola, necesito ayuda",
      fromMe: false,
      ack: 0,
      mediaUrl: null,
      mediaType: "chat",
      hasMedia: false,
      mediaExpired: false,
      mimeType: null,
      filename: null,
      quotedMsgId: null,
      ticketId: 123,
      timestamp: 1701426600,
      createdAt: "2024-12-01T10:30:00.000Z",
      contact: { id: 1, name: "Juan Pérez", number: "595991234567" },
      isEdited: false,
      previousBody: null,
      editedAt: null,
      isDeleted: false,
      deletedAt: null,
      reactions: [{ emoji: "👍", fromMe: true, number: null, name: null, timestamp: 1701426700 }],
      participant: null,
      isImported: false,
      userId: null,
      isSystem: false,
      system: null,
      editableUntil: null,
      deletableUntil: null,
      updatedAt: "2024-12-01T10:31:40.000Z",
      status: "sent",
      error: null,
      sendAt: null,
      expiresAt: null,
    },
  });

export const messageWire = (
  m: MessageRow,
  contact: { id: number; name: string; number: string } | null,
  mediaUrlOf: (f: string | null) => string | null,
  reactions: Reaction[] = [],
) => ({
  id: m.id,
  body: m.body,
  fromMe: m.fromMe,
  ack: m.ack,
  mediaUrl: mediaUrlOf(m.mediaFile),
  mediaType: m.mediaType,
  hasMedia: m.hasMedia,
  mediaExpired: m.mediaExpired,
  mimeType: m.mimeType,
  filename: m.filename,
  quotedMsgId: m.quotedMsgId,
  ticketId: m.ticketId,
  timestamp: m.timestamp,
  createdAt: m.createdAt.toISOString(),
  contact,
  isEdited: m.isEdited,
  previousBody: m.previousBody,
  editedAt: iso(m.editedAt),
  isDeleted: m.isDeleted,
  deletedAt: iso(m.deletedAt),
  reactions,
  participant: m.participant ? { number: m.participant, name: m.participantName } : null,
  isImported: m.isImported,
  userId: m.userId,
  isSystem: m.isSystem,
  system: m.isSystem ? ((m.systemData as { type: string } | null) ?? { type: "note" }) : null,
  editableUntil:
    m.fromMe && m.status === "sent" && !m.isDeleted && m.mediaType === "chat"
      ? isoAt(m.timestamp * 1000 + EDIT_WINDOW_MS)
      : null,
  deletableUntil:
    m.fromMe && m.status === "sent" && !m.isDeleted && !m.isSystem
      ? isoAt(m.timestamp * 1000 + REVOKE_WINDOW_MS)
      : null,
  updatedAt: m.updatedAt.toISOString(),
  ...queueWire(m),
});

const isoAt = (ms: number) => new Date(ms).toISOString();

export const SentSchema = z
  .object({
    messageId: z.string(),
    body: z.string(),
    ticketId: z.number().int(),
    timestamp: z.number().int(),
    fromMe: z.boolean(),
    ack: z.number().int(),
    hasMedia: z.boolean(),
    mediaUrl: z.string().nullable(),
    mediaType: z.string(),
    quotedMsgId: z.string().nullable(),
    filename: z.string().optional(),
    sourceUrl: z.string().optional(),
    userId: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The signed-in agent who sent it; null for tokens" }),
    ...QueueFields,
  })
  .openapi("SentMessage", {
    example: {
      messageId: "3EB0DEF456",
      body: "Gracias por contactarnos",
      ticketId: 123,
      timestamp: 1701432600,
      fromMe: true,
      ack: 0,
      hasMedia: false,
      mediaUrl: null,
      mediaType: "chat",
      quotedMsgId: null,
      userId: 2,
      status: "sent",
      error: null,
      sendAt: null,
      expiresAt: null,
    },
  });

export const sentWire = (r: SentResult, mediaUrlOf: (f: string | null) => string | null) => {
  const m = r.message;
  return {
    messageId: m.id,
    body: m.body,
    ticketId: m.ticketId,
    timestamp: m.timestamp,
    fromMe: m.fromMe,
    ack: m.ack,
    hasMedia: m.hasMedia,
    mediaUrl: mediaUrlOf(m.mediaFile),
    mediaType: m.mediaType,
    quotedMsgId: m.quotedMsgId,
    userId: m.userId,
    ...(m.hasMedia && m.filename ? { filename: m.filename } : {}),
    ...(r.sourceUrl ? { sourceUrl: r.sourceUrl } : {}),
    ...queueWire(m),
  };
};

// ── shared params ───────────────────────────────────────────────────────────

/**
 * A positive integer in a path or query, spelled the one plain way: decimal digits, no sign, no leading
 * zero, no exponent, hex or fraction, at most 2^53 − 1. `Number()` reads `0x10`, `1e1`, `+1` and `01` as
 * integers too, so `/tags/0x10` would otherwise name tag 16.
 */
export const positiveInt = (opts: { max?: number } = {}) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "Expected a positive integer written in decimal digits")
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .max(opts.max ?? Number.MAX_SAFE_INTEGER),
    )
    .openapi({ type: "integer", minimum: 1, ...(opts.max ? { maximum: opts.max } : {}) });

export const IdParam = <K extends string>(name: K) => {
  const id = positiveInt().openapi({ param: { name, in: "path" }, example: 1 });
  return z.object({ [name]: id } as Record<K, typeof id>);
};

export const PageQuery = z.object({
  page: positiveInt().default(1).openapi({ default: 1, example: 1 }),
  limit: positiveInt({ max: 100 }).default(20).openapi({ default: 20, example: 20 }),
});
