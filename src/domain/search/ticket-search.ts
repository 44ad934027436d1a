import { type TicketSearchSqlFilter, ticketSql } from "../../db/sql/tickets";
import type { Query, Store } from "../../db/store";

export type TicketSearchFilter = Omit<TicketSearchSqlFilter, "maxMatches">;

/**
 * The tickets a search finds: those whose contact matches (name or number, see src/db/sql/contacts.ts) or
 * that hold a message matching every word (the last word a prefix), with the list's exact filters. Returned
 * in the list's order, newest activity first: agents look for a conversation they had, and the most recent
 * one is almost always it (bm25 would rank a long-closed chat that repeats the word above today's). The whole
 * set is read to count it exactly; it is ids and times only, sorted here. The statements are the dialect's
 * (src/db/sql/tickets.ts: FTS5 on SQLite, the tsvector and pg_trgm indexes on PostgreSQL); the body runs on
 * the caller's `q` (the list's `store.read`).
 */
export function createTicketSearch(
  store: Store,
  /**
   * A word in most messages ("hola") would make every search read the whole index: a search reads the newest
   * this-many matching messages and this-many matching contacts and the tickets they belong to
   * (SEARCH_MAX_MATCHES). The first pages barely change (they are the tickets with the latest activity);
   * `count` then says how many tickets those matches cover, not every ticket that ever held the word.
   */
  maxMatches: number,
) {
  const search = ticketSql[store.dialect].search;
  return async function matchingTickets(
    q: Query,
    filter: TicketSearchFilter,
  ): Promise<{ id: number; updatedAt: number }[]> {
    const rows = await search(q, { ...filter, maxMatches });
    return rows.sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
  };
}
