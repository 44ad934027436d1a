// Message bodies reach the full-text index in batches after their commit (migration 0015): the SQLite store on a
// real migrated file, its writer and reader connections, and FTS5's own integrity check.

import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { type Db, openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import * as schema from "../../src/db/schema";
import { createSqliteStore, SEARCH_INDEX_CHUNK } from "../../src/db/store/sqlite-store";
import { migrateBefore } from "../support/migrate-before";
import { waitFor } from "../support/test-app";

function openStore(options: { searchIndexMs?: number; observer?: (b: { jobs: number }) => void } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-fts-"));
  const path = join(dir, "chasqui.sqlite");
  const db = openDatabase(path);
  migrate(db);
  const s = db.$client;
  s.exec(`
    insert into connections (id, name, driver, status) values (1, 'c', 'sandbox', 'CONNECTED');
    insert into contacts (id, number, name) values (1, '595991000001', 'María José');
    insert into tickets (id, status, contact_id, connection_id) values (1, 'open', 1, 1);
  `);
  const store = createSqliteStore(db, { path, ...options });
  let n = 0;
  const insert = s.query<{ pk: number }, [string, string]>(
    "insert into messages (id, connection_id, ticket_id, body, from_me, timestamp) values (?, 1, 1, ?, 0, 0) returning pk",
  );
  return {
    db,
    s,
    store,
    path,
    /** A message as any writer stores it (the trigger queues its body for the index). */
    add: (body: string) => insert.get(`m${++n}`, body)!.pk,
    match: (q: string) =>
      s
        .query<{ rowid: number }, [string]>(
          "select rowid from messages_fts where messages_fts match ? order by rowid",
        )
        .all(q)
        .map((r) => r.rowid),
    waiting: () =>
      s
        .query<{ pk: number }, []>("select pk from messages_fts_pending order by pk")
        .all()
        .map((r) => r.pk),
    /** FTS5 compares its index with the messages table, row by row; throws on any difference. */
    check: () => s.exec("insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)"),
    async [Symbol.asyncDispose]() {
      await store.close();
      s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("a stored message waits for the index; searchIndexed indexes every committed body and empties the queue", async () => {
  await using t = openStore();
  const a = t.add("Mi factura no llegó");
  const b = t.add("Le escribimos por su pedido");
  expect(t.waiting()).toEqual([a, b]);
  expect(t.match('"factura"')).toEqual([]);
  await t.store.searchIndexed();
  expect(t.waiting()).toEqual([]);
  expect(t.match('"factura"')).toEqual([a]);
  expect(t.match('"llego"')).toEqual([a]);
  expect(t.match('"pedido"')).toEqual([b]);
  t.check();
  // Nothing waits: no write job at all.
  let jobs = 0;
  await using u = openStore({ observer: () => jobs++ });
  await u.store.searchIndexed();
  expect(jobs).toBe(0);
});

test("a waiting body edited or deleted before it is indexed: the index gets the body the row has then, or nothing", async () => {
  await using t = openStore();
  const edited = t.add("borrador uno");
  const gone = t.add("mensaje borrado");
  t.s.query("update messages set body = 'versión final' where pk = ?").run(edited);
  t.s.query("delete from messages where pk = ?").run(gone);
  expect(t.waiting()).toEqual([edited]);
  await t.store.searchIndexed();
  expect(t.match('"borrador"')).toEqual([]);
  expect(t.match('"version"')).toEqual([edited]);
  expect(t.match('"borrado"')).toEqual([]);
  t.check();
});

test("an indexed body edited or deleted is changed in the index at once, as before", async () => {
  await using t = openStore();
  const edited = t.add("borrador uno");
  const gone = t.add("mensaje borrado");
  await t.store.searchIndexed();
  t.s.query("update messages set body = 'versión final' where pk = ?").run(edited);
  t.s.query("delete from messages where pk = ?").run(gone);
  expect(t.waiting()).toEqual([]);
  expect(t.match('"borrador"')).toEqual([]);
  expect(t.match('"version"')).toEqual([edited]);
  expect(t.match('"borrado"')).toEqual([]);
  t.check();
});

test("the newest message deleted after it was indexed: a new one that gets its pk is indexed with its own body", async () => {
  await using t = openStore();
  t.add("primero");
  const last = t.add("segundo viejo");
  await t.store.searchIndexed();
  t.s.query("delete from messages where pk = ?").run(last);
  const again = t.add("tercero nuevo");
  expect(again).toBe(last);
  expect(t.waiting()).toEqual([again]);
  await t.store.searchIndexed();
  expect(t.match('"viejo"')).toEqual([]);
  expect(t.match('"nuevo"')).toEqual([again]);
  t.check();
});

test(`a backlog is indexed ${SEARCH_INDEX_CHUNK} bodies per write job, other writes going in between`, async () => {
  const batches: number[] = [];
  await using t = openStore({ observer: (b) => batches.push(b.jobs) });
  const total = SEARCH_INDEX_CHUNK * 2 + 500;
  t.s.transaction(() => {
    for (let i = 0; i < total; i++) t.add(`lote ${i}`);
  })();
  await t.store.searchIndexed();
  expect(t.waiting()).toEqual([]);
  expect(t.match('"lote"')).toHaveLength(total);
  expect(batches).toEqual([1, 1, 1]);
  t.check();
});

test("with searchIndexMs the store indexes waiting bodies by itself, no search needed", async () => {
  await using t = openStore({ searchIndexMs: 20 });
  const pk = t.add("llega sola al índice");
  await waitFor(() => t.waiting().length === 0);
  expect(t.match('"indice"')).toEqual([pk]);
  t.check();
});

test("on a read-only connection (a read-front thread) it fails with SQLITE_READONLY when bodies wait, so the request goes to the writer", async () => {
  await using t = openStore();
  // As src/http/read-front-worker.ts opens its connection and store.
  const ro = new Database(t.path, { readonly: true, strict: true });
  const front = createSqliteStore(drizzle({ client: ro, schema }) as unknown as Db, { path: ":memory:" });
  try {
    t.add("todavía sin índice");
    const err = await front.searchIndexed().then(
      () => null,
      (e: unknown) => e as { code?: string },
    );
    expect(err?.code).toBe("SQLITE_READONLY");
    await t.store.searchIndexed();
    // Nothing waits: it answers at once, and the front serves the search itself.
    await front.searchIndexed();
  } finally {
    await front.close();
    ro.close();
  }
});

test("upgrading to migration 0015 keeps every indexed message searchable; new ones queue, deletes of old ones still apply", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-fts-upgrade-"));
  const path = join(dir, "chasqui.sqlite");
  const db = openDatabase(path);
  try {
    migrateBefore(db, "0015_search_index_batches");
    const s = db.$client;
    s.exec(`
      insert into connections (id, name, driver, status) values (1, 'c', 'sandbox', 'CONNECTED');
      insert into contacts (id, number, name) values (1, '595991000001', 'María José');
      insert into tickets (id, status, contact_id, connection_id) values (1, 'open', 1, 1);
      insert into messages (pk, id, connection_id, ticket_id, body, from_me, timestamp)
        values (1, 'a', 1, 1, 'Mi factura no llegó', 0, 0), (2, 'b', 1, 1, 'Le escribimos por su pedido', 1, 0);
    `);
    migrate(db);
    const match = (q: string) =>
      s
        .query<{ rowid: number }, [string]>("select rowid from messages_fts where messages_fts match ?")
        .all(q)
        .map((r) => r.rowid);
    expect(match('"factura"')).toEqual([1]);
    s.exec("delete from messages where pk = 2");
    s.exec(
      "insert into messages (pk, id, connection_id, ticket_id, body, from_me, timestamp) values (3, 'c', 1, 1, 'otro pedido', 0, 0)",
    );
    expect(match('"pedido"')).toEqual([]);
    const store = createSqliteStore(db, { path });
    await store.searchIndexed();
    await store.close();
    expect(match('"pedido"')).toEqual([3]);
    s.exec("insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)");
  } finally {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
