/**
 * The PostgreSQL schema: the same tables, columns, keys, indexes and constraints as the SQLite schema
 * (`../schema/index.ts`, the reference), under the same SQL names, so a row reads the same in TypeScript on
 * both stores. tests/db/pg-schema.test.ts compares the two programmatically: a change to one schema without
 * the other fails there.
 *
 * Type mapping (SQLite → PostgreSQL), chosen so drizzle hands the domain the same TypeScript types:
 * - ids (`integer primary key autoincrement`, the rowid `messages.pk`) and every column holding an id →
 *   `bigint` (mode number) identity `by default`: SQLite integers are 64-bit, ids only grow (messages, events,
 *   deliveries), and an explicit id (a restore) stays possible as on SQLite.
 * - small counters and settings (ack, attempts, position, rating, status codes, pacing ms) → `integer`.
 * - `integer mode timestamp_ms` (a Date in TypeScript) → `timestamptz(3)`: millisecond precision like the
 *   SQLite values, `now()` as default instead of `unixepoch('subsec') * 1000`, readable in psql.
 * - plain integer ms or seconds that the domain does arithmetic on (`send_at`, `expires_at`, `sent_at`,
 *   `next_attempt_at`, `locked_until`, the WhatsApp `timestamp`) → `bigint` (mode number): same numbers.
 * - `integer mode boolean` → `boolean`.
 * - `text mode json` → `json`, not `jsonb`: `json` keeps the stored text as written, so objects come back with
 *   their keys in the order the domain wrote them and the wire output is byte-identical to SQLite's; nothing
 *   queries inside these columns.
 * - `blob mode buffer` → `bytea` (a Buffer both ways).
 * - `text` with an enum → `text` with the same enum (TypeScript-only, like SQLite: no CHECK constraint).
 *
 * What SQLite does with triggers and FTS5 (ticket_counts, row_counts, closed_at, message and contact search)
 * lives in the hand-written tail of the first PostgreSQL migration (drizzle-pg/0000_*.sql): plpgsql triggers,
 * a tsvector expression index and pg_trgm indexes.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { type QueuedOutbound, USER_ROLES, type WeeklySchedule } from "../schema";

/**
 * A `json` column whose value goes to Bun.SQL as it is. drizzle's own `json` stringifies the value and Bun.SQL
 * then encodes that string as JSON again, so every row held a JSON *string* ("[\"a\"]" instead of ["a"]): it read
 * back right through drizzle (parsed twice) but was wrong for every SQL reader (`jsonb_array_length`, `@>`, psql).
 * Bun.SQL encodes objects and arrays bound to a json parameter, and parses json columns it reads.
 */
const json = customType<{ data: unknown; driverData: unknown }>({
  dataType: () => "json",
  toDriver: (value) => value,
  fromDriver: (value) => (typeof value === "string" ? JSON.parse(value) : value),
});

const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});

/** A 64-bit transaction id (`pg_current_xact_id()`), read and bound as its decimal text. */
const xid8 = customType<{ data: string; driverData: string }>({
  dataType: () => "xid8",
});

/** An id column, or a column holding one: 64-bit, a JS number. */
const id = (name: string) => bigint(name, { mode: "number" });
/** A primary key assigned by the database unless given, like SQLite's autoincrement. */
const serialId = (name: string) => id(name).primaryKey().generatedByDefaultAsIdentity();
/** A point in time with SQLite's millisecond precision; a Date in TypeScript (SQLite: integer timestamp_ms). */
const at = (name: string) => timestamp(name, { mode: "date", precision: 3, withTimezone: true });
/** Milliseconds (or seconds) the domain computes with; a number in TypeScript (SQLite: plain integer). */
const ms = (name: string) => bigint(name, { mode: "number" });

const createdAt = () => at("created_at").notNull().defaultNow();
const updatedAt = () => at("updated_at").notNull().defaultNow();

