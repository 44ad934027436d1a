// The event sink keeps each connection's webhooks between events on SQLite, while migration 0024's stamp holds. Every
// change that decides who gets an event's delivery reaches the next event, whichever connection made it, and a change
// rolled back leaves nothing behind: each event gets exactly the deliveries of the webhooks as they stand.
import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { addHook, inbound, setupApp } from "./helpers";

test("SQLite: each event's deliveries follow every change to the webhooks, from any connection, none rolled back", async () => {
  const { t, conn } = await setupApp({}, { thread: true, start: false, store: "sqlite" });
  await using _t = t;
  const sqlite = t.db.$client;
  const perHook = () =>
    Object.fromEntries(
      sqlite
        .query<{ id: number; n: number }, []>(
          "select webhook_id as id, count(*) as n from webhook_deliveries group by webhook_id",
        )
        .all()
        .map((r) => [r.id, r.n]),
    );
  const stamp = () => sqlite.query<{ stamp: number }, []>("select stamp from webhook_stamp").get()!.stamp;

  const a = await addHook(t, conn.id, "http://127.0.0.1:9/a");
  const b = await addHook(t, conn.id, "http://127.0.0.1:9/b", { events: ["message_received"] });
  // Three events: contact_created, ticket_created, message_received.
  await inbound(t, conn.id);
  await inbound(t, conn.id);
  expect(perHook()).toEqual({ [a.id]: 6, [b.id]: 2 });

  // Another connection to the file (a CLI command; the webhook thread disables webhooks this way): a disabled, b
  // subscribed to every event, c added for ticket_created only.
  const other = new Database(sqlite.filename);
  other.exec("PRAGMA busy_timeout = 5000;");
  other.exec("PRAGMA foreign_keys = ON;");
  let before = stamp();
  other.run("update webhooks set enabled = 0 where id = ?", [a.id]);
  expect(stamp()).not.toBe(before);
  other.run("update webhooks set events = '[]' where id = ?", [b.id]);
  const c = other
    .query<{ id: number }, [number]>(
      `insert into webhooks (connection_id, url, events, secret) values (?, 'http://127.0.0.1:9/c', '["ticket_created"]', 'whsec_c') returning id`,
    )
    .get(conn.id)!.id;
  await inbound(t, conn.id);
  expect(perHook()).toEqual({ [a.id]: 6, [b.id]: 5, [c]: 1 });

  // A change of a column that decides nothing keeps the stamp; a deleted webhook gets nothing (its rows go with it).
  before = stamp();
  other.run("update webhooks set url = 'http://127.0.0.1:9/b2' where id = ?", [b.id]);
  expect(stamp()).toBe(before);
  other.run("delete from webhooks where id = ?", [c]);
  await inbound(t, conn.id);
  expect(perHook()).toEqual({ [a.id]: 6, [b.id]: 8 });

  // On the server's own connection, in a transaction that rolls back: the webhook it added got that transaction's
  // event, and nothing after it (a kept id would fail the next delivery's foreign key).
  expect(() =>
    t.db.transaction(() => {
      const d = sqlite
        .query<{ id: number }, [number]>(
          "insert into webhooks (connection_id, url, events, secret) values (?, 'http://127.0.0.1:9/d', '[]', 'whsec_d') returning id",
        )
        .get(conn.id)!.id;
      t.events.emit(undefined as never, "contact_updated", conn.id, { number: "595991000000" } as never);
      expect(perHook()).toEqual({ [a.id]: 6, [b.id]: 9, [d]: 1 });
      throw new Error("rolled back");
    }),
  ).toThrow("rolled back");
  // The stamp is back to what it was; the next change (a enabled again) takes a stamp the rolled-back one cannot
  // have had, so what was read inside that transaction is not taken for it.
  other.run("update webhooks set enabled = 1 where id = ?", [a.id]);
  other.close();
  await inbound(t, conn.id);
  expect(perHook()).toEqual({ [a.id]: 9, [b.id]: 11 });
});
