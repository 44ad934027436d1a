import type { Db } from "../db/client";
import { retentionSql } from "../db/sql/retention";
import type { Query, Store } from "../db/store";
import { walCheckpoint } from "../db/wal-index";
import type { Logger } from "../logger";
import type { MediaStore } from "../media/media-store";

export type RetentionOptions = {
  store: Store;
  /** SQLite: the writer connection, for the WAL checkpoint (outside any transaction). Absent on PostgreSQL. */
  db?: Db;
  media: MediaStore;
  logger: Logger;
  clock: () => number;
  /** Delivered and failed deliveries, and events no open delivery needs, are deleted after this many days. */
  webhookRetentionDays: number;
  /** Events that no delivery row needs are deleted after this many hours (catch-up feed, SSE resume). */
  eventRetentionHours: number;
  /** Files of messages older than this many days are deleted, the rows marked `media_expired`; 0 = never. */
  mediaRetentionDays: number;
  /** Messages older than this many days are deleted with their files and reactions; 0 = never. */
  messageRetentionDays: number;
  /** Rows per delete transaction (default 500): the write lock is held for one batch at a time. */
  batchSize?: number;
  /**
   * Pages freed per `PRAGMA incremental_vacuum` step on SQLite (default 512, 2 MB at 4 KB pages: each step
   * holds the writer while it moves pages, so it stays a few milliseconds).
   */
  vacuumPages?: number;
};

export type RetentionReport = {
  deliveries: number;
  events: number;
  mediaExpired: number;
  messages: number;
  files: number;
  vacuumedPages: number;
};

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Age-based deletion that keeps the disk use of a busy server level: webhook history, media files and,
 * when asked, messages. Every statement walks an index oldest first and stops after `batchSize` rows, so a
 * pass costs the rows it deletes, never the size of the tables. Each batch is its own short `store.write`
 * (never one long transaction): on SQLite it joins the writer's group commit for one batch and lets the
 * requests queued behind it run before the next (a write starts on a later event-loop turn); on PostgreSQL
 * it holds its row locks for one batch. Files are deleted after the write that forgets them commits: a crash
 * in between leaves an unreferenced file, never a message whose URL answers 404.
 */
