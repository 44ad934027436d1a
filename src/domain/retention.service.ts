import type { Db } from "../db/client";
import { withoutFsync } from "../db/relaxed-commit";
import type { Logger } from "../logger";
import type { MediaStore } from "../media/media-store";

export type RetentionOptions = {
  db: Db;
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
   * Pages freed per `PRAGMA incremental_vacuum` step (default 512, 2 MB at 4 KB pages: each step holds the
   * event loop while it moves pages, so it stays a few milliseconds).
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

/** Lets requests and deliveries run between two batches: a long backlog never blocks the event loop. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Age-based deletion that keeps the disk use of a busy server level: webhook history, media files and,
 * when asked, messages. Every statement walks an index oldest first and stops after `batchSize` rows, so a
 * pass costs the rows it deletes, never the size of the tables; each batch is its own short transaction.
 * Files are deleted after the transaction that forgets them commits: a crash in between leaves an
 * unreferenced file, never a message whose URL answers 404.
 */
export function createRetention(opts: RetentionOptions) {
  const { db, media, clock } = opts;
  const batchSize = opts.batchSize ?? 500;
  const vacuumPages = opts.vacuumPages ?? 512;
  const logger = opts.logger.child({ module: "retention" });
  const sqlite = db.$client;

  const stmt = {
    deliveredDeliveries: sqlite.query<unknown, { cutoff: number; limit: number }>(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries INDEXED BY deliveries_delivered_idx
         WHERE status = 'delivered' AND delivered_at < $cutoff ORDER BY delivered_at LIMIT $limit)`,
    ),
    // A failed row's next_attempt_at is the time it failed for good (set with its last attempt).
    failedDeliveries: sqlite.query<unknown, { cutoff: number; limit: number }>(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries INDEXED BY deliveries_due_idx
         WHERE status = 'failed' AND next_attempt_at < $cutoff ORDER BY next_attempt_at LIMIT $limit)`,
    ),
    // An event with any delivery left (pending, delivering, or settled but not yet past retention) stays.
    // seq follows creation time, so the events older than the cutoff are the seq range below `$before`
    // (firstSeqFrom); created_at is checked too, so a clock that stepped back never deletes a newer event early.
    events: sqlite.query<unknown, { before: number; cutoff: number; limit: number }>(
      `DELETE FROM events WHERE seq IN (
         SELECT seq FROM events
         WHERE seq < $before AND created_at < $cutoff
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.seq)
         ORDER BY seq LIMIT $limit)`,
    ),
    maxEventSeq: sqlite.query<{ seq: number | null }, []>("SELECT max(seq) AS seq FROM events"),
    eventFrom: sqlite.query<{ seq: number; createdAt: number }, { seq: number }>(
      "SELECT seq, created_at AS createdAt FROM events WHERE seq >= $seq ORDER BY seq LIMIT 1",
    ),
    mediaBatch: sqlite.query<{ pk: number; file: string }, { cutoff: number; limit: number }>(
      `SELECT pk, media_file AS file FROM messages INDEXED BY messages_media_created_idx
       WHERE media_file IS NOT NULL AND created_at < $cutoff ORDER BY created_at LIMIT $limit`,
    ),
    expireMedia: sqlite.query<unknown, { pk: number; file: string; now: number }>(
      `UPDATE messages SET media_file = NULL, media_ref = NULL, media_expired = 1, updated_at = $now
       WHERE pk = $pk AND media_file = $file`,
    ),
    // Inbound files that never arrived stop being retried once they would have expired anyway.
    expirePendingMedia: sqlite.query<unknown, { cutoff: number; limit: number; now: number }>(
      `UPDATE messages SET media_ref = NULL, media_expired = 1, updated_at = $now WHERE pk IN (
         SELECT pk FROM messages INDEXED BY messages_media_retry_idx
         WHERE media_ref IS NOT NULL AND media_file IS NULL AND created_at < $cutoff LIMIT $limit)`,
    ),
    messageBatch: sqlite.query<
      { pk: number; file: string | null; ticketId: number },
      { cutoff: number; limit: number }
    >(
      `SELECT pk, media_file AS file, ticket_id AS ticketId FROM messages INDEXED BY messages_created_idx
       WHERE created_at < $cutoff ORDER BY created_at LIMIT $limit`,
    ),
    // Reactions go with it (ON DELETE CASCADE).
    deleteMessage: sqlite.query<unknown, { pk: number }>("DELETE FROM messages WHERE pk = $pk"),
    // A ticket left without messages must not keep the text of its last one.
    clearLastMessage: sqlite.query<unknown, { id: number }>(
      `UPDATE tickets SET last_message = '' WHERE id = $id AND last_message <> ''
         AND NOT EXISTS (SELECT 1 FROM messages WHERE ticket_id = $id)`,
    ),
    autoVacuum: sqlite.query<{ auto_vacuum: number }, []>("PRAGMA auto_vacuum"),
    freePages: sqlite.query<{ freelist_count: number }, []>("PRAGMA freelist_count"),
    busyTimeout: sqlite.query<{ timeout: number }, []>("PRAGMA busy_timeout"),
    incrementalVacuum: sqlite.query(`PRAGMA incremental_vacuum(${vacuumPages})`),
  };

  let stopped = false;
  let running: Promise<RetentionReport> | undefined;

  /** Runs one delete statement batch by batch until it finds less than a full batch. */
  async function drain<P extends object>(
    statement: { run(p: P & { limit: number }): { changes: number } },
    params: P,
  ): Promise<number> {
    let total = 0;
    while (!stopped) {
      // No files go with these rows: a batch lost to a power cut is deleted again by the next pass.
      const changes = withoutFsync(sqlite, () => statement.run({ ...params, limit: batchSize }).changes);
      total += changes;
      if (changes < batchSize) break;
      await yieldToEventLoop();
    }
    return total;
  }

  async function pruneWebhookHistory(): Promise<{ deliveries: number; events: number }> {
    const cutoff = clock() - opts.webhookRetentionDays * DAY_MS;
    const deliveries =
      (await drain(stmt.deliveredDeliveries, { cutoff })) + (await drain(stmt.failedDeliveries, { cutoff }));
    // Events no delivery needs go after EVENT_RETENTION_HOURS (they only serve the catch-up feed and SSE
    // resume); the others when their last delivery row is deleted.
    const eventCutoff = clock() - opts.eventRetentionHours * HOUR_MS;
    const events = await drain(stmt.events, { before: firstSeqFrom(eventCutoff), cutoff: eventCutoff });
    return { deliveries, events };
  }

  /**
   * The first event seq created at or after `at`, by a binary search over seq (events have no created_at
   * index: seq follows creation). ~log2(rows) primary-key lookups.
   */
  function firstSeqFrom(at: number): number {
    let lo = 0;
    let hi = (stmt.maxEventSeq.get()?.seq ?? 0) + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = stmt.eventFrom.get({ seq: mid });
      if (!row || row.createdAt >= at) hi = mid;
      else lo = row.seq + 1;
    }
    return lo;
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
      const batch = stmt.mediaBatch.all({ cutoff, limit: batchSize });
      const gone = sqlite.transaction(() =>
        batch.filter((row) => stmt.expireMedia.run({ pk: row.pk, file: row.file, now }).changes > 0),
      )();
      mediaExpired += gone.length;
      files += await removeFiles(gone.map((row) => row.file));
      if (batch.length < batchSize) break;
      await yieldToEventLoop();
    }
    if (!stopped) mediaExpired += await drainPending(cutoff);
    return { mediaExpired, files };
  }

  async function drainPending(cutoff: number): Promise<number> {
    let total = 0;
    while (!stopped) {
      const changes = stmt.expirePendingMedia.run({ cutoff, limit: batchSize, now: clock() }).changes;
      total += changes;
      if (changes < batchSize) break;
      await yieldToEventLoop();
    }
    return total;
  }

  async function pruneMessages(): Promise<{ messages: number; files: number }> {
    if (opts.messageRetentionDays <= 0) return { messages: 0, files: 0 };
    const cutoff = clock() - opts.messageRetentionDays * DAY_MS;
    let messages = 0;
    let files = 0;
    while (!stopped) {
      const batch = stmt.messageBatch.all({ cutoff, limit: batchSize });
      sqlite.transaction(() => {
        for (const row of batch) stmt.deleteMessage.run({ pk: row.pk });
        for (const id of new Set(batch.map((row) => row.ticketId))) stmt.clearLastMessage.run({ id });
      })();
      messages += batch.length;
      files += await removeFiles(batch.flatMap((row) => (row.file ? [row.file] : [])));
      if (batch.length < batchSize) break;
      await yieldToEventLoop();
    }
    return { messages, files };
  }

  /**
   * Returns free pages to the disk, a bounded step at a time, when the database was created with
   * auto_vacuum = INCREMENTAL (older ones keep their mode until a VACUUM; then this is a no-op).
   */
  async function vacuum(): Promise<number> {
    if (stmt.autoVacuum.get()?.auto_vacuum !== 2) return 0;
    let freed = 0;
    while (!stopped) {
      const before = stmt.freePages.get()?.freelist_count ?? 0;
      if (before === 0) break;
      // Each step of the pragma frees one page; `all` runs it to the end, in one transaction. Moving pages
      // loses nothing if a power cut undoes it: the file only stays larger until the next pass.
      withoutFsync(sqlite, () => stmt.incrementalVacuum.all());
      const after = stmt.freePages.get()?.freelist_count ?? 0;
      freed += before - after;
      if (after >= before) break;
      await yieldToEventLoop();
    }
    return freed;
  }

  /**
   * Copies the WAL into the database and truncates it to zero bytes. It never waits: when another
   * connection (a backup, the CLI) is reading, it answers busy at once and the next call tries again.
   */
  function checkpoint(): { busy: boolean; walPages: number } {
    if (sqlite.inTransaction) return { busy: true, walPages: 0 };
    const timeout = stmt.busyTimeout.get()?.timeout ?? 5000;
    sqlite.exec("PRAGMA busy_timeout = 0;");
    try {
      const r = sqlite.query<{ busy: number; log: number }, []>("PRAGMA wal_checkpoint(TRUNCATE)").get();
      return { busy: (r?.busy ?? 0) !== 0, walPages: r?.log ?? 0 };
    } finally {
      sqlite.exec(`PRAGMA busy_timeout = ${timeout};`);
    }
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
