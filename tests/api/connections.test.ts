import { describe, expect, test } from "bun:test";
import { eventTypeName } from "../../src/webhooks/event-codec";
import { createTestApp } from "../support/test-app";

describe("connections", () => {
  test("lists connections with the documented fields and gets one with its status", async () => {
    await using t = createTestApp();
    const a = await t.sandbox("WhatsApp Principal", "595981234567");
    await t.sandbox("WhatsApp Ventas", "595982345678");
    const list = await t.get("/api/v1/connections", await t.apiToken());
    expect(list.status).toBe(200);
    expect(list.body.map((c: any) => [c.name, c.isDefault, c.status])).toEqual([
      ["WhatsApp Principal", true, "CONNECTED"],
      ["WhatsApp Ventas", false, "CONNECTED"],
    ]);
    for (const key of ["id", "name", "number", "status", "isDefault", "createdAt", "updatedAt"])
      expect(list.body[0]).toHaveProperty(key);
    const one = await t.get(`/api/v1/connections/${a.id}`, await t.apiToken());
    expect(one.body).toMatchObject({
      id: a.id,
      number: "595981234567",
      isConnected: true,
      battery: null,
      plugged: null,
    });
    expect((await t.get("/api/v1/connections/99")).body).toEqual({
      error: "ERR_CONNECTION_NOT_FOUND",
      message: "Connection not found",
    });
  });

  test("keeps exactly one default: the first, then whichever is set", async () => {
    await using t = createTestApp();
    const a = await t.sandbox("A", "595981111111");
    const b = await t.sandbox("B", "595982222222");
    expect((await t.put(`/api/v1/connections/${b.id}`, { isDefault: true })).body.isDefault).toBe(true);
    expect((await t.get(`/api/v1/connections/${a.id}`)).body.isDefault).toBe(false);
    expect((await t.put(`/api/v1/connections/${b.id}`, { isDefault: false })).body.isDefault).toBe(true);
    expect((await t.del(`/api/v1/connections/${b.id}`)).status).toBe(200);
    expect((await t.get(`/api/v1/connections/${a.id}`)).body.isDefault).toBe(true);
  });

  test("a baileys connection starts OPENING and cannot take a number", async () => {
    await using t = createTestApp();
    const r = await t.post("/api/v1/connections", { name: "Real" });
    expect(r).toMatchObject({
      status: 201,
      body: { driver: "baileys", status: "OPENING", number: null, isConnected: false },
    });
    expect((await t.post("/api/v1/connections", { name: "Real2", number: "595981234567" })).body.error).toBe(
      "ERR_VALIDATION",
    );
  });

  test("rejects a duplicate name with 409 and bad bodies with 400", async () => {
    await using t = createTestApp();
    await t.sandbox("A");
    expect((await t.post("/api/v1/connections", { name: "A", driver: "sandbox" })).body.error).toBe(
      "ERR_CONFLICT",
    );
    expect((await t.post("/api/v1/connections", { name: "" })).body.error).toBe("ERR_VALIDATION");
    expect((await t.post("/api/v1/connections", { name: "X", driver: "telegram" })).body.error).toBe(
      "ERR_VALIDATION",
    );
  });

  test("updating a sandbox number restarts it with the new number", async () => {
    await using t = createTestApp();
    const a = await t.sandbox("A", "595981111111");
    const r = await t.put(`/api/v1/connections/${a.id}`, {
      number: "595983333333",
      greetingMessage: "Hola!",
    });
    expect(r.body).toMatchObject({ number: "595983333333", greetingMessage: "Hola!", status: "CONNECTED" });
  });

  test("deleting a connection removes its tickets", async () => {
    await using t = createTestApp();
    const a = await t.sandbox();
    await t.post(`/api/v1/connections/${a.id}/sandbox/inbound`, { number: "595991234567", body: "x" });
    expect((await t.del(`/api/v1/connections/${a.id}`)).status).toBe(200);
    expect((await t.get("/api/v1/tickets")).body.count).toBe(0);
    expect((await t.del(`/api/v1/connections/${a.id}`)).status).toBe(404);
  });

  test("configuration routes need the admin scope: 403 ERR_FORBIDDEN for api tokens", async () => {
    await using t = createTestApp();
    const token = await t.apiToken();
    const a = await t.sandbox();
    const calls: [string, string, unknown?][] = [
      ["POST", "/api/v1/connections", { name: "X", driver: "sandbox" }],
      ["PUT", `/api/v1/connections/${a.id}`, { name: "Y" }],
      ["DELETE", `/api/v1/connections/${a.id}`],
      ["GET", `/api/v1/connections/${a.id}/webhooks`],
      ["POST", `/api/v1/connections/${a.id}/webhooks`, { url: "https://example.com" }],
      ["POST", "/api/v1/queues", { name: "Q", color: "#000" }],
      ["DELETE", "/api/v1/users/1"],
      ["GET", "/api/v1/tokens"],
    ];
    for (const [method, path, body] of calls) {
      const r = await t.call(method, path, body, token);
      expect({ path, method, status: r.status, error: r.body.error }).toEqual({
        path,
        method,
        status: 403,
        error: "ERR_FORBIDDEN",
      });
    }
  });
});

