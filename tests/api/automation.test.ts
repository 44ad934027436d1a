import { describe, expect, test } from "bun:test";
import { scheduleState } from "../../src/domain/automation/schedule";
import { MENU_MAX_REPEATS, RATING_WINDOW_MS } from "../../src/domain/automation.service";
import { EVENT_TYPE_CODES } from "../../src/webhooks/event-codec";
import { eventsOf, listenersCaughtUp } from "../support/events";
import { recordingSandbox } from "../support/recording-sandbox";
import { createTestApp, waitFor } from "../support/test-app";

const CUSTOMER = "595991234567";

/** A test app on a movable clock, with a recording sandbox connection configured by `connection`. */
async function setup(connection: Record<string, unknown> = {}, startMs = Date.parse("2026-12-01T15:00:00Z")) {
  const rec = recordingSandbox();
  const clock = { now: startMs };
  const t = createTestApp(
    { WEBHOOK_ALLOW_PRIVATE: "true" },
    { factories: { sandbox: rec.factory }, clock: () => clock.now },
  );
  const conn = await t.sandbox("WhatsApp Principal", "595981234567");
  if (Object.keys(connection).length > 0) {
    const r = await t.put(`/api/v1/connections/${conn.id}`, connection);
    expect(r.status).toBe(200);
  }
  /** The customer writes; resolves once every automated step it triggered has run. */
  const say = async (body: string, extra: Record<string, unknown> = {}) => {
    const r = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CUSTOMER,
      name: "Juan",
      body,
      ...extra,
    });
    expect(r.status).toBe(201);
    await t.services.automation.idle();
    return r.body as { ticketId: number; messageId: string; contactId: number };
  };
  const messages = async (ticketId: number) =>
    ((await t.get(`/api/v1/tickets/${ticketId}/messages?limit=100`)).body.messages as any[]).reverse();
  const ours = async (ticketId: number) =>
    (await messages(ticketId)).filter((m) => m.fromMe).map((m) => m.body as string);
  const ticket = async (id: number) => (await t.get(`/api/v1/tickets/${id}`)).body;
  const queue = async (name: string, extra: Record<string, unknown> = {}) => {
    const r = await t.post("/api/v1/queues", {
      name,
      color: `#${name.length}${name.charCodeAt(0)}`,
      ...extra,
    });
    expect(r.status).toBe(201);
    return r.body as { id: number; name: string };
  };
  return { t, rec, conn, clock, say, messages, ours, ticket, queue };
}

describe("greeting on a new ticket", () => {
  test("the customer's first message gets the greeting: stored, emitted, handed to WhatsApp, once", async () => {
    const { t, rec, conn, say, messages, ticket } = await setup({
      greetingMessage: "¡Hola! ¿En qué te ayudamos?",
    });
    await using _ = t;
    const hook = await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url: "http://127.0.0.1:9/hook" });
    expect(hook.status).toBe(201);
    const first = await say("Buenas");
    expect(rec.sent).toEqual([{ to: CUSTOMER, body: "¡Hola! ¿En qué te ayudamos?" }]);
    const stored = await messages(first.ticketId);
    expect(stored.map((m) => [m.fromMe, m.body])).toEqual([
      [false, "Buenas"],
      [true, "¡Hola! ¿En qué te ayudamos?"],
    ]);
    const greeting = stored[1];
    expect(await eventsOf(t, "message_sent")).toEqual([
      expect.objectContaining({ messageId: greeting.id, body: "¡Hola! ¿En qué te ayudamos?", fromMe: true }),
    ]);
    // Into the webhook outbox like any message we send.
    const delivery = await t.rows(
      "select count(*) as n from webhook_deliveries d join events e on e.seq = d.event_id where e.type_code = ?",
      EVENT_TYPE_CODES.message_sent,
    );
    expect(delivery).toEqual([{ n: 1 }]);
    // Acked like any send.
    await waitFor(async () => (await messages(first.ticketId))[1].ack >= 1);
    // An automated message is not an agent reading the ticket: it stays pending with its unread message.
    expect(await ticket(first.ticketId)).toMatchObject({ status: "pending", unreadMessages: 1 });

    await say("¿Hay alguien?");
    expect(rec.sent).toHaveLength(1);
  });

  test("no greeting for group chats, our own messages typed on the phone, or tickets the API opened", async () => {
    const { t, rec, conn, say } = await setup({ greetingMessage: "Hola", groups: "tickets" });
    await using _ = t;
    await say("hola grupo", { groupId: "120363025246125888", groupName: "Clientes" });
    await say("escrito en el teléfono", { fromMe: true });
    const other = "595997654321";
    const sent = await t.post("/api/v1/send", {
      number: other,
      body: "Te escribimos nosotros",
      whatsappId: conn.id,
    });
    expect(sent.status).toBe(201);
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: other, body: "Ok" });
    await t.services.automation.idle();
    expect(rec.sent.map((s) => s.body)).toEqual(["Te escribimos nosotros"]);
  });

  test("an edit or a reaction of the customer triggers nothing", async () => {
    const { t, rec, conn, say } = await setup({});
    await using _ = t;
    const first = await say("hola");
    await t.put(`/api/v1/connections/${conn.id}`, { greetingMessage: "Hola" });
    const inbound = (body: Record<string, unknown>) =>
      t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: CUSTOMER, ...body });
    expect((await inbound({ edit: first.messageId, body: "hola!" })).status).toBe(200);
    expect((await inbound({ reactTo: first.messageId, emoji: "👍" })).status).toBe(200);
    await t.services.automation.idle();
    expect(rec.sent).toEqual([]);
  });
});

