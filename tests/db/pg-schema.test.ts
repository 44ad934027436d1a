import { describe, expect, test } from "bun:test";
import { type SQL as DrizzleSql, is } from "drizzle-orm";
import { PgDialect, PgTable, getTableConfig as pgTableConfig } from "drizzle-orm/pg-core";
import { SQLiteSyncDialect, SQLiteTable, getTableConfig as sqliteTableConfig } from "drizzle-orm/sqlite-core";
import { NewerDatabaseError } from "../../src/db/migrate";
import { migratePostgres } from "../../src/db/pg/migrate";
import { embeddedMigrations } from "../../src/db/pg/migrations.generated";
import * as pgSchema from "../../src/db/pg/schema";
import * as sqliteSchema from "../../src/db/schema";
import { createPostgresStore } from "../../src/db/store";
import { createMigratedDatabase, createTestDatabase } from "../support/postgres";

const sqliteDialect = new SQLiteSyncDialect();
const pgDialect = new PgDialect();

/**
 * SQLite gives an `integer primary key` a default (it is the rowid); PostgreSQL gives one only to an identity.
 * These are rowids on SQLite but always written by the domain or a trigger (a ticket's id), so no identity on
 * PostgreSQL.
 */
const ROWID_KEYS_WRITTEN_BY_THE_DOMAIN = new Set(["ticket_automation.ticket_id", "message_counts.ticket_id"]);

/**
 * PostgreSQL-only tables: the cluster's (docs/CLUSTER.md §4, §5.1). SQLite is one node that owns every
 * connection and serves every webhook, so it needs no node registry, no connection leases, no webhook lanes.
 */
const PG_ONLY_TABLES = new Set(["nodes", "connection_leases", "webhook_lanes"]);
/**
 * PostgreSQL-only columns and indexes of shared tables. `events.tx_id` (+ its feed index): a PostgreSQL
 * sequence value is taken at insert, not at commit, so the event feed orders by the inserting transaction's id
 * and reads only what every running transaction is past (§5.4). SQLite has one writer: commit order is seq order.
 */
const PG_ONLY_COLUMNS = new Set(["events.tx_id"]);
const PG_ONLY_INDEXES = new Set(["events_feed_idx"]);

