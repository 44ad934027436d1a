import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

const CONTACT = "595991234567";

describe("GET /api/v1/tickets", () => {
  test("lists tickets newest first with contact and whatsapp, paginated", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    for (const n of ["595990000001", "595990000002", "595990000003"]) {
      expect(
        (
          await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
            number: n,
            body: `hi ${n}`,
            name: `N${n.slice(-1)}`,
          })
        ).status,
      ).toBe(201);
    }
    const page1 = await t.get("/api/v1/tickets?page=1&limit=2");
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ count: 3, hasMore: true, page: 1, limit: 2 });
    expect(page1.body.tickets.map((x: any) => x.contact.number)).toEqual(["595990000003", "595990000002"]);
    expect(page1.body.tickets[0]).toMatchObject({
      status: "pending",
      lastMessage: "hi 595990000003",
      unreadMessages: 1,
      contact: { name: "N3", number: "595990000003", profilePicUrl: null },
      whatsapp: { id: conn.id, name: "Principal", number: "595981234567" },
    });
    const page2 = await t.get("/api/v1/tickets?page=2&limit=2");
    expect(page2.body).toMatchObject({ count: 3, hasMore: false, page: 2 });
    expect(page2.body.tickets).toHaveLength(1);
  });

  test("filters by status, whatsappId and queueId", async () => {
    await using t = createTestApp();
    const a = await t.sandbox("A", "595981111111");
    const b = await t.sandbox("B", "595982222222");
    const q = await t.post("/api/v1/queues", { name: "Soporte", color: "#4CAF50" });
    await t.post(`/api/v1/connections/${a.id}/sandbox/inbound`, { number: CONTACT, body: "a" });
    await t.post(`/api/v1/connections/${b.id}/sandbox/inbound`, { number: CONTACT, body: "b" });
    await t.post("/api/v1/tickets", { number: "595993333333", whatsappId: b.id, queueId: q.body.id });
    expect((await t.get(`/api/v1/tickets?whatsappId=${a.id}`)).body.count).toBe(1);
    expect((await t.get(`/api/v1/tickets?whatsappId=${b.id}`)).body.count).toBe(2);
    expect((await t.get("/api/v1/tickets?status=open")).body.count).toBe(1);
    expect((await t.get("/api/v1/tickets?status=pending")).body.count).toBe(2);
    expect((await t.get(`/api/v1/tickets?queueId=${q.body.id}`)).body.tickets[0].queue).toEqual({
      id: q.body.id,
      name: "Soporte",
      color: "#4CAF50",
    });
  });

  test("rejects a bad status or limit with 400 ERR_VALIDATION", async () => {
    await using t = createTestApp();
    for (const qs of ["status=archived", "limit=0", "limit=101", "page=0", "page=abc"]) {
      const r = await t.get(`/api/v1/tickets?${qs}`);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("ERR_VALIDATION");
      expect(typeof r.body.message).toBe("string");
    }
  });
});