describe("queue menu", () => {
  async function menuSetup() {
    const s = await setup();
    const ventas = await s.queue("Ventas");
    const soporte = await s.queue("Soporte", { greetingMessage: "Soporte: contanos tu problema." });
    const r = await s.t.put(`/api/v1/connections/${s.conn.id}`, {
      greetingMessage: "Bienvenido a ACME.",
      queueIds: [ventas.id, soporte.id],
    });
    expect(r.body.queueIds).toEqual([ventas.id, soporte.id]);
    return { ...s, ventas, soporte };
  }
  const MENU = "Bienvenido a ACME.\n\n1 - Ventas\n2 - Soporte";

  test("a valid answer routes the ticket to the queue and sends the queue's greeting", async () => {
    const { t, rec, say, ours, ticket, soporte } = await menuSetup();
    await using _ = t;
    const first = await say("Hola");
    expect(rec.sent.map((s) => s.body)).toEqual([MENU]);
    await say(" 2 ");
    expect(await ticket(first.ticketId)).toMatchObject({
      queueId: soporte.id,
      queue: { id: soporte.id, name: "Soporte" },
      status: "pending",
      unreadMessages: 2,
    });
    expect(await ours(first.ticketId)).toEqual([MENU, "Soporte: contanos tu problema."]);
    expect(await eventsOf(t, "ticket_updated")).toEqual([
      expect.objectContaining({ ticketId: first.ticketId, queueId: soporte.id, status: "pending" }),
    ]);
    // The menu is over: another number is just a message.
    await say("1");
    expect((await ticket(first.ticketId)).queueId).toBe(soporte.id);
    expect(rec.sent).toHaveLength(2);
  });

  test(`an invalid answer repeats the menu at most ${MENU_MAX_REPEATS} times, then the ticket waits for an agent`, async () => {
    const { t, rec, say, ticket } = await menuSetup();
    await using _ = t;
    const first = await say("Hola");
    for (const answer of ["quiero comprar", "7", "0", "??", "1"]) await say(answer);
    // The first menu, three repeats, then silence; the late "1" no longer routes.
    expect(rec.sent.map((s) => s.body)).toEqual(Array(1 + MENU_MAX_REPEATS).fill(MENU));
    expect(await ticket(first.ticketId)).toMatchObject({ queueId: null, status: "pending" });
  });

  test("once an agent replied, the menu is over", async () => {
    const { t, rec, say, ticket } = await menuSetup();
    await using _ = t;
    const first = await say("Hola");
    const reply = await t.post(`/api/v1/tickets/${first.ticketId}/messages`, { body: "Hola Juan, soy Ana" });
    expect(reply.status).toBe(201);
    await say("1");
    expect((await ticket(first.ticketId)).queueId).toBeNull();
    expect(rec.sent.map((s) => s.body)).toEqual([MENU, "Hola Juan, soy Ana"]);
  });

  test("a connection with one queue puts every new ticket in it, greeting then the queue's greeting", async () => {
    const { t, rec, conn, say, ticket, queue } = await setup();
    await using _ = t;
    const soporte = await queue("Soporte", { greetingMessage: "Soporte: contanos." });
    await t.put(`/api/v1/connections/${conn.id}`, { greetingMessage: "Hola", queueIds: [soporte.id] });
    const first = await say("Buenas");
    expect((await ticket(first.ticketId)).queueId).toBe(soporte.id);
    expect(rec.sent.map((s) => s.body)).toEqual(["Hola", "Soporte: contanos."]);
  });

  test("queueIds: order kept, replaced on update, unknown id 404 and duplicates 400 without changes", async () => {
    const { t, conn, queue } = await setup();
    await using _ = t;
    const a = await queue("A");
    const b = await queue("B");
    expect((await t.put(`/api/v1/connections/${conn.id}`, { queueIds: [b.id, a.id] })).body.queueIds).toEqual(
      [b.id, a.id],
    );
    const unknown = await t.put(`/api/v1/connections/${conn.id}`, { queueIds: [a.id, 999] });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: "ERR_QUEUE_NOT_FOUND", message: "Queue #999 not found" });
    const twice = await t.put(`/api/v1/connections/${conn.id}`, { queueIds: [a.id, a.id] });
    expect(twice.status).toBe(400);
    expect(twice.body.error).toBe("ERR_VALIDATION");
    expect((await t.get(`/api/v1/connections/${conn.id}`)).body.queueIds).toEqual([b.id, a.id]);
    const created = await t.post("/api/v1/connections", {
      name: "Otra",
      driver: "sandbox",
      number: "595981111111",
      queueIds: [a.id],
    });
    expect(created.status).toBe(201);
    expect(created.body.queueIds).toEqual([a.id]);
    const bad = await t.post("/api/v1/connections", { name: "Mala", driver: "sandbox", queueIds: [999] });
    expect(bad.status).toBe(404);
    expect((await t.get("/api/v1/connections")).body.map((c: any) => c.name)).not.toContain("Mala");
    // Deleting a queue takes it off the menu.
    await t.del(`/api/v1/queues/${b.id}`);
    expect((await t.get(`/api/v1/connections/${conn.id}`)).body.queueIds).toEqual([a.id]);
  });
});