export function createRetention(opts: RetentionOptions) {
  const { store, media, clock } = opts;
  const batchSize = opts.batchSize ?? 500;
  const vacuumPages = opts.vacuumPages ?? 512;
  const logger = opts.logger.child({ module: "retention" });
  const sql = retentionSql[store.dialect];

  let stopped = false;
  let running: Promise<RetentionReport> | undefined;

  /** Runs one bounded delete, each batch its own write, until a batch finds less than a full batch. */
  async function drain(batch: (q: Query) => Promise<number>): Promise<number> {
    let total = 0;
    while (!stopped) {
      const changes = await store.write(batch);
      total += changes;
      if (changes < batchSize) break;
    }
    return total;
  }

  async function pruneWebhookHistory(): Promise<{ deliveries: number; events: number }> {
    const cutoff = clock() - opts.webhookRetentionDays * DAY_MS;
    const deliveries =
      (await drain((q) => sql.deleteDeliveredDeliveries(q, cutoff, batchSize))) +
      (await drain((q) => sql.deleteFailedDeliveries(q, cutoff, batchSize)));
    // Events no delivery needs go after EVENT_RETENTION_HOURS (they only serve the catch-up feed and SSE
    // resume); the others when their last delivery row is deleted.
    const eventCutoff = clock() - opts.eventRetentionHours * HOUR_MS;
    const before = await firstSeqFrom(eventCutoff);
    const events = await drain((q) => sql.deleteEvents(q, before, eventCutoff, batchSize));
    return { deliveries, events };
  }

  /**
   * The first event seq created at or after `at`, by a binary search over seq (events have no created_at
   * index: seq follows creation). ~log2(rows) primary-key lookups, in one read.
   */
  function firstSeqFrom(at: number): Promise<number> {
    return store.read(async (q) => {
      let lo = 0;
      let hi = (await sql.maxEventSeq(q)) + 1;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        const row = await sql.eventFrom(q, mid);
        if (!row || row.createdAt >= at) hi = mid;
        else lo = row.seq + 1;
      }
      return lo;
    });
  }

  async function removeFiles(files: string[]): Promise<number> {
    let removed = 0;
    for (const file of files) {
      try {
        if (await media.remove(file)) removed++;
      } catch (err) {
        logger.warn({ err, file }, "deleting a media file failed; it stays on disk unreferenced");
      }
    }
    return removed;
  }

  async function expireMedia(): Promise<{ mediaExpired: number; files: number }> {
    if (opts.mediaRetentionDays <= 0) return { mediaExpired: 0, files: 0 };
    const cutoff = clock() - opts.mediaRetentionDays * DAY_MS;
    let mediaExpired = 0;
    let files = 0;
    while (!stopped) {
      const now = clock();
      // The batch is read and forgotten in one write: a file another pass (or node) forgot meanwhile is not
      // counted twice, and only the files this write forgot are removed.
      const { found, gone } = await store.write(async (q) => {
        const batch = await sql.mediaBatch(q, cutoff, batchSize);
        const forgotten: string[] = [];
        for (const row of batch)
          if (await sql.expireMedia(q, row.pk, row.file, now)) forgotten.push(row.file);
        return { found: batch.length, gone: forgotten };
      });
      mediaExpired += gone.length;
      files += await removeFiles(gone);
      if (found < batchSize) break;
    }
    if (!stopped) mediaExpired += await drain((q) => sql.expirePendingMedia(q, cutoff, batchSize, clock()));
    return { mediaExpired, files };
  }

  async function pruneMessages(): Promise<{ messages: number; files: number }> {
    if (opts.messageRetentionDays <= 0) return { messages: 0, files: 0 };
    const cutoff = clock() - opts.messageRetentionDays * DAY_MS;
    let messages = 0;
    let files = 0;
    while (!stopped) {
      const { found, deleted } = await store.write(async (q) => {
        const batch = await sql.messageBatch(q, cutoff, batchSize);
        const gone: typeof batch = [];
        for (const row of batch) if (await sql.deleteMessage(q, row.pk)) gone.push(row);
        for (const id of new Set(gone.map((row) => row.ticketId))) await sql.clearLastMessage(q, id);
        return { found: batch.length, deleted: gone };
      });
      messages += deleted.length;
      files += await removeFiles(deleted.flatMap((row) => (row.file ? [row.file] : [])));
      if (found < batchSize) break;
    }
    return { messages, files };
  }

  /**
   * Returns free pages to the disk, a bounded step (one short write) at a time, on a SQLite database created
   * with auto_vacuum = INCREMENTAL (older ones keep their mode until a VACUUM; then this is a no-op). On
   * PostgreSQL it does nothing: autovacuum reclaims dead rows there.
   */
  async function vacuum(): Promise<number> {
    let freed = 0;
    while (!stopped) {
      const step = await store.write((q) => sql.vacuumStep(q, vacuumPages));
      if (!step) break;
      freed += step;
    }
    return freed;
  }

  /**
   * SQLite: copies the WAL into the database and truncates it to zero bytes, never waiting (busy: the next
   * call tries again). PostgreSQL (no `db`): nothing to do, the server manages its WAL.
   */
  function checkpoint(): { busy: boolean; walPages: number } {
    return opts.db ? walCheckpoint(opts.db.$client) : { busy: false, walPages: 0 };
  }

  async function pass(): Promise<RetentionReport> {
    const hooks = await pruneWebhookHistory();
    // Messages first: their files go with them, and what is left of media then expires.
    const msgs = await pruneMessages();
    const med = await expireMedia();
    const vacuumedPages = await vacuum();
    const report = {
      deliveries: hooks.deliveries,
      events: hooks.events,
      mediaExpired: med.mediaExpired,
      messages: msgs.messages,
      files: msgs.files + med.files,
      vacuumedPages,
    };
    if (Object.values(report).some((n) => n > 0)) logger.info(report, "retention pass done");
    return report;
  }

  return {
    /** One pass over every rule; a call while a pass runs joins it. */
    run(): Promise<RetentionReport> {
      running ??= pass().finally(() => {
        running = undefined;
      });
      return running;
    },
    pruneWebhookHistory,
    expireMedia,
    pruneMessages,
    vacuum,
    checkpoint,
    /** Ends a pass at its next batch boundary and waits for it (before the database closes). */
    async stop() {
      stopped = true;
      await running?.catch(() => {});
    },
  };
}

export type Retention = ReturnType<typeof createRetention>;
