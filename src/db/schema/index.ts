import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Opening hours: per weekday, ranges of local "HH:MM" times (end exclusive, "24:00" allowed). */
export type WeeklySchedule = Partial<
  Record<"mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun", { start: string; end: string }[]>
>;
/** What the send queue needs to send a stored message again, after any restart. */
export type QueuedOutbound = {
  to: string;
  quoted: { id: string; fromMe: boolean; body: string; remoteKey: string | null } | null;
  ptt?: boolean;
  /** The agent's name to sign with (`*Name:*` before the text or caption), never part of the stored body. */
  signedBy?: string;
};

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
  /** Prefix `*Agent name:*` to what agents send (users with `signature` on); never to the stored body. */
  agentSignature: integer("agent_signature", { mode: "boolean" }).notNull().default(false),
  /** Sent after the farewell when a ticket is closed, asking for a 1–5 rating; null = no rating request. */
  ratingMessage: text("rating_message"),
  /**
   * Pacing of queued sends (never of synchronous ones): at least this long, plus a random 0..jitter, between
   * two queued messages to different chats; "typing…" before each; at most `pacingDailyCap` queued messages
   * in any 24 h (0 = no cap). Defaults are conservative: a burst of API sends is what gets numbers banned.
   */
  pacingMinIntervalMs: integer("pacing_min_interval_ms").notNull().default(4000),
  pacingJitterMs: integer("pacing_jitter_ms").notNull().default(3000),
  pacingTyping: integer("pacing_typing", { mode: "boolean" }).notNull().default(true),
  pacingDailyCap: integer("pacing_daily_cap").notNull().default(1000),
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

/** Notes agents keep about a contact, newest first; never sent to WhatsApp. */
export const contactNotes = sqliteTable(
  "contact_notes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    contactId: integer("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    /** The author; null when written with an API token or when the user was deleted. */
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    body: text("body").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("contact_notes_contact_idx").on(t.contactId, t.id),
    index("contact_notes_user_idx").on(t.userId).where(sql`user_id is not null`),
  ],
);

/** Canned replies an agent inserts by typing `/shortcut` in the reply box. */
export const quickAnswers = sqliteTable("quick_answers", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  shortcut: text("shortcut").notNull().unique(),
  message: text("message").notNull(),
  /** Sent with the message through the normal send path (`mediaUrl`), when set. */
  mediaUrl: text("media_url"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const queues = sqliteTable("queues", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  color: text("color").notNull().unique(),
  greetingMessage: text("greeting_message"),
  /** Opening hours by weekday (see domain/automation/schedule.ts); null = always open. */
  schedule: text("schedule", { mode: "json" }).$type<WeeklySchedule>(),
  /** IANA time zone the schedule is read in. */
  timeZone: text("time_zone"),
  /** Sent once per ticket per closed window when a customer writes outside the schedule. */
  outOfHoursMessage: text("out_of_hours_message"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const USER_ROLES = ["admin", "supervisor", "agent"] as const;
export type UserRole = (typeof USER_ROLES)[number];
/** The queues a connection offers, in menu order. */
export const connectionQueues = sqliteTable(
  "connection_queues",
  {
    connectionId: integer("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    queueId: integer("queue_id")
      .notNull()
      .references(() => queues.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.queueId] }),
    index("connection_queues_queue_idx").on(t.queueId),
  ],
);

export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  /** argon2id (Bun.password); null = cannot sign in until an admin sets a password. Never on the wire. */
  passwordHash: text("password_hash"),
  /** Users that existed before accounts (name+email records) became `agent`s: least privilege. */
  role: text("role", { enum: USER_ROLES }).notNull().default("agent"),
  /** Sign what this user sends when the connection has `agentSignature` on. */
  signature: integer("signature", { mode: "boolean" }).notNull().default(true),
  /** The panel plays a sound and shows a desktop notification for new messages in my tickets/queues. */
  notifications: integer("notifications", { mode: "boolean" }).notNull().default(true),
  /** A disabled user cannot sign in and has no sessions. */
  disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** The queues an agent works (and sees tickets of). */
export const userQueues = sqliteTable(
  "user_queues",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    queueId: integer("queue_id")
      .notNull()
      .references(() => queues.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.queueId] }), index("user_queues_queue_idx").on(t.queueId)],
);