describe("GET /api/v1/tickets/:ticketId", () => {
  test("returns the ticket", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const created = await t.post("/api/v1/tickets", { number: CONTACT });
    const r = await t.get(`/api/v1/tickets/${created.body.ticket.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: created.body.ticket.id,
      status: "open",
      contact: { number: CONTACT },
    });
  });

  test("returns 404 ERR_TICKET_NOT_FOUND when the ticket does not exist", async () => {
    await using t = createTestApp();
    const r = await t.get("/api/v1/tickets/999");
    expect(r).toMatchObject({
      status: 404,
      body: { error: "ERR_TICKET_NOT_FOUND", message: "Ticket not found" },
    });
  });

  test("returns 400 for a non-numeric id", async () => {
    await using t = createTestApp();
    expect((await t.get("/api/v1/tickets/abc")).status).toBe(400);
  });
});

describe("POST /api/v1/tickets", () => {
  test("creates an open ticket with 201, then reuses it with 200", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const q = await t.post("/api/v1/queues", { name: "Ventas", color: "#2196F3" });
    const first = await t.post("/api/v1/tickets", {
      number: "+595 (99) 123-4567",
      whatsappId: conn.id,
      queueId: q.body.id,
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      message: "Ticket created successfully",
      ticket: {
        status: "open",
        queueId: q.body.id,
        whatsappId: conn.id,
        contact: { name: CONTACT, number: CONTACT },
      },
    });
    const again = await t.post("/api/v1/tickets", { number: CONTACT });
    expect(again.status).toBe(200);
    expect(again.body.ticket.id).toBe(first.body.ticket.id);
  });

  test("attaches the tag given as tagsId", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const tag = await t.post("/api/v1/tags", { name: "VIP", color: "#FFC107" });
    const r = await t.post("/api/v1/tickets", { number: CONTACT, tagsId: tag.body.id });
    expect(r.body.ticket.tags).toEqual([{ id: tag.body.id, name: "VIP", color: "#FFC107" }]);
  });

  test("accepts form-encoded and multipart bodies with numeric strings", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const form = new URLSearchParams({ number: CONTACT, whatsappId: String(conn.id) });
    const r1 = await t.request("/api/v1/tickets", { method: "POST", body: form });
    expect(r1.status).toBe(201);
    const fd = new FormData();
    fd.set("number", "595997777777");
    fd.set("whatsappId", String(conn.id));
    const r2 = await t.request("/api/v1/tickets", { method: "POST", body: fd });
    expect(r2.status).toBe(201);
  });

  test("rejects numbers that are malformed or not on WhatsApp", async () => {
    await using t = createTestApp();
    await t.sandbox();
    expect((await t.post("/api/v1/tickets", { number: "12ab" })).body.error).toBe("ERR_INVALID_NUMBER");
    expect((await t.post("/api/v1/tickets", { number: "1234567" })).body.error).toBe("ERR_INVALID_NUMBER");
    expect((await t.post("/api/v1/tickets", {})).body.error).toBe("ERR_VALIDATION");
    const off = await t.post("/api/v1/tickets", { number: "595990000000" });
    expect(off).toMatchObject({ status: 400, body: { error: "ERR_WAPP_INVALID_CONTACT" } });
  });

  test("returns 404 for an unknown connection, queue, user or tag", async () => {
    await using t = createTestApp();
    await t.sandbox();
    expect((await t.post("/api/v1/tickets", { number: CONTACT, whatsappId: 99 })).body.error).toBe(
      "ERR_CONNECTION_NOT_FOUND",
    );
    expect((await t.post("/api/v1/tickets", { number: CONTACT, queueId: 99 })).body.error).toBe(
      "ERR_QUEUE_NOT_FOUND",
    );
    expect((await t.post("/api/v1/tickets", { number: CONTACT, userId: 99 })).body.error).toBe(
      "ERR_USER_NOT_FOUND",
    );
    expect((await t.post("/api/v1/tickets", { number: CONTACT, tagsId: 99 })).body.error).toBe(
      "ERR_TAG_NOT_FOUND",
    );
  });

  test("returns 400 ERR_NO_DEF_WAPP_FOUND when there is no connection at all", async () => {
    await using t = createTestApp();
    const r = await t.post("/api/v1/tickets", { number: CONTACT });
    expect(r).toMatchObject({ status: 400, body: { error: "ERR_NO_DEF_WAPP_FOUND" } });
  });
});

describe("PUT /api/v1/tickets/:ticketId", () => {
  test("changes status, user and queue and marks the ticket read", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const user = await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com" });
    const q = await t.post("/api/v1/queues", { name: "Soporte", color: "#4CAF50" });
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "hola",
    });
    const r = await t.put(`/api/v1/tickets/${inbound.body.ticketId}`, {
      status: "open",
      userId: user.body.id,
      queueId: q.body.id,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      message: "Ticket updated successfully",
      ticket: {
        status: "open",
        userId: user.body.id,
        queueId: q.body.id,
        unreadMessages: 0,
        user: { name: "Ana" },
      },
    });
  });

  test("assigning a user alone keeps the status", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const user = await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com" });
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "hola",
    });
    const r = await t.put(`/api/v1/tickets/${inbound.body.ticketId}`, { userId: user.body.id });
    expect(r.body.ticket.status).toBe("pending");
  });

  test("refuses to reopen a closed ticket while another is active: 409 ERR_OPEN_TICKET_EXISTS", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const first = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "1",
    });
    await t.put(`/api/v1/tickets/${first.body.ticketId}`, { status: "closed" });
    const second = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "2",
    });
    expect(second.body.ticketId).not.toBe(first.body.ticketId);
    const r = await t.put(`/api/v1/tickets/${first.body.ticketId}`, { status: "open" });
    expect(r).toMatchObject({ status: 409, body: { error: "ERR_OPEN_TICKET_EXISTS" } });
    await t.put(`/api/v1/tickets/${second.body.ticketId}`, { status: "closed" });
    expect((await t.put(`/api/v1/tickets/${first.body.ticketId}`, { status: "open" })).status).toBe(200);
  });

  test("rejects an unknown status and an unknown ticket", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "x",
    });
    expect((await t.put(`/api/v1/tickets/${inbound.body.ticketId}`, { status: "archived" })).body.error).toBe(
      "ERR_VALIDATION",
    );
    expect((await t.put("/api/v1/tickets/999", { status: "open" })).body.error).toBe("ERR_TICKET_NOT_FOUND");
  });
});
