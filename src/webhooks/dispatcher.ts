import { type Db, isSqliteBusy } from "../db/client";
import type { Logger } from "../logger";
import { retryDelayMs } from "./backoff";
import { attemptDelivery, type DeliveryOutcome, isSuccess } from "./delivery";
import {
  type ClaimedBatch,
  type ClaimedRow,
  createSqliteDispatchStore,
  type DispatchPass,
  type DispatchStore,
  type DispatchWritten,
  type Hook,
  type Settlement,
} from "./dispatch-store";
import { readEvent, type StoredEventRow } from "./event-codec";
import type { ReceiverPolicy } from "./receiver-policy";

/** What wakes the dispatcher: commits with events, and re-enqueued deliveries (the event sink, or a thread's port). */
export type DispatcherWakeups = {
  subscribe(listener: () => void): () => void;
  onWake(listener: () => void): () => void;
};

export type DispatcherOptions = {
  /** The SQLite connection the dispatcher works on (its own, or the server's); or, instead, `store`. */
  db?: Db;
  /** Its persistence on any store (src/webhooks/dispatch-store.ts); default: the SQLite one over `db`. */
  store?: DispatchStore;
  events: DispatcherWakeups;
  logger: Logger;
  /** The address policy every attempt is checked against (WEBHOOK_ALLOW_PRIVATE, WEBHOOK_ALLOWED_HOSTS). */
  receivers: ReceiverPolicy;
  clock?: () => number;
  /** Jitter source in [0, 1); injected by tests. */
  random?: () => number;
  /** Per-request timeout, ms (WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** Attempts before a delivery is `failed` (WEBHOOK_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** First retry delay, ms; ×4 per attempt, ±20 % jitter, capped at 6 h (WEBHOOK_RETRY_BASE_MS). */
  retryBaseMs: number;
  /** Webhooks served at once (lanes). */
  concurrency: number;
  /**
   * Requests in flight per webhook (WEBHOOK_WINDOW; default 1 here, 8 in the config). With 1, a webhook's deliveries are sent
   * one at a time in creation order. With more, up to `window` go at once, but never two of the same chat
   * (contact) at once, and a chat's deliveries start in creation order: so a healthy receiver sees each
   * chat's events in order, and events of different chats may overtake each other.
   */
  window?: number;
  /** How long a claim stays valid without a heartbeat, ms; a crashed process's rows are reclaimed after it. */
  leaseMs: number;
  /** Rows claimed per webhook at once (default 50). */
  batchSize?: number;
  /**
   * Results are stored in one commit per turn of the event loop (0, the default) or at most every this many ms:
   * the dispatcher thread waits 10 ms so it takes the write lock, shared with the API's commits, less often.
   */
  settleDelayMs?: number;
  /**
   * Take SQLite's write lock in short non-blocking tries (the dispatcher thread's own connection): claims,
   * results and heartbeats run with `busy_timeout = 0`, and a try that finds the lock taken (the API's commit
   * holds it through its fsync) is repeated after this many ms or at the next wake-up, whichever comes first,
   * instead of sleeping in SQLite's busy handler (1, 2, 5, 10 … 100 ms between tries). Unset (inline): the
   * connection's own busy_timeout applies.
   */
  lockRetryMs?: number;
  /**
   * Deliveries are claimed only for events up to this seq (the SQLite store's `durableMark`: on disk). Unset:
   * every committed event.
   */
  durableMark?: () => number;
  /** Safety-net poll, ms (default 1000); commits and retries due wake the dispatcher without it. */
  pollIntervalMs?: number;
  /** Grace for deliveries in flight at stop, ms (default 10 000). */
  stopGraceMs?: number;
};

type ClaimRequest = {
  webhookId: number;
  resolve: (batch: ClaimedBatch | undefined) => void;
  reject: (err: unknown) => void;
};
type EventRow = { id: string; type: string; connectionId: number | null; payload: string };

/**
 * A result stored: the row, its outcome and, for a delivery whose claim told its creation time (SQLite), the time
 * from the row's creation to its delivery (the delivery lag metric, without reading the row again).
 */
