import { AppError } from "../../errors";

/**
 * An fsync of the WAL failed: the writes of that batch may not be on disk, and after such a failure the kernel may
 * have dropped the pages, so the store takes no more writes (503) and the server is not ready until it restarts.
 */
export class DurabilityError extends AppError {
  constructor(cause: unknown) {
    super(
      "ERR_SERVICE_UNAVAILABLE",
      "The database could not make a write durable (fsync failed); the server takes no more writes until it is restarted",
    );
    this.name = "DurabilityError";
    this.cause = cause;
  }
}

/** The driver errors behind drizzle's wrapper (DrizzleQueryError keeps the original as `cause`). */
function* causes(err: unknown): Generator<unknown> {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/**
 * The column a unique constraint refused, or null when `err` is something else. SQLite says
 * `UNIQUE constraint failed: queues.name`; PostgreSQL says SQLSTATE 23505 with `Key (name)=(…) already exists`.
 */
export function uniqueViolation(err: unknown): string | null {
  for (const e of causes(err)) {
    const msg = e instanceof Error ? e.message : "";
    const sqlite = /UNIQUE constraint failed: \w+\.(\w+)/.exec(msg);
    if (sqlite) return sqlite[1] ?? null;
    const pg = e as { errno?: unknown; detail?: unknown };
    if (pg.errno === "23505") {
      const key = /Key \((\w+)\)=/.exec(typeof pg.detail === "string" ? pg.detail : "");
      return key?.[1] ?? null;
    }
  }
  return null;
}

/** A PostgreSQL serialization failure or deadlock: the transaction did nothing and may simply run again. */
export function isRetryableConflict(err: unknown): boolean {
  for (const e of causes(err)) {
    const errno = (e as { errno?: unknown }).errno;
    if (errno === "40001" || errno === "40P01") return true;
  }
  return false;
}
