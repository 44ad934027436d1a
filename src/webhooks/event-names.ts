/**
 * The nine events of seed/API.md, then the message lifecycle (edits, deletes, reactions, queued sends that failed). Dependency-free,
 * so the web panel's bundle can import it too.
 */
export const EVENT_NAMES = [
  "message_received",
  "message_sent",
  "message_ack",
  "connection_update",
  "ticket_created",
  "ticket_updated",
  "ticket_closed",
  "contact_created",
  "contact_updated",
  "message_updated",
  "message_deleted",
  "message_reaction",
  "message_failed",
] as const;

export type EventName = (typeof EVENT_NAMES)[number];
