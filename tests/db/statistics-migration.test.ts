// A migration that rebuilds indexes must not leave a measured database (ANALYZE / PRAGMA optimize) with unmeasured
// indexes: the planner then mixes measures and guesses (src/db/migrate.ts, restoreStatistics).
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { wireRowsSelect } from "../../src/db/sql/tickets";
import { migrateBefore } from "../support/migrate-before";

test("after migrating a measured database, every index of a measured table is measured, and tickets are looked up by id", () => {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-stats-"));
  const db = openDatabase(join(dir, "chasqui.sqlite"));
  try {
    migrateBefore(db, "0021_list_filter_indexes");
    const sqlite = db.$client;
    // One connection, many contacts and tickets: what a measured helpdesk looks like to the planner.
    sqlite.run(
      "insert into connections (id, name, driver, status) values (1, 'main', 'sandbox', 'CONNECTED')",
    );
    sqlite.run(`with recursive n(i) as (select 1 union all select i + 1 from n where i < 3000)
      insert into contacts (id, number, name) select i, '5959' || i, 'c' || i from n`);
    sqlite.run(`insert into tickets (id, status, contact_id, connection_id, updated_at)
      select id, case id % 3 when 0 then 'closed' when 1 then 'open' else 'pending' end, id, 1, id from contacts`);
    sqlite.run("ANALYZE");
    migrate(db);
    const unmeasured = sqlite
      .query<{ name: string }, []>(
        `select m.name from sqlite_master m where m.type = 'index' and m.tbl_name = 'tickets'
         and m.name not in (select idx from sqlite_stat1 where idx is not null)`,
      )
      .all();
    expect(unmeasured).toEqual([]);
    const plan = sqlite
      .query<{ detail: string }, []>(`explain query plan ${wireRowsSelect(21)}`)
      .all()
      .map((r) => r.detail);
    // The list's lookup of a page's 21 tickets by id.
    expect(plan[0]).toBe("SEARCH t USING INTEGER PRIMARY KEY (rowid=?)");
    // A database never measured stays so: the planner keeps the defaults the queries are tested with.
    const fresh = openDatabase(join(dir, "fresh.sqlite"));
    migrate(fresh);
    expect(
      fresh.$client.query("select count(*) as n from sqlite_master where name = 'sqlite_stat1'").get(),
    ).toEqual({ n: 0 });
    fresh.$client.close();
  } finally {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