/** Panel sign-ins: the cookie carries a random secret, the table only its SHA-256. Revoked = deleted. */
export const userSessions = sqliteTable(
  "user_sessions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    secretHash: text("secret_hash").notNull().unique(),
    createdAt: createdAt(),
    /** Idle expiry counts from here (written at most once a minute). */
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
    /** Absolute expiry. */
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    userAgent: text("user_agent"),
    address: text("address"),
  },
  (t) => [index("user_sessions_user_idx").on(t.userId), index("user_sessions_expires_idx").on(t.expiresAt)],
);

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
    /** When it was last closed; null while open or pending. Kept by a trigger on status (migration 0009). */
    closedAt: integer("closed_at", { mode: "timestamp_ms" }),
    /** The customer's first message in this ticket. */
    firstInboundAt: integer("first_inbound_at", { mode: "timestamp_ms" }),
    /** Our first message after the customer's first one: the dashboard's first-response time. */
    firstResponseAt: integer("first_response_at", { mode: "timestamp_ms" }),
    /** The customer's 1–5 answer to the rating request sent on close. */
    rating: integer("rating"),
    ratedAt: integer("rated_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The domain rule "one non-closed ticket per contact and connection", enforced by the database.
    uniqueIndex("tickets_one_active_per_contact")
      .on(t.contactId, t.connectionId)
      .where(sql`status <> 'closed'`),
    // The list's orders. Each also holds the columns the list filters on (queue, agent, status), so a filtered page
    // — an agent's (their queues and those without one), a tab within a connection or a queue — is read from the
    // index alone: a page of a small queue skips the other tickets without reading their rows.
    index("tickets_status_updated_idx").on(t.status, t.updatedAt, t.id, t.queueId, t.userId),
    index("tickets_updated_idx").on(t.updatedAt, t.id, t.queueId),
    index("tickets_connection_idx").on(t.connectionId, t.updatedAt, t.id, t.queueId, t.userId, t.status),
    index("tickets_queue_idx").on(t.queueId, t.updatedAt, t.id, t.userId, t.status),
    index("tickets_contact_idx").on(t.contactId),
    // Dashboard: open/pending per agent and queue, read from the index alone.
    index("tickets_active_idx").on(t.status, t.userId, t.queueId).where(sql`status <> 'closed'`),
    // Dashboard: tickets closed / first answered in a time window, with what the medians need.
    index("tickets_closed_at_idx")
      .on(t.closedAt, t.queueId, t.userId, t.createdAt)
      .where(sql`closed_at is not null`),
    index("tickets_first_response_idx")
      .on(t.firstResponseAt, t.queueId, t.userId, t.firstInboundAt)
      .where(sql`first_response_at is not null`),
    // The "mine" tab (assigned to me, not closed) and its count. The columns its WHERE tests are in it too, so
    // SQLite reads a page's keys (and an agent's queue filter) from the index alone.
    index("tickets_mine_idx")
      .on(t.userId, t.updatedAt, t.id, t.queueId, t.status)
      .where(sql`status <> 'closed'`),
    // The "queue" tab (pending, unassigned) and its count; status first, so the tab's `status = 'pending'` seeks
    // this small index rather than every pending ticket in tickets_status_updated_idx.
    index("tickets_unassigned_idx")
      .on(t.status, t.updatedAt, t.id, t.queueId, t.userId)
      .where(sql`status = 'pending' and user_id is null`),
  ],
);

/**
 * Ticket counts per (status, connection, queue, agent), kept exact by triggers on `tickets` (migrations 0003 and
 * 0016), so a paginated list and the tab badges answer `count` without reading every matching ticket: the `queue`
 * tab is status pending and user 0, `mine` one user's rows that are not closed. queue_id and user_id 0 = none.
 */
export const ticketCounts = sqliteTable(
  "ticket_counts",
  {
    status: text("status").notNull(),
    connectionId: integer("connection_id").notNull(),
    queueId: integer("queue_id").notNull(),
    userId: integer("user_id").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.status, t.connectionId, t.queueId, t.userId] })],
);

/**
 * `ticket_counts` per tag: the tickets carrying each tag per (status, connection, queue, agent), kept exact by
 * triggers on `ticket_tags` and `tickets` (migration 0018), so a list filtered by tag answers `count` from a few
 * rows instead of reading every ticket of the tag. queue_id and user_id 0 = none.
 */