export const connections = pgTable("connections", {
  id: serialId("id"),
  name: text("name").notNull().unique(),
  driver: text("driver", { enum: ["baileys", "sandbox"] }).notNull(),
  number: text("number"),
  status: text("status").notNull().default("OPENING"),
  qrcode: text("qrcode"),
  statusReason: text("status_reason"),
  isDefault: boolean("is_default").notNull().default(false),
  greetingMessage: text("greeting_message"),
  farewellMessage: text("farewell_message"),
  battery: text("battery"),
  plugged: boolean("plugged"),
  lastSeenAt: at("last_seen_at"),
  groups: text("groups", { enum: ["ignore", "tickets"] })
    .notNull()
    .default("ignore"),
  sendReadReceipts: boolean("send_read_receipts").notNull().default(true),
  historyImportDays: integer("history_import_days").notNull().default(0),
  agentSignature: boolean("agent_signature").notNull().default(false),
  ratingMessage: text("rating_message"),
  pacingMinIntervalMs: integer("pacing_min_interval_ms").notNull().default(4000),
  pacingJitterMs: integer("pacing_jitter_ms").notNull().default(3000),
  pacingTyping: boolean("pacing_typing").notNull().default(true),
  pacingDailyCap: integer("pacing_daily_cap").notNull().default(1000),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const webhooks = pgTable(
  "webhooks",
  {
    id: serialId("id"),
    connectionId: id("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    events: json("events").$type<string[]>().notNull().default(sql`'[]'`),
    secret: text("secret").notNull(),
    disabledReason: text("disabled_reason"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("webhooks_connection_idx").on(t.connectionId)],
);

export const contacts = pgTable(
  "contacts",
  {
    id: serialId("id"),
    number: text("number").notNull().unique(),
    name: text("name").notNull(),
    email: text("email").notNull().default(""),
    profilePicUrl: text("profile_pic_url"),
    isGroup: boolean("is_group").notNull().default(false),
    lid: text("lid").unique(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("contacts_name_idx").on(t.name, t.id)],
);

export const contactNotes = pgTable(
  "contact_notes",
  {
    id: serialId("id"),
    contactId: id("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    userId: id("user_id").references(() => users.id, { onDelete: "set null" }),
    body: text("body").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("contact_notes_contact_idx").on(t.contactId, t.id),
    index("contact_notes_user_idx").on(t.userId).where(sql`user_id is not null`),
  ],
);

export const quickAnswers = pgTable("quick_answers", {
  id: serialId("id"),
  shortcut: text("shortcut").notNull().unique(),
  message: text("message").notNull(),
  mediaUrl: text("media_url"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const queues = pgTable("queues", {
  id: serialId("id"),
  name: text("name").notNull().unique(),
  color: text("color").notNull().unique(),
  greetingMessage: text("greeting_message"),
  schedule: json("schedule").$type<WeeklySchedule>(),
  timeZone: text("time_zone"),
  outOfHoursMessage: text("out_of_hours_message"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const connectionQueues = pgTable(
  "connection_queues",
  {
    connectionId: id("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    queueId: id("queue_id")
      .notNull()
      .references(() => queues.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.queueId] }),
    index("connection_queues_queue_idx").on(t.queueId),
  ],
);

export const users = pgTable("users", {
  id: serialId("id"),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  passwordHash: text("password_hash"),
  role: text("role", { enum: USER_ROLES }).notNull().default("agent"),
  signature: boolean("signature").notNull().default(true),
  notifications: boolean("notifications").notNull().default(true),
  disabled: boolean("disabled").notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const userQueues = pgTable(
  "user_queues",
  {
    userId: id("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    queueId: id("queue_id")
      .notNull()
      .references(() => queues.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.queueId] }), index("user_queues_queue_idx").on(t.queueId)],
);

export const userSessions = pgTable(
  "user_sessions",
  {
    id: serialId("id"),
    userId: id("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    secretHash: text("secret_hash").notNull().unique(),
    createdAt: createdAt(),
    lastSeenAt: at("last_seen_at").notNull(),
    expiresAt: at("expires_at").notNull(),
    userAgent: text("user_agent"),
    address: text("address"),
  },
  (t) => [index("user_sessions_user_idx").on(t.userId), index("user_sessions_expires_idx").on(t.expiresAt)],
);

export const tags = pgTable("tags", {
  id: serialId("id"),
  name: text("name").notNull().unique(),
  color: text("color").notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const tickets = pgTable(
  "tickets",
  {
    id: serialId("id"),
    status: text("status", { enum: ["pending", "open", "closed"] })
      .notNull()
      .default("pending"),
    contactId: id("contact_id")
      .notNull()
      .references(() => contacts.id, { onDelete: "cascade" }),
    connectionId: id("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    queueId: id("queue_id").references(() => queues.id, { onDelete: "set null" }),
    userId: id("user_id").references(() => users.id, { onDelete: "set null" }),
    unreadMessages: integer("unread_messages").notNull().default(0),
    lastMessage: text("last_message").notNull().default(""),
    /** Kept by a BEFORE trigger on status (the hand-written part of the first migration). */
    closedAt: at("closed_at"),
    firstInboundAt: at("first_inbound_at"),
    firstResponseAt: at("first_response_at"),
    rating: integer("rating"),
    ratedAt: at("rated_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("tickets_one_active_per_contact")
      .on(t.contactId, t.connectionId)
      .where(sql`status <> 'closed'`),
    index("tickets_status_updated_idx").on(t.status, t.updatedAt, t.id, t.queueId, t.userId),
    index("tickets_updated_idx").on(t.updatedAt, t.id, t.queueId),
    index("tickets_connection_idx").on(t.connectionId, t.updatedAt, t.id, t.queueId, t.userId, t.status),
    index("tickets_queue_idx").on(t.queueId, t.updatedAt, t.id, t.userId, t.status),
    index("tickets_contact_idx").on(t.contactId),
    index("tickets_active_idx").on(t.status, t.userId, t.queueId).where(sql`status <> 'closed'`),
    index("tickets_closed_at_idx")
      .on(t.closedAt, t.queueId, t.userId, t.createdAt)
      .where(sql`closed_at is not null`),
    index("tickets_first_response_idx")
      .on(t.firstResponseAt, t.queueId, t.userId, t.firstInboundAt)
      .where(sql`first_response_at is not null`),
    index("tickets_mine_idx")
      .on(t.userId, t.updatedAt, t.id, t.queueId, t.status)
      .where(sql`status <> 'closed'`),
    index("tickets_unassigned_idx")
      .on(t.status, t.updatedAt, t.id, t.queueId, t.userId)
      .where(sql`status = 'pending' and user_id is null`),
  ],
);

/**
 * Kept exact by triggers on `tickets` (hand-written part of the first migration; user_id since 0005_tab_counts).
 * queue_id and user_id 0 = none.
 */
export const ticketCounts = pgTable(
  "ticket_counts",
  {
    status: text("status").notNull(),
    connectionId: id("connection_id").notNull(),
    queueId: id("queue_id").notNull(),
    userId: id("user_id").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.status, t.connectionId, t.queueId, t.userId] })],
);

/** `ticket_counts` per tag, kept exact by triggers (migration 0007_tag_counts). queue_id and user_id 0 = none. */
export const ticketTagCounts = pgTable(
  "ticket_tag_counts",
  {
    tagId: id("tag_id").notNull(),
    status: text("status").notNull(),
    connectionId: id("connection_id").notNull(),
    queueId: id("queue_id").notNull(),
    userId: id("user_id").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tagId, t.status, t.connectionId, t.queueId, t.userId] })],
);

/** A ticket's tags, each with a copy of its ticket's list columns kept by triggers: see the SQLite schema's twin. */
export const ticketTags = pgTable(
  "ticket_tags",
  {
    ticketId: id("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    tagId: id("tag_id")
      .notNull()
      .references(() => tags.id, { onDelete: "cascade" }),
    updatedAt: at("updated_at").notNull().default(sql`'epoch'`),
    status: text("status", { enum: ["pending", "open", "closed"] })
      .notNull()
      .default("pending"),
    connectionId: id("connection_id").notNull().default(0),
    queueId: id("queue_id"),
    userId: id("user_id"),
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

export const messages = pgTable(
  "messages",
  {
    pk: serialId("pk"),
    id: text("id").notNull(),
    connectionId: id("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    ticketId: id("ticket_id")
      .notNull()
      .references(() => tickets.id, { onDelete: "cascade" }),
    contactId: id("contact_id").references(() => contacts.id, { onDelete: "set null" }),
    body: text("body").notNull().default(""),
    fromMe: boolean("from_me").notNull(),
    ack: integer("ack").notNull().default(0),
    mediaType: text("media_type").notNull().default("chat"),
    mediaFile: text("media_file"),
    mimeType: text("mime_type"),
    filename: text("filename"),
    hasMedia: boolean("has_media").notNull().default(false),
    quotedMsgId: text("quoted_msg_id"),
    remoteKey: text("remote_key"),
    mediaRef: text("media_ref"),
    timestamp: ms("timestamp").notNull(),
    isEdited: boolean("is_edited").notNull().default(false),
    previousBody: text("previous_body"),
    editedAt: at("edited_at"),
    isDeleted: boolean("is_deleted").notNull().default(false),
    deletedAt: at("deleted_at"),
    participant: text("participant"),
    participantName: text("participant_name"),
    isImported: boolean("is_imported").notNull().default(false),
    isAutomated: boolean("is_automated").notNull().default(false),
    mediaExpired: boolean("media_expired").notNull().default(false),
    userId: id("user_id"),
    isSystem: boolean("is_system").notNull().default(false),
    systemData: json("system_data").$type<Record<string, unknown>>(),
    status: text("status", { enum: ["queued", "sending", "sent", "failed"] })
      .notNull()
      .default("sent"),
    error: json("error").$type<{ code: string; reason: string }>(),
    sendAt: ms("send_at"),
    expiresAt: ms("expires_at"),
    sentAt: ms("sent_at"),
    outbound: json("outbound").$type<QueuedOutbound>(),
    attempts: integer("attempts").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("messages_queue_idx")
      .on(t.connectionId, t.sendAt, t.pk)
      .where(sql`status in ('queued', 'sending')`),
    index("messages_queue_due_idx").on(t.sendAt, t.pk).where(sql`status in ('queued', 'sending')`),
    index("messages_sent_at_idx").on(t.connectionId, t.sentAt).where(sql`sent_at is not null`),
    uniqueIndex("messages_connection_wa_id").on(t.connectionId, t.id),
    index("messages_media_retry_idx").on(t.pk).where(sql`media_ref is not null and media_file is null`),
    index("messages_ticket_idx").on(t.ticketId, t.createdAt),
    index("messages_media_created_idx").on(t.createdAt).where(sql`media_file is not null`),
    index("messages_created_idx").on(t.createdAt),
    index("messages_contact_idx").on(t.contactId).where(sql`contact_id is not null`),
  ],
);

export const ticketAutomation = pgTable("ticket_automation", {
  ticketId: id("ticket_id")
    .primaryKey()
    .references(() => tickets.id, { onDelete: "cascade" }),
  menuAttempts: integer("menu_attempts").notNull().default(0),
  menuOpen: boolean("menu_open").notNull().default(false),
  outOfHoursWindow: text("out_of_hours_window"),
  ratingRequestedAt: at("rating_requested_at"),
});

/**
 * What changed that a cached list shows (the read cache's exact invalidation), appended by triggers: the
 * hand-written part of migration 0002, the plpgsql twin of SQLite's 0014. `kind`: t = a ticket or its tags,
 * c = a contact, a = a connection/queue/user/tag name shown on tickets; p (SQLite's migration 0020: a token,
 * session, user or user's queues) has no trigger here — a PostgreSQL node keeps no principals.
 */
export const listChanges = pgTable("list_changes", {
  seq: serialId("seq"),
  kind: text("kind", { enum: ["t", "c", "a", "p"] }).notNull(),
  ref: bigint("ref", { mode: "number" }).notNull(),
});

/** Kept exact by triggers (hand-written part of the first migration). */
export const rowCounts = pgTable("row_counts", {
  name: text("name").primaryKey(),
  n: bigint("n", { mode: "number" }).notNull(),
});

/** Kept exact by triggers on `messages` (migration 0006_message_counts). A ticket with no message has no row. */
export const messageCounts = pgTable("message_counts", {
  ticketId: id("ticket_id").primaryKey(),
  n: bigint("n", { mode: "number" }).notNull(),
});

export const messageReactions = pgTable(
  "message_reactions",
  {
    messagePk: id("message_pk")
      .notNull()
      .references(() => messages.pk, { onDelete: "cascade" }),
    reactor: text("reactor").notNull(),
    fromMe: boolean("from_me").notNull(),
    name: text("name"),
    emoji: text("emoji").notNull(),
    timestamp: ms("timestamp").notNull(),
  },
  (t) => [primaryKey({ columns: [t.messagePk, t.reactor] })],
);

export const apiTokens = pgTable("api_tokens", {
  id: serialId("id"),
  name: text("name").notNull(),
  scope: text("scope", { enum: ["admin", "api"] }).notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  hint: text("hint").notNull(),
  createdAt: createdAt(),
  lastUsedAt: at("last_used_at"),
  revokedAt: at("revoked_at"),
});

export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    principal: id("principal").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    state: text("state", { enum: ["in_progress", "completed", "outcome_unknown"] })
      .notNull()
      .default("completed"),
    owner: text("owner"),
    statusCode: integer("status_code"),
    responseBody: text("response_body"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.principal, t.key] }), index("idempotency_created_idx").on(t.createdAt)],
);

export const events = pgTable(
  "events",
  {
    /**
     * Monotonic order for the catch-up feed and SSE resume. On PostgreSQL a sequence value is taken before
     * commit, so seq order is not commit order across concurrent writers: see docs/CLUSTER.md before
     * reading "after seq N" on this store.
     */
    seq: serialId("seq"),
    connectionId: id("connection_id"),
    typeCode: integer("type_code").notNull(),
    data: bytea("data").notNull(),
    originId: id("origin_id"),
    createdAt: createdAt(),
    legacyId: text("legacy_id"),
    /**
     * PostgreSQL only (docs/CLUSTER.md §5.4): the inserting transaction's id. The feed reads only rows whose
     * transaction is older than every running one, in `(tx_id, seq)` order, so an event whose transaction
     * commits after a later seq's is never skipped (src/cluster/events-feed.ts). SQLite has one writer, whose
     * commit order is seq order: it has no such column (the parity test allows this one explicitly).
     */
    txId: xid8("tx_id").notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [
    index("events_connection_idx").on(t.connectionId, t.seq),
    uniqueIndex("events_legacy_id_unique").on(t.legacyId).where(sql`legacy_id IS NOT NULL`),
    index("events_feed_idx").on(t.txId, t.seq),
  ],
);

export const eventOrigins = pgTable(
  "event_origins",
  {
    id: serialId("id"),
    connectionId: id("connection_id").notNull(),
    name: text("name").notNull(),
    number: text("number"),
  },
  (t) => [index("event_origins_connection_idx").on(t.connectionId, t.name, t.number)],
);

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: serialId("id"),
    eventId: id("event_id")
      .notNull()
      .references(() => events.seq, { onDelete: "cascade" }),
    webhookId: id("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["pending", "delivering", "delivered", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ms("next_attempt_at").notNull(),
    leaseToken: text("lease_token"),
    lockedUntil: ms("locked_until"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    deliveredAt: at("delivered_at"),
  },
  (t) => [
    index("deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("deliveries_webhook_idx").on(t.webhookId, t.id),
    index("deliveries_event_idx").on(t.eventId),
    index("deliveries_open_idx").on(t.webhookId, t.id).where(sql`status in ('pending', 'delivering')`),
    index("deliveries_lease_idx").on(t.lockedUntil).where(sql`status = 'delivering'`),
    index("deliveries_delivered_idx").on(t.deliveredAt).where(sql`status = 'delivered'`),
  ],
);

export const waAuth = pgTable(
  "wa_auth",
  {
    connectionId: id("connection_id")
      .notNull()
      .references(() => connections.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    keyId: text("key_id").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.type, t.keyId] })],
);

/*
 * PostgreSQL only: the cluster's tables (docs/CLUSTER.md §4, §5.1; src/cluster/*). A single SQLite node owns
 * every connection and serves every webhook, so SQLite has none of them (tests/db/pg-schema.test.ts allows
 * them explicitly). Times here are the database's (`now()`), never a node's clock.
 */

/** A running node: registered at start, `heartbeat_at` renewed while it lives. */
export const nodes = pgTable("nodes", {
  id: text("id").primaryKey(),
  address: text("address"),
  /**
   * A random secret of this run of the node: other nodes send it with their internal calls to it (a call for a
   * connection this node runs, docs/CLUSTER.md §4 "Calls for a connection another node runs"). Null: the node
   * takes no internal calls.
   */
  secret: text("secret"),
  startedAt: at("started_at").notNull().defaultNow(),
  heartbeatAt: at("heartbeat_at").notNull().defaultNow(),
});

/**
 * Who runs a WhatsApp connection's socket. `token` is the fencing token: it grows at every acquisition, and
 * every write of the connection's session keys checks it. A row is created with its connection (trigger in
 * the hand-written part of migration 0003), unowned (`node_id` null).
 */
export const connectionLeases = pgTable(
  "connection_leases",
  {
    connectionId: id("connection_id")
      .primaryKey()
      .references(() => connections.id, { onDelete: "cascade" }),
    nodeId: text("node_id"),
    token: bigint("token", { mode: "number" }).notNull().default(0),
    expiresAt: at("expires_at"),
    /** An admin's move request: the owner lets go at its next renewal, only this node may take it then. */
    wantedNode: text("wanted_node"),
  },
  (t) => [index("connection_leases_node_idx").on(t.nodeId)],
);

/**
 * A webhook's delivery lane (§5.1): one holder at a time sends a webhook's deliveries, so a receiver sees
 * them in creation order whichever node sends them. `locked_until` is in ms of database time, like the
 * deliveries' own lease columns.
 */
export const webhookLanes = pgTable("webhook_lanes", {
  webhookId: id("webhook_id")
    .primaryKey()
    .references(() => webhooks.id, { onDelete: "cascade" }),
  holder: text("holder").notNull(),
  lockedUntil: ms("locked_until").notNull(),
});
