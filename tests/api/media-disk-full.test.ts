import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMediaStorage } from "../../src/media/media-storage";
import type { GatewayEvents, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { SAMPLES } from "../media/samples";
import { createTestApp } from "../support/test-app";

const CONTACT = "595991234567";

/** The error a write gets from the kernel on a full disk, a quota or a read-only filesystem. */
function fsError(code: "ENOSPC" | "EDQUOT" | "EROFS") {
  const text = {
    ENOSPC: "no space left on device",
    EDQUOT: "disk quota exceeded",
    EROFS: "read-only file system",
  }[code];
  return Object.assign(new Error(`${code}: ${text}, write`), { code, syscall: "write" });
}

/** Media storage over a real directory whose file writes fail while `failing` is set. */
function flakyDisk() {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-media-full-"));
  const disk = { failing: null as null | "ENOSPC" | "EDQUOT" | "EROFS" };
  const media = createMediaStorage(dir, {
    openFile: async (path, flags, mode) => {
      const handle = await open(path, flags, mode);
      if (!disk.failing) return handle;
      const code = disk.failing;
      return Object.assign(handle, {
        writeFile: async () => {
          throw fsError(code);
        },
      });
    },
  });
  return { dir, disk, media, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

const sendFile = (t: ReturnType<typeof createTestApp>, name: string) => {
  const fd = new FormData();
  fd.set("number", CONTACT);
  fd.set("body", name);
  fd.append("medias", new File([SAMPLES.png], name, { type: "image/png" }));
  return t.request("/api/v1/send", { method: "POST", body: fd });
};

describe("media on a disk that refuses writes", () => {
  for (const code of ["ENOSPC", "EDQUOT", "EROFS"] as const) {
    test(`${code} answers 503 ERR_SERVICE_UNAVAILABLE; files already stored stay served`, async () => {
      using fs = flakyDisk();
      await using t = createTestApp({}, { media: fs.media });
      await t.sandbox();
      const first: any = await (await sendFile(t, "antes.png")).json();
      const stored = first.data[0].mediaUrl as string;

      fs.disk.failing = code;
      const r = await sendFile(t, "durante.png");
      expect(r.status).toBe(503);
      const body: any = await r.json();
      expect(body).toEqual({
        error: "ERR_SERVICE_UNAVAILABLE",
        message: expect.stringMatching(/disk|storage/i),
      });
      // Nothing half-written is left, nothing was sent or stored for the failed request.
      expect(readdirSync(fs.dir)).toEqual([new URL(stored).pathname.split("/").pop()!]);
      const messages = await t.get(`/api/v1/tickets/${first.ticketId}/messages`);
      expect(messages.body.messages.map((m: any) => m.body)).toEqual(["antes.png"]);
      const served = await t.request(new URL(stored).pathname);
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(SAMPLES.png);

      fs.disk.failing = null;
      expect((await sendFile(t, "después.png")).status).toBe(201);
    });
  }
});

test("an inbound file that cannot be written is not lost: the message is kept and the file attached later", async () => {
  using fs = flakyDisk();
  const factory = (_c: unknown, events: GatewayEvents): WhatsAppGateway => ({
    ...createSandboxGateway({ id: 1, number: "595981234567" }, events),
    driver: "baileys",
    async retryMediaDownload(ref: string) {
      expect(ref).toBe("ref-full");
      return { bytes: SAMPLES.png, mimeType: "image/png", filename: null };
    },
  });
  await using t = createTestApp({}, { factories: { baileys: factory }, media: fs.media });
  const conn = await t.post("/api/v1/connections", { name: "Real" });
  fs.disk.failing = "ENOSPC";
  const r = (await t.services.messages.receive(conn.body.id, {
    id: "3EB0DISKFULL",
    from: CONTACT,
    fromMe: false,
    pushName: "Ana",
    body: "foto",
    mediaType: "image",
    media: { bytes: SAMPLES.png, mimeType: "image/png", filename: null },
    mediaRef: "ref-full",
    quotedMsgId: null,
    timestampSec: 1,
  }))!;
  const kept = (await t.get(`/api/v1/tickets/${r.ticketId}/messages`)).body.messages[0];
  expect(kept).toMatchObject({ id: "3EB0DISKFULL", hasMedia: true, mediaUrl: null, body: "foto" });
  expect(await t.services.messages.retryPendingMedia()).toBe(0);
  fs.disk.failing = null;
  expect(await t.services.messages.retryPendingMedia()).toBe(1);
  const after = (await t.get(`/api/v1/tickets/${r.ticketId}/messages`)).body.messages[0];
  expect(after.mediaUrl).toStartWith("http://chasqui.test/public/");
});
