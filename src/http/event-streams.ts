/**
 * The Server-Sent Events streams one server is serving. Owned by the runtime (one per app, so tests get
 * their own): a graceful stop ends every stream first, since `server.stop()` waits for responses in flight
 * and a stream never finishes by itself. EventSource clients reconnect with Last-Event-ID and lose nothing.
 */
export function createEventStreams() {
  const open = new Set<() => void>();
  return {
    /** Registers a stream's way to end; returns the function that forgets it. */
    track(end: () => void): () => void {
      open.add(end);
      return () => open.delete(end);
    },
    /** Ends every open stream. */
    closeAll(): void {
      for (const end of [...open]) end();
    },
    get size() {
      return open.size;
    },
  };
}

export type EventStreams = ReturnType<typeof createEventStreams>;
