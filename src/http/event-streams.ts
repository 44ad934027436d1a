import type { EventFeed, FeedRow } from "../webhooks/event-feed";
import type { EventSink } from "../webhooks/events";

/** Events one stream may hold in memory waiting for its socket before it is dropped (see `bufferEvents`). */
export const DEFAULT_BUFFER_EVENTS = 1000;
/** Rows read per query, by the shared live read and by a stream catching up from the table. */
const BATCH = 200;

/** The queue of a ticket as the hub knows it while it fans a pass out; undefined for a ticket that is gone. */
export type QueueOf = (ticketId: number) => number | null | undefined;

export type StreamFilter = {
  connectionId?: number;
  types?: readonly string[];
  /**
   * What else a row must pass (a signed-in agent's ticket visibility). `queueOf` answers for the tickets of the
   * rows being fanned out: synchronously from the database on SQLite, from one batched read per pass on PostgreSQL.
   */
  visible?: (row: FeedRow, queueOf: QueueOf) => boolean;
};

/** One stored event as a ready-to-send SSE frame, encoded once and shared by every stream that takes it. */
export type Frame = { seq: number; bytes: Uint8Array };

/** What a stream takes next: frames in `seq` order (empty when none are ready), or "dropped" when it fell behind. */
export type Taken = Frame[] | "dropped";

export type StreamSubscription = {
  /** The next events, in `seq` order, with no gap or repeat across calls; synchronous. */
  take(): Taken;
  /** Resolves true as soon as `take()` has something (or `interrupt()` was called), false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean>;
  /** Wakes a pending `wait()` (a stream that is ending). */
  interrupt(): void;
  /** Leaves the live feed. */
  close(): void;
};

/**
 * What tells the hub that events were committed, and which: the event sink of this thread (or, in a hub that never
 * streams, nothing). Each event comes with its wire id, its exact body and its envelope, once stored and durable.
 */
export type CommitNotices = Pick<EventSink, "subscribe">;

export type EventStreamsOptions = {
  events: CommitNotices;
  feed: EventFeed;
  /** The queue of a ticket, read synchronously (agent streams' visibility); default: unknown ticket. */
  queueOf?: QueueOf;
  /** Events a live stream may hold while its client is slow; one more drops it with a reset. Default 1000. */
  bufferEvents?: number;
};

const encoder = new TextEncoder();

/** `event:`, `data:` (one line per payload line) and `id:`, as Hono's writeSSE writes them. */
export function encodeFrame(row: FeedRow): Frame {
  const data = row.payload
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join("\n");
  return { seq: row.seq, bytes: encoder.encode(`event: ${row.type}\n${data}\nid: ${row.id}\n\n`) };
}

/** A stream's filter as one predicate over rows; `queueOf` is the hub's (see {@link StreamFilter.visible}). */
export function matchFilter(f: StreamFilter, queueOf: QueueOf): (row: FeedRow) => boolean {
  const types = f.types && f.types.length > 0 ? new Set(f.types) : undefined;
  const { visible } = f;
  return (row: FeedRow) =>
    (f.connectionId === undefined || row.connectionId === f.connectionId) &&
    (types === undefined || types.has(row.type)) &&
    (visible === undefined || visible(row, queueOf));
}

/**
 * One stream's pending `wait`: `wait(ms)` resolves true when `wake()` is called first, false after `ms`. A stream
 * has one reader, which waits again only after its last wait resolved.
 */
