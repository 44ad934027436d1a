// The retention jobs on both stores, in small batches; the HTTP-level behaviour (config, messages API, WAL and
// file size) is tests/api/retention.test.ts and tests/webhooks/dispatcher.test.ts (SQLite).
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, eq, type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { retentionSql } from "../../src/db/sql/retention";
import type { Query } from "../../src/db/store";
import { createRetention, type RetentionOptions } from "../../src/domain/retention.service";
import { createLogger } from "../../src/logger";
import { createMediaStorage } from "../../src/media/media-storage";
import { describeStores, openTestStore, type TestStore } from "../support/stores";

const DAY = 24 * 60 * 60 * 1000;
const NOW = 1_800_000_000_000;

async function setup(dialect: Parameters<typeof openTestStore>[0]) {
  const s = await openTestStore(dialect);
  const dir = mkdtempSync(join(tmpdir(), "chasqui-retention-"));
  const media = createMediaStorage(dir);
  const { connections, contacts, tickets, webhooks } = s.store.t;
  const base = await s.store.write(async (q) => {
    const [conn] = await q.insert(connections).values({ name: "c", driver: "sandbox" }).returning();
    const [ana, beto] = await q
      .insert(contacts)
      .values([
        { number: "595981000001", name: "Ana" },
        { number: "595981000002", name: "Beto" },
      ])
      .returning();
    const [old, mixed] = await q
      .insert(tickets)
      .values([
        { contactId: ana!.id, connectionId: conn!.id, lastMessage: "viejo" },
        { contactId: beto!.id, connectionId: conn!.id, lastMessage: "nuevo" },
      ])
      .returning();
    const [hook] = await q
      .insert(webhooks)
      .values({ connectionId: conn!.id, url: "http://127.0.0.1:9/h", secret: "s" })
      .returning();
    return { connectionId: conn!.id, oldTicket: old!.id, mixedTicket: mixed!.id, webhookId: hook!.id };
  });
  const retention = (opts: Partial<RetentionOptions> = {}) =>
    createRetention({
      store: s.store,
      db: s.db,
      media,
      logger: createLogger("silent"),
      clock: () => NOW,
      webhookRetentionDays: 7,
      eventRetentionHours: 24,
      mediaRetentionDays: 30,
      messageRetentionDays: 365,
      batchSize: 2,
      ...opts,
    });
  return {
    s,
    media,
    base,
    retention,
    async [Symbol.asyncDispose]() {
      await s[Symbol.asyncDispose]();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A message of `ticketId` created `ageDays` ago. */
const message = (
  base: { connectionId: number },
  ticketId: number,
  ageDays: number,
  extra: { body?: string; mediaFile?: string | null; mediaRef?: string | null } = {},
) => ({
  id: `wa-${ticketId}-${ageDays}-${extra.body ?? ""}-${extra.mediaFile ?? extra.mediaRef ?? ""}`,
  connectionId: base.connectionId,
  ticketId,
  fromMe: false,
  timestamp: Math.floor((NOW - ageDays * DAY) / 1000),
  body: extra.body ?? "",
  mediaFile: extra.mediaFile ?? null,
  mediaRef: extra.mediaRef ?? null,
  hasMedia: Boolean(extra.mediaFile ?? extra.mediaRef),
  createdAt: new Date(NOW - ageDays * DAY),
});

const messageRows = (s: TestStore) =>
  s.store.read(async (q) => {
    const m = s.store.t.messages;
    return q
      .select({ body: m.body, mediaFile: m.mediaFile, mediaRef: m.mediaRef, mediaExpired: m.mediaExpired })
      .from(m)
      .orderBy(asc(m.pk));
  });

describeStores("retention", (dialect) => {
  test("webhook history: settled deliveries past retention, then the events nobody needs", async () => {
    await using t = await setup(dialect);
    const { events, webhookDeliveries } = t.s.store.t;
    const payload = Buffer.alloc(20_000, 7);
    const seqs = await t.s.store.write(async (q) => {
      // 9 events 10 days old, 1 event 2 hours old.
      const rows = await q
        .insert(events)
        .values(
          [...Array(9).fill(10 * DAY), 2 * 60 * 60 * 1000].map((age) => ({
            connectionId: t.base.connectionId,
            typeCode: 1,
            data: payload,
            createdAt: new Date(NOW - age),
          })),
        )
        .returning({ seq: events.seq });
      return rows.map((r) => r.seq);
    });
    const delivery = (eventId: number, status: "pending" | "delivered" | "failed", atAge: number) => ({
      eventId,
      webhookId: t.base.webhookId,
      status,
      nextAttemptAt: NOW - atAge,
      deliveredAt: status === "delivered" ? new Date(NOW - atAge) : null,
    });
    await t.s.store.write(async (q) => {
      await q.insert(webhookDeliveries).values([
        delivery(seqs[0]!, "delivered", 8 * DAY), // past 7 days: goes, its event with it
        delivery(seqs[1]!, "delivered", 8 * DAY),
        delivery(seqs[2]!, "failed", 9 * DAY), // failed for good 9 days ago: goes
        delivery(seqs[3]!, "delivered", 6 * DAY), // within 7 days: stays, keeps its event
        delivery(seqs[4]!, "pending", 10 * DAY), // open: stays whatever its age, keeps its event
      ]);
    });

    const retention = t.retention();
    expect(await retention.pruneWebhookHistory()).toEqual({ deliveries: 3, events: 7 });
    const left = await t.s.store.read(async (q) => ({
      events: (await q.select({ seq: events.seq }).from(events).orderBy(asc(events.seq))).map((r) => r.seq),
      deliveries: (await q.select({ eventId: webhookDeliveries.eventId }).from(webhookDeliveries)).map(
        (r) => r.eventId,
      ),
    }));
    expect(left.events).toEqual([seqs[3]!, seqs[4]!, seqs[9]!]);
    expect(left.deliveries.sort((a, b) => a - b)).toEqual([seqs[3]!, seqs[4]!]);
    expect(await retention.pruneWebhookHistory()).toEqual({ deliveries: 0, events: 0 });

    // The freed pages go back to the disk on SQLite (incremental vacuum); PostgreSQL leaves it to autovacuum.
    const report = await retention.run();
    expect(report).toMatchObject({ deliveries: 0, events: 0 });
    if (dialect === "sqlite") expect(report.vacuumedPages).toBeGreaterThan(0);
    else expect(report.vacuumedPages).toBe(0);
    expect(retention.checkpoint().busy).toBe(false);
  });

  test("media: files of messages past retention are deleted and the rows marked expired; downloads stop", async () => {
    await using t = await setup(dialect);
    const files = await Promise.all(
      [1, 2, 3, 4].map(async (i) => (await t.media.save(Buffer.from(`%PDF-1.4 ${i}`))).file),
    );
    const { messages } = t.s.store.t;
    const { base } = t;
    await t.s.store.write(async (q) => {
      await q
        .insert(messages)
        .values([
          message(base, base.oldTicket, 40, { body: "a", mediaFile: files[0] }),
          message(base, base.oldTicket, 35, { body: "b", mediaFile: files[1] }),
          message(base, base.oldTicket, 31, { body: "c", mediaFile: files[2] }),
          message(base, base.oldTicket, 40, { body: "never arrived", mediaRef: "ref-1" }),
          message(base, base.mixedTicket, 29, { body: "d", mediaFile: files[3] }),
          message(base, base.mixedTicket, 5, { body: "pending", mediaRef: "ref-2" }),
        ]);
    });
    const retention = t.retention();
    expect(await retention.expireMedia()).toEqual({ mediaExpired: 4, files: 3 });
    expect(files.map((f) => existsSync(join(t.media.localDir!, f)))).toEqual([false, false, false, true]);
    expect(await messageRows(t.s)).toEqual([
      { body: "a", mediaFile: null, mediaRef: null, mediaExpired: true },
      { body: "b", mediaFile: null, mediaRef: null, mediaExpired: true },
      { body: "c", mediaFile: null, mediaRef: null, mediaExpired: true },
      { body: "never arrived", mediaFile: null, mediaRef: null, mediaExpired: true },
      { body: "d", mediaFile: files[3]!, mediaRef: null, mediaExpired: false },
      { body: "pending", mediaFile: null, mediaRef: "ref-2", mediaExpired: false },
    ]);
    expect(await retention.expireMedia()).toEqual({ mediaExpired: 0, files: 0 });
    // MEDIA_RETENTION_DAYS=0: never.
    expect(await t.retention({ mediaRetentionDays: 0, clock: () => NOW + 100 * DAY }).expireMedia()).toEqual({
      mediaExpired: 0,
      files: 0,
    });
  });

  test("messages past retention go with their files and reactions; an emptied ticket loses its last text", async () => {
    await using t = await setup(dialect);
    const file = (await t.media.save(Buffer.from("%PDF-1.4 old"))).file;
    const { messages, messageReactions, tickets } = t.s.store.t;
    const { base } = t;
    await t.s.store.write(async (q) => {
      const [first] = await q
        .insert(messages)
        .values([
          message(base, base.oldTicket, 400, { body: "m1", mediaFile: file }),
          message(base, base.oldTicket, 390, { body: "m2" }),
          message(base, base.oldTicket, 380, { body: "m3" }),
          message(base, base.mixedTicket, 370, { body: "m4" }),
          message(base, base.mixedTicket, 10, { body: "nuevo" }),
        ])
        .returning({ pk: messages.pk });
      await q.insert(messageReactions).values({
        messagePk: first!.pk,
        reactor: "595981000001",
        fromMe: false,
        emoji: "👍",
        timestamp: 1,
      });
    });
    const retention = t.retention();
    expect(await retention.pruneMessages()).toEqual({ messages: 4, files: 1 });
    expect(existsSync(join(t.media.localDir!, file))).toBe(false);
    expect((await messageRows(t.s)).map((m) => m.body)).toEqual(["nuevo"]);
    const left = await t.s.store.read(async (q) => ({
      reactions: (await q.select().from(messageReactions)).length,
      old: (await q.select().from(tickets).where(eq(tickets.id, base.oldTicket)))[0]?.lastMessage,
      mixed: (await q.select().from(tickets).where(eq(tickets.id, base.mixedTicket)))[0]?.lastMessage,
    }));
    expect(left).toEqual({ reactions: 0, old: "", mixed: "nuevo" });
    expect(await retention.pruneMessages()).toEqual({ messages: 0, files: 0 });
    expect(await t.retention({ messageRetentionDays: 0 }).pruneMessages()).toEqual({ messages: 0, files: 0 });
  });

  test("a pass run twice at once is one pass; stop ends it at a batch boundary", async () => {
    await using t = await setup(dialect);
    const { base } = t;
    await t.s.store.write(async (q) => {
      await q
        .insert(t.s.store.t.messages)
        .values(
          Array.from({ length: 9 }, (_, i) => message(base, base.oldTicket, 400 + i, { body: `m${i}` })),
        );
    });
    const retention = t.retention();
    const [a, b] = await Promise.all([retention.run(), retention.run()]);
    expect(a).toBe(b);
    expect(a.messages).toBe(9);

    await t.s.store.write(async (q) => {
      await q
        .insert(t.s.store.t.messages)
        .values(
          Array.from({ length: 9 }, (_, i) => message(base, base.oldTicket, 500 + i, { body: `n${i}` })),
        );
    });
    const stopping = t.retention();
    const run = stopping.run();
    await stopping.stop();
    const report = await run;
    // Stopped at the end of the batch running when stop() came (the webhook history's first): no message went.
    expect(report.messages).toBe(0);
    expect((await messageRows(t.s)).length).toBe(9);
    expect(await t.retention().run()).toMatchObject({ messages: 9 });
  });
});

test("on PostgreSQL every retention statement reads an index, never a scan of a growing table", async () => {
  await using s = await openTestStore("postgres");
  const plans = await s.store.write(async (q) => {
    const db = q as unknown as PgDatabase<PgQueryResultHKT>;
    await db.execute(sql`set local enable_seqscan = off`);
    const found: string[] = [];
    // The real statements, explained instead of run (EXPLAIN without ANALYZE changes nothing).
    const explaining = {
      async execute(statement: SQL) {
        const rows = (await db.execute(sql`explain ${statement}`)) as unknown as Record<string, string>[];
        found.push(rows.map((r) => Object.values(r).join(" ")).join("\n"));
        return [];
      },
    } as unknown as Query;
    const r = retentionSql.postgres;
    await r.deleteDeliveredDeliveries(explaining, NOW, 500);
    await r.deleteFailedDeliveries(explaining, NOW, 500);
    await r.deleteEvents(explaining, 1000, NOW, 500);
    await r.maxEventSeq(explaining);
    await r.eventFrom(explaining, 10);
    await r.mediaBatch(explaining, NOW, 500);
    await r.expireMedia(explaining, 1, "f.pdf", NOW);
    await r.expirePendingMedia(explaining, NOW, 500, NOW);
    await r.messageBatch(explaining, NOW, 500);
    await r.deleteMessage(explaining, 1);
    await r.clearLastMessage(explaining, 1);
    await r.pruneIdempotencyKeys(explaining, NOW, 500);
    return found;
  });
  expect(plans.length).toBe(12);
  for (const plan of plans)
    expect(plan).not.toMatch(/Seq Scan on (messages|events|webhook_deliveries|idempotency_keys|tickets)\b/);
  expect(await s.store.write((q) => retentionSql.postgres.vacuumStep(q, 512))).toBeNull();
}, 60_000);
