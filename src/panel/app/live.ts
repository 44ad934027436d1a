import { useEffect, useRef, useState } from "preact/hooks";
import { EVENT_NAMES } from "./api";

export type LiveEvent = {
  event: string;
  connectionId: number | null;
  data: Record<string, unknown>;
};
type Listener = (e: LiveEvent) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(on: boolean) => void>();
let source: EventSource | null = null;
let online = false;

const setOnline = (on: boolean) => {
  online = on;
  for (const l of statusListeners) l(on);
};

/**
 * One EventSource for the whole panel. It cannot send headers, so a token goes as ?access_token= (the
 * stream route accepts it there only). On reconnect the browser sends Last-Event-ID and the server replays
 * what was missed; a `reset` (id past retention) makes every screen reload.
 */
export function connectLive(token: string | null) {
  disconnectLive();
  // A signed-in person's EventSource sends the session cookie by itself.
  const es = new EventSource(
    token ? `/api/v1/events/stream?access_token=${encodeURIComponent(token)}` : "/api/v1/events/stream",
  );
  source = es;
  es.onopen = () => setOnline(true);
  es.onerror = () => setOnline(false);
  const dispatch = (e: LiveEvent) => {
    for (const l of listeners) l(e);
  };
  for (const name of EVENT_NAMES) {
    es.addEventListener(name, (m) => {
      const env = JSON.parse((m as MessageEvent<string>).data) as LiveEvent;
      dispatch(env);
    });
  }
  es.addEventListener("reset", () => dispatch({ event: "reset", connectionId: null, data: {} }));
}

export function disconnectLive() {
  source?.close();
  source = null;
  setOnline(false);
}

/** Calls the latest `handler` for every live event while the component is mounted. */
export function useLive(handler: Listener) {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const l: Listener = (e) => ref.current(e);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
}

export function useLiveStatus() {
  const [on, setOn] = useState(online);
  useEffect(() => {
    statusListeners.add(setOn);
    setOn(online);
    return () => {
      statusListeners.delete(setOn);
    };
  }, []);
  return on;
}

/**
 * Coalesces bursts (an inbound message emits three events) into one call shortly after. A call still
 * pending when the component goes away is dropped: a ticket just transferred out of my queues must not be
 * asked for again (the server would answer 404).
 */
export function useCoalesced(fn: () => void) {
  const ref = useRef(fn);
  ref.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    },
    [],
  );
  return () => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      ref.current();
    }, 50);
  };
}
