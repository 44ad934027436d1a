import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readTarEntries } from "../../src/lib/tar";
import { createTestApp } from "../support/test-app";

const CONTACT = "595991234567";

/** A file-backed app, so the snapshot runs in its worker as in production. */
function fileApp() {
  const dir = mkdtempSync(join(tmpdir(), "chasqui-backup-db-"));
  const app = createTestApp({}, { databasePath: join(dir, "chasqui.sqlite"), store: "sqlite" });
  return Object.assign(app, {
    async [Symbol.asyncDispose]() {
      await app.close();
      rmSync(app.dataDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

async function download(res: Response, to: string) {
  writeFileSync(to, new Uint8Array(await res.arrayBuffer()));
  return to;
}

/** With the system tar when there is one (an independent reader), else with ours. */
function extractAll(file: string, into: string) {
  if (Bun.which("tar")) {
    expect(Bun.spawnSync(["tar", "-xf", file, "-C", into]).exitCode).toBe(0);
    return;
  }
  const bytes = readFileSync(file);
  for (const e of readTarEntries(file)) {
    mkdirSync(dirname(join(into, e.name)), { recursive: true });
    writeFileSync(join(into, e.name), bytes.subarray(e.offset, e.offset + e.size));
  }
}

const messageBodies = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query("SELECT body FROM messages ORDER BY rowid").all() as { body: string }[]).map(
      (r) => r.body,
    );
  } finally {
    db.close();
  }
};

// The SQLite file's backup: the tests below run on SQLite under STORE=postgres too, except the authorization one.
describe("GET /api/v1/admin/backup", () => {
  test("streams a SQLite snapshot holding what was stored, and leaves no temporary file", async () => {
    await using t = fileApp();
    await t.sandbox();
    expect((await t.post("/api/v1/send", { number: CONTACT, body: "antes del respaldo" })).status).toBe(201);

    const res = await t.request("/api/v1/admin/backup");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.sqlite3");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="chasqui-.+\.sqlite"$/);
    const work = mkdtempSync(join(tmpdir(), "chasqui-backup-out-"));
    try {
      const file = await download(res, join(work, "b.sqlite"));
      expect(Number(res.headers.get("content-length"))).toBe(readFileSync(file).length);
      expect(messageBodies(file)).toEqual(["antes del respaldo"]);
      expect(readdirSync(join(t.dataDir, "tmp"))).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 15_000);

  test("with media=true, a tar that the system tar extracts into chasqui.sqlite and media/", async () => {
    await using t = fileApp();
    await t.sandbox();
    const fd = new FormData();
    fd.set("number", CONTACT);
    fd.set("body", "el contrato");
    fd.set("medias", new File(["%PDF-1.4 test"], "contract.pdf", { type: "application/pdf" }));
    const sent = await t.request("/api/v1/send", { method: "POST", body: fd });
    expect(sent.status).toBe(201);
    const mediaName = ((await sent.json()) as any).data[0].mediaUrl.split("/public/")[1] as string;

    const res = await t.request("/api/v1/admin/backup?media=true");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-tar");
    const work = mkdtempSync(join(tmpdir(), "chasqui-backup-out-"));
    try {
      const file = await download(res, join(work, "b.tar"));
      expect(readTarEntries(file).map((e) => e.name)).toEqual(["chasqui.sqlite", `media/${mediaName}`]);
      extractAll(file, work);
      expect(readFileSync(join(work, "media", mediaName), "utf8")).toBe("%PDF-1.4 test");
      expect(messageBodies(join(work, "chasqui.sqlite"))).toEqual(["el contrato"]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 15_000);

  test("works from an in-memory database too (copied through the live connection)", async () => {
    await using t = createTestApp({}, { store: "sqlite" });
    await t.sandbox();
    const res = await t.request("/api/v1/admin/backup");
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(0, 15))).toBe("SQLite format 3");
  });

  test("needs an admin token: 401 without one, 403 with an api token; 503 on PostgreSQL (pg_dump backs it up)", async () => {
    await using t = createTestApp();
    expect((await t.get("/api/v1/admin/backup", null)).status).toBe(401);
    const r = await t.get("/api/v1/admin/backup", await t.apiToken());
    if (!t.postgres) {
      expect(r).toMatchObject({ status: 403, body: { error: "ERR_FORBIDDEN" } });
      return;
    }
    // On PostgreSQL the not-yet guard answers after authentication, before the route's admin check.
    const notYet = {
      status: 503,
      body: { error: "ERR_NOT_ON_POSTGRES", message: expect.stringContaining("backup") },
    };
    expect(r).toMatchObject(notYet);
    expect(await t.get("/api/v1/admin/backup")).toMatchObject(notYet);
  });

  test("rejects a media value other than true or false", async () => {
    await using t = createTestApp({}, { store: "sqlite" });
    const r = await t.get("/api/v1/admin/backup?media=yes");
    expect(r).toMatchObject({ status: 400, body: { error: "ERR_VALIDATION" } });
  });
});
