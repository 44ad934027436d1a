import { describe, expect, test } from "bun:test";
import { sseReader } from "../panel/sse";
import { eventsOf } from "../support/events";
import { recordingSandbox } from "../support/recording-sandbox";
import { createTestApp, type TestApp } from "../support/test-app";

/** argon2id hashing is deliberately slow (and the test machine is shared): each test gets a minute. */
const SLOW = 60_000;

async function signIn(t: TestApp, email: string, password: string) {
  const res = await t.app.request("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const secret = /chasqui_session=([^;]*)/.exec(res.headers.get("set-cookie") ?? "")![1]!;
  const cookie = `chasqui_session=${secret}`;
  /** Requests as the panel makes them: the cookie and the same-origin headers a browser adds. */
  const call = async (method: string, path: string, json?: unknown) => {
    const r = await t.request(path, {
      method,
      token: null,
      json,
      headers: { cookie, origin: "http://localhost", "sec-fetch-site": "same-origin" },
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return { call, get: (path: string) => call("GET", path), cookie };
}

/**
 * Queues Ventas and Soporte; tickets in Ventas, in Soporte and in no queue; an agent of Ventas, a
 * supervisor and an admin, signed in.
 */
async function desk() {
  const rec = recordingSandbox();
  const t = createTestApp({}, { factories: { sandbox: rec.factory } });
  const conn = await t.sandbox();
  const ventas = (await t.post("/api/v1/queues", { name: "Ventas", color: "#111" })).body.id as number;
  const soporte = (await t.post("/api/v1/queues", { name: "Soporte", color: "#222" })).body.id as number;
  const inbound = async (number: string) =>
    (
      await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
        number,
        body: "hola",
        name: "Cliente",
      })
    ).body as { ticketId: number; messageId: string };
  const inVentas = await inbound("595991000001");
  const inSoporte = await inbound("595991000002");
  const noQueue = await inbound("595991000003");
  await t.put(`/api/v1/tickets/${inVentas.ticketId}`, { queueId: ventas });
  await t.put(`/api/v1/tickets/${inSoporte.ticketId}`, { queueId: soporte });
  // Reading marked them read; the API put them back to pending (what an inbound ticket is).
  for (const m of [inVentas, inSoporte, noQueue])
    await t.put(`/api/v1/tickets/${m.ticketId}`, { status: "pending" });
  const ana = (
    await t.post("/api/v1/users", {
      name: "Ana",
      email: "ana@example.com",
      password: "ana-password-1",
      queueIds: [ventas],
    })
  ).body;
  const sup = (
    await t.post("/api/v1/users", {
      name: "Sofía",
      email: "sofia@example.com",
      password: "sofia-password-1",
      role: "supervisor",
    })
  ).body;
  return {
    t,
    rec,
    conn,
    ventas,
    soporte,
    inVentas,
    inSoporte,
    noQueue,
    ana,
    sup,
    asAna: await signIn(t, "ana@example.com", "ana-password-1"),
    asSup: await signIn(t, "sofia@example.com", "sofia-password-1"),
  };
}

const ids = (r: { body: { tickets: { id: number }[] } }) =>
  r.body.tickets.map((x) => x.id).sort((a, b) => a - b);

describe("visibility per role", () => {
  test(
    "a signed-in agent is the author of the contact notes they write",
    async () => {
      const d = await desk();
      await using _t = d.t;
      const note = await d.asAna.call("POST", "/api/v1/contacts/595991000001/notes", {
        body: "Prefiere la tarde",
        userId: d.sup.id,
      });
      expect(note.status).toBe(201);
      expect(note.body).toMatchObject({ userId: d.ana.id, user: { id: d.ana.id, name: "Ana" } });
    },
    SLOW,
  );

  test(
    "an agent's ticket and message searches find only the tickets they may see",
    async () => {
      const d = await desk();
      await using _t = d.t;
      // Every ticket of the desk holds "hola"; the supervisor finds all three, the agent of Ventas two.
      const all = [d.inVentas.ticketId, d.inSoporte.ticketId, d.noQueue.ticketId].sort((a, b) => a - b);
      expect(ids(await d.asSup.get("/api/v1/tickets?search=hola"))).toEqual(all);
      const mine = await d.asAna.get("/api/v1/tickets?search=hola");
      expect(ids(mine)).toEqual([d.inVentas.ticketId, d.noQueue.ticketId]);
      expect(mine.body.count).toBe(2);
      expect(ids(await d.asAna.get("/api/v1/tickets?search=hola&view=queue"))).toEqual([
        d.inVentas.ticketId,
        d.noQueue.ticketId,
      ]);
      const found = await d.asAna.get("/api/v1/messages/search?q=hola");
      expect(found.body.count).toBe(2);
      expect(found.body.messages.map((m: { ticket: { id: number } }) => m.ticket.id).sort()).toEqual(
        [d.inVentas.ticketId, d.noQueue.ticketId].sort(),
      );
      expect((await d.asSup.get("/api/v1/messages/search?q=hola")).body.count).toBe(3);
      // The send queue spans every ticket: agents see queued messages in their own conversations.
      expect((await d.asAna.get("/api/v1/messages?status=queued")).status).toBe(403);
      expect((await d.asSup.get("/api/v1/messages?status=queued")).status).toBe(200);
      expect(
        (await d.asAna.get(`/api/v1/messages/search?q=hola&ticketId=${d.inSoporte.ticketId}`)).status,
      ).toBe(404);
    },
    SLOW,
  );

  test(
    "an agent sees the tickets of their queues and those with no queue; every other route 404s",
    async () => {
      const d = await desk();
      await using t = d.t;
      const list = await d.asAna.get("/api/v1/tickets");
      expect(list.status).toBe(200);
      expect(ids(list)).toEqual([d.inVentas.ticketId, d.noQueue.ticketId]);
      expect(list.body.count).toBe(2);
      expect((await d.asAna.get(`/api/v1/tickets?queueId=${d.soporte}`)).body.tickets).toEqual([]);
      expect((await d.asAna.get(`/api/v1/tickets/${d.inVentas.ticketId}`)).status).toBe(200);

      const hidden = d.inSoporte.ticketId;
      const refused = [
        await d.asAna.get(`/api/v1/tickets/${hidden}`),
        await d.asAna.get(`/api/v1/tickets/${hidden}/messages`),
        await d.asAna.call("POST", `/api/v1/tickets/${hidden}/messages`, { body: "hola" }),
        await d.asAna.call("PUT", `/api/v1/tickets/${hidden}`, { status: "open" }),
        await d.asAna.call("POST", `/api/v1/tickets/${hidden}/typing`, { state: "composing" }),
        await d.asAna.call("POST", `/api/v1/tickets/${hidden}/transfer`, { queueId: d.ventas }),
      ];
      for (const r of refused) expect([r.status, r.body.error]).toEqual([404, "ERR_TICKET_NOT_FOUND"]);
      const msgRefused = [
        await d.asAna.call("POST", `/api/v1/messages/${d.inSoporte.messageId}/reply`, { body: "hola" }),
        await d.asAna.call("POST", `/api/v1/messages/${d.inSoporte.messageId}/reactions`, { emoji: "👍" }),
      ];
      for (const r of msgRefused) expect([r.status, r.body.error]).toEqual([404, "ERR_MESSAGE_NOT_FOUND"]);
      // Nothing of it reached WhatsApp or changed the ticket.
      expect(d.rec.sent).toEqual([]);
      expect((await t.get(`/api/v1/tickets/${hidden}`)).body.status).toBe("pending");

      // Supervisors and tokens see everything.
      const all = [d.inVentas.ticketId, d.inSoporte.ticketId, d.noQueue.ticketId];
      expect(ids(await d.asSup.get("/api/v1/tickets"))).toEqual(all);
      expect(ids(await t.get("/api/v1/tickets"))).toEqual(all);
      expect(ids(await t.get("/api/v1/tickets", await t.apiToken()))).toEqual(all);
      expect((await d.asSup.get(`/api/v1/tickets/${hidden}/messages`)).status).toBe(200);
      // Admin routes are for admins.
      expect((await d.asSup.call("POST", "/api/v1/tags", { name: "x", color: "#000" })).status).toBe(403);
    },
    SLOW,
  );

  test(
    "tabs: mine, queue and all, with counts that match the lists",
    async () => {
      const d = await desk();
      await using t = d.t;
      const counts = async (as: typeof d.asAna) => (await as.get("/api/v1/tickets/counts")).body;
      expect(await counts(d.asAna)).toEqual({ mine: 0, queue: 2, all: 2 });
      expect(await counts(d.asSup)).toEqual({ mine: 0, queue: 3, all: 3 });
      expect((await t.get("/api/v1/tickets/counts")).body).toEqual({ mine: null, queue: 3, all: 3 });

      // Accepting (open, no userId named) assigns the ticket to me.
      const accepted = await d.asAna.call("PUT", `/api/v1/tickets/${d.inVentas.ticketId}`, {
        status: "open",
      });
      expect(accepted.body.ticket).toMatchObject({
        status: "open",
        userId: d.ana.id,
        user: { id: d.ana.id },
      });
      const mine = await d.asAna.get("/api/v1/tickets?view=mine");
      expect(ids(mine)).toEqual([d.inVentas.ticketId]);
      expect(mine.body.count).toBe(1);
      const queue = await d.asAna.get("/api/v1/tickets?view=queue");
      expect(ids(queue)).toEqual([d.noQueue.ticketId]);
      expect(queue.body.count).toBe(1);
      expect(await counts(d.asAna)).toEqual({ mine: 1, queue: 1, all: 2 });
      expect(await counts(d.asSup)).toEqual({ mine: 0, queue: 2, all: 3 });
      expect((await d.asSup.get("/api/v1/tickets?view=mine")).body.tickets).toEqual([]);
      expect((await d.asAna.get("/api/v1/tickets/counts?status=closed")).body).toEqual({
        mine: 0,
        queue: 0,
        all: 0,
      });

      // A closed ticket leaves "mine"; an API token opening a ticket assigns nobody.
      await d.asAna.call("PUT", `/api/v1/tickets/${d.inVentas.ticketId}`, { status: "closed" });
      expect((await d.asAna.get("/api/v1/tickets?view=mine")).body.tickets).toEqual([]);
      const byToken = await t.put(`/api/v1/tickets/${d.noQueue.ticketId}`, { status: "open" });
      expect(byToken.body.ticket.userId).toBeNull();
      const tokenMine = await t.get("/api/v1/tickets?view=mine");
      expect([tokenMine.status, tokenMine.body.error]).toEqual([400, "ERR_VALIDATION"]);
      // Accepting a ticket someone already has does not take it.
      await t.put(`/api/v1/tickets/${d.inSoporte.ticketId}`, { userId: d.sup.id });
      const other = await d.asSup.call("PUT", `/api/v1/tickets/${d.inSoporte.ticketId}`, { status: "open" });
      expect(other.body.ticket.userId).toBe(d.sup.id);
    },
    SLOW,
  );
});

describe("live events", () => {
  test(
    "an agent's event stream (cookie) carries only the tickets they see, replayed and live; the catch-up feed is not theirs",
    async () => {
      const d = await desk();
      await using t = d.t;
      const first = (await t.get("/api/v1/events?limit=1")).body.events[0].id as string;
      const res = await t.request(`/api/v1/events/stream?event=message_received&lastEventId=${first}`, {
        token: null,
        headers: { cookie: d.asAna.cookie },
      });
      expect(res.status).toBe(200);
      const stream = sseReader(res);
      const inbound = (number: string, body: string) =>
        t.post(`/api/v1/connections/${d.conn.id}/sandbox/inbound`, { number, body });
      await inbound("595991000002", "oculto"); // Soporte: not Ana's
      await inbound("595991000001", "visible"); // Ventas
      const got = [];
      for (let i = 0; i < 3; i++) got.push(JSON.parse((await stream.nextEvent()).data).data);
      expect(got.map((e) => [e.ticketId, e.body])).toEqual([
        [d.inVentas.ticketId, "hola"],
        [d.noQueue.ticketId, "hola"],
        [d.inVentas.ticketId, "visible"],
      ]);
      await stream.cancel();
      // A supervisor's stream is not filtered.
      const sup = await t.request(`/api/v1/events/stream?event=message_received&lastEventId=${first}`, {
        token: null,
        headers: { cookie: d.asSup.cookie },
      });
      const all = sseReader(sup);
      const bodies = [];
      for (let i = 0; i < 5; i++) bodies.push(JSON.parse((await all.nextEvent()).data).data.body);
      expect(bodies).toEqual(["hola", "hola", "hola", "oculto", "visible"]);
      await all.cancel();
      expect((await d.asAna.get("/api/v1/events")).status).toBe(403);
      expect((await d.asSup.get("/api/v1/events")).status).toBe(200);
    },
    SLOW,
  );
});

describe("transfer", () => {
  test(
    "one action: the ticket moves, a system line is stored (never sent) and ticket_updated carries the transfer",
    async () => {
      const d = await desk();
      await using t = d.t;
      const tid = d.inVentas.ticketId;
      await d.asAna.call("PUT", `/api/v1/tickets/${tid}`, { status: "open" });
      const r = await d.asAna.call("POST", `/api/v1/tickets/${tid}/transfer`, {
        queueId: d.soporte,
        note: "Pide factura",
      });
      expect(r.status).toBe(200);
      expect(r.body.ticket).toMatchObject({ queueId: d.soporte, userId: null, status: "pending" });
      // It left Ana's queues: she no longer sees it.
      expect((await d.asAna.get(`/api/v1/tickets/${tid}`)).status).toBe(404);

      const msgs = (await d.asSup.get(`/api/v1/tickets/${tid}/messages`)).body.messages;
      const line = msgs[0];
      expect(line).toMatchObject({
        isSystem: true,
        mediaType: "system",
        userId: d.ana.id,
        body: "Transferred to queue Soporte by Ana: Pide factura",
        editableUntil: null,
        deletableUntil: null,
        system: {
          type: "transfer",
          fromQueueId: d.ventas,
          toQueueId: d.soporte,
          fromUserId: d.ana.id,
          toUserId: null,
          byUserId: d.ana.id,
          note: "Pide factura",
        },
      });
      expect(msgs[1]).toMatchObject({ isSystem: false, body: "hola" });
      expect(d.rec.sent).toEqual([]);
      // The ticket's preview is still the conversation's.
      expect((await t.get(`/api/v1/tickets/${tid}`)).body.lastMessage).toBe("hola");
      const updated = eventsOf(t, "ticket_updated").filter((e) => e.transfer);
      expect(updated).toEqual([
        expect.objectContaining({
          ticketId: tid,
          queueId: d.soporte,
          userId: null,
          oldStatus: "open",
          newStatus: "pending",
          transfer: {
            fromQueueId: d.ventas,
            toQueueId: d.soporte,
            fromUserId: d.ana.id,
            toUserId: null,
            byUserId: d.ana.id,
            note: "Pide factura",
            messageId: line.id,
          },
        }),
      ]);
      // A system line is not a WhatsApp message.
      expect((await t.put(`/api/v1/messages/${line.id}`, { body: "x" })).status).toBe(409);
      expect((await t.del(`/api/v1/messages/${line.id}`)).status).toBe(409);
      expect((await t.post(`/api/v1/messages/${line.id}/reactions`, { emoji: "👍" })).status).toBe(409);
      expect((await t.post(`/api/v1/messages/${line.id}/reply`, { body: "x" })).status).toBe(409);
      expect(
        (await t.post(`/api/v1/tickets/${tid}/messages`, { body: "x", quotedMsgId: line.id })).status,
      ).toBe(409);

      // To an agent: theirs and open. An agent outside the ticket's queue is refused; by a token, byUserId is null.
      const toSup = await t.post(`/api/v1/tickets/${tid}/transfer`, { userId: d.sup.id });
      expect(toSup.body.ticket).toMatchObject({ userId: d.sup.id, status: "open", queueId: d.soporte });
      expect(eventsOf(t, "ticket_updated").at(-1).transfer).toMatchObject({
        byUserId: null,
        toUserId: d.sup.id,
      });
      const outside = await t.post(`/api/v1/tickets/${tid}/transfer`, { userId: d.ana.id });
      expect([outside.status, outside.body.error]).toEqual([400, "ERR_VALIDATION"]);
      const both = await t.post(`/api/v1/tickets/${tid}/transfer`, { userId: d.ana.id, queueId: d.ventas });
      expect(both.body.ticket).toMatchObject({ userId: d.ana.id, queueId: d.ventas, status: "open" });
      expect((await t.post(`/api/v1/tickets/${tid}/transfer`, { note: "nada" })).status).toBe(400);
      await t.put(`/api/v1/tickets/${tid}`, { status: "closed" });
      const closed = await t.post(`/api/v1/tickets/${tid}/transfer`, { queueId: d.soporte });
      expect([closed.status, closed.body.error]).toEqual([409, "ERR_TICKET_CLOSED"]);
      expect(d.rec.sent).toEqual([]);
    },
    SLOW,
  );
});

describe("attribution and signature", () => {
  test(
    "an agent's reply takes the ticket: a pending one is accepted (open, theirs), a closed one reopened; a token's reply leaves the status",
    async () => {
      const d = await desk();
      await using t = d.t;
      const pending = d.inVentas.ticketId;
      expect(
        (await d.asAna.call("POST", `/api/v1/tickets/${pending}/messages`, { body: "Hola" })).status,
      ).toBe(201);
      expect((await t.get(`/api/v1/tickets/${pending}`)).body).toMatchObject({
        status: "open",
        userId: d.ana.id,
      });

      await t.put(`/api/v1/tickets/${pending}`, { status: "closed" });
      const reply = await d.asAna.call("POST", `/api/v1/messages/${d.inVentas.messageId}/reply`, {
        body: "Sigo aquí",
      });
      expect(reply.status).toBe(201);
      expect((await t.get(`/api/v1/tickets/${pending}`)).body).toMatchObject({
        status: "open",
        userId: d.ana.id,
      });

      // An API token keeps the seed's behaviour: the pending ticket stays pending and unassigned.
      const other = d.noQueue.ticketId;
      expect((await t.post(`/api/v1/tickets/${other}/messages`, { body: "Hola" })).status).toBe(201);
      expect((await t.get(`/api/v1/tickets/${other}`)).body).toMatchObject({
        status: "pending",
        userId: null,
      });
    },
    SLOW,
  );

  test(
    "what an agent sends records their userId (wire and event); a token's has null; the signature goes only to WhatsApp",
    async () => {
      const d = await desk();
      await using t = d.t;
      const tid = d.noQueue.ticketId;
      const customer = "595991000003";

      const unsignedByAna = await d.asAna.call("POST", `/api/v1/tickets/${tid}/messages`, { body: "hola" });
      expect(unsignedByAna.status).toBe(201);
      expect(unsignedByAna.body.data.userId).toBe(d.ana.id);
      expect(d.rec.sent.at(-1)).toEqual({ to: customer, body: "hola" });

      expect(
        (await t.put(`/api/v1/connections/${d.conn.id}`, { agentSignature: true })).body.agentSignature,
      ).toBe(true);
      const signed = await d.asAna.call("POST", `/api/v1/tickets/${tid}/messages`, {
        body: "¿En qué te ayudo?",
      });
      expect(d.rec.sent.at(-1)).toEqual({ to: customer, body: "*Ana:*\n¿En qué te ayudo?" });
      expect(signed.body.data).toMatchObject({ body: "¿En qué te ayudo?", userId: d.ana.id });
      const reply = await d.asAna.call("POST", `/api/v1/messages/${d.noQueue.messageId}/reply`, {
        body: "citando",
      });
      expect(reply.body.data[0].userId).toBe(d.ana.id);
      expect(d.rec.sent.at(-1)?.body).toBe("*Ana:*\ncitando");
      const bySend = await d.asAna.call("POST", "/api/v1/send", { number: customer, body: "por número" });
      expect(bySend.body.data[0].userId).toBe(d.ana.id);
      expect(d.rec.sent.at(-1)?.body).toBe("*Ana:*\npor número");

      const byToken = await t.post(`/api/v1/tickets/${tid}/messages`, { body: "integración" });
      expect(byToken.body.data.userId).toBeNull();
      expect(d.rec.sent.at(-1)?.body).toBe("integración");

      // Ana turns her signature off.
      await t.put(`/api/v1/users/${d.ana.id}`, { signature: false });
      const asAnaAgain = await signIn(t, "ana@example.com", "ana-password-1");
      await asAnaAgain.call("POST", `/api/v1/tickets/${tid}/messages`, { body: "sin firma" });
      expect(d.rec.sent.at(-1)?.body).toBe("sin firma");

      // Stored bodies never carry the signature; the message list and the events name the agent.
      const msgs = (await t.get(`/api/v1/tickets/${tid}/messages?limit=100`)).body.messages;
      const ours = msgs.filter((m: any) => m.fromMe).map((m: any) => [m.body, m.userId]);
      expect(ours).toEqual([
        ["sin firma", d.ana.id],
        ["integración", null],
        ["por número", d.ana.id],
        ["citando", d.ana.id],
        ["¿En qué te ayudo?", d.ana.id],
        ["hola", d.ana.id],
      ]);
      const sentEvents = eventsOf(t, "message_sent").map((e) => [e.body, e.userId]);
      expect(sentEvents).toEqual([...ours].reverse());
      expect(eventsOf(t, "message_received").every((e) => e.userId === null)).toBe(true);
    },
    SLOW,
  );
});
