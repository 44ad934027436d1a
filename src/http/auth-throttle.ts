import type { Context } from "hono";
import { resolveClientAddress } from "../net/trusted-proxies";
import type { AppEnv } from "./context";

/** Failed authentications per client address, in fixed one-minute windows, held in a bounded table. */
export type AuthThrottle = {
  /** Seconds until this address may fail again; 0 while it is under its limit. */
  retryAfterSeconds(address: string): number;
  /** Counts one failed attempt from this address. */
  fail(address: string): void;
  /** Addresses held now (for tests and diagnostics). */
  readonly size: number;
};

const WINDOW_MS = 60_000;
/** Where failures go once the table is full of live windows: a flood of addresses shares one bucket. */
const OVERFLOW = "\0overflow";

export function createAuthThrottle(opts: {
  /** Failures allowed per address and minute; 0 turns throttling off. */
  limitPerMinute: number;
  /** Most addresses held at once (each entry is a few dozen bytes). */
  maxAddresses?: number;
  clock?: () => number;
}): AuthThrottle {
  const { limitPerMinute: limit } = opts;
  const maxAddresses = opts.maxAddresses ?? 10_000;
  const clock = opts.clock ?? Date.now;
  type Window = { startedAt: number; failures: number };
  const windows = new Map<string, Window>();
  let sweptAt = Number.NEGATIVE_INFINITY;

  const live = (w: Window | undefined, now: number) =>
    w !== undefined && now - w.startedAt < WINDOW_MS ? w : undefined;

  /** The address's own key when it has (or can get) a row, else the shared overflow bucket. */
  const keyOf = (address: string, now: number) => {
    if (windows.has(address) || windows.size < maxAddresses) return address;
    // A full table is swept at most once a second, so an address flood does not cost O(n) per request.
    if (now - sweptAt >= 1000) {
      sweptAt = now;
      for (const [key, w] of windows) if (!live(w, now)) windows.delete(key);
    }
    return windows.size < maxAddresses ? address : OVERFLOW;
  };

  return {
    retryAfterSeconds(address) {
      if (limit === 0) return 0;
      const now = clock();
      const w = live(windows.get(keyOf(address, now)), now);
      if (!w || w.failures < limit) return 0;
      return Math.max(1, Math.ceil((w.startedAt + WINDOW_MS - now) / 1000));
    },
    fail(address) {
      if (limit === 0) return;
      const now = clock();
      const key = keyOf(address, now);
      const w = live(windows.get(key), now);
      if (w) w.failures++;
      else windows.set(key, { startedAt: now, failures: 1 });
    },
    get size() {
      return windows.size;
    },
  };
}

/**
 * The client's address as Bun.serve reports it (`app.fetch(req, server)` makes the server the env), or,
 * when that peer is one of TRUSTED_PROXIES, the client its `X-Forwarded-For` names. Without a server —
 * `app.request` in tests — every request falls in the one "unknown" bucket.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const server = c.env as { requestIP?: (req: Request) => { address: string } | null } | undefined;
  let peer: string;
  try {
    peer = server?.requestIP?.(c.req.raw)?.address ?? "unknown";
  } catch {
    return "unknown";
  }
  return resolveClientAddress(c.var.deps.config.trustedProxies, peer, c.req.header("x-forwarded-for"));
}
