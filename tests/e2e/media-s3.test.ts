import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild } from "../support/child-server";
import { type S3Server, startS3Server } from "../support/s3-server";
import { waitFor } from "../support/test-app";
import type { SimAccount } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { type E2E, startE2E } from "./harness";

/**
 * Two real server processes sharing one S3-compatible bucket (s3rver on loopback): node A runs a Baileys
 * connection against the fake WhatsApp server, node B runs on a copy of A's database. Media A stored
 * (received from WhatsApp, sent to WhatsApp) are downloadable from B.
 */
const TOKEN = "e2e-admin-token-0123456789";
const PHONE = "595981000300";
const CONTACT = "595991000301";
const root = join(import.meta.dir, "../..");

filterLibsignalSessionChurnLogs();
setDefaultTimeout(30_000);

const pngWithNoise = () =>
  Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), randomBytes(2000)]);

let s3: S3Server;
let e2e: E2E;
let phone: SimAccount;
let contact: SimAccount;
let ticketId: number;
/** Stored names and bytes of the files node A stored. */
const stored: { file: string; bytes: Buffer }[] = [];
const fileOf = (url: string) => url.split("/public/")[1]!;

beforeAll(async () => {
  s3 = await startS3Server();
  e2e = await startE2E({ token: TOKEN, env: { LOG_LEVEL: "info", ...s3.env({ MEDIA_S3_PREFIX: "media" }) } });
  phone = e2e.wa.createAccount(PHONE, "Helpdesk");
  contact = e2e.wa.createContact(CONTACT, "Carla");
}, 30_000);

afterAll(async () => {
  await e2e?.close();
  await s3?.[Symbol.asyncDispose]();
});

describe("media in a shared bucket, two nodes", () => {
  test("node A reports the bucket ready; a file WhatsApp delivers lands in the bucket, not in DATA_DIR", async () => {
    const ready = await e2e.api("GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.checks.media).toBe("ok");
    expect(ready.body.media).toEqual({ store: "s3", error: null });

    await e2e.link(phone, "Ventas");
    const bytes = pngWithNoise();
    const inboundId = await contact.sendImage(phone, bytes, { caption: "mi foto", mimetype: "image/png" });
    const received = await e2e.hook("message_received", (d) => d.messageId === inboundId);
    ticketId = received.data.ticketId;
    const file = fileOf(received.data.media.url);
    expect(new Uint8Array(await s3.client.file(`media/${file}`).arrayBuffer())).toEqual(
      new Uint8Array(bytes),
    );
    stored.push({ file, bytes });
  });

  test("a file sent through node A's API is read from the bucket by Baileys and reaches WhatsApp intact", async () => {
    const bytes = pngWithNoise();
    const form = new FormData();
    form.append("medias", new File([bytes], "respuesta.png", { type: "image/png" }));
    form.set("body", "te la devuelvo");
    const sent = await e2e.api("POST", `/api/v1/tickets/${ticketId}/messages/media`, form);
    expect(sent.status).toBe(201);
    const got = await contact.waitForMessage((m) => m.id === sent.body.data[0].messageId);
    expect(got.mediaType).toBe("image");
    expect((await contact.downloadMedia(got)).equals(bytes)).toBe(true);
    const file = fileOf(sent.body.data[0].mediaUrl);
    expect(await s3.keys("media/")).toContain(`media/${file}`);
    stored.push({ file, bytes });
  });

  test("node B, another process on A's database (PostgreSQL) or a copy of it (SQLite), serves every file A stored", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chasqui-node-b-"));
    mkdirSync(dataDir, { recursive: true });
    if (!e2e.pg) {
      // The copy is taken through A's own backup endpoint while A keeps running.
      const backup = await fetch(`${e2e.chasqui.url}/api/v1/admin/backup`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(backup.status).toBe(200);
      writeFileSync(join(dataDir, "chasqui.sqlite"), new Uint8Array(await backup.arrayBuffer()));
    }
    const nodeB = await startChild(["bun", join(root, "src/cli.ts"), "serve"], {
      DATA_DIR: dataDir,
      API_TOKEN: TOKEN,
      // B must not log in with A's WhatsApp session: its Baileys dials a closed port (on PostgreSQL A also holds
      // the connection's lease).
      WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
      ...(e2e.pg ? { DATABASE_URL: e2e.pg.url } : {}),
      ...s3.env({ MEDIA_S3_PREFIX: "media" }),
    });
    try {
      const msgs = await fetch(`${nodeB.url}/api/v1/tickets/${ticketId}/messages`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }).then((r) => r.json() as Promise<any>);
      const urls = (msgs.messages as any[]).filter((m) => m.mediaUrl).map((m) => m.mediaUrl as string);
      expect(urls.map(fileOf).sort()).toEqual(stored.map((s) => s.file).sort());
      for (const url of urls) {
        // Node B's own address: the link names PUBLIC_URL, which is B's here.
        expect(url).toStartWith(nodeB.url.replace("127.0.0.1", "localhost"));
        const res = await fetch(`${nodeB.url}/public/${fileOf(url)}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("image/png");
        const want = stored.find((s) => s.file === fileOf(url))!.bytes;
        expect(Buffer.from(await res.arrayBuffer()).equals(want)).toBe(true);
      }
    } finally {
      nodeB.proc.kill("SIGTERM");
      await nodeB.proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("a bucket that cannot be used at start", () => {
  test("the server keeps running with one clear error, readiness 503, and recovers once the bucket exists", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chasqui-bad-bucket-"));
    const node = await startChild(["bun", join(root, "src/cli.ts"), "serve"], {
      DATA_DIR: dataDir,
      API_TOKEN: TOKEN,
      ...s3.env({ MEDIA_S3_BUCKET: "created-later" }),
    });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${node.url}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(typeof init.body === "string" ? { "content-type": "application/json" } : {}),
        },
      });
    try {
      const line = node
        .stdout()
        .split("\n")
        .find((l) => l.includes("MEDIA_S3_BUCKET cannot be used"));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ level: 50, bucket: "created-later", endpoint: s3.endpoint });
      expect(JSON.parse(line!).reason).toContain("NoSuchBucket");

      const notReady = await fetch(`${node.url}/health/ready`);
      expect(notReady.status).toBe(503);
      expect(((await notReady.json()) as any).checks.media).toBe("error");
      // Liveness is fine: a supervisor has no reason to restart it in a loop.
      expect((await fetch(`${node.url}/health`)).status).toBe(200);

      await s3.createBucket("created-later");
      await api("/api/v1/connections", {
        method: "POST",
        body: JSON.stringify({ name: "Sandbox", driver: "sandbox", number: "595981000399" }),
      }).then((r) => expect(r.status).toBe(201));
      const form = new FormData();
      form.set("number", CONTACT);
      form.append("medias", new File([pngWithNoise()], "foto.png", { type: "image/png" }));
      const sent = await api("/api/v1/send", { method: "POST", body: form });
      expect(sent.status).toBe(201);
      await waitFor(async () => (await fetch(`${node.url}/health/ready`)).status === 200);
      expect(node.proc.exitCode).toBeNull();
    } finally {
      node.proc.kill("SIGTERM");
      await node.proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
