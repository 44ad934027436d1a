import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { startServer } from "../../src/server";
import { EVENT_TYPE_CODES } from "../../src/webhooks/event-codec";
import { ADMIN_TOKEN, createTestApp, type TestApp, waitFor } from "../support/test-app";

const DAY_MS = 24 * 60 * 60 * 1000;
const CUSTOMER = "595991234567";

/** A clock the test moves forward; everything the app stores takes its time from it. */
function movedClock() {
  const clock = {
    now: Date.now(),
    read: () => clock.now,
    advanceDays: (d: number) => (clock.now += d * DAY_MS),
  };
  return clock;
}

/** Sends a file to the customer through the API and returns the stored file name. */
async function sendFile(t: TestApp, name = "contract.pdf") {
  const fd = new FormData();
  fd.set("number", CUSTOMER);
  fd.set("body", `adjunto ${name}`);
  fd.set("medias", new File([`%PDF-1.4 ${name}`], name, { type: "application/pdf" }));
  const res = await t.request("/api/v1/send", { method: "POST", body: fd });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { ticketId: number; data: { messageId: string; mediaUrl: string }[] };
  const sent = body.data[0]!;
  return {
    ticketId: body.ticketId,
    messageId: sent.messageId,
    file: decodeURIComponent(sent.mediaUrl.split("/public/")[1]!),
  };
}

const messagesOf = async (t: TestApp, ticketId: number) =>
  (await t.get(`/api/v1/tickets/${ticketId}/messages?limit=100`)).body.messages as {
    id: string;
    body: string;
    hasMedia: boolean;
    mediaUrl: string | null;
    ack: number;
    mediaExpired: boolean;
    reactions: unknown[];
  }[];

describe("media retention", () => {
  test("files older than MEDIA_RETENTION_DAYS are deleted; the message stays with mediaExpired and no URL", async () => {
    const clock = movedClock();
    await using t = createTestApp({ MEDIA_RETENTION_DAYS: "30" }, { clock: clock.read });
    await t.sandbox();
    const old = await sendFile(t, "old.pdf");
    clock.advanceDays(20);
    const recent = await sendFile(t, "recent.pdf");
    clock.advanceDays(11);
    expect(await t.retention.expireMedia()).toEqual({ mediaExpired: 1, files: 1 });

    const byId = new Map((await messagesOf(t, old.ticketId)).map((m) => [m.id, m]));
    expect(byId.get(old.messageId)).toMatchObject({
      body: "adjunto old.pdf",
      hasMedia: true,
      mediaUrl: null,
      mediaExpired: true,
    });
    expect(byId.get(recent.messageId)).toMatchObject({ hasMedia: true, mediaExpired: false });
    expect(byId.get(recent.messageId)!.mediaUrl).toContain(recent.file);
    expect(existsSync(join(t.media.localDir!, old.file))).toBe(false);
    expect(existsSync(join(t.media.localDir!, recent.file))).toBe(true);
    expect((await t.request(`/public/${old.file}`, { token: null })).status).toBe(404);
    // A second pass finds nothing left to do.
    expect(await t.retention.expireMedia()).toEqual({ mediaExpired: 0, files: 0 });
  });

  test("MEDIA_RETENTION_DAYS=0 (the default) keeps every file", async () => {
    const clock = movedClock();
    await using t = createTestApp({}, { clock: clock.read });
    await t.sandbox();
    const sent = await sendFile(t);
    clock.advanceDays(10_000);
    const report = await t.retention.run();
    expect(report).toMatchObject({ mediaExpired: 0, messages: 0, files: 0 });
    expect(existsSync(join(t.media.localDir!, sent.file))).toBe(true);
  });
});

