import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { backoffDelay, type Jitter } from "../../src/lib/backoff";

const proportional: Jitter = { kind: "proportional", ratio: 0.2 };
const equal: Jitter = { kind: "equal" };
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const fixed = (r: number) => () => r;

describe("backoffDelay", () => {
  test("proportional jitter spreads the nominal delay by ±ratio and caps the result", () => {
    const at = (attempt: number, r: number) =>
      backoffDelay({
        attempt,
        baseMs: 100,
        factor: 4,
        maxMs: 10_000,
        jitter: proportional,
        random: fixed(r),
      });
    expect({
      first: [at(0, 0), at(0, 0.5), at(0, 0.75)],
      third: [at(2, 0), at(2, 0.5), at(2, 0.75)],
      nearCap: [at(3, 0), at(3, 0.5), at(3, 0.75)],
      pastCap: [at(4, 0), at(4, 0.5), at(4, 0.75)],
    }).toEqual({
      first: [80, 100, 110],
      third: [1280, 1600, 1760],
      nearCap: [5120, 6400, 7040],
      // 25 600 nominal: even its lowest draw is above the cap, so the cap is exact.
      pastCap: [10_000, 10_000, 10_000],
    });
  });

  test("equal jitter caps the nominal delay first, then draws from its upper half", () => {
    const at = (attempt: number, r: number) =>
      backoffDelay({ attempt, baseMs: 100, factor: 2, maxMs: 1_000, jitter: equal, random: fixed(r) });
    expect({
      first: [at(0, 0), at(0, 0.5)],
      fourth: [at(3, 0), at(3, 0.5)],
      pastCap: [at(4, 0), at(4, 0.5), at(30, 0.5)],
    }).toEqual({
      first: [50, 75],
      fourth: [400, 600],
      pastCap: [500, 750, 750],
    });
  });

  test("an attempt so large that the nominal delay overflows still gives the cap", () => {
    const base = { attempt: 5_000, baseMs: 1, factor: 4, maxMs: 60_000, random: fixed(0.5) };
    expect([
      backoffDelay({ ...base, jitter: proportional }),
      backoffDelay({ ...base, jitter: equal }),
    ]).toEqual([60_000, 45_000]);
  });

  test("delays stay within their jitter bounds and never exceed the cap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        unit,
        (attempt, baseMs, maxMs, r) => {
          const nominal = baseMs * 2 ** attempt;
          const ceiling = Math.min(maxMs, nominal);
          const opts = { attempt, baseMs, factor: 2, maxMs, random: fixed(r) };
          const eq = backoffDelay({ ...opts, jitter: equal });
          expect(eq).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(eq).toBeLessThanOrEqual(Math.ceil(ceiling));
          const prop = backoffDelay({ ...opts, jitter: proportional });
          expect(prop).toBeLessThanOrEqual(maxMs);
          expect(prop).toBeGreaterThanOrEqual(Math.min(maxMs, Math.floor(nominal * 0.8)));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
