/** The nine events of seed/API.md. Dependency-free, so the web panel's bundle can import it too. */
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
] as const;

export type EventName = (typeof EVENT_NAMES)[number];