describe("message retention", () => {
  test("messages older than MESSAGE_RETENTION_DAYS go with their files and reactions; the tickets stay", async () => {
    const clock = movedClock();
    await using t = createTestApp({ MESSAGE_RETENTION_DAYS: "90" }, { clock: clock.read });
    const conn = await t.sandbox();
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CUSTOMER,
      body: "hola, dato privado",
    });
    await t.post(`/api/v1/messages/${inbound.body.messageId}/reactions`, { emoji: "👍" });
    const old = await sendFile(t, "old.pdf");
    // Another customer whose only message will expire: its ticket must not keep the text.
    const lonely = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: "595997777777",
      body: "secreto",
    });
    clock.advanceDays(60);
    const kept = await t.post(`/api/v1/tickets/${old.ticketId}/messages`, { body: "seguimos" });
    clock.advanceDays(31);

    expect(await t.retention.pruneMessages()).toEqual({ messages: 3, files: 1 });
    expect((await messagesOf(t, old.ticketId)).map((m) => m.id)).toEqual([kept.body.data.messageId]);
    expect(existsSync(join(t.media.localDir!, old.file))).toBe(false);
    expect(await t.rows("select count(*) as n from message_reactions")).toEqual([{ n: 0 }]);
    expect((await t.get(`/api/v1/tickets/${old.ticketId}`)).body.lastMessage).toBe("seguimos");
    const emptied = await t.get(`/api/v1/tickets/${lonely.body.ticketId}`);
    expect([emptied.status, emptied.body.lastMessage]).toEqual([200, ""]);
    expect(await messagesOf(t, lonely.body.ticketId)).toEqual([]);
  });

  test("deletes a backlog larger than one batch, batch by batch", async () => {
    const clock = movedClock();
    await using t = createTestApp({ MESSAGE_RETENTION_DAYS: "1" }, { clock: clock.read });
    const conn = await t.sandbox();
    for (let i = 0; i < 12; i++)
      await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: CUSTOMER, body: `m${i}` });
    clock.advanceDays(2);
    const { createRetention } = await import("../../src/domain/retention.service");
    const small = createRetention({
      store: t.domainStore,
      db: t.db,
      media: t.media,
      logger: createLogger("silent"),
      clock: clock.read,
      webhookRetentionDays: 7,
      eventRetentionHours: 24,
      mediaRetentionDays: 0,
      messageRetentionDays: 1,
      batchSize: 5,
    });
    expect(await small.pruneMessages()).toEqual({ messages: 12, files: 0 });
    expect(await t.rows("select count(*) as n from messages")).toEqual([{ n: 0 }]);
  });
});

describe("DELETE /api/v1/contacts/:number", () => {
  test("purge=true erases the contact, its tickets, messages, reactions and media files", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CUSTOMER,
      body: "hola",
    });
    await t.post(`/api/v1/messages/${inbound.body.messageId}/reactions`, { emoji: "👍" });
    const sent = await sendFile(t);
    const other = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: "595997777777",
      body: "otro cliente",
    });
    // The sandbox reads the file within a second: its last ack (3, read) is the last event before the erasure.
    await waitFor(
      async () => (await messagesOf(t, sent.ticketId)).find((m) => m.id === sent.messageId)?.ack === 3,
    );
    const eventsBefore = await t.rows("select count(*) as n from events");

    const refused = await t.del(`/api/v1/contacts/${CUSTOMER}`);
    expect([refused.status, refused.body.error]).toEqual([409, "ERR_CONFLICT"]);
    expect(refused.body.message).toContain("purge=true");
    expect((await t.del(`/api/v1/contacts/${CUSTOMER}?purge=true`, await t.apiToken())).status).toBe(403);

    const purged = await t.del(`/api/v1/contacts/${CUSTOMER}?purge=true`);
    expect(purged).toMatchObject({
      status: 200,
      body: { message: "Contact deleted successfully", deleted: { tickets: 1, messages: 2, mediaFiles: 1 } },
    });
    expect((await t.get(`/api/v1/contacts/${CUSTOMER}`)).status).toBe(404);
    expect((await t.get(`/api/v1/tickets/${inbound.body.ticketId}`)).status).toBe(404);
    expect(existsSync(join(t.media.localDir!, sent.file))).toBe(false);
    expect(await t.rows("select count(*) as n from message_reactions")).toEqual([{ n: 0 }]);
    // The other customer is untouched, and the ticket counts the list answers stay exact.
    expect((await messagesOf(t, other.body.ticketId)).map((m) => m.body)).toEqual(["otro cliente"]);
    const list = await t.get("/api/v1/tickets");
    expect([list.body.count, list.body.tickets.map((x: { id: number }) => x.id)]).toEqual([
      1,
      [other.body.ticketId],
    ]);
    expect((await t.get("/api/v1/contacts")).body.count).toBe(1);
    // No event is emitted for the erasure.
    expect(await t.rows("select count(*) as n from events")).toEqual(eventsBefore);
    expect((await t.del(`/api/v1/contacts/${CUSTOMER}?purge=true`)).status).toBe(404);
  });

  test("a contact without tickets is deleted without purge", async () => {
    await using t = createTestApp();
    await t.post("/api/v1/contacts", { number: CUSTOMER, name: "Juan" });
    const res = await t.del(`/api/v1/contacts/${CUSTOMER}`);
    expect(res).toMatchObject({
      status: 200,
      body: { deleted: { tickets: 0, messages: 0, mediaFiles: 0 } },
    });
    expect((await t.get(`/api/v1/contacts/${CUSTOMER}`)).status).toBe(404);
  });
});

