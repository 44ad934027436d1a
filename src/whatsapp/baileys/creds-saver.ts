import type { Logger } from "../../logger";

/**
 * Saves Baileys' credentials, retrying a failed save after a backoff. Credentials are one object Baileys
 * mutates in place: a later save writes the latest state, so failed saves need one pending retry, not a
 * queue.
 */
export function createCredsSaver(opts: {
  log: Logger;
  /** Writes the current credentials; throws when the write fails. */
  write: () => void;
  /** Delay before the next try after `failures` consecutive failures (from 0). */
  retryDelayMs: (failures: number) => number;
}) {
  const { log, write } = opts;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  const save = () => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    try {
      write();
      if (failures > 0) log.info({ failures }, "WhatsApp credentials saved after retries");
      failures = 0;
    } catch (err) {
      // A full or busy disk: the session keeps its credentials in memory, so it works until a restart;
      // keep trying, since a restart before they are saved means linking the phone again.
      const delayMs = opts.retryDelayMs(failures++);
      log.error({ err, retryInMs: delayMs, failures }, "saving WhatsApp credentials failed; will retry");
      retryTimer = setTimeout(save, delayMs);
    }
  };

  /** After a logout the credentials are gone on purpose: a pending retry must not write them back. */
  const dropRetry = () => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
  };

  return {
    save,
    dropRetry,
    /** At stop, while the database is still open: one last try of a save still failing. */
    flush() {
      if (!retryTimer) return;
      dropRetry();
      try {
        write();
      } catch (err) {
        log.error({ err }, "saving WhatsApp credentials failed at stop; the phone may need linking again");
      }
    },
  };
}
