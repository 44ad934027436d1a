/**
 * Wake-ups across nodes on PostgreSQL (docs/CLUSTER.md §5.1, §5.3). Every transaction that stores an event notifies
 * `chasqui_events` (src/cluster/pg-event-sink.ts, delivered at commit), and a retry asked through the API notifies
 * `chasqui_wake` (the sink's `wake()`): PostgreSQL delivers both to every node listening, this one included. The
 * main thread hears them through the sink itself; a dispatcher thread with a pool of its own listens here. `Bun.SQL.listen` keeps one dedicated connection per client for all its channels
 * and subscribes again after a reconnect; notifications sent while it was down are lost, which is why the
 * dispatcher and the SSE hub still poll (their safety net), never relying on the channel alone.
 */
import type { SQL } from "bun";
import { EVENTS_CHANNEL, WAKE_CHANNEL } from "../cluster/pg-event-sink";

export { EVENTS_CHANNEL, WAKE_CHANNEL };

export type Wakeups = {
  /** Events were committed (by any node). */
  subscribe(listener: () => void): () => void;
  /** Deliveries were re-enqueued without a new event (a retry, on any node). */
  onWake(listener: () => void): () => void;
};

/**
 * `listener` on `channel` through `sql`'s listen connection; the returned function unlistens (`listening` resolves
 * once the server acknowledged the LISTEN: notifications before that are not heard). The listener also runs after
 * every (re)subscription, since what was notified while the connection was down is lost.
 */
export function listenTo(
  sql: SQL,
  channel: string,
  listener: () => void,
  onError: (err: unknown) => void = () => {},
): (() => void) & { listening: Promise<void> } {
  let stopped = false;
  const fire = () => {
    if (!stopped) listener();
  };
  const subscription = sql.listen(channel, fire, fire);
  const listening = subscription.then(
    () => {},
    (err) => onError(err),
  );
  const off = () => {
    stopped = true;
    subscription.then((s) => s.unlisten()).catch(() => {});
  };
  return Object.assign(off, { listening });
}

/** The two channels as the dispatcher's wake-ups. */
export function pgWakeups(sql: SQL, onError?: (err: unknown) => void): Wakeups {
  return {
    subscribe: (listener) => listenTo(sql, EVENTS_CHANNEL, listener, onError),
    onWake: (listener) => listenTo(sql, WAKE_CHANNEL, listener, onError),
  };
}

/** Both sources at once: this process's own (the event sink, a thread's port) and another's (the channels). */
export function mergeWakeups(...sources: Wakeups[]): Wakeups {
  return {
    subscribe(listener) {
      const offs = sources.map((s) => s.subscribe(listener));
      return () => {
        for (const off of offs) off();
      };
    },
    onWake(listener) {
      const offs = sources.map((s) => s.onWake(listener));
      return () => {
        for (const off of offs) off();
      };
    },
  };
}
