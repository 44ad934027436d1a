import { EVENT_DOCS } from "../../src/http/event-docs";
import { createEventFeed } from "../../src/webhooks/event-feed";
import type { EventName } from "../../src/webhooks/event-names";
import type { TestApp } from "./test-app";

/**
 * The `data` of every stored event of a type, in order, read through the event reader (the stored rows are
 * compact) and each checked against the payload /openapi.json documents for it.
 */
export function eventsOf(t: TestApp, type: EventName) {
  return createEventFeed(t.db)
    .after(0, { types: [type], limit: 1_000_000 })
    .map((r) => {
      const data = JSON.parse(r.payload).data;
      EVENT_DOCS[type].data.parse(data);
      return data;
    });
}
