import type { Db } from "../../db/client";
import type { ContactService } from "../contact.service";
import { messageMatch } from "./fts-query";

export type TicketSearchFilter = {
  search: string;
  status?: string;
  connectionId?: number;
  queueId?: number;
  /** More conditions on `t` (an agent's queues, a tab), written so no index on them competes with the ids. */
  scope?: { where: string; args: (string | number)[] };
};

/**
 * The tickets a search finds: those whose contact matches (name or number, see ContactService.matchingIds)
 * or that hold a message matching every word (`messages_fts`, the last word a prefix), with the list's
 * exact filters. Returned in the list's order, newest activity first: agents look for a conversation they
 * had, and the most recent one is almost always it (bm25 would rank a long-closed chat that repeats the
 * word above today's). The whole set is read to count it exactly; it is ids and times only, sorted here.
 */
export function createTicketSearch(
  db: Db,
  contactsSvc: ContactService,
  /**
   * A word in most messages ("hola") would make every search read the whole index: a search reads the newest
   * this-many matching messages and this-many matching contacts and the tickets they belong to
   * (SEARCH_MAX_MATCHES). The first pages barely change (they are the tickets with the latest activity);
   * `count` then says how many tickets those matches cover, not every ticket that ever held the word.
   */
  maxMatches: number,
) {
  const limit = Math.max(1, Math.floor(maxMatches));
  return function matchingTickets(filter: TicketSearchFilter): { id: number; updatedAt: number }[] {
    const mq = messageMatch(filter.search);
    const contactsHit = contactsSvc.matchingIds(filter.search);
    if (mq === null && contactsHit === null) return [];
    const sources: string[] = [];
    const args: (string | number)[] = [];
    if (mq !== null) {
      sources.push(
        `select m.ticket_id from messages m where m.pk in
           (select rowid from messages_fts where messages_fts match ? order by rowid desc limit ${limit})`,
      );
      args.push(mq);
    }
    if (contactsHit !== null) {
      sources.push(
        `select s.id from tickets s where s.contact_id in
           (select id from (${contactsHit.sql}) order by id desc limit ${limit})`,
      );
      args.push(...contactsHit.args);
    }
    // The matched ids drive (rowid lookups); `+` keeps SQLite from walking a status or queue index instead.
    const conds = [`t.id in (${sources.join(" union all ")})`];
    for (const [cond, value] of [
      ["+t.status = ?", filter.status],
      ["+t.connection_id = ?", filter.connectionId],
      ["+t.queue_id = ?", filter.queueId],
    ] as const) {
      if (value === undefined) continue;
      conds.push(cond);
      args.push(value);
    }
    if (filter.scope?.where) {
      conds.push(filter.scope.where);
      args.push(...filter.scope.args);
    }
    const rows = db.$client
      .query<{ id: number; updatedAt: number }, (string | number)[]>(
        `select t.id, t.updated_at as updatedAt from tickets t where ${conds.join(" and ")}`,
      )
      .all(...args);
    return rows.sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
  };
}
