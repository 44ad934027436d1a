/**
 * The SSE hub on PostgreSQL: the same public shape as src/http/event-streams.ts (open, take, wait, track,
 * closeAll…), fed from the event feed in `(tx_id, seq)` order (src/webhooks/event-feed.ts `createPgEventFeed`, docs/
 * CLUSTER.md §5.3–§5.4) instead of seq order, so that it shows the events every node writes:
 *
 * - One shared read: a pass reads the feed after the hub's cursor (`head`) and appends each row to the bounded
 *   buffer of every live stream whose filter takes it (frames encoded once). A pass runs when `chasqui_events` is
 *   notified (any node's commit that stored an event: PostgreSQL delivers it at commit), when this node's sink says
 *   it committed one, and every `pollMs` (1 s) as the safety net for a dropped listen connection. The feed itself
 *   never hands out an event that a running transaction could still precede, so nothing is skipped.
 * - Catch-up (Last-Event-ID): a stream resuming from an older event reads the feed from that event's cursor, a
 *   page at a time as its client takes them, up to the hub's `head`, then joins the live set. Its reads and the
 *   shared passes run one at a time (one queue), so `head` does not move during a catch-up read: the rows it read
 *   (≤ head) and the rows the passes bring (> head) neither overlap nor leave a gap.
 * - Drop: as on SQLite, a live stream whose client lets `bufferEvents` pile up is dropped (`take()` says
 *   "dropped"; the client reconnects with Last-Event-ID and catches up from the table).
 *
 * Asynchronous where SQLite's hub is synchronous: a catch-up page arrives after `open`/`take`, and `onReady` (or a
 * pending `wait`) is called when it does. Created synchronously (the runtime builds it with the app): it starts
 * listening and reads its first position as the first job of its read queue, so every pass and page runs after
 * that; `ready` settles when it has.
 *
 * An agent's stream (`StreamFilter.visible`) needs the current queue of each message event's ticket: a pass (or a
 * page) that has such a stream live reads the queues of its rows' tickets in one query (`queuesOf`) before fanning
 * them out.
 */
import type { SQL } from "bun";
import type { FeedCursor } from "../cluster/event-feed";
import { pgClientOf } from "../db/sql/webhooks";
import type { Store } from "../db/store";
import { compareCursors, createPgEventFeed, type FeedRow, type PgEventFeed } from "../webhooks/event-feed";
import type { EventSink } from "../webhooks/events";
import { EVENTS_CHANNEL, listenTo } from "../webhooks/pg-wakeups";
import {
  createWaiter,
  DEFAULT_BUFFER_EVENTS,
  type EventStreams,
  encodeFrame,
  fanOut,
  type Live,
  matchFilter,
  type QueueOf,
  type StreamFilter,
  type StreamSubscription,
} from "./event-streams";

const BATCH = 200;

export type PgEventStreamsOptions = {
  store: Store;
  /** This node's sink: its commits wake the hub at once (the channel would too, a round trip later). */
  events?: Pick<EventSink, "subscribe">;
  /** The pool whose listen connection hears `chasqui_events` (default: the store's). */
  sql?: SQL;
  feed?: PgEventFeed;
  bufferEvents?: number;
  /** Safety-net read, ms (default 1000). */
  pollMs?: number;
  /** The current queue of each ticket (agent streams' visibility); default: every ticket unknown. */
  queuesOf?: (ticketIds: number[]) => Promise<Map<number, number | null>>;
  onError?: (err: unknown) => void;
};

/** The ticket a message event (not a `ticket_*` one, which names its queue) belongs to, if any. */
function messageTicketId(row: FeedRow): number | undefined {
  if (row.type.startsWith("ticket_")) return undefined;
  try {
    const id = JSON.parse(row.payload).data?.ticketId;
    return typeof id === "number" ? id : undefined;
  } catch {
    return undefined;
  }
}

