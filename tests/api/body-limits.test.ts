import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createTestApp, type TestApp } from "../support/test-app";

const KB = 1024;
const MB = 1024 * KB;
const CONTACT = "595991234567";

async function openTicket(t: TestApp) {
  const conn = await t.sandbox();
  const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: CONTACT,
    body: "Hola",
  });
  return { conn, ticketId: inbound.body.ticketId as number, inboundId: inbound.body.messageId as string };
}

/** A request body produced on demand, `chunkBytes` at a time, counting what the server pulled. */
function countedStream(parts: Uint8Array[], fillBytes: number, tail: Uint8Array, chunkBytes = 64 * KB) {
  const state = { pulled: 0 };
  const queue = [...parts];
  let left = fillBytes;
  let tailSent = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(ctl) {
        let next: Uint8Array | undefined = queue.shift();
        if (!next && left > 0) {
          next = new Uint8Array(Math.min(chunkBytes, left)).fill(0x61);
          left -= next.byteLength;
        }
        if (!next && !tailSent) {
          tailSent = true;
          next = tail;
        }
        if (!next) return ctl.close();
        state.pulled += next.byteLength;
        ctl.enqueue(next);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

const enc = (s: string) => new TextEncoder().encode(s);
const jsonError = async (res: Response) => ({ status: res.status, body: await res.json() });

describe("JSON and urlencoded bodies are capped at MAX_JSON_BODY_KB (default 1 MB)", () => {
  test("a JSON body over 1 MB is 413 ERR_PAYLOAD_TOO_LARGE, with Content-Length or streamed", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const big = enc(JSON.stringify({ number: CONTACT, body: "a".repeat(MB) }));
    const declared = await t.request("/api/v1/send", {
      method: "POST",
      body: big,
      headers: { "content-type": "application/json" },
    });
    expect(await jsonError(declared)).toEqual({
      status: 413,
      body: { error: "ERR_PAYLOAD_TOO_LARGE", message: expect.stringContaining("1024 KB") },
    });
    const { stream, state } = countedStream([enc(`{"number":"${CONTACT}","body":"`)], 8 * MB, enc('"}'));
    const streamed = await t.request("/api/v1/send", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect((await jsonError(streamed)).body.error).toBe("ERR_PAYLOAD_TOO_LARGE");
    expect(state.pulled).toBeLessThan(2 * MB);
  });

  test("an urlencoded body over the limit is 413; MAX_JSON_BODY_KB raises or lowers it", async () => {
    await using t = createTestApp({ MAX_JSON_BODY_KB: "8" });
    await t.sandbox();
    const form = (body: string) =>
      t.request("/api/v1/send", {
        method: "POST",
        body: new URLSearchParams({ number: CONTACT, body }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    expect((await form("a".repeat(9 * KB))).status).toBe(413);
    expect((await form("a".repeat(4 * KB))).status).toBe(201);
    const json = await t.post("/api/v1/send", { number: CONTACT, body: "a".repeat(9 * KB) });
    expect(json.status).toBe(413);
  });

  test("a body with an unsupported Content-Type is refused with 415, and is not read past the cap", async () => {
    await using t = createTestApp();
    const { stream, state } = countedStream([], 4 * MB, new Uint8Array());
    const res = await t.request("/api/v1/send", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/xml" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(state.pulled).toBeLessThan(2 * MB);
    const small = await t.request("/api/v1/send", {
      method: "POST",
      body: "<send/>",
      headers: { "content-type": "application/xml" },
    });
    expect((await jsonError(small)).body.error).toBe("ERR_UNSUPPORTED_MEDIA_TYPE");
  });

  test("text fields of a multipart body share the same cap", async () => {
    await using t = createTestApp({ MAX_JSON_BODY_KB: "8" });
    const { ticketId } = await openTicket(t);
    const fd = new FormData();
    fd.set("body", "a".repeat(9 * KB));
    fd.append("medias", new File([new Uint8Array(10)], "small.bin"));
    const res = await t.request(`/api/v1/tickets/${ticketId}/messages/media`, { method: "POST", body: fd });
    expect((await jsonError(res)).body.error).toBe("ERR_PAYLOAD_TOO_LARGE");
  });
});

describe("message text is capped at WhatsApp's 65,536 characters", () => {
  const tooLong = "a".repeat(65_537);

  test("every route that takes a body or caption refuses a longer one with 400 ERR_VALIDATION", async () => {
    await using t = createTestApp();
    const { conn, ticketId, inboundId } = await openTicket(t);
    const attempts: [string, Promise<{ status: number; body: any }>][] = [
      ["ticket text", t.post(`/api/v1/tickets/${ticketId}/messages`, { body: tooLong })],
      [
        "ticket media-url caption",
        t.post(`/api/v1/tickets/${ticketId}/messages/media-url`, {
          mediaUrl: "https://example.com/a.jpg",
          body: tooLong,
        }),
      ],
      ["reply", t.post(`/api/v1/messages/${inboundId}/reply`, { body: tooLong })],
      ["v1 send", t.post("/api/v1/send", { number: CONTACT, body: tooLong })],
      ["legacy send", t.post("/api/send", { number: CONTACT, body: tooLong })],
      [
        "sandbox inbound",
        t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: CONTACT, body: tooLong }),
      ],
      ["greeting", t.put(`/api/v1/connections/${conn.id}`, { greetingMessage: tooLong })],
      ["farewell", t.put(`/api/v1/connections/${conn.id}`, { farewellMessage: tooLong })],
    ];
    const fd = new FormData();
    fd.set("body", tooLong);
    fd.append("medias", new File([new Uint8Array(10)], "small.bin"));
    const media = Promise.resolve(
      t.request(`/api/v1/tickets/${ticketId}/messages/media`, { method: "POST", body: fd }),
    ).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    attempts.push(["ticket media caption", media]);
    const wrong: string[] = [];
    for (const [name, p] of attempts) {
      const r = await p;
      if (r.status !== 400 || r.body.error !== "ERR_VALIDATION")
        wrong.push(`${name}: ${r.status} ${r.body.error}`);
    }
    expect(wrong).toEqual([]);
    // Nothing was stored: the ticket's last message is still the customer's.
    expect((await t.get(`/api/v1/tickets/${ticketId}`)).body.lastMessage).toBe("Hola");
  });

  test("a text of exactly 65,536 characters is sent", async () => {
    await using t = createTestApp();
    const { ticketId } = await openTicket(t);
    const res = await t.post(`/api/v1/tickets/${ticketId}/messages`, { body: "a".repeat(65_536) });
    expect(res.status).toBe(201);
  });
});

describe("multipart bodies are streamed", () => {
  const boundary = "----chasquiTestBoundary";
  const head = (name: string, filename?: string) =>
    enc(
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ""}\r\n` +
        `${filename ? "Content-Type: application/octet-stream\r\n" : ""}\r\n`,
    );

  test("a file over MAX_UPLOAD_MB is refused with 413 as soon as it crosses the limit", async () => {
    await using t = createTestApp({ MAX_UPLOAD_MB: "1" });
    const { ticketId } = await openTicket(t);
    // 4 MB: under the 5 MB request cap, so only the streaming file check can stop it early.
    const { stream, state } = countedStream(
      [head("body"), enc("caption\r\n"), head("medias", "big.bin")],
      4 * MB,
      enc(`\r\n--${boundary}--\r\n`),
    );
    const res = await t.request(`/api/v1/tickets/${ticketId}/messages/media`, {
      method: "POST",
      body: stream,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      duplex: "half",
    } as RequestInit);
    expect(await jsonError(res)).toEqual({
      status: 413,
      body: { error: "ERR_PAYLOAD_TOO_LARGE", message: expect.stringContaining("big.bin") },
    });
    expect(state.pulled).toBeLessThan(1 * MB + 512 * KB);
  });

  test("files within the limit arrive whole, in order, with their names, types and the other fields", async () => {
    await using t = createTestApp({ MAX_UPLOAD_MB: "2" });
    const { ticketId } = await openTicket(t);
    // Larger than what is kept in memory before spilling to disk, and a small one.
    const big = new Uint8Array(1.5 * MB).map((_, i) => i % 251);
    const fd = new FormData();
    fd.set("body", "dos archivos");
    fd.append("medias", new File([big], "datos.bin", { type: "application/octet-stream" }));
    fd.append("medias", new File(["hola"], "nota.txt", { type: "text/plain" }));
    const res = await t.request(`/api/v1/tickets/${ticketId}/messages/media`, { method: "POST", body: fd });
    const body: any = await res.json();
    expect(res.status).toBe(201);
    expect(body.data.map((m: any) => [m.filename, m.body])).toEqual([
      ["datos.bin", "dos archivos"],
      ["nota.txt", ""],
    ]);
    const stored = await (await t.app.request(new URL(body.data[0].mediaUrl).pathname)).bytes();
    expect(stored.byteLength).toBe(big.byteLength);
    expect(Buffer.compare(stored, big)).toBe(0);
    expect(await (await t.app.request(new URL(body.data[1].mediaUrl).pathname)).text()).toBe("hola");
    // The part that waited on disk is gone once the request is parsed.
    expect(readdirSync(join(t.dataDir, "tmp"))).toEqual([]);
  });

  test("a malformed multipart body is 400 ERR_VALIDATION", async () => {
    await using t = createTestApp();
    const { ticketId } = await openTicket(t);
    const res = await t.request(`/api/v1/tickets/${ticketId}/messages/media`, {
      method: "POST",
      body: "not a multipart body",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    });
    expect((await jsonError(res)).body.error).toBe("ERR_VALIDATION");
    const noBoundary = await t.request(`/api/v1/tickets/${ticketId}/messages/media`, {
      method: "POST",
      body: "x",
      headers: { "content-type": "multipart/form-data" },
    });
    expect((await jsonError(noBoundary)).body.error).toBe("ERR_VALIDATION");
  });
});
