import { describe, expect, test } from "bun:test";
import { createTestApp, type TestApp, waitFor } from "../support/test-app";

const CONTACT = "595991234567";
// The smallest valid PNG (1×1), so type detection has real magic bytes to read.
const PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
  (ch) => ch.charCodeAt(0),
);

async function openTicket(t: TestApp) {
  const conn = await t.sandbox();
  const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: CONTACT,
    body: "Hola, necesito ayuda",
    name: "Juan Pérez",
  });
  return { conn, ticketId: inbound.body.ticketId as number, inboundId: inbound.body.messageId as string };
}

describe("GET /api/v1/tickets/:ticketId/messages", () => {
  test("lists messages newest first with the documented fields", async () => {
    await using t = createTestApp();
    const { ticketId, inboundId } = await openTicket(t);
    await t.post(`/api/v1/tickets/${ticketId}/messages`, { body: "Gracias por contactarnos" });
    const r = await t.get(`/api/v1/tickets/${ticketId}/messages?page=1`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ticketId, count: 2, hasMore: false, page: 1 });
    expect(r.body.messages[0]).toMatchObject({
      body: "Gracias por contactarnos",
      fromMe: true,
      mediaUrl: null,
      mediaType: "chat",
      contact: null,
    });
    expect(r.body.messages[1]).toMatchObject({
      id: inboundId,
      body: "Hola, necesito ayuda",
      fromMe: false,
      mediaUrl: null,
      mediaType: "chat",
      contact: { name: "Juan Pérez", number: CONTACT },
    });
    expect(Date.parse(r.body.messages[1].createdAt)).toBeGreaterThan(0);
  });

  test("returns 404 for an unknown ticket", async () => {
    await using t = createTestApp();
    expect((await t.get("/api/v1/tickets/42/messages")).body.error).toBe("ERR_TICKET_NOT_FOUND");
  });
});

describe("POST /api/v1/tickets/:ticketId/messages", () => {
  test("sends text with 201 and the documented data, and resets unread", async () => {
    await using t = createTestApp();
    const { ticketId } = await openTicket(t);
    const r = await t.post(`/api/v1/tickets/${ticketId}/messages`, { body: "Gracias por contactarnos" });
    expect(r.status).toBe(201);
    expect(r.body.message).toBe("Message sent successfully");
    expect(r.body.data).toMatchObject({
      body: "Gracias por contactarnos",
      ticketId,
      fromMe: true,
      mediaUrl: null,
    });
    expect(r.body.data.messageId).toMatch(/^3EB0[0-9A-F]+$/);
    expect(Number.isInteger(r.body.data.timestamp)).toBe(true);
    const ticket = await t.get(`/api/v1/tickets/${ticketId}`);
    expect(ticket.body).toMatchObject({ unreadMessages: 0, lastMessage: "Gracias por contactarnos" });
  });

  test("the sandbox acks each send 1, 2 then 3, and acks never go down", async () => {
    await using t = createTestApp();
    const { ticketId } = await openTicket(t);
    const sent = await t.post(`/api/v1/tickets/${ticketId}/messages`, { body: "ack me" });
    const id = sent.body.data.messageId;
    const ackOf = async () =>
      (await t.get(`/api/v1/tickets/${ticketId}/messages`)).body.messages.find((m: any) => m.id === id).ack;
    await waitFor(async () => (await ackOf()) === 3, { message: "ack 3" });
    const { whatsappId } = (await t.get(`/api/v1/tickets/${ticketId}`)).body;
    await t.services.messages.applyAck(whatsappId, id, 2);
    expect(await ackOf()).toBe(3);
  });

  test("quotes a stored message and refuses an unknown one", async () => {
    await using t = createTestApp();
    const { ticketId, inboundId } = await openTicket(t);
    const r = await t.post(`/api/v1/tickets/${ticketId}/messages`, {
      body: "respuesta",
      quotedMsgId: inboundId,
    });
    expect(r.body.data.quotedMsgId).toBe(inboundId);
    const bad = await t.post(`/api/v1/tickets/${ticketId}/messages`, { body: "x", quotedMsgId: "NOPE" });
    expect(bad).toMatchObject({
      status: 404,
      body: { error: "ERR_MESSAGE_NOT_FOUND", message: "Quoted message not found" },
    });
  });

  test("requires a non-blank body", async () => {
    await using t = createTestApp();
    const { ticketId } = await openTicket(t);
    const r = await t.post(`/api/v1/tickets/${ticketId}/messages`, { body: "   " });
    expect(r).toMatchObject({ status: 400, body: { error: "ERR_VALIDATION" } });
  });

  test("returns 409 ERR_WAPP_NOT_CONNECTED when the connection is down", async () => {
    await using t = createTestApp();
    const { conn, ticketId } = await openTicket(t);
    await t.sessions.get(conn.id)!.logout();
    const r = await t.post(`/api/v1/tickets/${ticketId}/messages`, { body: "hola" });
    expect(r).toMatchObject({ status: 409, body: { error: "ERR_WAPP_NOT_CONNECTED" } });
    expect((await t.get(`/api/v1/connections/${conn.id}`)).body).toMatchObject({
      status: "DISCONNECTED",
      isConnected: false,
    });
  });
});

