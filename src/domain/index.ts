import { createEventFeed, createPgEventFeed } from "../webhooks/event-feed";
import { createWebhookOps } from "../webhooks/webhook-ops.service";
import { createAccountService } from "./account.service";
import { createAutomationService } from "./automation.service";
import { createCatalogServices } from "./catalog.service";
import { createConnectionService } from "./connection.service";
import { createContactService } from "./contact.service";
import { createContactNoteService } from "./contact-note.service";
import { createDashboardService } from "./dashboard.service";
import type { DomainDeps } from "./deps";
import { createIdempotencyStore } from "./idempotency";
import { createMessageService } from "./message.service";
import { createMessageLifecycleService } from "./message-lifecycle.service";
import { createQuickAnswerService } from "./quick-answer.service";
import { createSandboxService } from "./sandbox.service";
import { createMessageSearch } from "./search/message-search";
import { createTicketService } from "./ticket.service";
import { createTokenService } from "./token.service";
import { createWebhookConfigService } from "./webhook-config.service";

export function createServices(deps: DomainDeps) {
  const connections = createConnectionService(deps);
  const contacts = createContactService(deps, connections);
  const tickets = createTicketService(deps, contacts, connections);
  const messages = createMessageService(deps, contacts, tickets, connections);
  const lifecycle = createMessageLifecycleService(deps, messages, tickets, connections);
  const eventFeed = createEventFeed(deps.db, deps.durableMark);
  // PostgreSQL: the feed in (tx_id, seq) order, for the catch-up page, Last-Event-ID and the SSE hub there.
  const pgEventFeed = deps.store.dialect === "postgres" ? createPgEventFeed(deps.store) : undefined;
  const automation = createAutomationService(deps, connections, tickets, messages);
  automation.start();
  return {
    /** Greeting, queue menu, out-of-hours, farewell and rating request (automation.service.ts). */
    automation,
    lifecycle,
    sandbox: createSandboxService(deps, connections, messages, lifecycle),
    contacts,
    connections,
    tickets,
    messages,
    catalog: createCatalogServices(deps.store),
    quickAnswers: createQuickAnswerService(deps.store, deps.clock),
    contactNotes: createContactNoteService(deps.store, deps.clock),
    messageSearch: createMessageSearch(deps.store),
    dashboard: createDashboardService(deps.store, deps.clock),
    accounts: createAccountService(
      deps.store,
      { idleMs: deps.config.sessionIdleMs, absoluteMs: deps.config.sessionMaxMs },
      deps.clock,
      deps.principalsVersion,
    ),
    webhooks: createWebhookConfigService(deps.store, deps.webhookReceivers, deps.clock),
    tokens: createTokenService(deps.store, deps.config.apiToken, deps.clock, deps.principalsVersion),
    idempotency: createIdempotencyStore(deps.store, deps.clock, deps.idempotencyOwners),
    webhookOps: createWebhookOps({
      store: deps.store,
      db: deps.db,
      events: deps.events,
      timeoutMs: deps.config.webhookTimeoutMs,
      clock: deps.clock,
      feed: eventFeed,
      pgFeed: pgEventFeed,
    }),
    /** Stored events in commit order, for the catch-up feed and the SSE stream (SQLite). */
    eventFeed,
    /** The same on PostgreSQL, in (tx_id, seq) order (undefined on SQLite). */
    pgEventFeed,
  };
}

export type Services = ReturnType<typeof createServices>;
