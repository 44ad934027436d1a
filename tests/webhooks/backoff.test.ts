import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  MAX_RETRY_DELAY_MS,
  parseRetryAfterMs,
  RETRY_JITTER,
  retryDelayMs,
} from "../../src/webhooks/backoff";

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("retry backoff", () => {
  test("each delay is base·4^(n-1) within ±20 % jitter, never above 6 hours", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 3_600_000 }),
        unit,
        (n, base, r) => {
          const d = retryDelayMs(n, base, () => r);
          const nominal = base * 4 ** (n - 1);
          expect(d).toBeLessThanOrEqual(MAX_RETRY_DELAY_MS);
          if (nominal * (1 + RETRY_JITTER) <= MAX_RETRY_DELAY_MS) {
            expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * (1 - RETRY_JITTER)));
            expect(d).toBeLessThanOrEqual(Math.ceil(nominal * (1 + RETRY_JITTER)));
          }
          expect(d).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("delays never decrease from one attempt to the next, whatever the jitter", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.array(unit, { minLength: 30, maxLength: 30 }),
        (base, jitters) => {
          const delays = jitters.map((r, i) => retryDelayMs(i + 1, base, () => r));
          for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
          expect(delays.at(-1)).toBe(MAX_RETRY_DELAY_MS);
        },
      ),
    );
  });

  test("the default schedule (5 s base, 12 attempts) spans between one and two days before a delivery fails", () => {
    const total = Array.from({ length: 11 }, (_, i) => retryDelayMs(i + 1, 5000, () => 0.5)).reduce(
      (a, b) => a + b,
    );
    expect(total).toBeGreaterThan(24 * 60 * 60 * 1000);
    expect(total).toBeLessThan(48 * 60 * 60 * 1000);
  });

  test("Retry-After is read as seconds or an HTTP date and capped at 6 hours", () => {
    const now = Date.parse("2024-12-01T10:00:00Z");
    expect(parseRetryAfterMs("120", now)).toBe(120_000);
    expect(parseRetryAfterMs("Sun, 01 Dec 2024 10:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfterMs("Sun, 01 Dec 2024 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfterMs("999999", now)).toBe(MAX_RETRY_DELAY_MS);
    expect(parseRetryAfterMs("soon", now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});