describe("POST /api/v1/tickets/:ticketId/messages/media", () => {
  test("sends each file, caption on the first, and serves the same bytes at mediaUrl", async () => {
    await using t = createTestApp();
    const { ticketId } = await openTicket(t);
    const fd = new FormData();
    fd.append("medias", new File([PNG], "image.jpg", { type: "image/png" }));
    fd.append("medias", new File(["%PDF-1.4\n%…"], "contrato.pdf", { type: "application/pdf" }));
    fd.set("body", "Aquí está la imagen que solicitaste");
    const res = await t.request(`/api/v1/tickets/${ticketId}/messages/media`, { method: "POST", body: fd });
    expect(res.status).toBe(201);
    const body: any = await res.json();
    expect(body.message).toBe("Media message(s) sent successfully");
    expect(body.data).toHaveLength(2);
    expect(body.data[0]).toMatchObject({
      body: "Aquí está la imagen que solicitaste",
      ticketId,
      fromMe: true,
      hasMedia: true,
      mediaType: "image",
      filename: "image.jpg",
    });
    expect(body.data[1]).toMatchObject({ body: "", mediaType: "document", filename: "contrato.pdf" });
    const url = new URL(body.data[0].mediaUrl);
    expect(url.origin).toBe("http://chasqui.test");
    const file = await t.request(url.pathname, { token: null });
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toStartWith("image/png");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PNG);
    const ticket = await t.get(`/api/v1/tickets/${ticketId}`);
    expect(ticket.body.lastMessage).toBe("[document]");
  });

  test("requires at least one file", async () => {
    await using t = createTestApp();
    const { ticketId } = await openTicket(t);
    const fd = new FormData();
    fd.set("body", "no file");
    const res = await t.request(`/api/v1/tickets/${ticketId}/messages/media`, { method: "POST", body: fd });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBe("ERR_VALIDATION");
  });

  test("refuses a file larger than MAX_UPLOAD_MB with 413", async () => {
    await using t = createTestApp({ MAX_UPLOAD_MB: "1" });
    const { ticketId } = await openTicket(t);
    const fd = new FormData();
    fd.append("medias", new File([new Uint8Array(1024 * 1024 + 1)], "big.bin"));
    const res = await t.request(`/api/v1/tickets/${ticketId}/messages/media`, { method: "POST", body: fd });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error).toBe("ERR_PAYLOAD_TOO_LARGE");
  });
});