export type Settled = { id: number; kind: Settlement["kind"]; lagMs?: number };
const toEventRow = (r: StoredEventRow): EventRow => readEvent(r);

/**
 * The outbox dispatcher. One lane per webhook walks that webhook's due rows in creation order with one
 * request in flight, so a healthy receiver sees events in the order they were created; up to
 * `concurrency` lanes run at once. Rows are claimed with one `UPDATE … RETURNING` that sets a lease
 * (token + locked_until) and counts the attempt; a heartbeat extends the lease of rows this process
 * holds; every finishing update is fenced by the token, so a row reclaimed elsewhere is never
 * overwritten by a late result.
 */
export function createDispatcher(opts: DispatcherOptions) {
  const { events, receivers, timeoutMs, maxAttempts, retryBaseMs, concurrency, leaseMs } = opts;
  const clock = opts.clock ?? Date.now;
  const random = opts.random ?? Math.random;
  const batchSize = opts.batchSize ?? 50;
  const window = Math.max(1, opts.window ?? 1);
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const stopGraceMs = opts.stopGraceMs ?? 10_000;
  const settleDelayMs = opts.settleDelayMs ?? 0;
  const lockRetryMs = opts.lockRetryMs;
  const logger = opts.logger.child({ module: "webhooks" });
  const store =
    opts.store ??
    (() => {
      if (!opts.db) throw new Error("createDispatcher needs a db or a store");
      return createSqliteDispatchStore(opts.db, { leaseMs, batchSize, clock });
    })();
  const durableMark = opts.durableMark ?? (() => Number.MAX_SAFE_INTEGER);

  /**
   * The chat an event belongs to, for ordering with a window > 1: its contact (message, ticket and contact
   * events carry it; an ack carries its ticket, whose contact is looked up). Events of no chat
   * (connection_update) share one key, so they stay in order among themselves.
   */
  const chatKey = async (event: EventRow): Promise<string> => {
    let data: Record<string, unknown>;
    try {
      data = (JSON.parse(event.payload) as { data?: Record<string, unknown> }).data ?? {};
    } catch {
      // Not JSON we know: ordered with the chat-less events.
      return "-";
    }
    const contact = data.contact as { id?: unknown } | undefined;
    if (typeof contact?.id === "number") return `c${contact.id}`;
    if (event.type.startsWith("contact_") && typeof data.id === "number") return `c${data.id}`;
    if (typeof data.ticketId === "number") {
      const ticketId = data.ticketId;
      const contactId = await read(() => store.contactOfTicket(ticketId));
      return contactId !== undefined ? `c${contactId}` : `t${ticketId}`;
    }
    return "-";
  };

  let running = false;
  let stopController = new AbortController();
  const lanes = new Map<number, Promise<void>>();
  /** Running lanes: a wake-up asks each to claim again as soon as it has room in its window. */
  const laneSignals = new Map<number, () => void>();
  /** Lease tokens of claims this process is working on, with their rows not settled yet; the heartbeat extends them. */
  const held = new Map<string, number>();
  let settlements: Settlement[] = [];
  let claims: ClaimRequest[] = [];
  let heartbeatDue = false;
  let writeTimer: ReturnType<typeof setTimeout> | undefined;
  let writeTimerAt = Number.POSITIVE_INFINITY;
  /** A write found the lock taken; try again at the next wake-up too (the API's commit that held it is done). */
  let writeBlocked = false;
  let pumpScheduled = false;
  let dueTimer: ReturnType<typeof setTimeout> | undefined;
  let dueTimerAt = Number.POSITIVE_INFINITY;
  const intervals: ReturnType<typeof setInterval>[] = [];
  const unsubscribers: (() => void)[] = [];
  let settledListeners: ((s: Settled) => void)[] = [];
  /** PostgreSQL: a write in progress (one at a time; what is queued meanwhile goes in the next). */
  let writing: Promise<boolean> | undefined;
  /** PostgreSQL: a pass in progress, and whether another was asked for meanwhile. */
  let passing = false;
  let passAgain = false;

  /**
   * One write for everything queued: results (one transaction, one fsync or none on the thread's connection, for
   * many deliveries), the lease heartbeat, then claims. Returns false when the write lock was taken and
   * `lockRetryMs` is set (nothing was written; everything stays queued); other errors are thrown with the
   * results kept for the next try (if they are never stored, the leases expire and the rows are sent again).
   * On SQLite it is synchronous; on PostgreSQL it returns a promise, and one write runs at a time.
   */
  const writeQueued = (): boolean | Promise<boolean> => {
    if (writing) return writing.then(() => writeQueued());
    if (settlements.length === 0 && claims.length === 0 && !heartbeatDue) return true;
    const batch = settlements;
    const asked = claims;
    const beat = heartbeatDue;
    settlements = [];
    claims = [];
    heartbeatDue = false;
    const failed = (err: unknown): false => {
      settlements = batch.concat(settlements);
      heartbeatDue ||= beat;
      if (lockRetryMs !== undefined && isSqliteBusy(err)) {
        claims = asked.concat(claims);
        return false;
      }
      for (const c of asked) c.reject(err);
      throw err;
    };
    const done = (written: DispatchWritten): true => {
      const applied: Settled[] = [];
      for (const [i, s] of batch.entries()) {
        if (written.applied[i])
          applied.push(
            s.kind === "delivered" && s.createdAt !== undefined
              ? { id: s.id, kind: s.kind, lagMs: Math.max(0, s.at - s.createdAt) }
              : { id: s.id, kind: s.kind },
          );
        else
          logger.warn(
            { deliveryId: s.id, result: s.kind },
            "lease lost before the result was stored; ignored",
          );
      }
      for (const [i, c] of asked.entries()) {
        const b = written.claimed[i];
        if (b) held.set(b.token, b.rows.length);
        c.resolve(b);
      }
      for (const a of applied) for (const l of settledListeners) l(a);
      return true;
    };
    let result: DispatchWritten | Promise<DispatchWritten>;
    try {
      result = store.write(
        {
          settlements: batch,
          heartbeat: beat ? [...held.keys()] : null,
          claims: asked.map((c) => c.webhookId),
        },
        { now: clock, durable: durableMark() },
      );
    } catch (err) {
      return failed(err);
    }
    if (!(result instanceof Promise)) return done(result);
    const p = result.then(done, failed).finally(() => {
      writing = undefined;
      // Queued while this one ran: the next write.
      if (settlements.length > 0 || claims.length > 0 || heartbeatDue) scheduleWrite(0);
    });
    writing = p;
    return p;
  };

  let writeSoon = false;
  /** A write in `delayMs` (0: at the next turn of the event loop), unless one is due sooner. */
  const scheduleWrite = (delayMs: number) => {
    if (delayMs <= 0) {
      if (writeSoon) return;
      writeSoon = true;
      setImmediate(() => {
        writeSoon = false;
        tryWrite();
      });
      return;
    }
    const at = Date.now() + delayMs;
    if (at >= writeTimerAt) return;
    if (writeTimer) clearTimeout(writeTimer);
    writeTimerAt = at;
    writeTimer = setTimeout(() => {
      writeTimer = undefined;
      writeTimerAt = Number.POSITIVE_INFINITY;
      tryWrite();
    }, delayMs);
  };

  /** Writes what is queued now; if the lock is taken, again after `lockRetryMs` or at the next wake-up. */
  function tryWrite() {
    const wrote = (ok: boolean) => {
      if (ok) {
        writeBlocked = false;
        return;
      }
      writeBlocked = true;
      scheduleWrite(lockRetryMs ?? 0);
    };
    const failed = (err: unknown) => {
      logger.error({ err }, "storing delivery results failed; leases will expire and rows be retried");
      if (settlements.length > 0 || heartbeatDue) scheduleWrite(Math.max(100, settleDelayMs));
    };
    try {
      const r = writeQueued();
      if (r instanceof Promise) r.then(wrote, failed);
      else wrote(r);
    } catch (err) {
      failed(err);
    }
  }

  /**
   * One row of a claim has its result (or needs none): once all have, the heartbeat stops extending the claim's
   * lease, even if storing a result fails (unsettled rows then expire and are claimed again, at least once,
   * instead of staying leased by a heartbeat forever).
   */
  const forget = (token: string) => {
    const left = (held.get(token) ?? 1) - 1;
    if (left > 0) held.set(token, left);
    else held.delete(token);
  };

  /** Results go in the next write: at once (next turn of the event loop) or within `settleDelayMs`. */
  const settle = (s: Settlement) => {
    settlements.push(s);
    scheduleWrite(settleDelayMs);
    forget(s.token);
  };

  /** Claims a webhook's due rows (with whatever results are queued, in the same transaction). */
  const claim = (webhookId: number) =>
    new Promise<ClaimedBatch | undefined>((resolve, reject) => {
      claims.push({ webhookId, resolve, reject });
      tryWrite();
    });

  /**
   * Stores what is queued now, waiting for the lock if the connection waits (shutdown, tests): synchronously on
   * SQLite; on PostgreSQL the returned promise resolves once everything queued is stored.
   */
  function flushNow(): void | Promise<void> {
    const r = writeQueued();
    if (r instanceof Promise)
      return r.then((written) => {
        if (!written) throw new Error("the database is locked; delivery results stay queued");
        return drain();
      });
    if (!r) throw new Error("the database is locked; delivery results stay queued");
  }

  /** Stores everything queued, on either store (stop). */
  async function drain() {
    for (let i = 0; i < 100; i++) {
      if (!(await writeQueued())) throw new Error("the database is locked; delivery results stay queued");
      if (!writing && settlements.length === 0 && claims.length === 0 && !heartbeatDue) return;
    }
  }

  /** A read on a connection that does not wait for locks: tried again shortly if it finds one (rare in WAL). */
  const read = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    for (let tries = 0; ; tries++) {
      try {
        return await fn();
      } catch (err) {
        if (lockRetryMs === undefined || !isSqliteBusy(err) || tries >= 1000) throw err;
        await Bun.sleep(lockRetryMs);
      }
    }
  };

  const schedulePump = () => {
    if (pumpScheduled || !running) return;
    pumpScheduled = true;
    queueMicrotask(pump);
  };

  const armDueTimer = (at: number) => {
    if (at >= dueTimerAt) return;
    if (dueTimer) clearTimeout(dueTimer);
    dueTimerAt = at;
    dueTimer = setTimeout(
      () => {
        dueTimer = undefined;
        dueTimerAt = Number.POSITIVE_INFINITY;
        schedulePump();
      },
      Math.max(0, at - clock()),
    );
    dueTimer.unref?.();
  };

  const passFailed = (err: unknown) => {
    if (lockRetryMs !== undefined && isSqliteBusy(err)) {
      setTimeout(schedulePump, lockRetryMs);
      return;
    }
    logger.error({ err }, "dispatcher pass failed; retrying at the next poll");
  };

  const applyPass = (now: number, pass: DispatchPass) => {
    if (!running) return;
    for (const webhookId of pass.webhookIds) {
      if (lanes.size >= concurrency) break;
      if (!lanes.has(webhookId)) startLane(webhookId);
    }
    // Sleep until the next retry is due or a foreign lease expires; active lanes pump again on exit.
    if (pass.next !== undefined && pass.next > now) armDueTimer(pass.next);
  };

  function pump() {
    pumpScheduled = false;
    if (!running) return;
    if (writeBlocked || settlements.length > 0) tryWrite();
    // Lanes already running claim again as soon as they have room.
    for (const signal of laneSignals.values()) signal();
    if (passing) {
      passAgain = true;
      return;
    }
    const now = clock();
    let pass: DispatchPass | Promise<DispatchPass>;
    try {
      pass = store.pass(now, durableMark(), lanes.size < concurrency);
    } catch (err) {
      passFailed(err);
      return;
    }
    if (!(pass instanceof Promise)) {
      applyPass(now, pass);
      return;
    }
    passing = true;
    pass
      .then((p) => applyPass(now, p), passFailed)
      .finally(() => {
        passing = false;
        if (passAgain) {
          passAgain = false;
          schedulePump();
        }
      });
  }

  const outcomeSettlement = (
    row: ClaimedRow,
    token: string,
    webhookId: number,
    outcome: DeliveryOutcome,
  ): Settlement => {
    const now = clock();
    if (isSuccess(outcome) && outcome.kind === "response") {
      return {
        kind: "delivered",
        id: row.id,
        token,
        at: now,
        statusCode: outcome.statusCode,
        createdAt: row.createdAt,
      };
    }
    const statusCode = outcome.kind === "response" ? outcome.statusCode : null;
    const base = { id: row.id, token, webhookId, statusCode };
    if (outcome.kind === "response" && outcome.statusCode === 410) {
      return {
        ...base,
        kind: "gone",
        nextAttemptAt: now,
        error: "receiver answered 410 Gone; webhook disabled",
      };
    }
    // A refused address is retried like any failed attempt: the name may resolve to an allowed address
    // again (a DNS change, a failover), and the operator may allow it; it never got a connection.
    const error =
      outcome.kind !== "response"
        ? outcome.error
        : outcome.statusCode >= 300 && outcome.statusCode < 400
          ? `redirect ${outcome.statusCode} not followed`
          : `receiver answered ${outcome.statusCode}`;
    if (row.attempts >= maxAttempts) return { ...base, kind: "failed", nextAttemptAt: now, error };
    const backoff = retryDelayMs(row.attempts, retryBaseMs, random);
    const retryAfter = outcome.kind === "response" ? (outcome.retryAfterMs ?? 0) : 0;
    return { ...base, kind: "retry", nextAttemptAt: now + Math.max(backoff, retryAfter), error };
  };

  /**
   * One webhook's lane: sends its claimed rows with up to `window` requests in flight and claims more whenever
   * the window has room and a wake-up (a commit, a retry due, the poll) or a full claim says more may be due,
   * while earlier requests are still in flight. Rows wait in creation order; a row may start when the window has
   * room and no earlier row of its chat waits or is in flight (with a window of 1: simply the next row).
   */
  async function runLane(webhookId: number) {
    const log = logger.child({ webhookId });
    type Item = { row: ClaimedRow; token: string; event: EventRow | undefined; chat: string };
    const waiting: Item[] = [];
    /** Every row waiting or in flight, by id: a claim that takes one of them again (its lease ran out) renews it. */
    const byRow = new Map<number, Item>();
    const inFlight = new Set<Promise<void>>();
    const busyChats = new Set<string>();
    let hook: Hook | undefined;
    let gone = false;
    let claimWanted = true;
    let claiming: Promise<void> | undefined;
    let signalled = false;
    let wakeLane: (() => void) | undefined;
    const signal = () => {
      signalled = true;
      const w = wakeLane;
      wakeLane = undefined;
      w?.();
    };
    laneSignals.set(webhookId, () => {
      claimWanted = true;
      signal();
    });

    const attempt = async (item: Item, event: EventRow, target: Hook) => {
      const outcome = await attemptDelivery(
        {
          url: target.url,
          secret: target.secret,
          eventId: event.id,
          eventType: event.type,
          connectionId: event.connectionId,
          payload: event.payload,
        },
        { timeoutMs, receivers, clock, signal: stopController.signal },
      );
      // The lease this result is stored under: a later claim may have renewed it while the request was out.
      const { row, token } = item;
      byRow.delete(row.id);
      if (outcome.kind === "error" && stopController.signal.aborted) {
        // Cut off by shutdown: no result is known, so the row goes back to pending as it was.
        settle({ kind: "release", id: row.id, token, unsent: false, at: clock() });
        return;
      }
      const s = outcomeSettlement(row, token, webhookId, outcome);
      settle(s);
      if (s.kind === "gone") {
        gone = true;
        log.warn({ url: target.url, deliveryId: row.id }, "receiver answered 410 Gone; webhook disabled");
      } else if (s.kind === "failed") {
        log.warn({ deliveryId: row.id, attempts: row.attempts, error: s.error }, "delivery failed for good");
      } else if (outcome.kind === "refused") {
        // Worth a warning on every attempt: nothing reaches this receiver until DNS or the policy changes.
        log.warn(
          { deliveryId: row.id, attempts: row.attempts, error: outcome.error },
          "receiver address refused",
        );
      } else if (s.kind === "retry") {
        log.debug({ deliveryId: row.id, attempts: row.attempts, error: s.error }, "delivery will be retried");
      }
    };

    /** Claims due rows (the event reads happen after the write lock is released) and queues them by id. */
    const claimMore = async () => {
      const batch = await claim(webhookId);
      if (!batch) return;
      // More may be due than one claim takes.
      if (batch.rows.length >= batchSize) claimWanted = true;
      hook = await read(() => store.hook(webhookId));
      // Deleted between the claim and this read (its rows went with it): nothing more to send.
      if (!hook) gone = true;
      const items: Item[] = [];
      for (const row of batch.rows) {
        const known = byRow.get(row.id);
        if (known) {
          // Ours already (its lease ran out while it waited or was in flight, e.g. the thread was starved of CPU):
          // keep the one item under the new lease rather than sending the row twice (that claim counted one more
          // attempt).
          forget(known.token);
          known.token = batch.token;
          known.row = row;
          continue;
        }
        const stored = await read(() => store.event(row.eventId));
        const event = stored ? toEventRow(stored) : undefined;
        const chat = window > 1 && event ? await chatKey(event) : "";
        items.push({ row, token: batch.token, event, chat });
      }
      // Usually after every waiting row; a retry that came due may go before some of them.
      for (const item of items) {
        byRow.set(item.row.id, item);
        let i = waiting.length;
        while (i > 0 && waiting[i - 1]!.row.id > item.row.id) i--;
        waiting.splice(i, 0, item);
      }
    };

    /** Starts every waiting row the window and the chat order allow. */
    const startReady = () => {
      if (!hook || gone) return;
      const target = hook;
      const blocked = new Set(busyChats);
      for (let i = 0; i < waiting.length && inFlight.size < window; ) {
        const item = waiting[i]!;
        if (blocked.has(item.chat)) {
          i++;
          continue;
        }
        // With a window of 1 only the first row may start; with more, each chat's first waiting row.
        blocked.add(item.chat);
        waiting.splice(i, 1);
        const event = item.event;
        // Deleting an event cascades to its rows, so this only misses in a race with a delete.
        if (!event) {
          byRow.delete(item.row.id);
          forget(item.token);
          continue;
        }
        busyChats.add(item.chat);
        const p: Promise<void> = attempt(item, event, target)
          .catch((err) =>
            log.error({ err, deliveryId: item.row.id }, "delivery attempt crashed; its lease will expire"),
          )
          .finally(() => {
            inFlight.delete(p);
            busyChats.delete(item.chat);
            signal();
          });
        inFlight.add(p);
      }
    };

    try {
      while (running && !gone) {
        startReady();
        if (!claiming && claimWanted && inFlight.size < window) {
          claimWanted = false;
          claiming = claimMore()
            .catch((err) => log.error({ err }, "claiming deliveries failed; retrying at the next wake-up"))
            .finally(() => {
              claiming = undefined;
              signal();
            });
        }
        // Idle: nothing to send, nothing being claimed, no wake-up since the last (empty) claim.
        if (inFlight.size === 0 && waiting.length === 0 && !claiming && !claimWanted) return;
        if (!signalled) await new Promise<void>((resolve) => (wakeLane = resolve));
        signalled = false;
      }
      await claiming;
      await Promise.all(inFlight);
    } finally {
      laneSignals.delete(webhookId);
      // Rows claimed but never sent (shutdown, 410, or the webhook went away) go back without using an attempt.
      for (const { row, token } of waiting.splice(0)) {
        byRow.delete(row.id);
        settle({ kind: "release", id: row.id, token, unsent: true, at: clock() });
      }
    }
  }

  function startLane(webhookId: number) {
    const lane = runLane(webhookId)
      .catch((err) => logger.error({ err, webhookId }, "webhook lane crashed; its leases will expire"))
      .finally(() => {
        lanes.delete(webhookId);
        store.laneIdle(webhookId);
        schedulePump();
      });
    lanes.set(webhookId, lane);
  }

  const heartbeat = () => {
    if (held.size === 0) return;
    heartbeatDue = true;
    tryWrite();
  };

  /**
   * Webhooks stored before the address policy existed (or while it was relaxed) may point where it now
   * refuses; say so at boot rather than only in each delivery's lastError.
   */
  const warnRefusedReceivers = () => {
    const check = (hooks: { id: number; url: string }[]) => {
      for (const hook of hooks) {
        receivers.checkUrl(hook.url).catch((err) => {
          logger.warn(
            { webhookId: hook.id, error: err instanceof Error ? err.message : String(err) },
            "webhook receiver is refused by the address policy; its deliveries will fail",
          );
        });
      }
    };
    const hooks = store.enabledHooks();
    if (hooks instanceof Promise)
      hooks.then(check, (err) =>
        logger.warn({ err }, "reading the webhooks to check their receivers failed"),
      );
    else check(hooks);
  };

  return {
    /**
     * Releases expired leases left by a crashed process, subscribes to commits and starts polling. Old
     * deliveries and events are deleted by the retention job (src/domain/retention.service.ts).
     */
    start() {
      if (running) return;
      running = true;
      stopController = new AbortController();
      const released = store.releaseExpired(clock());
      if (typeof released === "number" && released > 0)
        logger.info({ released }, "released deliveries whose lease expired");
      // From here on every write is a non-blocking try (see lockRetryMs); stop() restores the wait.
      if (lockRetryMs !== undefined) store.nonBlocking();
      warnRefusedReceivers();
      unsubscribers.push(events.subscribe(schedulePump), events.onWake(schedulePump));
      const every = (ms: number, fn: () => void) => {
        const t = setInterval(fn, ms);
        t.unref?.();
        intervals.push(t);
      };
      every(pollIntervalMs, schedulePump);
      every(Math.max(10, Math.floor(leaseMs / 3)), heartbeat);
      schedulePump();
    },

    /**
     * Stops claiming, waits up to the grace period for requests in flight, aborts the rest and puts
     * every row still leased by this process back to `pending`: nothing is lost, at worst resent.
     */
    async stop(graceMs = stopGraceMs) {
      if (!running) return;
      running = false;
      for (const u of unsubscribers.splice(0)) u();
      for (const t of intervals.splice(0)) clearInterval(t);
      // Shutting down: what is left to store may wait for the lock as any other connection does.
      store.blocking();
      // Lanes waiting for a wake-up see the stop and finish (or release) what they hold.
      for (const signal of laneSignals.values()) signal();
      if (dueTimer) clearTimeout(dueTimer);
      dueTimer = undefined;
      dueTimerAt = Number.POSITIVE_INFINITY;
      const all = Promise.all([...lanes.values()]);
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      const graceOver = new Promise<"timeout">((resolve) => {
        graceTimer = setTimeout(() => resolve("timeout"), graceMs);
      });
      const result = await Promise.race([all.then(() => "done" as const), graceOver]);
      clearTimeout(graceTimer);
      if (result === "timeout") {
        logger.warn(
          { lanes: lanes.size },
          "deliveries still in flight after the grace period; aborting them",
        );
        stopController.abort();
        await all;
      }
      try {
        await drain();
        await store.releaseHeld([...held.keys()], clock());
      } catch (err) {
        // The leases expire and the rows are sent again by the next start: at least once, nothing lost.
        logger.error({ err }, "storing the last delivery results at stop failed");
      }
      held.clear();
      if (writeTimer) clearTimeout(writeTimer);
      writeTimer = undefined;
      writeTimerAt = Number.POSITIVE_INFINITY;
    },

    /** Claims now instead of at the next poll. */
    wake: schedulePump,
    /** Stores queued results now (tests and shutdown). */
    flush: flushNow,
    get running() {
      return running;
    },
    get inFlight() {
      return lanes.size;
    },
    /** Called after each stored result; for tests and metrics. */
    onSettled(listener: (s: Settled) => void) {
      settledListeners.push(listener);
      return () => {
        settledListeners = settledListeners.filter((l) => l !== listener);
      };
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
