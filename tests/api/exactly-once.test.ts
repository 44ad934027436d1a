import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { EVENT_TYPE_CODES } from "../../src/webhooks/event-codec";
import type { GatewayEvents, GatewayFactory, InboundMessage } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { storedEvents } from "../support/events";
import { createTestApp } from "../support/test-app";

const CUSTOMER = "595991234567";

const inbound = (id: string, fromMe: boolean, body = `m ${id}`): InboundMessage => ({
  id,
  from: CUSTOMER,
  fromMe,
  pushName: fromMe ? null : "Juan",
  body,
  mediaType: "chat",
  media: null,
  quotedMsgId: null,
  timestampSec: Math.floor(Date.now() / 1000),
});

describe("a WhatsApp message id is stored once per connection", () => {
  test("two of our connections can hold the same id (they wrote to each other)", async () => {
    await using t = createTestApp();
    const a = await t.sandbox("A", "595981000001");
    const b = await t.sandbox("B", "595981000002");
    const ra = await t.services.messages.receive(a.id, inbound("3EB0SHARED", false));
    const rb = await t.services.messages.receive(b.id, inbound("3EB0SHARED", true));
    expect(ra?.duplicate).toBe(false);
    expect(rb?.duplicate).toBe(false);
    expect(ra?.ticketId).not.toBe(rb?.ticketId);
    expect(await t.rows("select count(*) as n from messages where id = '3EB0SHARED'")).toEqual([{ n: 2 }]);
    // On one connection the same id again is a duplicate: no row, no event.
    expect((await t.services.messages.receive(a.id, inbound("3EB0SHARED", false)))?.duplicate).toBe(true);
    const events = await t.rows(
      "select count(*) as n from events where type_code in (?, ?)",
      EVENT_TYPE_CODES.message_received,
      EVENT_TYPE_CODES.message_sent,
    );
    expect(events).toEqual([{ n: 2 }]);

    // By its id alone (the message routes) the newest copy is the one addressed, on the Store and on the bridge;
    // once its connection is gone, the other.
    const [newest] = await t.rows<{ pk: number }>(
      "select max(pk) as pk from messages where id = '3EB0SHARED'",
    );
    expect((await t.services.messages.getAsync("3EB0SHARED")).pk).toBe(Number(newest!.pk));
    // The synchronous bridge reads the SQLite writer (SQLite only).
    if (!t.postgres) expect(t.services.messages.get("3EB0SHARED").pk).toBe(Number(newest!.pk));
    expect((await t.services.messages.getAsync("3EB0SHARED")).connectionId).toBe(b.id);
    expect((await t.del(`/api/v1/connections/${b.id}`)).status).toBe(200);
    expect((await t.services.messages.getAsync("3EB0SHARED")).connectionId).toBe(a.id);
    if (!t.postgres) expect(t.services.messages.get("3EB0SHARED").connectionId).toBe(a.id);
    await expect(t.services.messages.getAsync("3EB0NOBODY")).rejects.toThrow(/not found/i);
  });

  test("the schema refuses a second row with the same connection and id", async () => {
    await using t = createTestApp();
    const a = await t.sandbox();
    const r = await t.services.messages.receive(a.id, inbound("3EB0ONCE", false));
    // SQLite: "UNIQUE constraint failed"; PostgreSQL: "duplicate key value violates unique constraint".
    await expect(
      t.rows(
        "insert into messages (id, connection_id, ticket_id, from_me, timestamp) values ('3EB0ONCE', ?, ?, ?, 1)",
        a.id,
        r!.ticketId,
        t.postgres ? false : 0,
      ),
    ).rejects.toThrow(/UNIQUE|unique constraint/);
  });
});

type Op =
  | { kind: "live"; n: number }
  | { kind: "replay"; n: number }
  | { kind: "send"; echo: "before" | "during" | "after" | "never" };

/**
 * Any interleaving of live messages, replays of them (WhatsApp redelivering at login while live traffic
 * flows) and our sends with their echo (before the send returns, concurrently, later, or never) leaves each
 * WhatsApp id stored exactly once, with exactly one message_received / message_sent event.
 */
test("property: live, replayed and echoed messages are stored and announced exactly once", async () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("live" as const), n: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant("replay" as const), n: fc.integer({ min: 0, max: 7 }) }),
    fc.record({
      kind: fc.constant("send" as const),
      echo: fc.constantFrom("before", "during", "after", "never"),
    }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
      async (waves: Op[][]) => {
        let events: GatewayEvents | undefined;
        let sendNo = 0;
        const echoes: { id: string; mode: Op & { kind: "send" } }[] = [];
        const late: Promise<unknown>[] = [];
        const factory: GatewayFactory = (conn, ev) => {
          events = ev;
          const gw = createSandboxGateway(conn, ev);
          return {
            ...gw,
            async sendText() {
              const id = `3EB0OURS${String(++sendNo).padStart(4, "0")}`;
              const mode = pending.shift()!;
              const echo = () => events!.message(inbound(id, true, "reply"));
              if (mode.echo === "before") await echo();
              if (mode.echo === "during") late.push(Promise.resolve(echo()));
              if (mode.echo === "after") echoes.push({ id, mode });
              return { id, timestampSec: Math.floor(Date.now() / 1000) };
            },
          };
        };
        const pending: (Op & { kind: "send" })[] = [];
        await using t = createTestApp({}, { factories: { sandbox: factory } });
        const conn = await t.sandbox();
        const first = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
          number: CUSTOMER,
          body: "hola",
        });
        const customerIds = new Set<string>();
        const ourIds = new Set<string>();
        for (const wave of waves) {
          await Promise.all(
            wave.map(async (o) => {
              if (o.kind === "send") {
                pending.push(o);
                const r = await t.post(`/api/v1/tickets/${first.body.ticketId}/messages`, { body: "reply" });
                expect(r.status).toBe(201);
                ourIds.add(r.body.data.messageId);
                return;
              }
              const id = `3EB0CUST${o.n}`;
              customerIds.add(id);
              await events!.message(inbound(id, false));
            }),
          );
        }
        for (const e of echoes) await events!.message(inbound(e.id, true, "reply"));
        await Promise.all(late);
        const rows = await t.rows<{ id: string; n: number }>(
          "select id, count(*) as n from messages where connection_id = ? group by id",
          conn.id,
        );
        const expected = [first.body.messageId, ...customerIds, ...ourIds].sort();
        expect(rows.map((r) => r.id).sort()).toEqual(expected);
        expect(rows.every((r) => r.n === 1)).toBe(true);
        const announced = (await storedEvents(t, { types: ["message_received", "message_sent"] })).map(
          (e) => ({
            type: e.type,
            id: JSON.parse(e.payload).data.messageId as string,
          }),
        );
        expect(announced.map((e) => e.id).sort()).toEqual(expected);
        for (const e of announced)
          expect(e.type).toBe(ourIds.has(e.id) ? "message_sent" : "message_received");
      },
    ),
    { numRuns: 40 },
  );
}, 300_000);
