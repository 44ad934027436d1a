import { eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "../../db/client";
import { contacts, messages, tickets } from "../../db/schema";
import { messageMatch } from "./fts-query";

/**
 * Messages whose body holds every word of `q` (the last one a prefix), newest first: `messages_fts` walks
 * its matches by rowid descending (the insertion order), so a page costs its own rows, not every match.
 */
export function createMessageSearch(db: Db) {
  const sqlite = db.$client;
  return function search(filter: {
    q: string;
    page: number;
    limit: number;
    ticketId?: number;
    /** An agent's queues (0 = no queue): only messages of tickets in them. Null or absent: every ticket. */
    queues?: number[] | null;
  }) {
    const match = messageMatch(filter.q);
    if (match === null) return { rows: [], count: 0, hasMore: false };
    const page = [filter.limit, (filter.page - 1) * filter.limit];
    let total: number;
    let pks: number[];
    if (filter.ticketId !== undefined) {
      // One ticket: its messages come from the (ticket_id, created_at) index, each probed in the match set.
      const where = "m.ticket_id = ? and m.pk in (select rowid from messages_fts where messages_fts match ?)";
      const args = [filter.ticketId, match];
      total =
        sqlite
          .query<{ n: number }, (string | number)[]>(`select count(*) as n from messages m where ${where}`)
          .get(...args)?.n ?? 0;
      pks = sqlite
        .query<{ pk: number }, (string | number)[]>(
          `select m.pk from messages m where ${where} order by m.created_at desc, m.pk desc limit ? offset ?`,
        )
        .all(...args, ...page)
        .map((r) => r.pk);
    } else if (filter.queues) {
      // An agent: the matches (newest first) joined to their ticket, kept when it is in the agent's queues.
      const from = `from messages_fts f join messages m on m.pk = f.rowid join tickets t on t.id = m.ticket_id
        where messages_fts match ? and coalesce(t.queue_id, 0) in (select value from json_each(?))`;
      const args = [match, JSON.stringify(filter.queues)];
      total = sqlite.query<{ n: number }, string[]>(`select count(*) as n ${from}`).get(...args)?.n ?? 0;
      pks = sqlite
        .query<{ pk: number }, (string | number)[]>(
          `select f.rowid as pk ${from} order by f.rowid desc limit ? offset ?`,
        )
        .all(...args, ...page)
        .map((r) => r.pk);
    } else {
      total =
        sqlite
          .query<{ n: number }, [string]>("select count(*) as n from messages_fts where messages_fts match ?")
          .get(match)?.n ?? 0;
      pks = sqlite
        .query<{ pk: number }, (string | number)[]>(
          "select rowid as pk from messages_fts where messages_fts match ? order by rowid desc limit ? offset ?",
        )
        .all(match, ...page)
        .map((r) => r.pk);
    }
    const customer = alias(contacts, "customer");
    const found =
      pks.length === 0
        ? []
        : db
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
            .where(inArray(messages.pk, pks))
            .all();
    // Put back in the index's order (newest first) here rather than by a sort in SQLite.
    const byPk = new Map(found.map((r) => [r.message.pk, r]));
    const rows = pks.map((pk) => byPk.get(pk)).filter((r) => r !== undefined);
    return { rows, count: total, hasMore: filter.page * filter.limit < total };
  };
}

export type MessageSearch = ReturnType<typeof createMessageSearch>;