export function createPgEventStreams(opts: PgEventStreamsOptions): PgEventStreams {
  const feed = opts.feed ?? createPgEventFeed(opts.store);
  const bufferEvents = opts.bufferEvents ?? DEFAULT_BUFFER_EVENTS;
  const onError = opts.onError ?? (() => {});
  const open = new Set<() => void>();
  const live = new Set<Live>();
  let head: FeedCursor = { txId: "0", seq: 0 };
  let dropped = 0;
  /** Live or catching-up streams with a visibility filter: passes look their tickets' queues up only then. */
  let agents = 0;
  let queues = new Map<number, number | null>();
  const queueOf: QueueOf = (id) => queues.get(id);
  /** Reads the queues of the rows' tickets into `queues`, when an agent stream may look them up. */
  const lookUpQueues = async (rows: FeedRow[]) => {
    if (agents === 0 || !opts.queuesOf) return;
    const ids = new Set<number>();
    for (const r of rows) {
      const id = messageTicketId(r);
      if (id !== undefined) ids.add(id);
    }
    queues = ids.size > 0 ? await opts.queuesOf([...ids]) : new Map();
  };

  /** Reads (shared passes and catch-up pages) run one at a time, in order. */
  let queue: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void>) => {
    queue = queue.then(fn).catch(onError);
    return queue;
  };

  let passQueued = false;
  const pass = async () => {
    passQueued = false;
    if (live.size === 0) {
      // Nobody to feed: move to the end. A stream opened later catches up from the table.
      head = await feed.head();
      return;
    }
    const touched: Live[] = [];
    for (;;) {
      const { rows, next, full } = await feed.after(head, { limit: BATCH });
      await lookUpQueues(rows);
      dropped += fanOut(rows, live, bufferEvents, touched);
      head = next;
      if (!full || live.size === 0) break;
    }
    for (const s of touched) {
      s.touched = false;
      s.notify();
    }
  };
  const schedule = () => {
    if (passQueued) return;
    passQueued = true;
    serial(pass);
  };

  // Listening before the first position is read: an event committed in between is then read by the next pass.
  // The first job of the read queue, so no pass or page runs before it.
  let unlisten: (() => void) | undefined;
  let stopped = false;
  const ready = serial(async () => {
    const sql = opts.sql ?? (await opts.store.read(async (q) => pgClientOf(q)));
    if (stopped) return;
    const listening = listenTo(sql, EVENTS_CHANNEL, schedule, onError);
    unlisten = listening;
    await listening.listening;
    head = await feed.head();
  });
  const unsubscribe = opts.events?.subscribe(() => schedule()) ?? (() => {});
  const poll = setInterval(schedule, opts.pollMs ?? 1000);
  poll.unref?.();

  return {
    /**
     * Opens a stream of the events after the event `afterSeq` (omit it for live events only), in feed order. A
     * resumed stream first reads from the table, page by page as its client takes them, then joins the live set.
     */
    open(filter: StreamFilter, afterSeq?: number, onReady?: () => void): StreamSubscription {
      const waiter = createWaiter();
      let closed = false;
      const me: Live = {
        filter: matchFilter(filter, queueOf),
        buffer: [],
        dropped: false,
        touched: false,
        notify: () => {
          waiter.wake();
          onReady?.();
        },
      };
      if (filter.visible) agents++;
      let catchingUp = afterSeq !== undefined;
      let cursor: FeedCursor | undefined;
      let reading = false;
      const catchUpPage = () => {
        if (reading || closed || !catchingUp) return;
        reading = true;
        serial(async () => {
          try {
            if (closed) return;
            // An event gone meanwhile (retention): from the oldest one kept.
            cursor ??= (await feed.cursorAfter(afterSeq!)) ?? { txId: "0", seq: 0 };
            const { rows, next, full } = await feed.after(cursor, {
              ...(filter.connectionId !== undefined ? { connectionId: filter.connectionId } : {}),
              ...(filter.types ? { types: filter.types } : {}),
              limit: BATCH,
            });
            const mine = rows.filter((r) => compareCursors(r.at, head) <= 0);
            const { visible } = filter;
            if (visible) await lookUpQueues(mine);
            for (const r of visible ? mine.filter((r) => visible(r, queueOf)) : mine)
              me.buffer.push(encodeFrame(r));
            cursor = compareCursors(next, head) <= 0 ? next : head;
            if (!full || mine.length < rows.length || compareCursors(next, head) >= 0) {
              // Caught up to the hub: from here on the shared passes bring every row after `head`.
              catchingUp = false;
              live.add(me);
            }
          } finally {
            reading = false;
          }
          me.notify();
        });
      };
      if (catchingUp) catchUpPage();
      else live.add(me);

      return {
        take() {
          if (me.dropped) return "dropped";
          const frames = me.buffer;
          me.buffer = [];
          if (catchingUp && frames.length === 0) catchUpPage();
          return frames;
        },
        wait(timeoutMs) {
          if (me.dropped || me.buffer.length > 0) return Promise.resolve(true);
          if (catchingUp) catchUpPage();
          return waiter.wait(timeoutMs);
        },
        interrupt() {
          waiter.wake();
        },
        close() {
          if (closed) return;
          closed = true;
          if (filter.visible) agents--;
          live.delete(me);
          me.buffer = [];
          waiter.wake();
        },
      };
    },
    track(end: () => void): () => void {
      open.add(end);
      return () => open.delete(end);
    },
    closeAll(): void {
      for (const end of [...open]) end();
    },
    /** Settles once the hub listens and knows its first position (its read queue's first job). */
    ready,
    /** Stops listening and polling (after closeAll, at shutdown). */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(poll);
      unsubscribe();
      await ready;
      unlisten?.();
      await queue;
    },
    /** Reads the feed now (tests; the channel and the poll do it otherwise). */
    refresh(): Promise<void> {
      schedule();
      return queue;
    },
    get size() {
      return open.size;
    },
    get dropped() {
      return dropped;
    },
    /** The seq of the last event fanned out (feed order is not seq order on PostgreSQL: for metrics only). */
    get headSeq() {
      return head.seq;
    },
  };
}

export type PgEventStreams = EventStreams & {
  ready: Promise<void>;
  stop(): Promise<void>;
  refresh(): Promise<void>;
};
