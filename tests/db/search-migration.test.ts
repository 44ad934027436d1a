import { expect, test } from "bun:test";
import { openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { migrateBefore } from "../support/migrate-before";

test("the search migration indexes existing messages and contacts and backfills the dashboard timestamps", () => {
  const db = openDatabase(":memory:");
  migrateBefore(db, "0009_team_search");
  const s = db.$client;
  s.exec(`
    insert into connections (id, name, driver, status) values (1, 'c', 'sandbox', 'CONNECTED');
    insert into contacts (id, number, name) values (1, '595991000001', 'María José'), (2, '595991000002', 'Pedro');
    insert into tickets (id, status, contact_id, connection_id, created_at, updated_at)
      values (1, 'closed', 1, 1, 1000, 9000), (2, 'open', 2, 1, 2000, 5000);
    insert into messages (id, connection_id, ticket_id, contact_id, body, from_me, is_automated, timestamp, created_at)
      values ('a', 1, 1, null, 'Bienvenido', 1, 1, 0, 1000),
             ('b', 1, 1, 1, 'Mi factura no llegó', 0, 0, 0, 1500),
             ('c', 1, 1, null, '¡Hola! Ya le atendemos', 1, 1, 0, 1600),
             ('d', 1, 1, null, 'La reenviamos', 1, 0, 0, 4000),
             ('e', 1, 2, null, 'Le escribimos por su pedido', 1, 0, 0, 2000),
             ('f', 1, 2, null, '', 1, 0, 0, 2100);
  `);
  migrate(db);
  const match = (table: string, q: string) =>
    (
      s.query(`select rowid from ${table} where ${table} match ? order by rowid`).all(q) as {
        rowid: number;
      }[]
    ).map((r) => r.rowid);
  expect(match("messages_fts", '"llego"')).toHaveLength(1);
  expect(match("messages_fts", '"pedido"')).toHaveLength(1);
  expect(match("contacts_fts", '"maria"')).toEqual([1]);
  expect(match("contacts_fts", 'number : "1000002"')).toEqual([2]);
  s.exec("insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)");
  s.exec("insert into contacts_fts(contacts_fts, rank) values ('integrity-check', 1)");
  expect(
    s
      .query(
        "select id, closed_at as closedAt, first_inbound_at as inbound, first_response_at as response from tickets order by id",
      )
      .all(),
  ).toEqual([
    // The automated greeting after the customer's message is not the first response; the agent's is.
    { id: 1, closedAt: 9000, inbound: 1500, response: 4000 },
    // Our message with no customer message before it is not a response.
    { id: 2, closedAt: null, inbound: null, response: null },
  ]);
});
