import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config";
import type { GatewayFactory, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { SAMPLES } from "../media/samples";
import { startS3Server } from "../support/s3-server";
import { createTestApp, type TestApp, waitFor } from "../support/test-app";

/** Media in a real S3-compatible server (s3rver on loopback), through the HTTP app. */

const CUSTOMER = "595991234567";
const DAY_MS = 24 * 60 * 60 * 1000;
/** The headers `/public/<file>` promises for stored media, whichever store holds it. */
const SERVED_HEADERS = [
  "content-type",
  "content-length",
  "content-disposition",
  "cache-control",
  "x-content-type-options",
  "content-security-policy",
];

// A unique body per call, so no test can pass on another test's object.
const pdf = (name: string) => new TextEncoder().encode(`%PDF-1.4 ${name} ${crypto.randomUUID()}\n%%EOF\n`);

/** Sends one file to the customer through POST /api/v1/send; returns the stored name and its URL. */
async function sendFile(t: TestApp, bytes: Uint8Array<ArrayBuffer>, name: string, type: string) {
  const fd = new FormData();
  fd.set("number", CUSTOMER);
  fd.set("body", `adjunto ${name}`);
  fd.append("medias", new File([bytes], name, { type }));
  const res = await t.request("/api/v1/send", { method: "POST", body: fd });
  const body = (await res.json()) as any;
  if (res.status !== 201) throw new Error(`send answered ${res.status}: ${JSON.stringify(body)}`);
  const sent = body.data[0] as { messageId: string; mediaUrl: string };
  return { ...sent, ticketId: body.ticketId as number, file: sent.mediaUrl.split("/public/")[1]! };
}

const headersOf = (res: Response) => Object.fromEntries(SERVED_HEADERS.map((h) => [h, res.headers.get(h)]));

describe("media in an S3 bucket (MEDIA_S3_BUCKET)", () => {
  test("a file sent through the API is stored as an object in the bucket, none in DATA_DIR/media", async () => {
    await using s3 = await startS3Server();
    await using t = createTestApp(s3.env());
    await t.sandbox();
    const bytes = pdf("contrato");
    const sent = await sendFile(t, bytes, "contrato.pdf", "application/pdf");
    expect(sent.mediaUrl).toBe(`http://chasqui.test/public/${sent.file}`);
    expect(await s3.keys()).toEqual([sent.file]);
    expect(new Uint8Array(await s3.client.file(sent.file).arrayBuffer())).toEqual(bytes);
    const mediaDir = join(t.dataDir, "media");
    expect(existsSync(mediaDir) ? readdirSync(mediaDir) : []).toEqual([]);
    expect(t.media.kind).toBe("s3");
  });

  test("MEDIA_S3_PREFIX puts the objects under that folder; the stored name and URL do not change", async () => {
    await using s3 = await startS3Server();
    await using t = createTestApp(s3.env({ MEDIA_S3_PREFIX: "/clientes/nodo-a/" }));
    await t.sandbox();
    const sent = await sendFile(t, SAMPLES.png, "foto.png", "image/png");
    expect(await s3.keys()).toEqual([`clientes/nodo-a/${sent.file}`]);
    const served = await t.request(`/public/${sent.file}`);
    expect(served.status).toBe(200);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(SAMPLES.png);
  });

  for (const [label, name, type, bytes] of [
    ["an inline PDF", "factura.pdf", "application/pdf", pdf("factura")],
    ["an image", "foto.png", "image/png", SAMPLES.png],
    [
      "a text file (served as an attachment)",
      "notas.txt",
      "text/plain",
      new TextEncoder().encode("<b>hola</b>"),
    ],
  ] as const) {
    test(`/public streams ${label} from the bucket with the same bytes and headers as the local folder`, async () => {
      await using s3 = await startS3Server();
      await using bucket = createTestApp(s3.env());
      await using local = createTestApp();
      await bucket.sandbox();
      await local.sandbox();
      const inBucket = await sendFile(bucket, bytes, name, type);
      const onDisk = await sendFile(local, bytes, name, type);
      const fromBucket = await bucket.request(`/public/${inBucket.file}`, { token: null });
      const fromDisk = await local.request(`/public/${onDisk.file}`, { token: null });
      expect(fromBucket.status).toBe(200);
      expect(fromDisk.status).toBe(200);
      expect(headersOf(fromBucket)).toEqual(headersOf(fromDisk));
      expect(new Uint8Array(await fromBucket.arrayBuffer())).toEqual(
        new Uint8Array(await fromDisk.arrayBuffer()),
      );
      expect(headersOf(fromDisk)["content-length"]).toBe(String(bytes.byteLength));
    });
  }

  test("MEDIA_S3_REDIRECT: /public answers 302 to a presigned URL serving the same bytes, type and disposition", async () => {
    await using s3 = await startS3Server();
    await using t = createTestApp(s3.env({ MEDIA_S3_REDIRECT: "true", MEDIA_S3_URL_EXPIRY_SECONDS: "120" }));
    await t.sandbox();
    for (const [name, type, bytes, disposition] of [
      ["foto.png", "image/png", SAMPLES.png, null],
      ["notas.txt", "text/plain", new TextEncoder().encode("texto"), "attachment"],
    ] as const) {
      const sent = await sendFile(t, bytes, name, type);
      const res = await t.request(`/public/${sent.file}`, { token: null });
      expect(res.status).toBe(302);
      expect(res.headers.get("cache-control")).toBe("private, max-age=60");
      const location = new URL(res.headers.get("location")!);
      expect(location.origin).toBe(s3.endpoint);
      expect(location.searchParams.get("X-Amz-Expires")).toBe("120");
      const direct = await fetch(location);
      expect(direct.status).toBe(200);
      expect(new Uint8Array(await direct.arrayBuffer())).toEqual(bytes);
      expect(direct.headers.get("content-type")).toBe(
        type === "text/plain" ? "text/plain;charset=utf-8" : type,
      );
      expect(direct.headers.get("content-disposition")).toBe(disposition);
    }
  });

  test("with MEDIA_S3_REDIRECT the panel's CSP admits images and audio from the bucket; streamed, only this origin", async () => {
    await using s3 = await startS3Server();
    await using redirected = createTestApp(s3.env({ MEDIA_S3_REDIRECT: "true" }));
    await using streamed = createTestApp(s3.env());
    const csp = async (t: TestApp) =>
      (await t.request("/", { token: null })).headers.get("content-security-policy")!;
    const withBucket = await csp(redirected);
    expect(withBucket).toContain(`img-src 'self' blob: data: ${s3.endpoint};`);
    expect(withBucket).toContain(`media-src 'self' blob: ${s3.endpoint};`);
    const own = await csp(streamed);
    expect(own).toContain("img-src 'self' blob: data:;");
    expect(own).not.toContain(s3.endpoint);
  });

  test("an unknown or unsafe name answers our 404 in both modes, never the bucket's", async () => {
    await using s3 = await startS3Server();
    for (const redirect of ["false", "true"]) {
      await using t = createTestApp(s3.env({ MEDIA_S3_REDIRECT: redirect }));
      for (const file of ["1700000000000-abc.png", "..%2Fetc", ".chasqui-check-1"]) {
        const res = await t.request(`/public/${file}`, { token: null });
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: "ERR_NOT_FOUND", message: "File not found" });
      }
    }
  });

  test("an inbound file (sandbox, fetched from a URL) lands in the bucket and is served from it", async () => {
    await using s3 = await startS3Server();
    using remote = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response(SAMPLES.jpeg, { headers: { "content-type": "image/jpeg" } }),
    });
    await using t = createTestApp(s3.env({ MEDIA_FETCH_ALLOW_PRIVATE: "true" }));
    const c = await t.sandbox();
    const r = await t.post(`/api/v1/connections/${c.id}/sandbox/inbound`, {
      number: CUSTOMER,
      body: "mi foto",
      mediaUrl: `http://127.0.0.1:${remote.port}/foto.jpg`,
    });
    expect(r.status).toBe(201);
    const msgs = (await t.get(`/api/v1/tickets/${r.body.ticketId}/messages`)).body.messages;
    const file = (msgs[0].mediaUrl as string).split("/public/")[1]!;
    expect(await s3.keys()).toEqual([file]);
    expect(new Uint8Array(await s3.client.file(file).arrayBuffer())).toEqual(SAMPLES.jpeg);
    const served = await t.request(`/public/${file}`, { token: null });
    expect(served.headers.get("content-type")).toBe("image/jpeg");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(SAMPLES.jpeg);
  });

  test("media retention deletes the object from the bucket; the message stays with mediaExpired", async () => {
    await using s3 = await startS3Server();
    let now = Date.now();
    await using t = createTestApp(s3.env({ MEDIA_RETENTION_DAYS: "30" }), { clock: () => now });
    await t.sandbox();
    const old = await sendFile(t, pdf("viejo"), "viejo.pdf", "application/pdf");
    now += 20 * DAY_MS;
    const recent = await sendFile(t, pdf("nuevo"), "nuevo.pdf", "application/pdf");
    expect(await s3.keys()).toEqual([old.file, recent.file].sort());
    now += 11 * DAY_MS;
    expect(await t.retention.expireMedia()).toEqual({ mediaExpired: 1, files: 1 });
    expect(await s3.keys()).toEqual([recent.file]);
    const msgs = (await t.get(`/api/v1/tickets/${old.ticketId}/messages`)).body.messages as any[];
    expect(msgs.find((m) => m.id === old.messageId)).toMatchObject({ mediaExpired: true, mediaUrl: null });
    expect((await t.request(`/public/${old.file}`, { token: null })).status).toBe(404);
  });

  test("erasing a contact (purge=true) deletes the objects of its messages", async () => {
    await using s3 = await startS3Server();
    await using t = createTestApp(s3.env());
    await t.sandbox();
    const sent = await sendFile(t, pdf("borrar"), "borrar.pdf", "application/pdf");
    expect(await s3.keys()).toEqual([sent.file]);
    const del = await t.del(`/api/v1/contacts/${CUSTOMER}?purge=true`);
    expect(del.status).toBe(200);
    expect(del.body.deleted).toEqual({ tickets: 1, messages: 1, mediaFiles: 1 });
    expect(await s3.keys()).toEqual([]);
  });

  test("a bucket that does not exist: sends with media answer 503, text still goes, readiness 503 until it exists", async () => {
    await using s3 = await startS3Server();
    await using t = createTestApp(s3.env({ MEDIA_S3_BUCKET: "not-yet" }));
    await t.sandbox();
    const check = await t.media.check();
    expect(check).toMatchObject({ store: "s3", status: "error", everWorked: false });
    expect(check.error).toContain("NoSuchBucket");

    const ready = await t.get("/health/ready", null);
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ database: "ok", migrations: "ok", media: "error" });
    expect(ready.body.media.store).toBe("s3");
    expect(ready.body.media.error).toContain("not-yet");

    const fd = new FormData();
    fd.set("number", CUSTOMER);
    fd.append("medias", new File([SAMPLES.png], "foto.png", { type: "image/png" }));
    const refused = await t.request("/api/v1/send", { method: "POST", body: fd });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as any).error).toBe("ERR_SERVICE_UNAVAILABLE");
    expect((await t.post("/api/v1/send", { number: CUSTOMER, body: "solo texto" })).status).toBe(201);

    await s3.createBucket("not-yet");
    expect((await t.media.check()).status).toBe("ok");
    expect((await t.get("/health/ready", null)).status).toBe(200);
    const sent = await sendFile(t, SAMPLES.png, "foto.png", "image/png");
    const inBucket = new Bun.S3Client({
      bucket: "not-yet",
      endpoint: s3.endpoint,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    expect(await inBucket.exists(sent.file)).toBe(true);
  });

  test("a bucket that never answers: after MEDIA_S3_TIMEOUT_SECONDS the media send answers 503 and readiness says why", async () => {
    // Accepts every connection and never writes a byte back, as a bucket behind a dead link would.
    const held: Bun.Socket[] = [];
    const silent = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { open: (socket) => void held.push(socket), data() {} },
    });
    try {
      await using t = createTestApp({
        MEDIA_S3_BUCKET: "media",
        MEDIA_S3_ENDPOINT: `http://127.0.0.1:${silent.port}`,
        MEDIA_S3_ACCESS_KEY_ID: "key",
        MEDIA_S3_SECRET_ACCESS_KEY: "secret",
        MEDIA_S3_TIMEOUT_SECONDS: "1",
      });
      await t.sandbox();
      const fd = new FormData();
      fd.set("number", CUSTOMER);
      fd.append("medias", new File([SAMPLES.png], "foto.png", { type: "image/png" }));
      const refused = await t.request("/api/v1/send", { method: "POST", body: fd });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as any).error).toBe("ERR_SERVICE_UNAVAILABLE");
      expect(held.length).toBeGreaterThan(0);

      const check = await t.media.check();
      expect(check).toMatchObject({ store: "s3", status: "error" });
      expect(check.error).toContain("no answer within 1 s");
      expect((await t.get("/health/ready", null)).body.checks.media).toBe("error");
      // Text does not wait for the bucket.
      expect((await t.post("/api/v1/send", { number: CUSTOMER, body: "solo texto" })).status).toBe(201);
    } finally {
      for (const socket of held) socket.end();
      silent.stop(true);
    }
  });

  test("a bucket that worked and then fails is reported by readiness without making the node unready", async () => {
    const s3 = await startS3Server();
    await using t = createTestApp(s3.env());
    await t.sandbox();
    await sendFile(t, SAMPLES.png, "foto.png", "image/png");
    await s3[Symbol.asyncDispose]();
    const fd = new FormData();
    fd.set("number", CUSTOMER);
    fd.append("medias", new File([SAMPLES.png], "otra.png", { type: "image/png" }));
    expect((await t.request("/api/v1/send", { method: "POST", body: fd })).status).toBe(503);
    const ready = await t.get("/health/ready", null);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.media).toBe("error");
    expect(ready.body.media.error).toContain("chasqui-media");
  });

  test("a queued media send reads the object from the bucket; while the bucket is down it waits queued, not failed", async () => {
    const s3 = await startS3Server();
    const read: Uint8Array[] = [];
    const factory: GatewayFactory = (conn, events) => {
      const gw = createSandboxGateway(conn, events);
      return {
        ...gw,
        async sendMedia(to, m, quoted, o) {
          // What a real driver does: read the bytes from the source it was handed.
          const source = m.source;
          const body = "stream" in source ? source.stream() : Bun.file(source.path);
          read.push(new Uint8Array(await new Response(body).arrayBuffer()));
          return gw.sendMedia(to, m, quoted, o);
        },
      } satisfies WhatsAppGateway;
    };
    await using t = createTestApp(s3.env(), { factories: { sandbox: factory } });
    const conn = await t.sandbox();
    await t.put(`/api/v1/connections/${conn.id}`, {
      pacingMinIntervalMs: 0,
      pacingJitterMs: 0,
      pacingTyping: false,
    });
    t.sendQueue.start();
    const queue = async (bytes: Uint8Array<ArrayBuffer>) => {
      const fd = new FormData();
      fd.set("number", CUSTOMER);
      fd.set("queue", "true");
      fd.append("medias", new File([bytes], "doc.pdf", { type: "application/pdf" }));
      const res = await t.request("/api/v1/send", { method: "POST", body: fd });
      expect(res.status).toBe(202);
      return ((await res.json()) as any).data[0].messageId as string;
    };
    const first = pdf("primero");
    const id = await queue(first);
    await waitFor(async () => (await t.services.messages.getAsync(id)).status === "sent");
    expect(read).toEqual([first]);

    // Stored while the phone is away, then the bucket goes down before it is back.
    expect((await t.post(`/api/v1/connections/${conn.id}/logout`)).status).toBe(200);
    await waitFor(async () => (await t.get(`/api/v1/connections/${conn.id}`)).body.status === "DISCONNECTED");
    const waiting = await queue(pdf("segundo"));
    await s3[Symbol.asyncDispose]();
    expect((await t.post(`/api/v1/connections/${conn.id}/restart`)).status).toBe(200);
    const m = await waitFor(async () => {
      const m = await t.services.messages.getAsync(waiting);
      return JSON.stringify(m.error ?? "").includes("ERR_SERVICE_UNAVAILABLE") ? m : null;
    });
    expect(m.status).toBe("queued");
    expect(read).toHaveLength(1);
  });

  test("SQLite: GET /admin/backup?media=true is refused with a bucket (its files are not in DATA_DIR); the database alone is served", async () => {
    await using s3 = await startS3Server();
    await using t = createTestApp(s3.env(), { store: "sqlite" });
    const refused = await t.get("/api/v1/admin/backup?media=true");
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("ERR_VALIDATION");
    expect(refused.body.message).toContain("MEDIA_S3_BUCKET");
    const db = await t.request("/api/v1/admin/backup");
    expect(db.status).toBe(200);
    expect(db.headers.get("content-type")).toBe("application/vnd.sqlite3");
    await db.arrayBuffer();
  });
});