describe("out-of-hours message", () => {
  // Bogotá is UTC-5 all year. Monday–Friday 09:00–18:00 there.
  const schedule = Object.fromEntries(
    ["mon", "tue", "wed", "thu", "fri"].map((d) => [d, [{ start: "09:00", end: "18:00" }]]),
  );
  const AWAY = "Estamos fuera de horario; te respondemos desde las 9:00.";

  test("sent once per ticket per closed window, in the queue's time zone", async () => {
    // Saturday 2026-12-05 10:00 in Bogotá.
    const s = await setup({}, Date.parse("2026-12-05T15:00:00Z"));
    const { t, rec, conn, clock, say, queue } = s;
    await using _ = t;
    const soporte = await queue("Soporte", { schedule, timeZone: "America/Bogota", outOfHoursMessage: AWAY });
    await t.put(`/api/v1/connections/${conn.id}`, { queueIds: [soporte.id] });
    const first = await say("¿Abren hoy?");
    expect(rec.sent.map((s) => s.body)).toEqual([AWAY]);
    await say("¿Hola?");
    expect(rec.sent).toHaveLength(1);
    // Monday 08:00 in Bogotá (13:00 UTC, which would be open in UTC): still the same closed window.
    clock.now = Date.parse("2026-12-07T13:00:00Z");
    await say("¿Ya abrieron?");
    expect(rec.sent).toHaveLength(1);
    // Monday 10:00: open, nothing is sent.
    clock.now = Date.parse("2026-12-07T15:00:00Z");
    await say("Buen día");
    expect(rec.sent).toHaveLength(1);
    // Monday 20:00: a new closed window, the message again.
    clock.now = Date.parse("2026-12-08T01:00:00Z");
    const last = await say("Sigo esperando");
    expect(last.ticketId).toBe(first.ticketId);
    expect(rec.sent.map((s) => s.body)).toEqual([AWAY, AWAY]);
    expect((await eventsOf(t, "message_sent")).map((m) => m.body)).toEqual([AWAY, AWAY]);
  });

  test("bad schedules and time zones are 400 ERR_VALIDATION with details; nothing is stored", async () => {
    const { t, queue } = await setup();
    await using _ = t;
    const q = await queue("Soporte");
    const cases = [
      { schedule: { mon: [{ start: "18:00", end: "09:00" }] } },
      { schedule: { mon: [{ start: "9:00", end: "18:00" }] } },
      { schedule: { monday: [{ start: "09:00", end: "18:00" }] } },
      { schedule: { mon: [{ start: "09:00", end: "25:00" }] } },
      { timeZone: "Mars/Olympus" },
    ];
    for (const body of cases) {
      const r = await t.put(`/api/v1/queues/${q.id}`, body);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: "ERR_VALIDATION", details: [expect.anything()] });
    }
    expect((await t.get(`/api/v1/queues/${q.id}`)).body).toMatchObject({ schedule: null, timeZone: null });
    const ok = await t.put(`/api/v1/queues/${q.id}`, {
      schedule: { sun: [{ start: "00:00", end: "24:00" }] },
      timeZone: "America/Asuncion",
      outOfHoursMessage: "Cerrado",
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      schedule: { sun: [{ start: "00:00", end: "24:00" }] },
      timeZone: "America/Asuncion",
      outOfHoursMessage: "Cerrado",
    });
  });

  test("scheduleState names a closed window by its next opening, across days and time zones", () => {
    const weekdays = { mon: [{ start: "09:00", end: "18:00" }], fri: [{ start: "09:00", end: "18:00" }] };
    // Friday 2026-12-04 17:59 in Bogotá: open; 18:00: closed until Monday 09:00.
    expect(scheduleState(weekdays, "America/Bogota", Date.parse("2026-12-04T22:59:00Z"))).toEqual({
      open: true,
    });
    expect(scheduleState(weekdays, "America/Bogota", Date.parse("2026-12-04T23:00:00Z"))).toEqual({
      open: false,
      window: "2026-12-07T09:00",
    });
    // Monday 07:00 in Bogotá: before today's opening.
    expect(scheduleState(weekdays, "America/Bogota", Date.parse("2026-12-07T12:00:00Z"))).toEqual({
      open: false,
      window: "2026-12-07T09:00",
    });
    // The same instant in Tokyo is Monday 21:00: closed until Friday.
    expect(scheduleState(weekdays, "Asia/Tokyo", Date.parse("2026-12-07T12:00:00Z"))).toEqual({
      open: false,
      window: "2026-12-11T09:00",
    });
    expect(scheduleState({}, "UTC", Date.parse("2026-12-07T12:00:00Z"))).toEqual({
      open: false,
      window: "never",
    });
  });
});