describe("POST /api/v1/tickets/:ticketId/messages/media-url", () => {
  test("downloads the URL and sends it with sourceUrl and filename", async () => {
    using remote = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response(PNG, { headers: { "content-type": "image/png" } }),
    });
    await using t = createTestApp({ MEDIA_FETCH_ALLOW_PRIVATE: "true" });
    const { ticketId } = await openTicket(t);
    const mediaUrl = `http://127.0.0.1:${remote.port}/image.jpg`;
    const r = await t.post(`/api/v1/tickets/${ticketId}/messages/media-url`, {
      mediaUrl,
      body: "Esta imagen es de internet",
      filename: "imagen_descargada.jpg",
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      message: "Media message sent successfully",
      data: {
        body: "Esta imagen es de internet",
        hasMedia: true,
        mediaType: "image",
        sourceUrl: mediaUrl,
        filename: "imagen_descargada.jpg",
      },
    });
  });

  test("refuses private addresses by default with 400 ERR_INVALID_MEDIA_URL", async () => {
    await using t = createTestApp();
    const { ticketId } = await openTicket(t);
    for (const mediaUrl of [
      "http://127.0.0.1/x.jpg",
      "http://169.254.169.254/latest/meta-data",
      "file:///etc/passwd",
    ]) {
      const r = await t.post(`/api/v1/tickets/${ticketId}/messages/media-url`, { mediaUrl });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("ERR_INVALID_MEDIA_URL");
    }
    const count = (await t.get(`/api/v1/tickets/${ticketId}/messages`)).body.count;
    expect(count).toBe(1);
  });

  test("reports a failing remote with 502 ERR_MEDIA_FETCH_FAILED", async () => {
    using remote = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response("gone", { status: 404 }),
    });
    await using t = createTestApp({ MEDIA_FETCH_ALLOW_PRIVATE: "true" });
    const { ticketId } = await openTicket(t);
    const r = await t.post(`/api/v1/tickets/${ticketId}/messages/media-url`, {
      mediaUrl: `http://127.0.0.1:${remote.port}/x.jpg`,
    });
    expect(r.status).toBe(502);
    expect(r.body.error).toBe("ERR_MEDIA_FETCH_FAILED");
    expect(r.body.message).toContain("404");
  });
});

describe("POST /api/v1/messages/:messageId/reply", () => {
  test("replies with text quoting the message", async () => {
    await using t = createTestApp();
    const { ticketId, inboundId } = await openTicket(t);
    const r = await t.post(`/api/v1/messages/${inboundId}/reply`, {
      body: "Esta es mi respuesta a tu mensaje",
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      message: "Reply sent successfully",
      ticketId,
      data: [{ quotedMsgId: inboundId, body: "Esta es mi respuesta a tu mensaje" }],
    });
  });

  test("replies with a file", async () => {
    await using t = createTestApp();
    const { inboundId } = await openTicket(t);
    const fd = new FormData();
    fd.set("body", "Aquí está la imagen");
    fd.set("medias", new File([PNG], "image.png", { type: "image/png" }));
    const res = await t.request(`/api/v1/messages/${inboundId}/reply`, { method: "POST", body: fd });
    expect(res.status).toBe(201);
    expect(((await res.json()) as any).data[0]).toMatchObject({
      hasMedia: true,
      mediaType: "image",
      quotedMsgId: inboundId,
    });
  });

  test("returns 404 for an unknown message and 400 without content", async () => {
    await using t = createTestApp();
    const { inboundId } = await openTicket(t);
    expect((await t.post("/api/v1/messages/NOPE/reply", { body: "x" })).body).toMatchObject({
      error: "ERR_MESSAGE_NOT_FOUND",
      message: "Message not found",
    });
    expect((await t.post(`/api/v1/messages/${inboundId}/reply`, {})).body.error).toBe("ERR_VALIDATION");
  });
});

describe("request size limit", () => {
  test("a body over the limit is 413 with the error body, declared or streamed", async () => {
    await using t = createTestApp({ MAX_UPLOAD_MB: "1" });
    await t.sandbox();
    const big = new Uint8Array(6 * 1024 * 1024);
    const declared = await t.request("/api/v1/send", {
      method: "POST",
      body: big,
      headers: { "content-type": "application/json", "content-length": String(big.byteLength) },
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: "ERR_PAYLOAD_TOO_LARGE" });
    const streamed = await t.request("/api/v1/send", {
      method: "POST",
      body: new ReadableStream({
        start(ctl) {
          for (let i = 0; i < 6; i++) ctl.enqueue(new Uint8Array(1024 * 1024).fill(32));
          ctl.close();
        },
      }),
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ error: "ERR_PAYLOAD_TOO_LARGE" });
  });
});
