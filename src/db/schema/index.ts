import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);
const updatedAt = () =>
  integer("updated_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch('subsec') * 1000)`);

export const connections = sqliteTable("connections", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  driver: text("driver", { enum: ["baileys", "sandbox"] }).notNull(),
  number: text("number"),
  status: text("status").notNull().default("OPENING"),
  qrcode: text("qrcode"),
  statusReason: text("status_reason"),
  isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
  greetingMessage: text("greeting_message"),
  farewellMessage: text("farewell_message"),
  battery: text("battery"),
  plugged: integer("plugged", { mode: "boolean" }),
  lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }),
  /** Group chats: `ignore` them (like the original product) or give each group one ticket. */
  groups: text("groups", { enum: ["ignore", "tickets"] })
    .notNull()
    .default("ignore"),
  /** Tell WhatsApp a customer's messages were read when an agent reads the ticket. */
  sendReadReceipts: integer("send_read_receipts", { mode: "boolean" }).notNull().default(true),
  /** On first link, import this many days of recent history into closed tickets (0 = none). */
  historyImportDays: integer("history_import_days").notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const webhooks = sqliteTable(
  "webhooks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    connectionId: integer("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** JSON array of event names; empty means every event. */
    events: text("events", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    secret: text("secret").notNull(),
    disabledReason: text("disabled_reason"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhooks_connection_idx").on(t.connectionId)],
);

export const contacts = sqliteTable(
  "contacts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    number: text("number").notNull().unique(),
    name: text("name").notNull(),
    email: text("email").notNull().default(""),
    profilePicUrl: text("profile_pic_url"),
    isGroup: integer("is_group", { mode: "boolean" }).notNull().default(false),
    /** WhatsApp LID (`…@lid`) when WhatsApp addresses this contact by it; the number stays the key. */
    lid: text("lid").unique(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // The contact list is ordered by name.
  (t) => [index("contacts_name_idx").on(t.name, t.id)],
);

export const queues = sqliteTable("queues", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  color: text("color").notNull().unique(),
  greetingMessage: text("greeting_message"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const tags = sqliteTable("tags", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  color: text("color").notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const tickets = sqliteTable(
  "tickets",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    status: text("status", { enum: ["pending", "open", "closed"] })
      .notNull()
      .default("pending"),
    contactId: integer("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    connectionId: integer("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    queueId: integer("queue_id").references(() => queues.id, { onDelete: "set null" }),
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    unreadMessages: integer("unread_messages").notNull().default(0),
    lastMessage: text("last_message").notNull().default(""),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The domain rule "one non-closed ticket per contact and connection", enforced by the database.
    uniqueIndex("tickets_one_active_per_contact")
      .on(t.contactId, t.connectionId)
      .where(sql`status <> 'closed'`),
    index("tickets_status_updated_idx").on(t.status, t.updatedAt, t.id),
    index("tickets_updated_idx").on(t.updatedAt, t.id),
    index("tickets_connection_idx").on(t.connectionId, t.updatedAt),
    index("tickets_queue_idx").on(t.queueId, t.updatedAt),
    index("tickets_contact_idx").on(t.contactId),
  ],
);

/**
 * Ticket counts per (status, connection, queue), kept exact by triggers on `tickets` (see migration
 * 0003), so a paginated list answers `count` without scanning every matching ticket. queue_id 0 = none.
 */
export const ticketCounts = sqliteTable(
  "ticket_counts",
  {
    status: text("status").notNull(),
    connectionId: integer("connection_id").notNull(),
    queueId: integer("queue_id").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.status, t.connectionId, t.queueId] })],
);

export const ticketTags = sqliteTable(
  "ticket_tags",
  {
    ticketId: integer("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    tagId: integer("tag_id")
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.tagId] }), index("ticket_tags_tag_idx").on(t.tagId)],
);

export const messages = sqliteTable(
  "messages",
  {
    /** Row key (the rowid); the wire format never shows it. */
    pk: integer("pk").primaryKey(),
    /** The WhatsApp message id (`3EB0…`), unique per connection: two of our numbers can hold one id. */
    id: text("id").notNull(),
    connectionId: integer("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    ticketId: integer("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    contactId: integer("contact_id").references(() => contacts.id, { onDelete: "set null" }),
    body: text("body").notNull().default(""),
    fromMe: integer("from_me", { mode: "boolean" }).notNull(),
    ack: integer("ack").notNull().default(0),
    mediaType: text("media_type").notNull().default("chat"),
    /** File name under DATA_DIR/media; the wire format turns it into a URL. */
    mediaFile: text("media_file"),
    mimeType: text("mime_type"),
    filename: text("filename"),
    hasMedia: integer("has_media", { mode: "boolean" }).notNull().default(false),
    quotedMsgId: text("quoted_msg_id"),
    /** Opaque driver data needed to quote or retry this message (e.g. the WhatsApp key). */
    remoteKey: text("remote_key"),
    /** Set while an inbound file could not be downloaded: what the driver needs to try again. */
    mediaRef: text("media_ref"),
    timestamp: integer("timestamp").notNull(),
    /** Edited on WhatsApp: the body before the last edit is kept. */
    isEdited: integer("is_edited", { mode: "boolean" }).notNull().default(false),
    previousBody: text("previous_body"),
    editedAt: integer("edited_at", { mode: "timestamp_ms" }),
    /** Deleted for everyone on WhatsApp; the body stays for the agent. */
    isDeleted: integer("is_deleted", { mode: "boolean" }).notNull().default(false),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
    /** In a group ticket: who wrote it (digits and push name). */
    participant: text("participant"),
    participantName: text("participant_name"),
    /** Came from the history import on first link (no events were emitted for it). */
    isImported: integer("is_imported", { mode: "boolean" }).notNull().default(false),
    /** Its file was deleted by MEDIA_RETENTION_DAYS (or MESSAGE_RETENTION_DAYS never got to it): the row stays. */
    mediaExpired: integer("media_expired", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("messages_connection_wa_id").on(t.connectionId, t.id),
    // The media retry reads only the messages still waiting for their file.
    index("messages_media_retry_idx").on(t.pk).where(sql`media_ref is not null and media_file is null`),
    index("messages_wa_id_idx").on(t.id),
    index("messages_ticket_idx").on(t.ticketId, t.createdAt),
    // Retention: media expiry walks only the messages that still hold a file, oldest first…
    index("messages_media_created_idx").on(t.createdAt).where(sql`media_file is not null`),
    // …and MESSAGE_RETENTION_DAYS walks every message oldest first.
    index("messages_created_idx").on(t.createdAt),
    // Deleting a contact sets its messages' contact_id to null: without this, SQLite scans every message.
    index("messages_contact_idx").on(t.contactId).where(sql`contact_id is not null`),
  ],
);

/** Row counts kept exact by triggers (see migration 0006), so a list answers `count` without a scan. */
export const rowCounts = sqliteTable("row_counts", {
  name: text("name").primaryKey(),
  n: integer("n").notNull(),
});

/** One reaction per (message, reactor); a new emoji replaces the old one, an empty one removes it. */
export const messageReactions = sqliteTable(
  "message_reactions",
  {
    messagePk: integer("message_pk")
      .notNull()
      .references(() => messages.pk, { onDelete: "cascade" }),
    /** Digits of who reacted; `me` for the connection's own number. */
    reactor: text("reactor").notNull(),
    fromMe: integer("from_me", { mode: "boolean" }).notNull(),
    name: text("name"),
    emoji: text("emoji").notNull(),
    timestamp: integer("timestamp").notNull(),
  },
  (t) => [primaryKey({ columns: [t.messagePk, t.reactor] })],
);

export const apiTokens = sqliteTable("api_tokens", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  scope: text("scope", { enum: ["admin", "api"] }).notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  hint: text("hint").notNull(),
  createdAt: createdAt(),
  lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
  revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
});

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    /** Who sent the key: a token id, or 0 for the API_TOKEN from the environment. */
    principal: integer("principal").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    /**
     * `in_progress` from the reservation (committed before WhatsApp is asked) until the response is stored in
     * the transaction of the messages it created (`completed`); `outcome_unknown` when a send failed after a
     * message had left.
     */
    state: text("state", { enum: ["in_progress", "completed", "outcome_unknown"] })
      .notNull()
      .default("completed"),
    /** The process that reserved the key: another process finding it `in_progress` knows its owner died. */
    owner: text("owner"),
    statusCode: integer("status_code"),
    responseBody: text("response_body"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.principal, t.key] }), index("idempotency_created_idx").on(t.createdAt)],
);

