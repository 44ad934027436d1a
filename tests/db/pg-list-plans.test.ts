// PostgreSQL twin of the keyset part of tests/db/query-plans.test.ts: a keyset page of the ticket list and of the
// contact list seeks its index to the cursor (`Index Cond` on the row value) instead of scanning from the top of
// the list and filtering every row before the cursor (what `a < x or (a = x and b < y)` got: O(position)).
// The statements are the real ones, captured as they are sent, then EXPLAINed (ANALYZE) on a few thousand rows.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SQL as BunSQL } from "bun";
import { drizzle } from "drizzle-orm/bun-sql";
import * as pgSchema from "../../src/db/pg/schema";
import { contactSql } from "../../src/db/sql/contacts";
import { ticketSql } from "../../src/db/sql/tickets";
import type { Query } from "../../src/db/store";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";

const ROWS = 3000;
const NEWEST = Date.UTC(2026, 10, 30);

let db: TestDatabase;

beforeAll(async () => {
  db = await createMigratedDatabase();
  await db.sql`insert into connections (id, name, driver, status) values (1, 'c', 'sandbox', 'CONNECTED')`;
  await db.sql`insert into contacts (id, number, name)
    select i, (595971000000 + i)::text, 'Cliente ' || i from generate_series(1, ${ROWS}) i`;
  // Ticket i's last activity i minutes before NEWEST: the list's order is the ids' reverse.
  await db.sql`insert into tickets (id, status, contact_id, connection_id, updated_at, created_at)
    select i, case when i % 3 = 0 then 'open' else 'closed' end, i, 1,
      to_timestamp(${NEWEST / 1000} - i * 60), to_timestamp(${NEWEST / 1000} - i * 60)
    from generate_series(1, ${ROWS}) i`;
  // Tag 1 on every ticket and tag 2 on every tenth, tagged after the tickets are written: the taggings take their
  // tickets' columns.
  await db.sql`insert into tags (id, name, color) values (1, 'vip', '#FFC107'), (2, 'late', '#9C27B0')`;
  await db.sql`insert into ticket_tags (ticket_id, tag_id) select id, 1 from tickets`;
  await db.sql`insert into ticket_tags (ticket_id, tag_id) select id, 2 from tickets where id % 10 = 0`;
  await db.sql`analyze`;
});

afterAll(async () => {
  await db?.drop();
});

type Captured = { text: string; args: unknown[] };

/** The body object the raw statements read their client from, sending nothing: it records what it is asked. */
function capturingRaw(into: Captured[]): Query {
  const client = {
    unsafe(text: string, args: unknown[] = []) {
      into.push({ text, args });
      return { values: async () => [] };
    },
  };
  return { session: { client } } as unknown as Query;
}

/** A drizzle database on the test database whose logger records each statement it sends. */
function loggingDrizzle(into: Captured[]): Query {
  return drizzle({
    client: db.sql,
    schema: pgSchema,
    logger: { logQuery: (text, args) => into.push({ text, args }) },
  }) as unknown as Query;
}

/** The plan of the ticket list's page-keys statement for this filter, from a cursor in the middle of the list. */
async function pageKeysPlan(filter: Parameters<typeof ticketSql.postgres.pageKeys>[1]): Promise<string> {
  const sent: Captured[] = [];
  await ticketSql.postgres.pageKeys(capturingRaw(sent), filter, {
    after: [NEWEST - (ROWS / 2) * 60_000, ROWS / 2],
    limit: 20,
  });
  expect(sent).toHaveLength(1);
  return plan(sent[0]!);
}

async function plan({ text, args }: Captured): Promise<string> {
  const rows = (await (db.sql as BunSQL).unsafe(`explain (analyze, costs off) ${text}`, args).values()) as [
    string,
  ][];
  return rows.map((r) => r[0]).join("\n");
}

