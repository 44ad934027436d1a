import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVENT_DOCS } from "../../src/http/event-docs";
import type { GatewayFactory, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { SAMPLES } from "../media/samples";
import { eventsOf } from "../support/events";
import { createTestApp, type TestApp, waitFor } from "../support/test-app";

/** What WhatsApp was asked to send, in order, recorded by a sandbox driver wrapped for the test. */
type Sent = { to: string; body: string; messageId: string | undefined };

function recordingSandbox(
  opts: { acks?: boolean; hold?: Promise<void>; failing?: (body: string) => boolean } = {},
) {
  const sent: Sent[] = [];
  const presence: { to: string; state: string }[] = [];
  const media: {
    to: string;
    caption: string | undefined;
    mediaType: string;
    messageId: string | undefined;
  }[] = [];
  const factory: GatewayFactory = (conn, events) => {
    // acks: false plays a WhatsApp whose server ack never reached us.
    const gw = createSandboxGateway(conn, opts.acks === false ? { ...events, ack: () => {} } : events);
    const wrapped: WhatsAppGateway = {
      ...gw,
      async sendText(to, body, quoted, o) {
        sent.push({ to, body, messageId: o?.messageId });
        if (opts.failing?.(body)) throw new Error("socket closed");
        const result = await gw.sendText(to, body, quoted, o);
        await opts.hold;
        return result;
      },
      async sendMedia(to, m, quoted, o) {
        media.push({ to, caption: m.caption, mediaType: m.mediaType, messageId: o?.messageId });
        return gw.sendMedia(to, m, quoted, o);
      },
      async sendPresence(to, state) {
        presence.push({ to, state });
        return gw.sendPresence(to, state);
      },
    };
    return wrapped;
  };
  return { sent, presence, media, factory };
}

const A = "595991000001";
const B = "595991000002";

/** A sandbox connection with pacing off (the pacing itself is measured against the fake WhatsApp server). */
async function unpacedSandbox(t: TestApp, pacing: Record<string, unknown> = {}) {
  const conn = await t.sandbox();
  const put = await t.put(`/api/v1/connections/${conn.id}`, {
    pacingMinIntervalMs: 0,
    pacingJitterMs: 0,
    pacingTyping: false,
    pacingDailyCap: 0,
    ...pacing,
  });
  expect(put.status).toBe(200);
  return conn;
}

const disconnect = async (t: TestApp, id: number) => {
  expect((await t.post(`/api/v1/connections/${id}/logout`)).status).toBe(200);
  await waitFor(async () => (await t.get(`/api/v1/connections/${id}`)).body.status === "DISCONNECTED");
};
const reconnect = async (t: TestApp, id: number) => {
  expect((await t.post(`/api/v1/connections/${id}/restart`)).status).toBe(200);
};

const statusOf = async (t: TestApp, id: string) => {
  const m = await t.services.messages.getAsync(id);
  return { status: m.status, error: m.error };
};

describe("queued sends", () => {
  test("sends queued while DISCONNECTED go out after the reconnect, in order per chat, once each, under the stored ids", async () => {
    const rec = recordingSandbox();
    await using t = createTestApp({}, { factories: { sandbox: rec.factory } });
    const conn = await unpacedSandbox(t);
    await disconnect(t, conn.id);
    t.sendQueue.start();

    // The synchronous default is unchanged: 409 while not connected.
    const sync = await t.post("/api/v1/send", { number: A, body: "ahora" });
    expect(sync.status).toBe(409);
    expect(sync.body.error).toBe("ERR_WAPP_NOT_CONNECTED");

    const queued: { id: string; to: string; body: string }[] = [];
    for (const [i, number] of [A, B, A, B, A].entries()) {
      const body = `mensaje ${i} para ${number}`;
      const r = await t.post("/api/v1/send", { number, body, queue: true });
      expect(r.status).toBe(202);
      expect(r.body).toMatchObject({ message: "Message(s) queued" });
      expect(r.body.data[0]).toMatchObject({ body, status: "queued", error: null, ack: 0 });
      expect(r.body.data[0].messageId).toMatch(/^3EB0[0-9A-F]{18}$/);
      queued.push({ id: r.body.data[0].messageId, to: number, body });
    }
    // The header does the same on the ticket endpoint, and says it applied.
    const ticketId = (await t.services.messages.getAsync(queued[0]!.id)).ticketId;
    const viaHeader = await t.request(`/api/v1/tickets/${ticketId}/messages`, {
      method: "POST",
      headers: { prefer: "respond-async", "content-type": "application/json" },
      body: JSON.stringify({ body: "por cabecera" }),
    });
    expect(viaHeader.status).toBe(202);
    expect(viaHeader.headers.get("preference-applied")).toBe("respond-async");
    const headerBody = (await viaHeader.json()) as any;
    expect(headerBody.data.status).toBe("queued");
    queued.push({ id: headerBody.data.messageId, to: A, body: "por cabecera" });

    const listed = await t.get("/api/v1/messages?status=queued");
    expect(listed.status).toBe(200);
    expect(listed.body.messages.map((m: any) => m.id)).toEqual(queued.map((q) => q.id));
    expect(listed.body.count).toBe(6);
    const page = await t.get(`/api/v1/messages?status=queued&whatsappId=${conn.id}&limit=2&page=2`);
    expect(page.body).toMatchObject({ count: 6, hasMore: true, page: 2, limit: 2 });
    expect(page.body.messages.map((m: any) => m.id)).toEqual(queued.slice(2, 4).map((q) => q.id));
    expect(rec.sent).toEqual([]);
    expect(await eventsOf(t, "message_sent")).toEqual([]);

    await reconnect(t, conn.id);
    await waitFor(async () => rec.sent.length >= 6 && (await eventsOf(t, "message_sent")).length >= 6, {
      message: "all six sent",
    });
    await t.sendQueue.idle();
    expect(rec.sent).toEqual(queued.map((q) => ({ to: q.to, body: q.body, messageId: q.id })));
    for (const q of queued) expect(await statusOf(t, q.id)).toEqual({ status: "sent", error: null });
    // message_sent means "it went out", once per message, with the same payload as a synchronous send.
    expect((await eventsOf(t, "message_sent")).map((e) => e.messageId)).toEqual(queued.map((q) => q.id));
    expect(EVENT_DOCS.message_sent.data.safeParse((await eventsOf(t, "message_sent"))[0]).success).toBe(true);
    expect((await t.get("/api/v1/messages?status=queued")).body.count).toBe(0);
    // Sent now: the ticket shows it and the message can be deleted for everyone like any other.
    const msgs = await t.get(`/api/v1/tickets/${ticketId}/messages`);
    expect(msgs.body.messages[0]).toMatchObject({ body: "por cabecera", status: "sent", fromMe: true });
    expect(msgs.body.messages[0].deletableUntil).not.toBeNull();
    // Synchronous sends and inbound messages are `sent` too.
    const now = await t.post("/api/v1/send", { number: A, body: "sincrónico" });
    expect(now.status).toBe(201);
    expect(now.body.data[0]).toMatchObject({ status: "sent", sendAt: null, expiresAt: null });
  });

  test("a queued send on a connected connection goes out at once, also as a form field, with files and as a reply", async () => {
    const rec = recordingSandbox();
    await using t = createTestApp({}, { factories: { sandbox: rec.factory } });
    await unpacedSandbox(t);
    t.sendQueue.start();
    const form = await t.request("/api/send", {
      method: "POST",
      body: new URLSearchParams({ number: A, body: "por formulario", queue: "true" }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(202);
    const id = ((await form.json()) as any).data[0].messageId as string;
    await waitFor(async () => (await statusOf(t, id)).status === "sent");
    const reply = await t.post(`/api/v1/messages/${id}/reply`, { body: "respuesta en cola", queue: true });
    expect(reply.status).toBe(202);
    expect(reply.body.data[0]).toMatchObject({ status: "queued", quotedMsgId: id });
    await waitFor(async () => (await statusOf(t, reply.body.data[0].messageId)).status === "sent");
    expect(rec.sent.map((s) => s.body)).toEqual(["por formulario", "respuesta en cola"]);
    // Files are stored when queued and sent from storage, caption on the first.
    const files = new FormData();
    files.append("medias", new File([SAMPLES.jpeg], "foto.jpg", { type: "image/jpeg" }));
    files.append("body", "la foto");
    files.append("queue", "true");
    const ticketId = (await t.services.messages.getAsync(id)).ticketId;
    const media = await t.request(`/api/v1/tickets/${ticketId}/messages/media`, {
      method: "POST",
      body: files,
    });
    expect(media.status).toBe(202);
    const queuedMedia = ((await media.json()) as any).data[0];
    expect(queuedMedia).toMatchObject({
      status: "queued",
      hasMedia: true,
      mediaType: "image",
      body: "la foto",
    });
    await waitFor(async () => (await statusOf(t, queuedMedia.messageId)).status === "sent");
    expect(rec.media).toEqual([
      expect.objectContaining({
        to: A,
        caption: "la foto",
        mediaType: "image",
        messageId: queuedMedia.messageId,
      }),
    ]);
  });

  test("a scheduled send waits for its sendAt (injected clock), then goes out", async () => {
    let now = Date.parse("2030-01-01T12:00:00Z");
    const rec = recordingSandbox();
    await using t = createTestApp(
      { SEND_QUEUE_POLL_MS: "20" },
      { factories: { sandbox: rec.factory }, clock: () => now },
    );
    await unpacedSandbox(t);
    t.sendQueue.start();
    const later = await t.post("/api/v1/send", {
      number: A,
      body: "programado",
      sendAt: "2030-01-01T09:30:00-03:00",
    });
    expect(later.status).toBe(202);
    expect(later.body.data[0]).toMatchObject({
      status: "queued",
      sendAt: "2030-01-01T12:30:00.000Z",
      expiresAt: "2030-01-02T12:30:00.000Z",
    });
    // An immediate message to the same chat, queued after it, is due first and goes out.
    const soon = await t.post("/api/v1/send", { number: A, body: "inmediato", queue: true });
    await waitFor(async () => (await statusOf(t, soon.body.data[0].messageId)).status === "sent");
    await t.sendQueue.idle();
    expect(await statusOf(t, later.body.data[0].messageId)).toEqual({ status: "queued", error: null });
    expect((await t.get("/api/v1/messages?status=queued")).body.messages[0].body).toBe("programado");

    now = Date.parse("2030-01-01T12:30:00Z");
    await waitFor(async () => (await statusOf(t, later.body.data[0].messageId)).status === "sent");
    expect(rec.sent.map((s) => s.body)).toEqual(["inmediato", "programado"]);
  });

  test("a message that could not go out before its expiresAt fails with ERR_MESSAGE_EXPIRED and message_failed", async () => {
    let now = Date.parse("2030-01-01T12:00:00Z");
    const rec = recordingSandbox();
    await using t = createTestApp(
      { SEND_QUEUE_POLL_MS: "20" },
      { factories: { sandbox: rec.factory }, clock: () => now },
    );
    const conn = await unpacedSandbox(t);
    await disconnect(t, conn.id);
    t.sendQueue.start();
    const r = await t.post("/api/v1/send", {
      number: A,
      body: "caduca",
      queue: true,
      expiresAt: "2030-01-01T13:00:00Z",
    });
    expect(r.status).toBe(202);
    const id = r.body.data[0].messageId;
    const keep = await t.post("/api/v1/send", { number: B, body: "no caduca", queue: true });
    now = Date.parse("2030-01-01T13:00:00Z");
    await waitFor(async () => (await statusOf(t, id)).status === "failed");
    expect(await statusOf(t, id)).toEqual({
      status: "failed",
      error: { code: "ERR_MESSAGE_EXPIRED", reason: "The message could not be sent before its expiresAt" },
    });
    const failed = await eventsOf(t, "message_failed");
    expect(failed).toEqual([
      {
        messageId: id,
        ticketId: r.body.data[0].ticketId,
        body: "caduca",
        mediaType: "chat",
        code: "ERR_MESSAGE_EXPIRED",
        reason: "The message could not be sent before its expiresAt",
        attempts: 0,
        contact: expect.objectContaining({ number: A }),
      },
    ]);
    expect(EVENT_DOCS.message_failed.data.safeParse(failed[0]).success).toBe(true);
    await reconnect(t, conn.id);
    await waitFor(async () => (await statusOf(t, keep.body.data[0].messageId)).status === "sent");
    expect(rec.sent.map((s) => s.body)).toEqual(["no caduca"]);
  });

  test("DELETE cancels a queued message (message_failed, never sent); a failed one is 409", async () => {
    const rec = recordingSandbox();
    await using t = createTestApp({}, { factories: { sandbox: rec.factory } });
    const conn = await unpacedSandbox(t);
    await disconnect(t, conn.id);
    t.sendQueue.start();
    const first = await t.post("/api/v1/send", { number: A, body: "cancelado", queue: true });
    const second = await t.post("/api/v1/send", { number: A, body: "enviado", queue: true });
    const id = first.body.data[0].messageId;
    // Not on WhatsApp yet: nothing to edit or react to.
    expect((await t.put(`/api/v1/messages/${id}`, { body: "otro" })).body.error).toBe("ERR_MESSAGE_NOT_SENT");
    const cancelled = await t.del(`/api/v1/messages/${id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      message: "Queued message cancelled",
      data: { id, status: "failed", error: { code: "ERR_MESSAGE_CANCELLED" } },
    });
    const again = await t.del(`/api/v1/messages/${id}`);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe("ERR_MESSAGE_NOT_SENT");
    expect((await eventsOf(t, "message_failed")).map((e) => [e.messageId, e.code])).toEqual([
      [id, "ERR_MESSAGE_CANCELLED"],
    ]);
    await reconnect(t, conn.id);
    await waitFor(async () => (await statusOf(t, second.body.data[0].messageId)).status === "sent");
    expect(rec.sent.map((s) => s.body)).toEqual(["enviado"]);
    // A sent message is still deleted for everyone.
    const revoked = await t.del(`/api/v1/messages/${second.body.data[0].messageId}`);
    expect(revoked.body).toMatchObject({ message: "Message deleted", data: { isDeleted: true } });
  });

  test("bad queue input is a 400 with the error body and stores nothing", async () => {
    await using t = createTestApp();
    await unpacedSandbox(t);
    const cases = [
      { number: A, body: "x", sendAt: "mañana" },
      { number: A, body: "x", queue: true, expiresAt: "2000-01-01T00:00:00Z" },
      { number: A, body: "x", sendAt: "2030-01-02T00:00:00Z", expiresAt: "2030-01-01T00:00:00Z" },
      { number: A, body: "x", expiresAt: "2030-01-01T00:00:00Z" },
      { number: A, queue: true },
    ];
    for (const body of cases) {
      const r = await t.post("/api/v1/send", body);
      expect([JSON.stringify(body), r.status, r.body.error]).toEqual([
        JSON.stringify(body),
        400,
        "ERR_VALIDATION",
      ]);
    }
    expect((await t.get("/api/v1/messages?status=queued")).body.count).toBe(0);
    expect((await t.get("/api/v1/messages?status=failed")).status).toBe(400);
  });

  test("the daily cap holds further messages in the queue", async () => {
    let now = Date.parse("2030-01-01T12:00:00Z");
    const rec = recordingSandbox();
    await using t = createTestApp(
      { SEND_QUEUE_POLL_MS: "20" },
      { factories: { sandbox: rec.factory }, clock: () => now },
    );
    const conn = await unpacedSandbox(t, { pacingDailyCap: 2 });
    await disconnect(t, conn.id);
    t.sendQueue.start();
    const ids: string[] = [];
    for (const body of ["uno", "dos", "tres"]) {
      const r = await t.post("/api/v1/send", {
        number: A,
        body,
        queue: true,
        expiresAt: "2030-01-05T00:00:00Z",
      });
      ids.push(r.body.data[0].messageId);
    }
    await reconnect(t, conn.id);
    await waitFor(async () => (await statusOf(t, ids[1]!)).status === "sent");
    await t.sendQueue.idle();
    expect((await statusOf(t, ids[2]!)).status).toBe("queued");
    expect(rec.sent.map((s) => s.body)).toEqual(["uno", "dos"]);
    // 24 h after the first two went out, the third may go.
    now += 24 * 3_600_000;
    await waitFor(async () => (await statusOf(t, ids[2]!)).status === "sent");
    expect(rec.sent.map((s) => s.body)).toEqual(["uno", "dos", "tres"]);
  });

  test("a send that fails is tried again under the same id, then failed after 5 attempts; the queue goes on", async () => {
    let failures = 2;
    const rec = recordingSandbox({
      failing: (body) => body === "siempre falla" || (body === "falla dos veces" && failures-- > 0),
    });
    await using t = createTestApp(
      { SEND_QUEUE_RETRY_MS: "10", SEND_QUEUE_POLL_MS: "10" },
      { factories: { sandbox: rec.factory } },
    );
    await unpacedSandbox(t);
    t.sendQueue.start();
    const ids: string[] = [];
    for (const body of ["falla dos veces", "siempre falla", "después"])
      ids.push((await t.post("/api/v1/send", { number: A, body, queue: true })).body.data[0].messageId);
    await waitFor(async () => (await statusOf(t, ids[2]!)).status === "sent");
    expect(await statusOf(t, ids[0]!)).toEqual({
      status: "sent",
      error: null,
    });
    expect(await statusOf(t, ids[1]!)).toEqual({
      status: "failed",
      error: { code: "ERR_SENDING_WAPP_MSG", reason: "WhatsApp did not accept the message: socket closed" },
    });
    expect(rec.sent.map((s) => [s.body, s.messageId])).toEqual([
      ...Array(3).fill(["falla dos veces", ids[0]]),
      ...Array(5).fill(["siempre falla", ids[1]]),
      ["después", ids[2]],
    ]);
    expect((await eventsOf(t, "message_failed")).map((e) => [e.messageId, e.attempts])).toEqual([
      [ids[1], 5],
    ]);
  });

  test("an Idempotency-Key on a queued send replays its 202 and queues nothing more", async () => {
    await using t = createTestApp();
    const conn = await unpacedSandbox(t);
    await disconnect(t, conn.id);
    const send = () =>
      t.request("/api/v1/send", {
        method: "POST",
        headers: { "idempotency-key": "cola-1", "content-type": "application/json" },
        body: JSON.stringify({ number: A, body: "una vez", queue: true }),
      });
    const first = await send();
    const again = await send();
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    expect((await t.get("/api/v1/messages?status=queued")).body.count).toBe(1);
  });

  test("typing presence before a paced message", async () => {
    const rec = recordingSandbox();
    await using t = createTestApp({}, { factories: { sandbox: rec.factory } });
    await unpacedSandbox(t, { pacingTyping: true });
    t.sendQueue.start();
    const r = await t.post("/api/v1/send", { number: A, body: "hola", queue: true });
    await waitFor(async () => (await statusOf(t, r.body.data[0].messageId)).status === "sent");
    expect(rec.presence).toEqual([{ to: A, state: "composing" }]);
  });
});

describe("exactly once toward WhatsApp across a crash", () => {
  /**
   * A first server claims the message and hands it to WhatsApp, then "dies" (it is abandoned mid-send); a
   * second server on the same database file takes over.
   */
  async function crashMidSend(acks: boolean) {
    const dir = mkdtempSync(join(tmpdir(), "chasqui-queue-crash-"));
    const databasePath = join(dir, "chasqui.sqlite");
    let release = () => {};
    const hold = new Promise<void>((r) => {
      release = r;
    });
    const first = recordingSandbox({ acks, hold });
    const t1 = createTestApp({}, { factories: { sandbox: first.factory }, databasePath });
    const conn = await unpacedSandbox(t1);
    t1.sendQueue.start();
    const r = await t1.post("/api/v1/send", { number: A, body: "una sola vez", queue: true });
    const id = r.body.data[0].messageId as string;
    await waitFor(() => first.sent.length === 1);
    if (acks)
      await waitFor(async () => (await t1.services.messages.getAsync(id)).ack >= 1, {
        message: "server ack stored",
      });
    expect((await t1.services.messages.getAsync(id)).status).toBe("sending");
    if (t1.postgres) {
      // On PostgreSQL the first server is a node that died: its pool is gone, and in database time its lease on the
      // connection and its claim on the message have run out (no sleeping for CLUSTER_LEASE_TTL_MS).
      const sql = t1.postgres.sql;
      await sql`update connection_leases set expires_at = now() - interval '1 second'`;
      await sql`update messages set updated_at = now() - interval '1 hour' where id = ${id}`;
      await sql.close();
    }

    const second = recordingSandbox();
    const t2 = createTestApp({}, { factories: { sandbox: second.factory }, databasePath });
    await t2.startSessions();
    t2.sendQueue.start();
    await waitFor(async () => (await t2.services.messages.getAsync(id)).status === "sent");
    await t2.sendQueue.idle();
    const result = {
      firstSent: first.sent,
      secondSent: second.sent,
      sentEvents: (await eventsOf(t2, "message_sent")).map((e) => e.messageId),
      conn: conn.id,
    };
    release();
    // PostgreSQL: the dead node's pool is closed, so its own shutdown cannot store anything either.
    await t1[Symbol.asyncDispose]().catch((err) => {
      if (!t1.postgres) throw err;
    });
    await t2[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
    return { id, ...result };
  }

  test("a claimed message whose server ack was stored is not sent again", async () => {
    const r = await crashMidSend(true);
    expect(r.firstSent).toEqual([{ to: A, body: "una sola vez", messageId: r.id }]);
    expect(r.secondSent).toEqual([]);
    expect(r.sentEvents).toEqual([r.id]);
  });

  test("a claimed message without a server ack is sent again under the same WhatsApp id", async () => {
    const r = await crashMidSend(false);
    expect(r.firstSent).toEqual([{ to: A, body: "una sola vez", messageId: r.id }]);
    expect(r.secondSent).toEqual([{ to: A, body: "una sola vez", messageId: r.id }]);
    expect(r.sentEvents).toEqual([r.id]);
  });
});