describe("sandbox inbound", () => {
  test("runs the inbound pipeline: contact with push name, pending ticket, unread count", async () => {
    await using t = createTestApp();
    const a = await t.sandbox();
    const r1 = await t.post(`/api/v1/connections/${a.id}/sandbox/inbound`, {
      number: "595991234567",
      body: "hola",
      name: "Juan Pérez",
    });
    expect(r1.status).toBe(201);
    expect(r1.body.messageId).toMatch(/^3EB0/);
    const r2 = await t.post(`/api/v1/connections/${a.id}/sandbox/inbound`, {
      number: "595991234567",
      body: "¿hay alguien?",
      name: "Otro Nombre",
    });
    expect(r2.body.ticketId).toBe(r1.body.ticketId);
    const ticket = await t.get(`/api/v1/tickets/${r1.body.ticketId}`);
    expect(ticket.body).toMatchObject({
      status: "pending",
      unreadMessages: 2,
      lastMessage: "¿hay alguien?",
      contact: { name: "Juan Pérez" },
    });
  });

  test("a message from the phone itself is stored fromMe without unread", async () => {
    await using t = createTestApp();
    const a = await t.sandbox();
    const r = await t.post(`/api/v1/connections/${a.id}/sandbox/inbound`, {
      number: "595991234567",
      body: "sent from phone",
      fromMe: true,
    });
    const ticket = await t.get(`/api/v1/tickets/${r.body.ticketId}`);
    expect(ticket.body.unreadMessages).toBe(0);
    const msgs = await t.get(`/api/v1/tickets/${r.body.ticketId}/messages`);
    expect(msgs.body.messages[0]).toMatchObject({ fromMe: true, body: "sent from phone" });
  });

  test("the same WhatsApp id twice is stored once", async () => {
    await using t = createTestApp();
    const a = await t.sandbox();
    const msg = {
      id: "3EB0DUPLICATE",
      from: "595991234567",
      fromMe: false,
      pushName: "J",
      body: "x",
      mediaType: "chat" as const,
      media: null,
      quotedMsgId: null,
      timestampSec: 1,
    };
    const first = (await t.services.messages.receive(a.id, msg))!;
    const second = await t.services.messages.receive(a.id, msg);
    expect(second).toMatchObject({ duplicate: true, ticketId: first.ticketId });
    expect((await t.get(`/api/v1/tickets/${first.ticketId}`)).body.unreadMessages).toBe(1);
  });

  test("409 ERR_NOT_SANDBOX on other drivers; 400 without content", async () => {
    await using t = createTestApp();
    const s = await t.sandbox();
    const real = await t.post("/api/v1/connections", { name: "Real" });
    expect(
      (
        await t.post(`/api/v1/connections/${real.body.id}/sandbox/inbound`, {
          number: "595991234567",
          body: "x",
        })
      ).body.error,
    ).toBe("ERR_NOT_SANDBOX");
    expect(
      (await t.post(`/api/v1/connections/${s.id}/sandbox/inbound`, { number: "595991234567" })).body.error,
    ).toBe("ERR_VALIDATION");
  });
});

describe("webhook configuration", () => {
  test("creates with a generated secret shown once, lists without it, updates and deletes", async () => {
    await using t = createTestApp();
    const a = await t.sandbox();
    const created = await t.post(`/api/v1/connections/${a.id}/webhooks`, {
      url: "https://example.com/hook",
      enabled: true,
      events: ["message_received", "ticket_closed"],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: "https://example.com/hook",
      enabled: true,
      events: ["message_received", "ticket_closed"],
    });
    expect(created.body.secret).toMatch(/^whsec_/);
    const list = await t.get(`/api/v1/connections/${a.id}/webhooks`);
    expect(list.body).toHaveLength(1);
    expect(list.body[0].secret).toBeUndefined();
    const upd = await t.put(`/api/v1/connections/${a.id}/webhooks/${created.body.id}`, {
      enabled: false,
      events: [],
    });
    expect(upd.body).toMatchObject({ enabled: false, events: [] });
    expect((await t.del(`/api/v1/connections/${a.id}/webhooks/${created.body.id}`)).status).toBe(200);
    expect((await t.del(`/api/v1/connections/${a.id}/webhooks/${created.body.id}`)).body.error).toBe(
      "ERR_WEBHOOK_NOT_FOUND",
    );
  });

  test("accepts only the documented events and http(s) URLs", async () => {
    await using t = createTestApp();
    const a = await t.sandbox();
    expect(
      (
        await t.post(`/api/v1/connections/${a.id}/webhooks`, {
          url: "https://x.test",
          events: ["message_removed"],
        })
      ).status,
    ).toBe(400);
    expect((await t.post(`/api/v1/connections/${a.id}/webhooks`, { url: "ftp://x.test" })).status).toBe(400);
    expect((await t.post("/api/v1/connections/99/webhooks", { url: "https://x.test" })).status).toBe(404);
  });

  test("events reach the outbox only for enabled, subscribed webhooks", async () => {
    await using t = createTestApp();
    const a = await t.sandbox();
    await t.post(`/api/v1/connections/${a.id}/webhooks`, { url: "https://all.test" });
    await t.post(`/api/v1/connections/${a.id}/webhooks`, {
      url: "https://closed.test",
      events: ["ticket_closed"],
    });
    await t.post(`/api/v1/connections/${a.id}/webhooks`, { url: "https://off.test", enabled: false });
    await t.post(`/api/v1/connections/${a.id}/sandbox/inbound`, { number: "595991234567", body: "x" });
    const rows = await t.rows<{ url: string; code: number }>(
      "select w.url, e.type_code as code from webhook_deliveries d join webhooks w on w.id=d.webhook_id join events e on e.seq=d.event_id order by d.id",
    );
    expect(rows.map((r) => ({ url: r.url, type: eventTypeName(r.code) }))).toEqual([
      { url: "https://all.test", type: "contact_created" },
      { url: "https://all.test", type: "ticket_created" },
      { url: "https://all.test", type: "message_received" },
    ]);
  });
});