export function createWaiter() {
  let wake: (() => void) | undefined;
  return {
    wait(timeoutMs: number): Promise<boolean> {
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
    wake(): void {
      wake?.();
    },
  };
}

export type Live = {
  filter: (row: FeedRow) => boolean;
  buffer: Frame[];
  dropped: boolean;
  /** Set while a pump pass has it in its list of streams to notify. */
  touched: boolean;
  notify: () => void;
};

/**
 * One pass's rows onto the live streams (the SQLite and the PostgreSQL hub share it): each row's frame, encoded
 * once, goes to every stream whose filter takes it; a stream whose buffer is full is dropped (removed from `live`).
 * Each stream that got something is added once to `touched`, to be notified after the pass. Returns how many
 * streams were dropped.
 */
export function fanOut(rows: FeedRow[], live: Set<Live>, bufferEvents: number, touched: Live[]): number {
  let dropped = 0;
  for (const row of rows) {
    let frame: Frame | undefined;
    for (const s of live) {
      if (!s.filter(row)) continue;
      if (s.buffer.length >= bufferEvents) {
        live.delete(s);
        s.dropped = true;
        s.buffer = [];
        dropped++;
      } else {
        frame ??= encodeFrame(row);
        s.buffer.push(frame);
      }
      if (!s.touched) {
        s.touched = true;
        touched.push(s);
      }
    }
  }
  return dropped;
}

/**
 * The Server-Sent Events streams one server is serving, and the one reader that feeds them all. Owned by the
 * runtime (one per app, so tests get their own).
 *
 * Live fan-out: after each commit the event sink notifies; the hub reads the new rows once, in `seq` order
 * (`feed.after(headSeq)`, no filter), and appends each row to the bounded buffer of every live stream whose
 * filter takes it. So the database work per event does not grow with the number of open streams. The sink's notices
 * carry the events themselves (announced once stored and durable, in `seq` order): while they continue `headSeq`
 * without a gap the hub fans them out as they are, and reads the table only from the first gap on (an event another
 * writer stored, or events announced out of order).
 *
 * Hand-over: a stream resuming from an older `seq` catches up from the table on its own, in batches, up to
 * the hub's `headSeq` (every committed row at or below it has been fanned out already, and every row above it
 * will be). When a read comes back short of a full batch it joins the live set in the same synchronous step,
 * so the rows it read (≤ headSeq) and the rows it will receive (> headSeq) neither overlap nor leave a gap.
 *
 * Drop: a client that does not read lets its socket fill, so its buffer grows; at `bufferEvents` it is
 * dropped (buffer freed, `take()` says "dropped", the route sends `event: reset` and ends the response), and
 * the client reconnects with Last-Event-ID and catches up from the table without holding memory here.
 *
 * A graceful stop ends every stream first (`closeAll`), since `server.stop()` waits for responses in flight
 * and a stream never finishes by itself. EventSource clients reconnect with Last-Event-ID and lose nothing.
 */
export function createEventStreams(opts: EventStreamsOptions): EventStreams {
  const { feed } = opts;
  const bufferEvents = opts.bufferEvents ?? DEFAULT_BUFFER_EVENTS;
  const open = new Set<() => void>();
  const live = new Set<Live>();
  /** Every committed row up to here was fanned out (or no stream was live to take it). */
  let headSeq = feed.latestSeq();
  /** The highest `seq` the sink said was committed. */
  let notifiedSeq = headSeq;
  let scheduled = false;
  let dropped = 0;
  /** Announced events not fanned out yet, as feed rows, in the order they were announced. */
  let announced: FeedRow[] = [];

  const pump = () => {
    scheduled = false;
    const fresh = announced;
    announced = [];
    if (live.size === 0) {
      // Nobody to feed: skip the read. A stream that opens later catches up from the table to here.
      headSeq = Math.max(headSeq, notifiedSeq);
      return;
    }
    // Streams that got something in this pass, told once at its end: one flush per stream per pass, however
    // many rows (and commits) the pass carried.
    const touched: Live[] = [];
    // The announced events that continue headSeq with no gap, as they are; the table from the first gap on.
    let from = 0;
    while (from < fresh.length && fresh[from]!.seq <= headSeq) from++;
    let to = from;
    while (to < fresh.length && fresh[to]!.seq === headSeq + 1 + (to - from)) to++;
    if (to > from) {
      dropped += fanOut(fresh.slice(from, to), live, bufferEvents, touched);
      headSeq = fresh[to - 1]!.seq;
    }
    while (headSeq < notifiedSeq && live.size > 0) {
      const rows = feed.after(headSeq, { limit: BATCH });
      dropped += fanOut(rows, live, bufferEvents, touched);
      const last = rows.at(-1);
      if (last) headSeq = last.seq;
      if (rows.length < BATCH || live.size === 0) break;
    }
    headSeq = Math.max(headSeq, notifiedSeq);
    for (const s of touched) {
      s.touched = false;
      s.notify();
    }
  };

  // Subscribed for the runtime's life: the sink calls listeners once the commit is done, in `seq` order.
  opts.events.subscribe((e) => {
    // Kept only while a stream is live: with none, the pass skips the events (a stream that opens meanwhile
    // reads them from the table, as `headSeq` is behind `notifiedSeq`).
    if (live.size > 0 && e.seq > headSeq)
      announced.push({
        seq: e.seq,
        id: e.id,
        connectionId: e.envelope.connectionId,
        type: e.envelope.event,
        payload: e.payload,
        createdAt: new Date(e.envelope.timestamp),
      });
    if (e.seq <= notifiedSeq) return;
    notifiedSeq = e.seq;
    if (!scheduled) {
      scheduled = true;
      // All the events of one commit (and of commits flushed together) are read with one query.
      queueMicrotask(pump);
    }
  });

  const queueOf: QueueOf = opts.queueOf ?? (() => undefined);

  return {
    /**
     * Opens a stream of the events after `afterSeq` (omit it for live events only), in `seq` order.
     * Rows older than the hub's position are read from the table by this stream; newer ones come from the
     * shared read. `onReady` is called synchronously at the end of a fan-out pass that gave this stream
     * something to `take()` (or dropped it): a push-style writer flushes from there, with no promise per write.
     */
    open(filter: StreamFilter, afterSeq?: number, onReady?: () => void): StreamSubscription {
      let cursor = afterSeq ?? headSeq;
      let catchingUp = cursor < headSeq;
      const waiter = createWaiter();
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
      if (!catchingUp) live.add(me);

      const catchUp = (): Frame[] => {
        const upTo = headSeq;
        const rows = feed.after(cursor, { ...filter, limit: BATCH });
        const mine = rows.filter((r) => r.seq <= upTo);
        if (rows.length < BATCH || mine.length < rows.length) {
          // Caught up to the hub: from here on the shared read brings every row after `upTo`.
          catchingUp = false;
          cursor = upTo;
          live.add(me);
        }
        const last = mine.at(-1);
        if (last && last.seq > cursor) cursor = last.seq;
        const { visible } = filter;
        return (visible ? mine.filter((r) => visible(r, queueOf)) : mine).map(encodeFrame);
      };

      return {
        take() {
          if (me.dropped) return "dropped";
          if (catchingUp) return catchUp();
          if (me.buffer.length === 0) return [];
          const rows = me.buffer.filter((r) => r.seq > cursor);
          me.buffer = [];
          const last = rows.at(-1);
          if (last) cursor = last.seq;
          return rows;
        },
        wait(timeoutMs) {
          if (me.dropped || catchingUp || me.buffer.length > 0) return Promise.resolve(true);
          return waiter.wait(timeoutMs);
        },
        interrupt() {
          waiter.wake();
        },
        close() {
          live.delete(me);
          me.buffer = [];
          waiter.wake();
        },
      };
    },
    /** Registers a stream's way to end; returns the function that forgets it. */
    track(end: () => void): () => void {
      open.add(end);
      return () => open.delete(end);
    },
    /** Ends every open stream. */
    closeAll(): void {
      for (const end of [...open]) end();
    },
    /** Open streams. */
    get size() {
      return open.size;
    },
    /** Streams dropped for falling `bufferEvents` behind, since start. */
    get dropped() {
      return dropped;
    },
    /** The `seq` up to which events were fanned out. */
    get headSeq() {
      return headSeq;
    },
  };
}

/** What the SSE route, the metrics and the shutdown use of a hub: the SQLite one or the PostgreSQL one. */
export type EventStreams = {
  open(filter: StreamFilter, afterSeq?: number, onReady?: () => void): StreamSubscription;
  track(end: () => void): () => void;
  closeAll(): void;
  /** Stops reading (the PostgreSQL hub's listener and poll); after `closeAll`, at shutdown. */
  stop?(): Promise<void>;
  readonly size: number;
  readonly dropped: number;
  readonly headSeq: number;
};
