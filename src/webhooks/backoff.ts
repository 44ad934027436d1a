import { backoffDelay } from "../lib/backoff";

/** Longest wait between two attempts, whatever the attempt number or a receiver's Retry-After. */
export const MAX_RETRY_DELAY_MS = 6 * 60 * 60 * 1000;
/** Each delay is the nominal one ±20 %; with a ×4 growth factor this keeps delays non-decreasing. */
export const RETRY_JITTER = 0.2;
const GROWTH = 4;

/**
 * Delay before the attempt that follows failed attempt number `attempt` (1-based):
 * `baseMs · 4^(attempt-1)`, jittered by ±20 % with `random()` in [0, 1), capped at 6 h.
 * The cap is applied after the jitter, so once reached every later delay is exactly the cap.
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  return backoffDelay({
    attempt: Math.max(0, attempt - 1),
    baseMs,
    factor: GROWTH,
    maxMs: MAX_RETRY_DELAY_MS,
    jitter: { kind: "proportional", ratio: RETRY_JITTER },
    random,
  });
}

/**
 * Parses a `Retry-After` header (delta-seconds or an HTTP date) into milliseconds from `now`;
 * undefined when absent or unparseable. Capped at 6 h so a hostile receiver cannot park a row forever.
 */
export function parseRetryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(0, ms));
}
