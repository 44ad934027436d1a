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
 * pending `wait`) is called when it does.
 */
import type { SQL } from "bun";
import type { FeedCursor } from "../cluster/event-feed";
import { pgClientOf } from "../db/sql/webhooks";
import type { Store } from "../db/store";
import { compareCursors, createPgEventFeed, type FeedRow, type PgEventFeed } from "../webhooks/event-feed";
import type { EventSink } from "../webhooks/events";
import { EVENTS_CHANNEL, listenTo } from "../webhooks/pg-wakeups";
import {
  DEFAULT_BUFFER_EVENTS,
  encodeFrame,
  fanOut,
  type Live,
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
  onError?: (err: unknown) => void;
};

export async function createPgEventStreams(opts: PgEventStreamsOptions) {
  const feed = opts.feed ?? createPgEventFeed(opts.store);
  const bufferEvents = opts.bufferEvents ?? DEFAULT_BUFFER_EVENTS;
  const onError = opts.onError ?? (() => {});
  const sql = opts.sql ?? (await opts.store.read(async (q) => pgClientOf(q)));
  const open = new Set<() => void>();
  const live = new Set<Live>();
  let head: FeedCursor = { txId: "0", seq: 0 };
  let dropped = 0;

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
  const unlisten = listenTo(sql, EVENTS_CHANNEL, schedule, onError);
  await unlisten.listening;
  head = await feed.head();
  const unsubscribe = opts.events?.subscribe(() => schedule()) ?? (() => {});
  const poll = setInterval(schedule, opts.pollMs ?? 1000);
  poll.unref?.();

  const matcher = (f: StreamFilter) => {
    const types = f.types && f.types.length > 0 ? new Set(f.types) : undefined;
    return (row: FeedRow) =>
      (f.connectionId === undefined || row.connectionId === f.connectionId) &&
      (types === undefined || types.has(row.type)) &&
      (f.visible === undefined || f.visible(row));
  };

  return {
    /**
     * Opens a stream of the events after the event `afterSeq` (omit it for live events only), in feed order. A
     * resumed stream first reads from the table, page by page as its client takes them, then joins the live set.
     */
    open(filter: StreamFilter, afterSeq?: number, onReady?: () => void): StreamSubscription {
      let wake: (() => void) | undefined;
      let closed = false;
      const me: Live = {
        filter: matcher(filter),
        buffer: [],
        dropped: false,
        touched: false,
        notify: () => {
          wake?.();
          onReady?.();
        },
      };
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
            for (const r of visible ? mine.filter(visible) : mine) me.buffer.push(encodeFrame(r));
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
          return new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => {
              wake = undefined;
              resolve(false);
            }, timeoutMs);
            wake = () => {
              wake = undefined;
              clearTimeout(timer);
              resolve(true);
            };
          });
        },
        interrupt() {
          wake?.();
        },
        close() {
          closed = true;
          live.delete(me);
          me.buffer = [];
          wake?.();
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
    /** Stops listening and polling (after closeAll, at shutdown). */
    async stop(): Promise<void> {
      clearInterval(poll);
      unsubscribe();
      unlisten();
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

export type PgEventStreams = Awaited<ReturnType<typeof createPgEventStreams>>;
