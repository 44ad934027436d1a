// The message-store calls the lifecycle and the send queue make inside their store bodies (session 7: written as a
// bridge by s7-lifecycle while s7-messages converted the message store in parallel; after both merged they are the
// message store's own async methods on `q`, plus the one read the message store does not offer).
import { eq, sql } from "drizzle-orm";
import type { Query } from "../db/store";
import { preparedQuery } from "../db/store/prepared";
import type { DomainDeps } from "./deps";
import type { MessageRow, MessageStore } from "./messages/message-store";

export function createMessageBridge(deps: DomainDeps, messageStore: MessageStore) {
  const { messages } = deps.store.t;
  const byPk = preparedQuery<{ pk: number }, MessageRow[]>((q) =>
    q
      .select()
      .from(messages)
      .where(eq(messages.pk, sql.placeholder("pk"))),
  );
  return {
    findByWaIdIn: messageStore.findByWaIdIn,
    newestIn: messageStore.newestIn,
    /** A message by row key on `q`. */
    byPkIn: async (q: Query, pk: number) => (await byPk(q, { pk }))[0],
    /** The ticket shows the message, and message_sent / message_received, in the body's transaction. */
    announceIn: messageStore.announceIn,
  };
}

export type MessageBridge = ReturnType<typeof createMessageBridge>;
