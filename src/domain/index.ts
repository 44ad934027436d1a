import { createCatalogServices } from "./catalog.service";
import { createConnectionService } from "./connection.service";
import { createContactService } from "./contact.service";
import type { DomainDeps } from "./deps";
import { createIdempotencyStore } from "./idempotency";
import { createMessageService } from "./message.service";
import { createMessageLifecycleService } from "./message-lifecycle.service";
import { createSandboxService } from "./sandbox.service";
import { createTicketService } from "./ticket.service";
import { createTokenService } from "./token.service";
import { createWebhookConfigService } from "./webhook-config.service";

export function createServices(deps: DomainDeps) {
  const contacts = createContactService(deps);
  const connections = createConnectionService(deps);
  const tickets = createTicketService(deps, contacts, connections);
  const messages = createMessageService(deps, contacts, tickets, connections);
  const lifecycle = createMessageLifecycleService(deps, messages, tickets, connections);
  return {
    lifecycle,
    sandbox: createSandboxService(deps, connections, messages, lifecycle),
    contacts,
    connections,
    tickets,
    messages,
    catalog: createCatalogServices(deps.db),
    webhooks: createWebhookConfigService(deps.db, deps.clock),
    tokens: createTokenService(deps.db, deps.config.apiToken, deps.clock),
    idempotency: createIdempotencyStore(deps.db, deps.commits, deps.clock),
  };
}

export type Services = ReturnType<typeof createServices>;
