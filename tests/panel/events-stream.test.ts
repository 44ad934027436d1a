import { describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, createTestApp, type TestApp, waitFor } from "../support/test-app";
import { sseReader } from "./sse";

const open = async (t: TestApp, query = "", headers: Record<string, string> = {}) => {
  const res = await t.request(`/api/v1/events/stream${query}`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  return sseReader(res);
};

const inbound = (t: TestApp, connectionId: number, number: string, body: string) =>
  t.post(`/api/v1/connections/${connectionId}/sandbox/inbound`, { number, body, name: "Ana" });

describe("GET /api/v1/events/stream", () => {
  test("streams the stored events live, with the event id and the exact webhook envelope", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const stream = await open(t);
    const first = await stream.next();
    expect(first).toMatchObject({ retry: 3000, comment: "connected" });
    expect((await inbound(t, conn.id, "595991112233", "Hola")).status).toBe(201);

    const received = [await stream.nextEvent(), await stream.nextEvent(), await stream.nextEvent()];
    const stored = (await t.get("/api/v1/events?limit=500")).body.events.slice(-3);
    expect(received).toEqual(
      stored.map((e: any) => ({ id: e.id, event: e.event, data: JSON.stringify(e.payload) })),
    );
    expect(received.map((e) => e.event)).toEqual(["contact_created", "ticket_created", "message_received"]);
    expect(JSON.parse(received[2]!.data)).toMatchObject({
      event: "message_received",
      connectionId: conn.id,
      data: { body: "Hola" },
    });
    await stream.cancel();
  });

  test("filters by connection and by a comma-separated list of events", async () => {
    await using t = createTestApp();
    const a = await t.sandbox("A", "595981111111");
    const b = await t.sandbox("B", "595982222222");
    const stream = await open(t, `?connectionId=${b.id}&event=message_received,ticket_closed`);
    await inbound(t, a.id, "595991112233", "para A");
    await inbound(t, b.id, "595991112233", "para B");
    const e = await stream.nextEvent();
    expect(e.event).toBe("message_received");
    expect(JSON.parse(e.data)).toMatchObject({ connectionId: b.id, data: { body: "para B" } });
    await stream.cancel();
  });

  test("resumes after Last-Event-ID from the events table, in order, then goes on live", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    await inbound(t, conn.id, "595991112233", "uno");
    await inbound(t, conn.id, "595991112233", "dos");
    const all = (await t.get("/api/v1/events?limit=500")).body.events as { id: string; event: string }[];
    const from = all.findIndex((e) => e.event === "message_received");

    const stream = await open(t, "", { "last-event-id": all[from]!.id });
    const replayed: string[] = [];
    for (let i = from + 1; i < all.length; i++) replayed.push((await stream.nextEvent()).id!);
    expect(replayed).toEqual(all.slice(from + 1).map((e) => e.id));

    await inbound(t, conn.id, "595991112233", "tres");
    const live = await stream.nextEvent();
    expect(JSON.parse(live.data).data.body).toBe("tres");
    await stream.cancel();

    // The query parameter does the same for a first connection, where EventSource cannot set the header.
    const viaQuery = await open(t, `?lastEventId=${all[from]!.id}`);
    expect((await viaQuery.nextEvent()).id).toBe(all[from + 1]!.id);
    await viaQuery.cancel();
  });

  test("an unknown Last-Event-ID gives a reset event, then live events only", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const stream = await open(t, "", { "last-event-id": "evt_000000000000ffffffffff" });
    expect(await stream.nextEvent()).toMatchObject({ event: "reset" });
    await inbound(t, conn.id, "595991112233", "hola");
    expect((await stream.nextEvent()).event).toBe("contact_created");
    await stream.cancel();
  });

  test("accepts the token as ?access_token= on this route only", async () => {
    await using t = createTestApp();
    const token = await t.apiToken();
    const stream = await open(t, `?access_token=${token}`, {});
    await stream.cancel();
    const res = await t.request(`/api/v1/events/stream?access_token=${token}`, { token: null });
    expect(res.status).toBe(200);
    await res.body?.cancel();

    const other = await t.get(`/api/v1/connections?access_token=${ADMIN_TOKEN}`, null);
    expect(other.status).toBe(401);
  });

  test("refuses a missing or wrong token and unknown event names", async () => {
    await using t = createTestApp();
    const none = await t.get("/api/v1/events/stream", null);
    expect(none).toMatchObject({ status: 401, body: { error: "ERR_UNAUTHORIZED" } });
    const wrong = await t.get("/api/v1/events/stream?access_token=nope", null);
    expect(wrong).toMatchObject({ status: 401, body: { error: "ERR_UNAUTHORIZED" } });
    const bad = await t.get("/api/v1/events/stream?event=message_received,nope");
    expect(bad).toMatchObject({ status: 400, body: { error: "ERR_VALIDATION" } });
    expect(bad.body.message).toContain("nope");
  });

  test("the runtime's streams.closeAll ends every open stream, so a graceful stop does not wait on them", async () => {
    await using t = createTestApp();
    const a = await open(t);
    const b = await open(t, "?event=message_ack");
    await a.next();
    await b.next();
    expect(t.streams.size).toBe(2);
    t.streams.closeAll();
    await expect(a.next()).rejects.toThrow("the stream ended");
    await expect(b.next()).rejects.toThrow("the stream ended");
  });
  test("over a real socket: SSE headers, live events, and a client that hangs up frees its stream", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => t.app.fetch(req) });
    try {
      const ac = new AbortController();
      const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/events/stream?event=message_received`, {
        headers: { Authorization: `Bearer ${await t.apiToken()}` },
        signal: ac.signal,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/event-stream");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("x-accel-buffering")).toBe("no");
      const stream = sseReader(res);
      expect(await stream.next()).toMatchObject({ retry: 3000, comment: "connected" });
      expect(t.streams.size).toBe(1);
      await inbound(t, conn.id, "595991112233", "por el socket");
      expect(JSON.parse((await stream.nextEvent()).data).data.body).toBe("por el socket");
      ac.abort();
      await waitFor(() => t.streams.size === 0, { message: "the stream was released" });
    } finally {
      server.stop(true);
    }
  });
});