export const ticketTagCounts = sqliteTable(
  "ticket_tag_counts",
  {
    tagId: integer("tag_id").notNull(),
    status: text("status").notNull(),
    connectionId: integer("connection_id").notNull(),
    queueId: integer("queue_id").notNull(),
    userId: integer("user_id").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tagId, t.status, t.connectionId, t.queueId, t.userId] })],
);

/**
 * A ticket's tags. Each row also holds a copy of its ticket's list columns (updated_at as ms, status, connection, queue,
 * agent), kept by triggers on tickets and ticket_tags (migration 0022) and never written by the application: a list
 * filtered by tag walks `ticket_tags_tag_updated_idx` in the list's order and filters inside it, so a page costs
 * the tag's index entries, not a ticket row (and a ticket_tags probe) for every ticket skipped.
 */
export const ticketTags = sqliteTable(
  "ticket_tags",
  {
    ticketId: integer("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    tagId: integer("tag_id")
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(sql`0`),
    status: text("status", { enum: ["pending", "open", "closed"] })
      .notNull()
      .default("pending"),
    connectionId: integer("connection_id").notNull().default(0),
    queueId: integer("queue_id"),
    userId: integer("user_id"),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.tagId] }),
    index("ticket_tags_tag_updated_idx").on(
      t.tagId,
      t.updatedAt,
      t.ticketId,
      t.status,
      t.queueId,
      t.userId,
      t.connectionId,
    ),
  ],
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
    /** Sent by the automation (greeting, menu, out-of-hours, farewell, rating request), not by an agent. */
    isAutomated: integer("is_automated", { mode: "boolean" }).notNull().default(false),
    /** Its file was deleted by MEDIA_RETENTION_DAYS (or MESSAGE_RETENTION_DAYS never got to it): the row stays. */
    mediaExpired: integer("media_expired", { mode: "boolean" }).notNull().default(false),
    /** The agent who sent it (null: API token, automation, or received). Kept after the user is deleted. */
    userId: integer("user_id"),
    /** A line of the conversation's history (a transfer), never sent to WhatsApp. */
    isSystem: integer("is_system", { mode: "boolean" }).notNull().default(false),
    /** What a system line records (a transfer: from/to queue and user, by whom, the note), as JSON. */
    systemData: text("system_data", { mode: "json" }).$type<Record<string, unknown>>(),
    /**
     * Our side of the send: `queued` (stored, waiting for the send queue), `sending` (claimed by the queue,
     * maybe handed to WhatsApp), `sent`, `failed`. Synchronous sends and inbound messages are `sent`.
     */
    status: text("status", { enum: ["queued", "sending", "sent", "failed"] })
      .notNull()
      .default("sent"),
    /** Why a queued message failed: JSON `{code, reason}`. */
    error: text("error", { mode: "json" }).$type<{ code: string; reason: string }>(),
    /** Queued sends only: not before this time (ms), and failed when not sent by expires_at. */
    sendAt: integer("send_at"),
    expiresAt: integer("expires_at"),
    /** Queued sends only: when WhatsApp accepted it (pacing and the daily cap count these). */
    sentAt: integer("sent_at"),
    /** Queued sends only: JSON of what the queue needs to send it (chat address, quoted message, ptt). */
    outbound: text("outbound", { mode: "json" }).$type<QueuedOutbound>(),
    attempts: integer("attempts").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The send queue's next due message per connection; queued and claimed rows only.
    index("messages_queue_idx")
      .on(t.connectionId, t.sendAt, t.pk)
      .where(sql`status in ('queued', 'sending')`),
    // The queued messages of every connection, next due first (GET /api/v1/messages?status=queued).
    index("messages_queue_due_idx").on(t.sendAt, t.pk).where(sql`status in ('queued', 'sending')`),
    // Pacing and the daily cap: the last queued sends of a connection.
    index("messages_sent_at_idx").on(t.connectionId, t.sentAt).where(sql`sent_at is not null`),
    uniqueIndex("messages_connection_wa_id").on(t.connectionId, t.id),
    // The media retry reads only the messages still waiting for their file.
    index("messages_media_retry_idx").on(t.pk).where(sql`media_ref is not null and media_file is null`),
    index("messages_ticket_idx").on(t.ticketId, t.createdAt),
    // Retention: media expiry walks only the messages that still hold a file, oldest first…
    index("messages_media_created_idx").on(t.createdAt).where(sql`media_file is not null`),
    // …and MESSAGE_RETENTION_DAYS walks every message oldest first.
    index("messages_created_idx").on(t.createdAt),
    // Deleting a contact sets its messages' contact_id to null: without this, SQLite scans every message.
    index("messages_contact_idx").on(t.contactId).where(sql`contact_id is not null`),
  ],
);