/** The store-independent shape of a table: what must be equal on SQLite and PostgreSQL. */
function shape(table: SQLiteTable | PgTable) {
  const sqlite = is(table, SQLiteTable);
  const config = sqlite ? sqliteTableConfig(table) : pgTableConfig(table as PgTable);
  const where = (w: DrizzleSql | undefined) =>
    w ? (sqlite ? sqliteDialect : pgDialect).sqlToQuery(w).sql : undefined;
  return {
    name: config.name,
    columns: Object.fromEntries(
      config.columns
        .filter((c) => sqlite || !PG_ONLY_COLUMNS.has(`${config.name}.${c.name}`))
        .map((c) => [
          c.name,
          {
            // drizzle's dataType is the TypeScript side (number, string, boolean, date, json, buffer): the domain
            // reads the same types from both stores. bytea and json are custom columns (json: see its definition in
            // src/db/pg/schema.ts), compared by their SQL type.
            dataType:
              c.dataType === "custom"
                ? ({ bytea: "buffer", json: "json" }[c.getSQLType()] ?? c.getSQLType())
                : c.dataType,
            notNull: c.notNull,
            primary: c.primary,
            hasDefault:
              c.hasDefault && !(sqlite && ROWID_KEYS_WRITTEN_BY_THE_DOMAIN.has(`${config.name}.${c.name}`)),
            unique: c.isUnique ? c.uniqueName : false,
            enumValues: c.enumValues ?? null,
          },
        ]),
    ),
    primaryKeys: config.primaryKeys.map((pk) => pk.columns.map((c) => c.name)),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference();
        return {
          columns: ref.columns.map((c) => c.name),
          foreignTable: sqlite
            ? sqliteTableConfig(ref.foreignTable as SQLiteTable).name
            : pgTableConfig(ref.foreignTable as PgTable).name,
          foreignColumns: ref.foreignColumns.map((c) => c.name),
          onDelete: fk.onDelete,
        };
      })
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
    indexes: config.indexes
      .filter((i) => sqlite || !PG_ONLY_INDEXES.has(i.config.name ?? ""))
      .map((i) => ({
        name: i.config.name ?? "",
        unique: i.config.unique,
        columns: i.config.columns.map((c) => (c as { name: string }).name),
        where: where(i.config.where),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** The plan of a query on a table too small to be worth an index unless sequential scans are off. */
async function planOf(sql: Bun.SQL, query: string): Promise<string> {
  return sql.begin(async (tx) => {
    await tx`set local enable_seqscan = off`;
    const rows = (await tx.unsafe(`explain ${query}`).values()) as string[][];
    return rows.flat().join("\n");
  });
}

const sqliteTables = (Object.values(sqliteSchema) as unknown[]).filter((v): v is SQLiteTable =>
  is(v, SQLiteTable),
);
const pgTables = (Object.values(pgSchema) as unknown[]).filter((v): v is PgTable => is(v, PgTable));

describe("PostgreSQL schema", () => {
  test("has every SQLite table, column, key, foreign key and index, with the same TypeScript types", () => {
    expect(sqliteTables.length).toBeGreaterThan(20);
    expect(
      pgTables
        .filter((t) => !PG_ONLY_TABLES.has(pgTableConfig(t).name))
        .map((t) => shape(t))
        .sort((a, b) => a.name.localeCompare(b.name)),
    ).toEqual(sqliteTables.map((t) => shape(t)).sort((a, b) => a.name.localeCompare(b.name)));
  });

  test("the PostgreSQL-only parts are exactly the documented ones", () => {
    const names = new Set(pgTables.map((t) => pgTableConfig(t).name));
    const sqliteNames = new Set(sqliteTables.map((t) => sqliteTableConfig(t).name));
    expect([...names].filter((n) => !sqliteNames.has(n)).sort()).toEqual([...PG_ONLY_TABLES].sort());
    const events = pgTableConfig(pgSchema.events);
    expect(events.columns.find((c) => c.name === "tx_id")?.getSQLType()).toBe("xid8");
    expect(sqliteTableConfig(sqliteSchema.events).columns.map((c) => c.name)).not.toContain("tx_id");
  });

  test("its migrations create every table, column and index of the schema", async () => {
    await using db = await createMigratedDatabase();
    const columns: { table_name: string; column_name: string }[] = await db.sql`
      select table_name, column_name from information_schema.columns where table_schema = 'public'`;
    const indexes: { indexname: string }[] =
      await db.sql`select indexname from pg_indexes where schemaname = 'public'`;
    const have = new Set(columns.map((c) => `${c.table_name}.${c.column_name}`));
    const haveIndexes = new Set(indexes.map((i) => i.indexname));
    for (const table of pgTables) {
      const config = pgTableConfig(table);
      for (const column of config.columns) expect(have).toContain(`${config.name}.${column.name}`);
      for (const index of config.indexes) expect(haveIndexes).toContain(index.config.name!);
      for (const column of config.columns.filter((c) => c.isUnique)) {
        expect(haveIndexes).toContain(column.uniqueName!);
      }
    }
    // Exactly the schema's columns: a hand-written part must not add a column the schema does not know.
    expect(have.size).toBe(pgTables.reduce((n, t) => n + pgTableConfig(t).columns.length, 0));
  }, 60_000);

  test("migrating twice, or from two nodes at once, applies each migration once", async () => {
    await using db = await createTestDatabase();
    const other = new Bun.SQL({ url: db.url, max: 2 });
    try {
      await Promise.all([migratePostgres(db.sql), migratePostgres(other)]);
      await migratePostgres(db.sql);
    } finally {
      await other.close();
    }
    const rows = await db.sql`select hash from drizzle.__drizzle_migrations`;
    expect(rows).toHaveLength(embeddedMigrations.length);
  }, 60_000);

  test("refuses a database migrated by a newer Chasqui", async () => {
    await using db = await createMigratedDatabase();
    await db.sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('future', ${Date.now() + 86_400_000})`;
    expect(migratePostgres(db.sql)).rejects.toBeInstanceOf(NewerDatabaseError);
  }, 60_000);
  test("json columns hold JSON values that SQL can read, not JSON strings, and read back the same through drizzle", async () => {
    await using db = await createMigratedDatabase();
    const store = createPostgresStore(db.sql);
    const { connections, webhooks } = store.t;
    await store.write(async (q) => {
      const [c] = await q.insert(connections).values({ name: "x", driver: "sandbox" }).returning();
      await q.insert(webhooks).values({
        connectionId: c!.id,
        url: "http://127.0.0.1:9/h",
        secret: "s",
        events: ["ticket_created", "message_ack"],
      });
    });
    expect(await db.sql`select json_typeof(events) as type, events::text as text from webhooks`).toEqual([
      { type: "array", text: '["ticket_created","message_ack"]' },
    ]);
    const [row] = await store.read((q) => q.select({ events: webhooks.events }).from(webhooks));
    expect(row!.events).toEqual(["ticket_created", "message_ack"]);
  });
});

describe("PostgreSQL triggers and search", () => {
  test("ticket_counts and row_counts follow inserts, status and queue changes, and cascading deletes", async () => {
    await using db = await createMigratedDatabase();
    const { sql } = db;
    await sql`insert into connections (id, name, driver) values (1, 'c1', 'sandbox')`;
    await sql`insert into queues (id, name, color) values (7, 'Ventas', '#ff0000')`;
    await sql`insert into contacts (id, number, name) values (1, '595991000001', 'Ana'), (2, '595991000002', 'Luis')`;
    await sql`insert into tickets (id, status, contact_id, connection_id) values
      (1, 'pending', 1, 1), (2, 'open', 2, 1)`;
    await sql`update tickets set queue_id = 7 where id = 2`;
    await sql`update tickets set unread_messages = 3 where id = 1`; // no counted column: no change
    const counts = () =>
      sql`select status, connection_id::int as c, queue_id::int as q, n from ticket_counts where n > 0 order by status, queue_id`;
    expect(await counts()).toEqual([
      { status: "open", c: 1, q: 7, n: 1 },
      { status: "pending", c: 1, q: 0, n: 1 },
    ]);
    expect(await sql`select n::int as n from row_counts where name = 'contacts'`).toEqual([{ n: 2 }]);

    await sql`delete from contacts where id = 2`; // cascades to ticket 2
    expect(await counts()).toEqual([{ status: "pending", c: 1, q: 0, n: 1 }]);
    expect(await sql`select n::int as n from row_counts where name = 'contacts'`).toEqual([{ n: 1 }]);
  }, 60_000);

  test("list_changes logs what a cached list shows: tickets and their tags, contacts, shown names; not the rest", async () => {
    await using db = await createMigratedDatabase();
    const { sql } = db;
    await sql`insert into connections (id, name, driver) values (1, 'c1', 'sandbox')`;
    await sql`insert into contacts (id, number, name) values (1, '595991000001', 'Ana')`;
    await sql`insert into tickets (id, status, contact_id, connection_id) values (5, 'open', 1, 1)`;
    await sql`insert into tags (id, name, color) values (3, 'vip', '#000000')`;
    const since = async (seq: number) =>
      (await sql`select seq::int as seq, kind, ref::int as ref from list_changes where seq > ${seq} order by seq`) as {
        seq: number;
        kind: string;
        ref: number;
      }[];
    const last = async () =>
      ((await sql`select coalesce(max(seq), 0)::int as n from list_changes`)[0] as { n: number }).n;
    expect((await since(0)).map((r) => [r.kind, r.ref])).toEqual([
      ["c", 1],
      ["t", 5],
    ]);
    let mark = await last();
    await sql`insert into ticket_tags (ticket_id, tag_id) values (5, 3)`;
    await sql`update tickets set unread_messages = 2 where id = 5`;
    await sql`update contacts set name = 'Ana María' where id = 1`;
    await sql`update tags set name = 'VIP' where id = 3`;
    await sql`update tags set name = 'VIP' where id = 3`; // nothing shown changed
    await sql`update connections set status = 'CONNECTED' where id = 1`; // not shown on a ticket's name
    expect((await since(mark)).map((r) => [r.kind, r.ref])).toEqual([
      ["t", 5],
      ["t", 5],
      ["c", 1],
      ["a", 0],
    ]);
    mark = await last();
    await sql`delete from contacts where id = 1`; // cascades to the ticket and its tags
    expect((await since(mark)).map((r) => r.kind).sort()).toEqual(["c", "t", "t"]);
  }, 60_000);

  test("closed_at is the update time of the close, and is cleared on reopen", async () => {
    await using db = await createMigratedDatabase();
    const { sql } = db;
    await sql`insert into connections (id, name, driver) values (1, 'c1', 'sandbox')`;
    await sql`insert into contacts (id, number, name) values (1, '595991000001', 'Ana'), (2, '595991000002', 'Luis')`;
    await sql`insert into tickets (id, status, contact_id, connection_id, updated_at) values
      (1, 'open', 1, 1, '2026-01-01T10:00:00Z'), (2, 'closed', 2, 1, '2026-01-02T08:00:00Z')`;
    await sql`update tickets set status = 'closed', updated_at = '2026-01-01T12:30:00.123Z' where id = 1`;
    const closedAt = async (id: number) =>
      ((await sql`select closed_at from tickets where id = ${id}`)[0] as { closed_at: Date | null })
        .closed_at;
    expect(await closedAt(1)).toEqual(new Date("2026-01-01T12:30:00.123Z"));
    expect(await closedAt(2)).toEqual(new Date("2026-01-02T08:00:00Z"));
    await sql`update tickets set status = 'open' where id = 1`;
    expect(await closedAt(1)).toBeNull();
  }, 60_000);

  test("message search finds words without case or diacritics, the last one as a prefix, through its index", async () => {
    await using db = await createMigratedDatabase();
    const { sql } = db;
    await sql`insert into connections (id, name, driver) values (1, 'c1', 'sandbox')`;
    await sql`insert into contacts (id, number, name) values (1, '595991000001', 'María José')`;
    await sql`insert into tickets (id, status, contact_id, connection_id) values (1, 'open', 1, 1)`;
    await sql`insert into messages (id, connection_id, ticket_id, body, from_me, timestamp) values
      ('a', 1, 1, 'Mi FACTURA no llegó, María', false, 0),
      ('b', 1, 1, 'La factura ya salió', true, 0),
      ('c', 1, 1, 'Hola', false, 0)`;
    await sql`update messages set body = 'Hola de nuevo' where id = 'b'`;
    const search = (q: string) => sql`
      select id from messages where to_tsvector('simple', chasqui_fold(body)) @@ to_tsquery('simple', ${q})
      order by id`;
    expect(await search("factura & llego")).toEqual([{ id: "a" }]);
    expect(await search("maria & fact:*")).toEqual([{ id: "a" }]);
    expect(await search("hola")).toEqual([{ id: "b" }, { id: "c" }]);

    expect(
      await planOf(
        sql,
        "select pk from messages where to_tsvector('simple', chasqui_fold(body)) @@ to_tsquery('simple', 'factura')",
      ),
    ).toContain("messages_body_search_idx");
  }, 60_000);

  test("contact search finds substrings of the name without case or diacritics, and of the number, through pg_trgm", async () => {
    await using db = await createMigratedDatabase();
    const { sql } = db;
    await sql`insert into contacts (number, name) values
      ('595991234567', 'María José'), ('595990000001', 'Pedro'), ('14155550100', 'JOSEFINA')`;
    const search = (q: string) => sql`
      select name from contacts
      where chasqui_fold(name) like '%' || chasqui_fold(${q}) || '%' or number like '%' || ${q} || '%'
      order by name`;
    expect(await search("jose")).toEqual([{ name: "JOSEFINA" }, { name: "María José" }]);
    expect(await search("MARÍA")).toEqual([{ name: "María José" }]);
    expect(await search("1234")).toEqual([{ name: "María José" }]);

    const plan = await planOf(
      sql,
      "select id from contacts where chasqui_fold(name) like '%jose%' or number like '%1234%'",
    );
    expect(plan).toContain("contacts_name_search_idx");
    expect(plan).toContain("contacts_number_search_idx");
  }, 60_000);
});