describe("disk hygiene", () => {
  test("temp files left by a crash are removed when the server starts; stored media is kept", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chasqui-orphans-"));
    try {
      mkdirSync(join(dataDir, "media"), { recursive: true });
      mkdirSync(join(dataDir, "tmp"), { recursive: true });
      writeFileSync(join(dataDir, "media", ".tmp-0123abcd"), "half a file");
      writeFileSync(join(dataDir, "media", "1700000000000-abc.pdf"), "%PDF-1.4 kept");
      writeFileSync(join(dataDir, "tmp", "upload-5b0f6c1e"), "half an upload");
      writeFileSync(join(dataDir, "tmp", "backup-0123456789abcdef.sqlite"), "half a snapshot");
      const config = loadConfig({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", API_TOKEN: ADMIN_TOKEN });
      const server = await startServer(config, createLogger("silent"));
      try {
        expect(readdirSync(join(dataDir, "media"))).toEqual(["1700000000000-abc.pdf"]);
        expect(readdirSync(join(dataDir, "tmp"))).toEqual([]);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 15_000);

  test("SQLite: the WAL returns to zero bytes after a big write and a checkpoint; freed pages go back to the disk", async () => {
    const clock = movedClock();
    const dir = mkdtempSync(join(tmpdir(), "chasqui-wal-"));
    const dbPath = join(dir, "chasqui.sqlite");
    try {
      await using t = createTestApp(
        { WEBHOOK_RETENTION_DAYS: "7" },
        { clock: clock.read, databasePath: dbPath, store: "sqlite" },
      );
      const sqlite = t.db.$client;
      expect(sqlite.query("pragma journal_size_limit").get()).toEqual({
        journal_size_limit: 64 * 1024 * 1024,
      });
      expect(sqlite.query("pragma auto_vacuum").get()).toEqual({ auto_vacuum: 2 });
      const conn = await t.sandbox();
      // One big write: 30 MB of events in one transaction (e.g. a burst of large message payloads).
      const payload = "x".repeat(100_000);
      const insert = sqlite.query(
        "insert into events (connection_id, type_code, data, created_at) values (?, ?, ?, ?)",
      );
      sqlite.transaction(() => {
        // Rows as the sink stores them; plain codec: the payload does not compress away.
        const data = Buffer.concat([Buffer.from([0]), Buffer.from(JSON.stringify({ body: payload }))]);
        for (let i = 0; i < 300; i++) insert.run(conn.id, EVENT_TYPE_CODES.message_received, data, clock.now);
      })();
      const wal = `${dbPath}-wal`;
      expect(statSync(wal).size).toBeGreaterThan(30_000_000);
      expect(t.retention.checkpoint().busy).toBe(false);
      expect(statSync(wal).size).toBe(0);
      const full = statSync(dbPath).size;
      expect(full).toBeGreaterThan(30_000_000);

      // Past retention the events are deleted, the incremental vacuum frees their pages, the file shrinks.
      clock.advanceDays(8);
      const report = await t.retention.run();
      expect(report.events).toBeGreaterThanOrEqual(300);
      expect(report.vacuumedPages).toBeGreaterThan(0);
      t.retention.checkpoint();
      expect(statSync(dbPath).size).toBeLessThan(full / 10);
      expect(statSync(wal).size).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