/** What the customer-facing automation did on a ticket (domain/automation.service.ts). */
export const ticketAutomation = sqliteTable("ticket_automation", {
  ticketId: integer("ticket_id")
    .primaryKey()
    .references(() => tickets.id, { onDelete: "cascade" }),
  /** Times the queue menu was sent (the first one included). */
  menuAttempts: integer("menu_attempts").notNull().default(0),
  /** The menu waits for the customer's numeric answer. */
  menuOpen: integer("menu_open", { mode: "boolean" }).notNull().default(false),
  /** The closed window (its next opening, local time) the out-of-hours message was last sent for. */
  outOfHoursWindow: text("out_of_hours_window"),
  /** When the rating request was sent on close; a 1–5 answer within the window is stored on the ticket. */
  ratingRequestedAt: integer("rating_requested_at", { mode: "timestamp_ms" }),
});

/**
 * What changed among the rows the lists show, for the read cache (`src/http/read-cache.ts`): `t` = a ticket
 * (its row or its tags), `c` = a contact, `a` = a connection, queue, user or tag renamed or deleted (every
 * ticket may show it), `p` = who a token or a panel session stands for (migration 0020: a token, session, user or
 * user's queues changed). Written by triggers (migration 0014), so a write from
 * any connection is seen; only unrelated tables (messages' acks, events, deliveries, idempotency keys…) never add rows. The newest
 * 10,000 rows are kept; `seq` grows by one per change.
 */
export const listChanges = sqliteTable("list_changes", {
  seq: integer("seq").primaryKey(),
  kind: text("kind", { enum: ["t", "c", "a", "p"] }).notNull(),
  ref: integer("ref").notNull(),
});

/** Row counts kept exact by triggers (see migration 0006), so a list answers `count` without a scan. */
export const rowCounts = sqliteTable("row_counts", {
  name: text("name").primaryKey(),
  n: integer("n").notNull(),
});

/**
 * How many messages each ticket holds, kept exact by triggers on `messages` (migration 0017), so a ticket's message
 * list answers `count` with one lookup instead of walking the ticket's messages (6–7 ms at 200,000 of them, on the
 * one thread). A ticket with no message has no row.
 */
export const messageCounts = sqliteTable("message_counts", {
  ticketId: integer("ticket_id").primaryKey(),
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
    /** Who sent the key: a token id, 0 for the API_TOKEN from the environment, minus the id of a signed-in user. */
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
    /**
     * Monotonic order for the catch-up feed and SSE resume, and the event's identity: the wire id
     * `evt_<created_at in 12 hex><seq in 10 hex>` is derived from it and `created_at` (src/webhooks/event-codec.ts).
     */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    connectionId: integer("connection_id"),
    /** The event name as a fixed small code (EVENT_TYPE_CODES in src/webhooks/event-codec.ts). */
    typeCode: integer("type_code").notNull(),
    /**
     * The envelope's `data`, compressed (event-codec.ts); rows stored before compact events hold their whole
     * body here behind the codec tag for it.
     */
    data: blob("data", { mode: "buffer" }).notNull(),
    /** The connection's name and number when the event happened (the envelope's connectionName/Number). */
    originId: integer("origin_id"),
    createdAt: createdAt(),
    /** The random id of an event stored before migration 0013 (still accepted and sent); null on newer rows. */
    legacyId: text("legacy_id"),
  },
  // No index on created_at: seq follows creation, so retention finds its cutoff by a binary search on seq.
  (t) => [
    index("events_connection_idx").on(t.connectionId, t.seq),
    uniqueIndex("events_legacy_id_unique").on(t.legacyId).where(sql`legacy_id IS NOT NULL`),
  ],
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
    /** The event's `seq`. */
    eventId: integer("event_id")
      .notNull()
      .references(() => events.seq, { onDelete: "cascade" }),
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
