import { type FileHandle, open } from "node:fs/promises";

/** Makes the WAL's written frames durable: `sync()` resolves once an fsync that began after the call completed. */
export type WalSyncer = {
  sync(): Promise<void>;
  close(): Promise<void>;
};

/**
 * fsync of `<database>-wal` on Bun's thread pool (`FileHandle.sync()`), so the event loop goes on meanwhile; the
 * group commit's COMMIT runs with `synchronous = NORMAL` (frames written, not synced) and awaits this before it
 * answers anyone (docs/PERFORMANCE.md "The commit's fsync off the event loop").
 *
 * Our handle and SQLite's are the same inode: SQLite truncates or rewrites the WAL in place and deletes it only
 * when the last connection closes, so an fsync here covers every frame SQLite wrote before it began. One fsync
 * runs at a time; the callers that arrive while it runs (their COMMIT may have come after it began) share the
 * next one, so under load the fsyncs coalesce instead of queueing one per batch.
 *
 * `fsync` is the call itself, replaceable by tests (to hold or fail it).
 */
export function createWalSyncer(
  walPath: string,
  fsync: (handle: FileHandle) => Promise<void> = (handle) => handle.sync(),
): WalSyncer {
  let handle: Promise<FileHandle> | undefined;
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  const start = (): Promise<void> => {
    const run = (async () => {
      handle ??= open(walPath, "r");
      await fsync(await handle);
    })();
    running = run;
    const clear = () => {
      if (running === run) running = undefined;
    };
    run.then(clear, clear);
    return run;
  };

  return {
    sync() {
      if (!running) return start();
      // The running fsync may have begun before the caller's COMMIT: wait for it, then take part in the next.
      next ??= running
        .catch(() => {})
        .then(() => {
          next = undefined;
          return start();
        });
      return next;
    },
    async close() {
      await Promise.allSettled([running, next]);
      const h = handle;
      handle = undefined;
      if (h) await (await h).close();
    },
  };
}