/** How many rows the plan's scan discarded with a filter (0 when it has no such line). */
const removedByFilter = (p: string) =>
  [...p.matchAll(/Rows Removed by Filter: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);

describe("PostgreSQL keyset pages seek to the cursor", () => {
  test("ticket list: every ticket, and one status, from a cursor in the middle", async () => {
    for (const filter of [{}, { status: "open" as const }]) {
      const p = await pageKeysPlan(filter);
      expect({ filter, plan: p }).toEqual({
        filter,
        plan: expect.stringMatching(/Index Cond: .*ROW\(updated_at, id\) </),
      });
      expect({ filter, removed: removedByFilter(p) }).toEqual({ filter, removed: 0 });
    }
  });

  test("ticket list with its joins (the drizzle page query of `views`), from a cursor in the middle", async () => {
    const sent: Captured[] = [];
    await ticketSql.postgres.views(
      loggingDrizzle(sent),
      {},
      { after: [NEWEST - (ROWS / 2) * 60_000, ROWS / 2], limit: 20 },
    );
    expect(sent).toHaveLength(1);
    const p = await plan(sent[0]!);
    expect(p).toMatch(
      /Index Cond: .*ROW\(t(ickets)?\.updated_at, t(ickets)?\.id\) <|Index Cond: .*ROW\(updated_at, id\) </,
    );
    expect(removedByFilter(p)).toBe(0);
  });

  test("contact list, from a cursor in the middle", async () => {
    const sent: Captured[] = [];
    const rows = await contactSql.postgres.page(loggingDrizzle(sent), {
      after: ["Cliente 2", 2],
      limit: 20,
    });
    // By name: "Cliente 2" < "Cliente 20" < "Cliente 200" < "Cliente 2000" < "Cliente 2001" …
    expect(rows.map((r) => r.name).slice(0, 3)).toEqual(["Cliente 20", "Cliente 200", "Cliente 2000"]);
    expect(sent).toHaveLength(1);
    const p = await plan(sent[0]!);
    expect(p).toMatch(/Index Cond: .*ROW\(name, id\) >/);
    expect(removedByFilter(p)).toBe(0);
  });

  test("a tag's list, and one status of it, from a cursor in the middle: the tag's own index, no ticket read", async () => {
    for (const filter of [{ tagId: 1 }, { tagId: 1, status: "open" as const }, { tagId: 2 }]) {
      const p = await pageKeysPlan(filter);
      expect({ filter, plan: p }).toEqual({
        filter,
        plan: expect.stringMatching(
          /Index (Only )?Scan Backward using ticket_tags_tag_updated_idx[\s\S]*Index Cond: .*ROW\(updated_at, ticket_id\) </,
        ),
      });
      expect({ filter, readsTickets: / on tickets\b/.test(p) }).toEqual({ filter, readsTickets: false });
    }
  });
});

test("PostgreSQL: each tagging keeps a copy of its ticket's list columns, whatever changes the ticket or the tagging", async () => {
  const stale = async () =>
    db.sql`select tt.ticket_id from ticket_tags tt join tickets t on t.id = tt.ticket_id
      where tt.updated_at <> t.updated_at or tt.status <> t.status or tt.connection_id <> t.connection_id
        or tt.queue_id is distinct from t.queue_id or tt.user_id is distinct from t.user_id`;
  expect(await stale()).toEqual([]);
  expect(
    (await db.sql`select count(*)::int as n from ticket_tags where tag_id = 2 and status = 'open'`)[0].n,
  ).toBe(100);
  await db.sql`insert into queues (id, name, color) values (1, 'Ventas', '#111111')`;
  await db.sql`insert into users (id, name, email, password_hash, role) values (1, 'Ana', 'ana@example.com', 'x', 'agent')`;
  await db.sql`update tickets set updated_at = now() where id = 10`;
  await db.sql`update tickets set status = 'pending' where id = 20`;
  await db.sql`update tickets set queue_id = 1, user_id = 1 where id in (30, 40)`;
  await db.sql`update ticket_tags set ticket_id = 11 where ticket_id = 50 and tag_id = 2`;
  expect(await stale()).toEqual([]);
  await db.sql`delete from users where id = 1`;
  await db.sql`delete from queues where id = 1`;
  expect(await stale()).toEqual([]);
  expect((await db.sql`select count(*)::int as n from ticket_tags where queue_id is not null`)[0].n).toBe(0);
});
