import { LeaseLost } from "../../cluster/leases";
import type { Logger } from "../../logger";

/**
 * Saves Baileys' credentials, retrying a failed save after a backoff. Credentials are one object Baileys
 * mutates in place: a later save writes the latest state, so failed saves need one pending retry, not a
 * queue. An asynchronous write (PostgreSQL) runs one at a time: a save asked for while one is in flight runs
 * once more after it, so an older copy can never commit after a newer one. A write that finds the
 * connection's lease lost is not retried: the socket is closing, and the new owner keeps the keys.
 */
export function createCredsSaver(opts: {
  log: Logger;
  /** Writes the current credentials; throws (or rejects) when the write fails. */
  write: () => void | Promise<void>;
  /** Delay before the next try after `failures` consecutive failures (from 0). */
  retryDelayMs: (failures: number) => number;
}) {
  const { log, write } = opts;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let inFlight = false;
  let again = false;

  const succeeded = () => {
    if (failures > 0) log.info({ failures }, "WhatsApp credentials saved after retries");
    failures = 0;
  };
  const failed = (err: unknown) => {
    if (err instanceof LeaseLost) {
      log.warn({ err }, "WhatsApp credentials not saved: this node lost the connection's lease");
      return;
    }
    // A full or busy disk: the session keeps its credentials in memory, so it works until a restart;
    // keep trying, since a restart before they are saved means linking the phone again.
    const delayMs = opts.retryDelayMs(failures++);
    log.error({ err, retryInMs: delayMs, failures }, "saving WhatsApp credentials failed; will retry");
    retryTimer = setTimeout(save, delayMs);
  };

  const save = () => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (inFlight) {
      again = true;
      return;
    }
    let pending: void | Promise<void>;
    try {
      pending = write();
    } catch (err) {
      failed(err);
      return;
    }
    if (!(pending instanceof Promise)) {
      succeeded();
      return;
    }
    inFlight = true;
    pending.then(succeeded, failed).finally(() => {
      inFlight = false;
      if (again) {
        again = false;
        save();
      }
    });
  };

  /** After a logout the credentials are gone on purpose: a pending retry must not write them back. */
  const dropRetry = () => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    again = false;
  };

  return {
    save,
    dropRetry,
    /** At stop, while the database is still open: one last try of a save still failing. */
    flush() {
      if (!retryTimer) return;
      dropRetry();
      try {
        const pending = write();
        if (pending instanceof Promise)
          pending.catch((err) =>
            log.error(
              { err },
              "saving WhatsApp credentials failed at stop; the phone may need linking again",
            ),
          );
      } catch (err) {
        log.error({ err }, "saving WhatsApp credentials failed at stop; the phone may need linking again");
      }
    },
  };
}
