import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMediaStorage } from "../../src/media/media-storage";
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
