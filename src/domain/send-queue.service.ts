import { randomBytes } from "node:crypto";
import { and, asc, count, eq, type SQL, sql } from "drizzle-orm";
import { type ClaimOptions, sendQueueSql } from "../db/sql/send-queue";
import type { Query } from "../db/store";
import { preparedQuery } from "../db/store/prepared";
import { AppError } from "../errors";
import type { OutboundMedia, SentMessage, WhatsAppGateway } from "../whatsapp/gateway";
import type { Connection, ConnectionService } from "./connection.service";
import type { Contact } from "./contact.service";
import { type DomainDeps, localGateway } from "./deps";
import type { MessageBridge } from "./message-bridge";
import type { MessageRow } from "./messages/message-store";

/** Attempts of one message that failed for a reason other than the connection being down. */
const MAX_ATTEMPTS = 5;
/** Typing presence before a paced message: this long per character of its body, within the bounds. */
const TYPING_MS_PER_CHAR = 40;
const TYPING_MIN_MS = 800;
const TYPING_MAX_MS = 5_000;
const DAY_MS = 24 * 3_600_000;
/** Messages claimed in one commit when the connection is not paced. */
const BATCH = 50;

/** A queued message that can never be sent (its file is gone): failed at once, not retried. */
class PermanentSendError extends Error {}

/** Errors after which the message may have reached WhatsApp: it is tried again with the same id. */
const MAY_HAVE_LEFT = new Set(["ERR_WAPP_TIMEOUT", "ERR_SENDING_WAPP_MSG"]);

/**
 * A WhatsApp-shaped message id (`3EB0` + 18 hex digits, what Baileys generates), chosen when a message is
 * queued and stored before it is sent: a send repeated after a crash carries the same id, and WhatsApp
 * drops a stanza whose id it has already seen.
 */
export function newWhatsAppMessageId(): string {
  return `3EB0${randomBytes(9).toString("hex").toUpperCase()}`;
}

type ConnState = {
  running: boolean;
  again: boolean;
  /** Not before this time (ms) after a failed attempt. */
  retryAt: number;
  /** The pause before the next message to another chat, drawn once per gap (min interval + jitter). */
  gapMs: number | null;
  /** Messages kept `sending` for another try, by pk, with the stamp that try left (see src/db/sql/send-queue.ts). */
  held: Map<number, number>;
};

/**
 * The durable outbound queue: messages stored `queued` by the send path go out through one worker per
 * connection while it is CONNECTED, oldest due first (so in order per chat), paced by the connection's
 * settings. Each message is claimed (`sending`) in a committed write before WhatsApp is asked, under the
 * WhatsApp id stored with it; after a crash a claimed message whose server ack was stored is only marked
 * sent, any other is sent again under the same id, which WhatsApp treats as the same message.
 */