describe("MEDIA_S3_* settings", () => {
  const base = { DATA_DIR: "/tmp/chasqui-config-test" };
  const fails = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error("loadConfig accepted it");
  };

  test("without MEDIA_S3_BUCKET media stay in DATA_DIR/media", () => {
    expect(loadConfig(base).mediaStore).toEqual({ kind: "local" });
  });

  test("the bucket settings are read, with the prefix trimmed of slashes and the documented defaults", () => {
    expect(
      loadConfig({
        ...base,
        MEDIA_S3_BUCKET: "media",
        MEDIA_S3_ENDPOINT: "https://acc.r2.cloudflarestorage.com",
        MEDIA_S3_PREFIX: "/chasqui/media/",
      }).mediaStore,
    ).toEqual({
      kind: "s3",
      bucket: "media",
      endpoint: "https://acc.r2.cloudflarestorage.com",
      region: undefined,
      accessKeyId: undefined,
      secretAccessKey: undefined,
      prefix: "chasqui/media",
      redirect: false,
      urlExpirySeconds: 300,
      requestTimeoutMs: 30_000,
    });
  });

  test("a bucket setting without MEDIA_S3_BUCKET stops the start with a message naming it", () => {
    expect(fails({ MEDIA_S3_REDIRECT: "true" })).toContain(
      "MEDIA_S3_REDIRECT: only used with MEDIA_S3_BUCKET, which is not set",
    );
    expect(fails({ MEDIA_S3_ENDPOINT: "http://127.0.0.1:9000" })).toContain("MEDIA_S3_ENDPOINT");
  });

  test("a key id without its secret, a non-http endpoint, a bad prefix or bucket name are refused", () => {
    const bucket = { MEDIA_S3_BUCKET: "media" };
    expect(fails({ ...bucket, MEDIA_S3_ACCESS_KEY_ID: "AKIA" })).toContain("MEDIA_S3_SECRET_ACCESS_KEY");
    expect(fails({ ...bucket, MEDIA_S3_ENDPOINT: "ftp://minio:9000" })).toContain(
      "MEDIA_S3_ENDPOINT must be an http(s) URL",
    );
    expect(loadConfig({ ...base, ...bucket, MEDIA_S3_PREFIX: "/" }).mediaStore).toMatchObject({ prefix: "" });
    expect(fails({ ...bucket, MEDIA_S3_PREFIX: "a//b" })).toContain("MEDIA_S3_PREFIX");
    expect(fails({ ...bucket, MEDIA_S3_PREFIX: "a/../b" })).toContain("MEDIA_S3_PREFIX");
    expect(fails({ MEDIA_S3_BUCKET: "my bucket" })).toContain("MEDIA_S3_BUCKET");
    expect(fails({ ...bucket, MEDIA_S3_REDIRECT: "maybe" })).toContain("MEDIA_S3_REDIRECT");
    expect(fails({ ...bucket, MEDIA_S3_TIMEOUT_SECONDS: "0" })).toContain("MEDIA_S3_TIMEOUT_SECONDS");
    expect(fails({ MEDIA_S3_TIMEOUT_SECONDS: "5" })).toContain(
      "MEDIA_S3_TIMEOUT_SECONDS: only used with MEDIA_S3_BUCKET, which is not set",
    );
  });
});
