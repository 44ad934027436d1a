import { eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { messageSearchSql } from "../../db/sql/message-search";
import type { Store } from "../../db/store";
import { searchWords } from "./fts-query";

/**
 * Messages whose body holds every word of `q` (the last one a prefix), newest first. The match is the
 * dialect's own statement (src/db/sql/message-search.ts: FTS5 on SQLite, walked by rowid descending so a page
 * costs its own rows; the tsvector index on PostgreSQL); the page's rows are then read with a builder.
 */
export function createMessageSearch(store: Store) {
  const match = messageSearchSql[store.dialect];
  const { contacts, messages, tickets } = store.t;
  const customer = alias(contacts, "customer");
  return async function search(filter: {
    q: string;
    page: number;
    limit: number;
    ticketId?: number;
    /** An agent's queues (0 = no queue): only messages of tickets in them. Null or absent: every ticket. */
    queues?: number[] | null;
  }) {
    const words = searchWords(filter.q);
    if (words.length === 0) return { rows: [], count: 0, hasMore: false };
    // Every committed message, the newest too: their bodies may still wait for the index (migration 0015).
    await store.searchIndexed();
    return store.read(async (q) => {
      const { total, pks } = await match(q, {
        words,
        limit: filter.limit,
        offset: (filter.page - 1) * filter.limit,
        ticketId: filter.ticketId,
        queues: filter.queues,
      });
      const found =
        pks.length === 0
          ? []
          : await q
              .select({
                message: messages,
                sender: { id: contacts.id, name: contacts.name, number: contacts.number },
                ticket: { id: tickets.id, status: tickets.status },
                customer: { id: customer.id, name: customer.name, number: customer.number },
              })
              .from(messages)
              .innerJoin(tickets, eq(tickets.id, messages.ticketId))
              .innerJoin(customer, eq(customer.id, tickets.contactId))
              .leftJoin(contacts, eq(contacts.id, messages.contactId))
              .where(inArray(messages.pk, pks));
      // Put back in the index's order (newest first) here rather than by a sort in the database.
      const byPk = new Map(found.map((r) => [r.message.pk, r]));
      const rows = pks.map((pk) => byPk.get(pk)).filter((r) => r !== undefined);
      return { rows, count: total, hasMore: filter.page * filter.limit < total };
    });
  };
}

export type MessageSearch = ReturnType<typeof createMessageSearch>;