export function createSendQueue(deps: DomainDeps, bridge: MessageBridge, connectionsSvc: ConnectionService) {
  const { store, events, sessions, media, clock, config, logger } = deps;
  const log = logger.child({ module: "send-queue" });
  const { contacts, messages, tickets } = store.t;
  const sqlq = sendQueueSql[store.dialect];
  const ph = (name: string) => sql.placeholder(name);
  const contactOfTicket = preparedQuery<{ ticketId: number }, { contact: Contact }[]>((q) =>
    q
      .select({ contact: contacts })
      .from(tickets)
      .innerJoin(contacts, eq(contacts.id, tickets.contactId))
      .where(eq(tickets.id, ph("ticketId"))),
  );

  // Literal status lists (not bound parameters), so SQLite sees the partial queue indexes apply.
  const inQueue = sql`${messages.status} in ('queued', 'sending')`;
  const listWhere = (connectionId: boolean): SQL =>
    and(
      inQueue,
      eq(messages.status, ph("status")),
      connectionId ? eq(messages.connectionId, ph("connectionId")) : undefined,
    )!;
  type ListParams = { status: string; connectionId?: number };
  const listStmt = (connectionId: boolean) => ({
    count: preparedQuery<ListParams, { n: number }[]>((q) =>
      q.select({ n: count() }).from(messages).where(listWhere(connectionId)),
    ),
    page: preparedQuery<ListParams & { limit: number; offset: number }, MessageRow[]>((q) =>
      q
        .select()
        .from(messages)
        .where(listWhere(connectionId))
        .orderBy(asc(messages.sendAt), asc(messages.pk))
        .limit(ph("limit"))
        .offset(ph("offset")),
    ),
  });
  const list = { all: listStmt(false), byConnection: listStmt(true) };

  const states = new Map<number, ConnState>();
  const stateOf = (id: number) => {
    let s = states.get(id);
    if (!s) {
      s = { running: false, again: false, retryAt: 0, gapMs: null, held: new Map() };
      states.set(id, s);
    }
    return s;
  };
  const drains = new Set<Promise<void>>();
  const sleeps = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>();
  let poll: ReturnType<typeof setInterval> | undefined;
  let stopped = true;

  /** Waits ms of real time; stop() ends every wait at once. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          sleeps.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      sleeps.add(entry);
    });

  const contactOf = async (q: Query, ticketId: number): Promise<Contact> =>
    (await contactOfTicket(q, { ticketId }))[0]!.contact;

  /** The claim options of a connection's worker: the lease, and the `sending` rows it still holds. */
  const claimOptions = (s: ConnState): ClaimOptions => ({
    leaseMs: config.sendQueueClaimLeaseMs,
    held: [...s.held].map(([pk, stamp]) => ({ pk, stamp })),
  });

  async function failedData(q: Query, m: MessageRow, code: string, reason: string) {
    const { id, name, number } = await contactOf(q, m.ticketId);
    return {
      messageId: m.id,
      ticketId: m.ticketId,
      body: m.body,
      mediaType: m.mediaType,
      code,
      reason,
      attempts: m.attempts,
      contact: { id, name, number },
    };
  }

  /** Fails a queued or claimed message for good and emits message_failed; false when it was not queued. */
  async function fail(pk: number, code: string, reason: string, onlyQueued = false): Promise<boolean> {
    return store.write(async (q) => {
      if (!(await sqlq.fail(q, pk, { code, reason }, clock(), onlyQueued))) return false;
      const m = (await bridge.byPkIn(q, pk))!;
      await events.emitIn(q, "message_failed", m.connectionId, await failedData(q, m, code, reason));
      return true;
    });
  }

  async function markSent(pk: number, sent: SentMessage | null): Promise<void> {
    await store.write(async (q) => {
      const now = clock();
      const ok = await sqlq.sent(q, pk, {
        now,
        timestamp: sent?.timestampSec ?? Math.floor(now / 1000),
        remoteKey: sent?.remoteKey ?? null,
      });
      if (!ok) return;
      const m = (await bridge.byPkIn(q, pk))!;
      await bridge.announceIn(q, m, m.ticketId, await contactOf(q, m.ticketId), now);
    });
  }

  /** What goes to WhatsApp for a signed message: `*Name:*` and a line break first (see send.ts). */
  const signedText = (m: MessageRow, text: string) =>
    m.outbound?.signedBy ? `*${m.outbound.signedBy}:*\n${text}` : text;

  async function outboundMedia(m: MessageRow): Promise<OutboundMedia> {
    const source = m.mediaFile ? await media.source(m.mediaFile) : null;
    if (!source) throw new PermanentSendError("The stored file of this message is gone");
    const kind = m.mediaType === "ptt" ? "audio" : m.mediaType;
    return {
      source,
      mimeType: m.mimeType ?? "application/octet-stream",
      mediaType: kind === "image" || kind === "video" || kind === "audio" ? kind : "document",
      filename: m.filename ?? "file",
      caption: m.body ? signedText(m, m.body) : undefined,
      ptt: m.mediaType === "ptt" ? true : m.outbound?.ptt,
    };
  }

  /**
   * Waits out the pause before message m when the last queued send went to another chat (ticket); false
   * when the queue was stopped meanwhile. The pause is drawn once per gap, so a pass that is woken again
   * keeps waiting for the same moment.
   */
  async function paced(connection: Connection, m: MessageRow, s: ConnState): Promise<boolean> {
    const now = clock();
    const last = await store.read((q) => sqlq.lastSent(q, connection.id));
    if (
      last &&
      last.ticketId !== m.ticketId &&
      connection.pacingMinIntervalMs + connection.pacingJitterMs > 0
    ) {
      s.gapMs ??=
        connection.pacingMinIntervalMs + Math.floor(Math.random() * (connection.pacingJitterMs + 1));
      const waitMs = last.sentAt + s.gapMs - now;
      if (waitMs > 0) await pause(waitMs);
    }
    s.gapMs = null;
    return !stopped;
  }

  async function typing(gw: WhatsAppGateway, connection: Connection, m: MessageRow): Promise<void> {
    if (!connection.pacingTyping || !m.outbound) return;
    const ms = Math.min(TYPING_MAX_MS, Math.max(TYPING_MIN_MS, m.body.length * TYPING_MS_PER_CHAR));
    try {
      await gw.sendPresence(m.outbound.to, "composing");
      await pause(ms);
    } catch (err) {
      log.debug({ err, messageId: m.id }, "typing presence failed; sending anyway");
    }
  }

  async function expire(connectionId: number): Promise<void> {
    const now = clock();
    for (const pk of await store.read((q) => sqlq.expired(q, connectionId, now))) {
      await fail(pk, "ERR_MESSAGE_EXPIRED", "The message could not be sent before its expiresAt", true);
    }
  }

  const unpaced = (c: Connection) => c.pacingMinIntervalMs + c.pacingJitterMs === 0 && !c.pacingTyping;

  /**
   * Sends one claimed message under its stored id; the promise of storing it as sent is returned unawaited. On
   * PostgreSQL it is stored once `previous` (the batch's message before it) is: each write there is a transaction of
   * its own on the pool, and two in flight would commit — and announce message_sent — in any order; SQLite's one
   * writer keeps the order they were issued in.
   */
  async function sendClaimed(
    gw: WhatsAppGateway,
    m: MessageRow,
    previous: Promise<void>,
  ): Promise<{ stored: Promise<void> }> {
    if (!m.outbound) throw new PermanentSendError("The queued message has no recipient");
    const opts = { messageId: m.id };
    const sent = m.hasMedia
      ? await gw.sendMedia(m.outbound.to, await outboundMedia(m), m.outbound.quoted, opts)
      : await gw.sendText(m.outbound.to, signedText(m, m.body), m.outbound.quoted, opts);
    const mark = () => markSent(m.pk, sent);
    // Wrapped: an async function would otherwise wait for the inner promise.
    return { stored: store.dialect === "postgres" ? previous.then(mark, mark) : mark() };
  }

  /** A send failed: decides between waiting for the connection, trying again later, and failing it. */
  async function onSendError(m: MessageRow, err: unknown, s: ConnState): Promise<"stop" | "next"> {
    const code = err instanceof AppError ? err.code : "ERR_SENDING_WAPP_MSG";
    // Worded as the synchronous send words it (send.ts).
    const reason =
      err instanceof AppError || err instanceof PermanentSendError
        ? err.message
        : `WhatsApp did not accept the message: ${(err as Error).message}`;
    if (code === "ERR_WAPP_NOT_CONNECTED") {
      // Refused before anything left: back in the queue until the connection is back.
      await store.write((q) => sqlq.release(q, m.pk, { code, reason }, clock()));
      s.held.delete(m.pk);
      return "stop";
    }
    if (code === "ERR_SERVICE_UNAVAILABLE") {
      // The media store did not answer (a bucket outage): nothing left; back in the queue, tried again later.
      log.warn({ err, messageId: m.id }, "queued media send waits for the media store");
      await store.write((q) => sqlq.release(q, m.pk, { code, reason }, clock()));
      s.held.delete(m.pk);
      s.retryAt = clock() + config.sendQueueRetryMs;
      return "stop";
    }
    if (!(err instanceof PermanentSendError) && MAY_HAVE_LEFT.has(code) && m.attempts < MAX_ATTEMPTS) {
      // It may have reached WhatsApp: it stays claimed and is sent again under the same id.
      log.warn({ err, messageId: m.id, attempts: m.attempts }, "queued send failed; will retry");
      // Still this worker's: the next pass may take it again before its claim expires (PostgreSQL).
      s.held.set(m.pk, await store.write((q) => sqlq.keepTrying(q, m.pk, { code, reason }, clock())));
      s.retryAt = clock() + config.sendQueueRetryMs;
      return "stop";
    }
    log.warn({ err, messageId: m.id, attempts: m.attempts }, "queued send failed for good");
    await fail(m.pk, code, reason);
    s.held.delete(m.pk);
    return "next";
  }

  /**
   * Sends due messages of one connection until none is due, it is not connected, or the cap holds. Paced,
   * messages are claimed one at a time (a queued one stays cancellable while it waits its turn); unpaced, a
   * batch is claimed in one commit and each is stored as sent while the next one is on its way.
   */
  async function drainOnce(connectionId: number, s: ConnState): Promise<void> {
    while (!stopped) {
      await expire(connectionId);
      const connection = await connectionsSvc.find(connectionId);
      // The node running the socket drains its queue (pacing state is per node); another node's is forwarded to none.
      const gw = localGateway(sessions, connectionId);
      if (!connection || !gw || gw.status() !== "CONNECTED") return;
      const now = clock();
      if (now < s.retryAt) return;
      const due = await store.read(async (q) => {
        const pks = await sqlq.next(q, connectionId, now, unpaced(connection) ? BATCH : 1, claimOptions(s));
        const rows: MessageRow[] = [];
        for (const pk of pks) rows.push((await bridge.byPkIn(q, pk))!);
        return rows;
      });
      if (due.length === 0) return;
      // A claimed message whose server ack was stored went out before a crash: never send it again.
      const acked = due.filter((m) => m.status === "sending" && m.ack >= 1);
      for (const m of acked) {
        await markSent(m.pk, null);
        s.held.delete(m.pk);
      }
      if (acked.length > 0) continue;
      let batch = due;
      if (connection.pacingDailyCap > 0) {
        const left =
          connection.pacingDailyCap -
          (await store.read((q) => sqlq.sentSince(q, connection.id, now - DAY_MS)));
        if (left <= 0) return;
        batch = batch.slice(0, left);
      }
      if (batch.length === 1) {
        const m = batch[0]!;
        if (!(await paced(connection, m, s))) return;
        await typing(gw, connection, m);
        if (stopped) return;
      }
      const claimed = (
        await store.write((q) =>
          sqlq.claim(
            q,
            batch.map((m) => m.pk),
            clock(),
            claimOptions(s),
          ),
        )
      ).map((c) => c.pk);
      for (const pk of claimed) s.held.delete(pk);
      let renewedAt = clock();
      const stored: Promise<void>[] = [];
      let outcome: "stop" | "next" = "next";
      for (const [i, pk] of claimed.entries()) {
        // A long batch keeps its claims alive (PostgreSQL: another node takes a claim only once it expired).
        if (clock() - renewedAt > config.sendQueueClaimLeaseMs / 3) {
          const rest = claimed.slice(i);
          await store.write((q) => sqlq.renew(q, rest));
          renewedAt = clock();
        }
        const m = (await store.read((q) => bridge.byPkIn(q, pk)))!;
        try {
          stored.push((await sendClaimed(gw, m, stored.at(-1) ?? Promise.resolve())).stored);
          s.retryAt = 0;
        } catch (err) {
          outcome = await onSendError(m, err, s);
          // The rest of the batch was not tried: back in the queue as it was.
          const rest = claimed.slice(i + 1);
          if (rest.length > 0)
            await store.write(async (q) => {
              for (const p of rest) await sqlq.unclaim(q, p, clock());
            });
          break;
        }
      }
      await Promise.all(stored);
      if (outcome === "stop") return;
    }
  }

  /** Runs a connection's worker, or asks the running one for another pass. */
  function kick(connectionId: number): void {
    if (stopped) return;
    const s = stateOf(connectionId);
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    const run = (async () => {
      try {
        do {
          s.again = false;
          await drainOnce(connectionId, s);
        } while (s.again && !stopped);
      } catch (err) {
        log.error({ err, connectionId }, "send queue pass failed");
      } finally {
        s.running = false;
      }
    })();
    drains.add(run);
    void run.finally(() => drains.delete(run));
  }

  const kickAll = () => {
    connectionsSvc.list().then(
      (all) => {
        if (!stopped) for (const c of all) kick(c.id);
      },
      (err) => log.error({ err }, "listing connections for the send queue failed"),
    );
  };

  return {
    kick,

    /** Starts the workers: every connection now, then every SEND_QUEUE_POLL_MS (scheduled sends, caps). */
    start(): void {
      if (!stopped) return;
      stopped = false;
      poll = setInterval(kickAll, config.sendQueuePollMs);
      kickAll();
    },

    /** Resolves once the passes running now are done (tests: "the worker looked and left it queued"). */
    async idle(): Promise<void> {
      while (drains.size > 0) await Promise.allSettled([...drains]);
    },

    /** Stops taking messages and waits for the sends in flight to settle. */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(poll);
      for (const entry of sleeps) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      sleeps.clear();
      await Promise.allSettled([...drains]);
    },

    /** Queued (or sending) messages, next due first, of one connection or all. */
    async list(filter: {
      status: "queued" | "sending";
      connectionId?: number;
      page: number;
      limit: number;
    }): Promise<{ rows: MessageRow[]; count: number; hasMore: boolean }> {
      const stmt = filter.connectionId === undefined ? list.all : list.byConnection;
      const params = { status: filter.status, connectionId: filter.connectionId };
      return store.read(async (q) => {
        const total = Number((await stmt.count(q, params))[0]?.n ?? 0);
        const rows = await stmt.page(q, {
          ...params,
          limit: filter.limit,
          offset: (filter.page - 1) * filter.limit,
        });
        return { rows, count: total, hasMore: filter.page * filter.limit < total };
      });
    },

    /**
     * Cancels a queued message: it becomes `failed` with ERR_MESSAGE_CANCELLED (message_failed). A message
     * already claimed by the worker may be on its way: 409.
     */
    async cancel(m: MessageRow): Promise<MessageRow> {
      if (m.status === "sending")
        throw new AppError("ERR_MESSAGE_SENDING", "The message is being sent and can no longer be cancelled");
      if (m.status === "failed") throw new AppError("ERR_MESSAGE_NOT_SENT", "The message already failed");
      const done = await fail(m.pk, "ERR_MESSAGE_CANCELLED", "Cancelled through the API", true);
      // The worker claimed it between the read and the cancel.
      if (!done)
        throw new AppError("ERR_MESSAGE_SENDING", "The message is being sent and can no longer be cancelled");
      return (await store.read((q) => bridge.byPkIn(q, m.pk)))!;
    },
  };
}

export type SendQueue = ReturnType<typeof createSendQueue>;
