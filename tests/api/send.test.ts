import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

const CONTACT = "595991234567";

describe("POST /api/v1/send", () => {
  test("creates contact and open ticket, sends, and answers 201 as documented", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const q = await t.post("/api/v1/queues", { name: "Soporte", color: "#4CAF50" });
    const r = await t.post("/api/v1/send", {
      number: CONTACT,
      body: "Hola, te contactamos desde el sistema",
      whatsappId: conn.id,
      queueId: q.body.id,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      message: "Message(s) sent successfully",
      data: [
        { body: "Hola, te contactamos desde el sistema", fromMe: true, hasMedia: false, mediaUrl: null },
      ],
    });
    expect(r.body.data[0].ticketId).toBe(r.body.ticketId);
    const ticket = await t.get(`/api/v1/tickets/${r.body.ticketId}`);
    expect(ticket.body).toMatchObject({
      status: "open",
      queueId: q.body.id,
      contactId: r.body.contactId,
      whatsappId: conn.id,
    });
  });

  test("reuses the open ticket and uses the default connection", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const a = await t.post("/api/v1/send", { number: CONTACT, body: "1" });
    const b = await t.post("/api/v1/send", { number: CONTACT, body: "2" });
    expect(b.body.ticketId).toBe(a.body.ticketId);
    expect((await t.get(`/api/v1/tickets/${a.body.ticketId}/messages`)).body.count).toBe(2);
  });

  test("a send to the open ticket that assigns a queue still assigns it (no shortcut past the write)", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const q = await t.post("/api/v1/queues", { name: "Ventas", color: "#2196F3" });
    const a = await t.post("/api/v1/send", { number: CONTACT, body: "1" });
    expect((await t.get(`/api/v1/tickets/${a.body.ticketId}`)).body.queueId).toBeNull();
    const b = await t.post("/api/v1/send", { number: CONTACT, body: "2", queueId: q.body.id });
    expect(b.status).toBe(201);
    expect(b.body.ticketId).toBe(a.body.ticketId);
    expect((await t.get(`/api/v1/tickets/${a.body.ticketId}`)).body.queueId).toBe(q.body.id);
  });

  test('closeTicket closes the ticket after sending; the string "false" does not', async () => {
    await using t = createTestApp();
    await t.sandbox();
    const kept = new FormData();
    kept.set("number", CONTACT);
    kept.set("body", "hola");
    kept.set("closeTicket", "false");
    const r1: any = await (await t.request("/api/v1/send", { method: "POST", body: kept })).json();
    expect((await t.get(`/api/v1/tickets/${r1.ticketId}`)).body.status).toBe("open");
    const r2 = await t.post("/api/v1/send", { number: CONTACT, body: "adiós", closeTicket: true });
    expect((await t.get(`/api/v1/tickets/${r2.body.ticketId}`)).body.status).toBe("closed");
  });

  test("sends text plus a file in one call (multipart), media first with the caption", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const fd = new FormData();
    fd.set("number", CONTACT);
    fd.set("body", "Aquí está el contrato");
    fd.set("medias", new File(["%PDF-1.4 test"], "contract.pdf", { type: "application/pdf" }));
    const res = await t.request("/api/v1/send", { method: "POST", body: fd });
    expect(res.status).toBe(201);
    const body: any = await res.json();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      body: "Aquí está el contrato",
      hasMedia: true,
      mediaType: "document",
      filename: "contract.pdf",
    });
  });

  test("errors: no content, bad number, not on WhatsApp, unknown connection, no default", async () => {
    await using t = createTestApp();
    expect((await t.post("/api/v1/send", { number: CONTACT, body: "x" })).body.error).toBe(
      "ERR_NO_DEF_WAPP_FOUND",
    );
    await t.sandbox();
    expect((await t.post("/api/v1/send", { number: CONTACT })).body.error).toBe("ERR_VALIDATION");
    expect((await t.post("/api/v1/send", { body: "x" })).body.error).toBe("ERR_VALIDATION");
    expect((await t.post("/api/v1/send", { number: "abc", body: "x" })).body.error).toBe(
      "ERR_INVALID_NUMBER",
    );
    expect((await t.post("/api/v1/send", { number: "595990000000", body: "x" })).body.error).toBe(
      "ERR_WAPP_INVALID_CONTACT",
    );
    expect((await t.post("/api/v1/send", { number: CONTACT, body: "x", whatsappId: 77 })).body.error).toBe(
      "ERR_CONNECTION_NOT_FOUND",
    );
    expect(
      (await t.post("/api/v1/send", { number: CONTACT, body: "x", quotedMsgId: "NOPE" })).body.error,
    ).toBe("ERR_MESSAGE_NOT_FOUND");
    // Nothing was stored by the failed calls.
    expect((await t.get("/api/v1/tickets")).body.count).toBe(0);
  });
});

describe("POST /api/send (original API)", () => {
  test("sends JSON text with 200 and the v1 response body", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const r = await t.post("/api/send", { number: CONTACT, body: "Hola, este es un mensaje de prueba" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      message: "Message(s) sent successfully",
      data: [{ body: "Hola, este es un mensaje de prueba", fromMe: true }],
    });
  });

  test("sends multipart media like the curl example", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const fd = new FormData();
    fd.set("number", CONTACT);
    fd.set("body", "Mira esta imagen");
    fd.set("medias", new File(["GIF89a\x01\x00\x01\x00\x00\x00\x00;"], "image.jpg"));
    const res = await t.request("/api/send", { method: "POST", body: fd });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.data[0]).toMatchObject({ body: "Mira esta imagen", hasMedia: true, mediaType: "image" });
  });

  test("accepts quotedMsg as an object or a JSON string", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "pregunta",
    });
    const a = await t.post("/api/send", {
      number: CONTACT,
      body: "r1",
      quotedMsg: { id: inbound.body.messageId },
    });
    expect(a.body.data[0].quotedMsgId).toBe(inbound.body.messageId);
    const fd = new FormData();
    fd.set("number", CONTACT);
    fd.set("body", "r2");
    fd.set("quotedMsg", JSON.stringify({ id: inbound.body.messageId }));
    const b: any = await (await t.request("/api/send", { method: "POST", body: fd })).json();
    expect(b.data[0].quotedMsgId).toBe(inbound.body.messageId);
  });

  test("accepts `curl -d` JSON sent without a Content-Type header", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const res = await t.request("/api/send", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: JSON.stringify({ number: CONTACT, body: "hola" }),
    });
    expect(res.status).toBe(200);
  });
});

describe("GET /api/queue/list", () => {
  test("lists queues by name with id, name and color", async () => {
    await using t = createTestApp();
    await t.post("/api/v1/queues", { name: "Ventas", color: "#2196F3" });
    await t.post("/api/v1/queues", { name: "Soporte", color: "#4CAF50" });
    const r = await t.get("/api/queue/list", await t.apiToken());
    expect(r).toMatchObject({
      status: 200,
      body: [
        { name: "Soporte", color: "#4CAF50" },
        { name: "Ventas", color: "#2196F3" },
      ],
    });
    expect(Object.keys(r.body[0]).sort()).toEqual(["color", "id", "name"]);
  });
});
