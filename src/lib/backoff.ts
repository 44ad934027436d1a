/**
 * How a delay is spread around its nominal value `baseMs · factor^attempt`:
 * - `proportional`: the nominal delay ±`ratio` (0.2 = ±20 %), capped afterwards, so once the cap is
 *   reached every delay is exactly `maxMs` and delays never decrease (when the factor outgrows the ratio);
 * - `equal` ("equal jitter"): the nominal delay is capped first, then drawn uniformly from its upper half,
 *   [ceiling/2, ceiling); it stays spread at the cap, so clients that failed together do not retry together.
 */
export type Jitter = { kind: "proportional"; ratio: number } | { kind: "equal" };

export type BackoffOptions = {
  /** Failures already waited for, from 0: the first retry uses `baseMs` as its nominal delay. */
  attempt: number;
  /** Nominal delay of the first retry, ms; positive. */
  baseMs: number;
  /** Growth of the nominal delay per attempt (2 doubles it). */
  factor: number;
  /** Longest delay, ms. */
  maxMs: number;
  jitter: Jitter;
  /** A number in [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
};

/** Capped exponential backoff with jitter, in whole milliseconds. */
export function backoffDelay({
  attempt,
  baseMs,
  factor,
  maxMs,
  jitter,
  random = Math.random,
}: BackoffOptions): number {
  // A huge attempt makes this Infinity, which the cap turns into maxMs.
  const nominal = baseMs * factor ** attempt;
  if (jitter.kind === "proportional") {
    const spread = 1 + jitter.ratio * (2 * random() - 1);
    return Math.min(maxMs, Math.round(nominal * spread));
  }
  const ceiling = Math.min(maxMs, nominal);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