describe("farewell and rating on close", () => {
  const FAREWELL = "Gracias por escribirnos.";
  const RATE = "¿Cómo te atendimos? Respondé de 1 a 5.";

  test("closing sends the farewell and the rating request; a 1–5 answer rates the closed ticket", async () => {
    const { t, rec, say, ours, ticket, messages } = await setup({
      farewellMessage: FAREWELL,
      ratingMessage: RATE,
    });
    await using _ = t;
    const first = await say("Hola");
    expect((await t.put(`/api/v1/tickets/${first.ticketId}`, { status: "closed" })).status).toBe(200);
    await waitFor(() => rec.sent.length === 2);
    await t.services.automation.idle();
    expect(rec.sent.map((s) => s.body)).toEqual([FAREWELL, RATE]);
    expect(await ours(first.ticketId)).toEqual([FAREWELL, RATE]);
    expect((await ticket(first.ticketId)).status).toBe("closed");

    const answer = await say(" 5 ");
    expect(answer.ticketId).toBe(first.ticketId);
    expect(await ticket(first.ticketId)).toMatchObject({
      status: "closed",
      rating: 5,
      ratedAt: expect.any(String),
      unreadMessages: 0,
    });
    expect((await messages(first.ticketId)).at(-1)).toMatchObject({ body: " 5 ", fromMe: false });
    expect((await eventsOf(t, "ticket_updated")).at(-1)).toEqual(
      expect.objectContaining({ ticketId: first.ticketId, status: "closed", rating: 5 }),
    );
    expect((await t.get("/api/v1/tickets")).body.count).toBe(1);

    // Anything after that opens a new conversation as before, even another number.
    const again = await say("4");
    expect(again.ticketId).not.toBe(first.ticketId);
    expect((await ticket(first.ticketId)).rating).toBe(5);
    expect((await ticket(again.ticketId)).status).toBe("pending");
  });

  test("another message after the close, or an answer after the window, opens a new ticket", async () => {
    const { t, clock, say, ticket } = await setup({ ratingMessage: RATE });
    await using _ = t;
    const first = await say("Hola");
    await t.put(`/api/v1/tickets/${first.ticketId}`, { status: "closed" });
    await waitFor(async () => (await t.get(`/api/v1/tickets/${first.ticketId}/messages`)).body.count === 2);
    await t.services.automation.idle();
    const other = await say("Me olvidé de algo");
    expect(other.ticketId).not.toBe(first.ticketId);
    // The open ticket takes the number.
    expect((await say("3")).ticketId).toBe(other.ticketId);
    expect((await ticket(first.ticketId)).rating).toBeNull();

    await t.put(`/api/v1/tickets/${other.ticketId}`, { status: "closed" });
    await waitFor(async () => (await t.get(`/api/v1/tickets/${other.ticketId}/messages`)).body.count === 3);
    await t.services.automation.idle();
    clock.now += RATING_WINDOW_MS + 1;
    const late = await say("5");
    expect(late.ticketId).not.toBe(other.ticketId);
    expect((await ticket(other.ticketId)).rating).toBeNull();
  });

  test("a send with closeTicket sends the agent's text, then the farewell", async () => {
    const { t, rec, conn, ours } = await setup({ farewellMessage: FAREWELL });
    await using _ = t;
    const sent = await t.post("/api/v1/send", {
      number: CUSTOMER,
      body: "Tu pedido salió hoy.",
      whatsappId: conn.id,
      closeTicket: true,
    });
    expect(sent.status).toBe(201);
    await waitFor(() => rec.sent.length === 2);
    await t.services.automation.idle();
    expect(await ours(sent.body.ticketId)).toEqual(["Tu pedido salió hoy.", FAREWELL]);
    expect((await t.get(`/api/v1/tickets/${sent.body.ticketId}`)).body.status).toBe("closed");
  });

  test("no farewell and no rating request when the connection has none, nor for a group", async () => {
    const { t, rec, conn, say } = await setup({ groups: "tickets" });
    await using _ = t;
    const first = await say("Hola");
    await t.put(`/api/v1/tickets/${first.ticketId}`, { status: "closed" });
    // The automation hears of the close from the event sink (on PostgreSQL once the sink has read the feed) and
    // then reads the connection's messages (real I/O there): the close is heard and handled before the connection
    // gets them.
    await listenersCaughtUp(t);
    await t.services.automation.idle();
    await t.put(`/api/v1/connections/${conn.id}`, { farewellMessage: FAREWELL, ratingMessage: RATE });
    const group = await say("hola grupo", { groupId: "120363025246125888", groupName: "Clientes" });
    await t.put(`/api/v1/tickets/${group.ticketId}`, { status: "closed" });
    await listenersCaughtUp(t);
    await t.services.automation.idle();
    expect(rec.sent).toEqual([]);
  });
});

