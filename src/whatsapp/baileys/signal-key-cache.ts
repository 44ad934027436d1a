import type { CacheStore } from "@whiskeysockets/baileys";

/**
 * The cache handed to Baileys' `makeCacheableSignalKeyStore`. Its default, a `@cacheable/node-cache`,
 * starts a `setInterval` expiry sweep that nothing ever stops (Baileys closes the caches it creates inside
 * the socket, not this one), so each socket's cache — and the Signal keys in it — stayed in memory after the
 * socket closed: a leak on every reconnect. This cache has no timer: an entry expires `ttlMs` after it was
 * set, is dropped when read after that, and a sweep on write (at most once per `ttlMs`) drops the rest.
 */
export function createSignalKeyCache(ttlMs = 5 * 60_000, now: () => number = Date.now): CacheStore {
  const entries = new Map<string, { value: unknown; expires: number }>();
  let nextSweep = now() + ttlMs;
  return {
    get<T>(key: string): T | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value as T;
    },
    set<T>(key: string, value: T) {
      const t = now();
      if (t >= nextSweep) {
        nextSweep = t + ttlMs;
        for (const [k, entry] of entries) if (entry.expires <= t) entries.delete(k);
      }
      entries.set(key, { value, expires: t + ttlMs });
    },
    del(key: string) {
      entries.delete(key);
    },
    flushAll() {
      entries.clear();
    },
  };
}