export const events = sqliteTable(
  "events",
  {
    /** Monotonic order for the catch-up feed and SSE resume. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    connectionId: integer("connection_id"),
    type: text("type").notNull(),
    /**
     * Rows stored before compact events: the exact JSON body. Compact rows store '' here and keep `data`
     * and `originId` instead; the body is rebuilt byte for byte from them (src/webhooks/event-codec.ts).
     */
    payload: text("payload").notNull(),
    /** The envelope's `data`, as JSON compressed with a fixed dictionary (event-codec.ts); null on old rows. */
    data: blob("data", { mode: "buffer" }),
    /** The connection's name and number when the event happened (the envelope's connectionName/Number). */
    originId: integer("origin_id"),
    createdAt: createdAt(),
  },
  // No index on created_at: the id starts with the creation time in hex, so retention walks the id index.
  (t) => [index("events_connection_idx").on(t.connectionId, t.seq)],
);

/** A connection's name and number as events saw them: one row per (connection, name, number) ever used. */
export const eventOrigins = sqliteTable(
  "event_origins",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    connectionId: integer("connection_id").notNull(),
    name: text("name").notNull(),
    number: text("number"),
  },
  (t) => [index("event_origins_connection_idx").on(t.connectionId, t.name, t.number)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    eventId: text("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    webhookId: integer("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["pending", "delivering", "delivered", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    leaseToken: text("lease_token"),
    lockedUntil: integer("locked_until"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    deliveredAt: integer("delivered_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("deliveries_webhook_idx").on(t.webhookId, t.id),
    index("deliveries_event_idx").on(t.eventId),
    // The dispatcher walks one webhook's open rows in creation order; delivered rows stay out of it.
    index("deliveries_open_idx").on(t.webhookId, t.id).where(sql`status in ('pending', 'delivering')`),
    // The dispatcher's next lease expiry.
    index("deliveries_lease_idx").on(t.lockedUntil).where(sql`status = 'delivering'`),
    // Retention of delivered rows (failed ones are found by deliveries_due_idx: their next_attempt_at is when they failed).
    index("deliveries_delivered_idx").on(t.deliveredAt).where(sql`status = 'delivered'`),
  ],
);

/** Baileys creds and Signal keys, one row per (connection, key type, key id); never multi-file auth state. */
export const waAuth = sqliteTable(
  "wa_auth",
  {
    connectionId: integer("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    keyId: text("key_id").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.type, t.keyId] })],
);
