import { expect, test } from "bun:test";
import fc from "fast-check";
import { createTestApp } from "../support/test-app";

type Op =
  | { kind: "inbound"; conn: number; contact: number }
  | { kind: "status"; ticket: number; status: "open" | "pending" | "closed" }
  | { kind: "queue"; ticket: number; queue: number | null }
  | { kind: "agent"; ticket: number; user: number | null }
  | { kind: "deleteUser"; user: number }
  | { kind: "tags"; ticket: number; tags: number[] }
  | { kind: "deleteTag"; tag: number }
  | { kind: "deleteQueue"; queue: number }
  | { kind: "deleteConnection"; conn: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("inbound" as const),
      conn: fc.integer({ min: 0, max: 2 }),
      contact: fc.integer({ min: 0, max: 5 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("status" as const),
      ticket: fc.nat(20),
      status: fc.constantFrom("open" as const, "pending" as const, "closed" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("queue" as const),
      ticket: fc.nat(20),
      queue: fc.option(fc.integer({ min: 0, max: 1 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("agent" as const),
      ticket: fc.nat(20),
      user: fc.option(fc.integer({ min: 0, max: 1 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("tags" as const),
      ticket: fc.nat(20),
      tags: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deleteTag" as const),
      tag: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deleteUser" as const),
      user: fc.integer({ min: 0, max: 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deleteQueue" as const),
      queue: fc.integer({ min: 0, max: 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deleteConnection" as const),
      conn: fc.integer({ min: 0, max: 2 }),
    }),
  },
);

test("list, tab and tag counts match the tickets table after any sequence of ticket changes", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
      await using t = createTestApp();
      const conns = [
        await t.sandbox("A", "595981111111"),
        await t.sandbox("B", "595982222222"),
        await t.sandbox("C", "595983333333"),
      ].map((c) => c.id);
      const queues = [
        (await t.post("/api/v1/queues", { name: "Q1", color: "#111" })).body.id,
        (await t.post("/api/v1/queues", { name: "Q2", color: "#222" })).body.id,
      ];
      // Supervisors: any ticket may be theirs, whatever its queue.
      const users = [
        (await t.post("/api/v1/users", { name: "U1", email: "u1@example.com", role: "supervisor" })).body.id,
        (await t.post("/api/v1/users", { name: "U2", email: "u2@example.com", role: "supervisor" })).body.id,
      ] as number[];
      const tags = [
        (await t.post("/api/v1/tags", { name: "T1", color: "#111" })).body.id,
        (await t.post("/api/v1/tags", { name: "T2", color: "#222" })).body.id,
        (await t.post("/api/v1/tags", { name: "T3", color: "#333" })).body.id,
      ] as number[];
      const ticketIds: number[] = [];
      for (const o of ops) {
        if (o.kind === "inbound") {
          const r = await t.post(`/api/v1/connections/${conns[o.conn]}/sandbox/inbound`, {
            number: `59599000000${o.contact}`,
            body: "x",
          });
          if (r.status === 201) ticketIds.push(r.body.ticketId);
        } else if (o.kind === "status" && ticketIds.length > 0) {
          await t.put(`/api/v1/tickets/${ticketIds[o.ticket % ticketIds.length]}`, { status: o.status });
        } else if (o.kind === "queue" && ticketIds.length > 0) {
          await t.put(`/api/v1/tickets/${ticketIds[o.ticket % ticketIds.length]}`, {
            queueId: o.queue === null ? null : queues[o.queue],
          });
        } else if (o.kind === "agent" && ticketIds.length > 0) {
          await t.put(`/api/v1/tickets/${ticketIds[o.ticket % ticketIds.length]}`, {
            userId: o.user === null ? null : users[o.user],
          });
        } else if (o.kind === "tags" && ticketIds.length > 0) {
          await t.put(`/api/v1/tickets/${ticketIds[o.ticket % ticketIds.length]}`, {
            tagIds: o.tags.map((k) => tags[k]),
          });
        } else if (o.kind === "deleteTag") {
          await t.del(`/api/v1/tags/${tags[o.tag]}`);
        } else if (o.kind === "deleteUser") {
          await t.del(`/api/v1/users/${users[o.user]}`);
        } else if (o.kind === "deleteQueue") {
          await t.del(`/api/v1/queues/${queues[o.queue]}`);
        } else if (o.kind === "deleteConnection") {
          await t.del(`/api/v1/connections/${conns[o.conn]}`);
        }
      }
      const actual = async (where: string, ...args: (number | string)[]) =>
        (await t.rows<{ n: number }>(`select count(*) n from tickets ${where}`, ...args))[0]!.n;
      expect((await t.get("/api/v1/tickets")).body.count).toBe(await actual(""));
      for (const status of ["open", "pending", "closed"]) {
        expect((await t.get(`/api/v1/tickets?status=${status}`)).body.count).toBe(
          await actual("where status = ?", status),
        );
        for (const c of conns) {
          expect((await t.get(`/api/v1/tickets?status=${status}&whatsappId=${c}`)).body.count).toBe(
            await actual("where status = ? and connection_id = ?", status, c),
          );
        }
      }
      for (const q of queues) {
        expect((await t.get(`/api/v1/tickets?queueId=${q}`)).body.count).toBe(
          await actual("where queue_id = ?", q),
        );
      }
      // The tabs: waiting (pending, no agent) and each agent's own work (not closed).
      expect((await t.get("/api/v1/tickets?view=queue")).body.count).toBe(
        await actual("where status = 'pending' and user_id is null"),
      );
      for (const u of users)
        expect((await t.services.tickets.counts({}, { userId: u })).mine).toBe(
          await actual("where user_id = ? and status <> 'closed'", u),
        );
      // By tag, alone, with a status and with the waiting tab.
      const tagged = "id in (select ticket_id from ticket_tags where tag_id = ?)";
      for (const tag of tags) {
        expect((await t.get(`/api/v1/tickets?tagId=${tag}`)).body.count).toBe(
          await actual(`where ${tagged}`, tag),
        );
        expect((await t.get(`/api/v1/tickets?tagId=${tag}&status=open`)).body.count).toBe(
          await actual(`where ${tagged} and status = 'open'`, tag),
        );
        expect((await t.get(`/api/v1/tickets?tagId=${tag}&view=queue`)).body.count).toBe(
          await actual(`where ${tagged} and status = 'pending' and user_id is null`, tag),
        );
      }
    }),
    { numRuns: 25 },
  );
}, 300_000); // 25 apps with up to 25 writes each: past 5 s on a loaded 2-core machine, 60 s on PostgreSQL