describe("configuration changed between messages", () => {
  // The message path keeps a connection and its queues between messages (SQLite: while migration 0023's triggers
  // show no change); every change must reach the next message.
  test("a greeting, a menu, a menu's queues removed and an out-of-hours reply each reach the next message", async () => {
    const s = await setup({}, Date.parse("2026-12-05T15:00:00Z")); // a Saturday
    const { t, rec, conn, queue } = s;
    await using _ = t;
    const from = (number: string, body: string) =>
      t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number, body }).then(async (r) => {
        expect(r.status).toBe(201);
        await t.services.automation.idle();
        return r.body as { ticketId: number };
      });
    await from("595991000001", "Hola");
    expect(rec.sent).toEqual([]);
    await t.put(`/api/v1/connections/${conn.id}`, { greetingMessage: "Bienvenido." });
    await from("595991000002", "Hola");
    expect(rec.sent.map((m) => m.body)).toEqual(["Bienvenido."]);
    const ventas = await queue("Ventas");
    const soporte = await queue("Soporte");
    await t.put(`/api/v1/connections/${conn.id}`, {
      greetingMessage: null,
      queueIds: [ventas.id, soporte.id],
    });
    const menuTicket = await from("595991000003", "Hola");
    expect(rec.sent.map((m) => m.body)).toEqual(["Bienvenido.", "1 - Ventas\n2 - Soporte"]);
    // The queues renamed: the menu shows the new names.
    await t.put(`/api/v1/queues/${ventas.id}`, { name: "Compras" });
    await from("595991000004", "Hola");
    expect(rec.sent.at(-1)?.body).toBe("1 - Compras\n2 - Soporte");
    // No queue offered any more while a menu is open: the answer ends it, routes nothing, repeats nothing.
    await t.put(`/api/v1/connections/${conn.id}`, { queueIds: [] });
    await from("595991000003", "1");
    expect(rec.sent).toHaveLength(3);
    expect((await s.ticket(menuTicket.ticketId)).queueId).toBeNull();
    await from("595991000003", "xyz");
    expect(rec.sent).toHaveLength(3);
    // An out-of-hours reply on a queue the connection does not offer still answers a ticket put in that queue.
    const schedule = { mon: [{ start: "09:00", end: "18:00" }] };
    const away = await queue("Guardia", { schedule, timeZone: "UTC", outOfHoursMessage: "Cerrado." });
    expect((await t.put(`/api/v1/tickets/${menuTicket.ticketId}`, { queueId: away.id })).status).toBe(200);
    await from("595991000003", "¿Hola?");
    expect(rec.sent.at(-1)?.body).toBe("Cerrado.");
  });
});
