// Each ticket_tags row holds a copy of its ticket's list columns (migration 0022), the source of a list filtered by
// tag: the migration fills them for the taggings already there, and triggers keep them whatever writes the ticket or
// the tagging (the application never writes them). PostgreSQL's twin: tests/db/pg-list-plans.test.ts.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { migrateBefore } from "../support/migrate-before";

/** Taggings whose copies differ from their ticket's columns (with the ticket's values), none when all agree. */
const stale = (sqlite: ReturnType<typeof openDatabase>["$client"]) =>
  sqlite
    .query(
      `select tt.ticket_id, tt.tag_id, tt.updated_at, t.updated_at as ticketUpdatedAt, tt.status, t.status as ticketStatus
       from ticket_tags tt join tickets t on t.id = tt.ticket_id
       where tt.updated_at <> t.updated_at or tt.status <> t.status or tt.connection_id <> t.connection_id
         or tt.queue_id is not t.queue_id or tt.user_id is not t.user_id`,
    )
    .all();

test("the migration copies every tagging's ticket columns, and triggers keep them as tickets and taggings change", () => {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-tag-copies-"));
  const db = openDatabase(join(dir, "chasqui.sqlite"));
  try {
    migrateBefore(db, "0022_tag_list_index");
    const sqlite = db.$client;
    sqlite.run(`insert into connections (id, name, driver, status) values (1, 'a', 'sandbox', 'CONNECTED'),
      (2, 'b', 'sandbox', 'CONNECTED')`);
    sqlite.run("insert into queues (id, name, color) values (1, 'Ventas', '#111111')");
    sqlite.run(
      "insert into users (id, name, email, password_hash, role) values (1, 'Ana', 'ana@example.com', 'x', 'agent')",
    );
    sqlite.run(`with recursive n(i) as (select 1 union all select i + 1 from n where i < 40)
      insert into contacts (id, number, name) select i, '5959' || i, 'c' || i from n`);
    sqlite.run(`insert into tickets (id, status, contact_id, connection_id, queue_id, user_id, updated_at)
      select id, case id % 3 when 0 then 'closed' when 1 then 'open' else 'pending' end, id, 1 + id % 2,
        case when id % 4 = 0 then 1 end, case when id % 5 = 0 then 1 end, 1000 + id from contacts`);
    sqlite.run("insert into tags (id, name, color) values (1, 'vip', '#FFC107'), (2, 'late', '#9C27B0')");
    sqlite.run(
      "insert into ticket_tags (ticket_id, tag_id) select id, 1 + id % 2 from tickets where id % 3 <> 2",
    );

    migrate(db);
    expect(sqlite.query("select count(*) as n from ticket_tags where updated_at > 0").get()).toEqual({
      n: 27,
    });
    expect(stale(sqlite)).toEqual([]);

    // A tagging made now takes its ticket as it is, without the ticket changing.
    sqlite.run("insert into ticket_tags (ticket_id, tag_id) values (2, 1), (5, 2)");
    expect(stale(sqlite)).toEqual([]);
    // Every list column of a tagged ticket, one at a time, then several at once.
    sqlite.run("update tickets set updated_at = 9000 where id = 1");
    sqlite.run("update tickets set status = 'closed' where id = 4");
    sqlite.run("update tickets set connection_id = 2 where id = 6");
    sqlite.run("update tickets set queue_id = 1 where id = 7");
    sqlite.run("update tickets set queue_id = null, user_id = 1 where id = 8");
    sqlite.run("update tickets set status = 'open', user_id = null, updated_at = 9100 where id = 10");
    // A queue or an agent deleted: the tickets' foreign keys set them to null, and the copies follow.
    sqlite.run("delete from users where id = 1");
    sqlite.run("delete from queues where id = 1");
    // A tagging moved to another ticket takes the new ticket's columns.
    sqlite.run("update ticket_tags set ticket_id = 11 where ticket_id = 1 and tag_id = 2");
    expect(stale(sqlite)).toEqual([]);
    expect(sqlite.query("select count(*) as n from ticket_tags where queue_id is not null").get()).toEqual({
      n: 0,
    });
    expect(sqlite.query("select updated_at from ticket_tags where ticket_id = 10").get()).toEqual({
      updated_at: 9100,
    });
    // Other ticket columns leave the copies alone, and no copy is a change the read cache hears of (the ticket's
    // own change is).
    const seq = () => (sqlite.query("select max(seq) as s from list_changes").get() as { s: number }).s;
    const before = seq();
    sqlite.run("update ticket_tags set updated_at = updated_at where ticket_id = 10");
    expect(seq()).toBe(before);
    sqlite.run("update tickets set updated_at = 9200 where id = 10");
    expect(sqlite.query("select kind, ref from list_changes where seq > ? order by seq").all(before)).toEqual(
      [{ kind: "t", ref: 10 }],
    );
  } finally {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
