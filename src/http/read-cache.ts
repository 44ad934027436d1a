import type { Db } from "../db/client";

/**
 * Caches the JSON of hot read endpoints (the ticket list that every open panel and dashboard polls) with
 * exact invalidation: an entry is valid only while SQLite's `total_changes()` — every row this connection
 * has inserted, updated or deleted since it opened, triggers included — is what it was when the entry was
 * made. The server is the only writer of its database, so any write anywhere invalidates everything; the
 * cache only ever saves work between writes and can never serve stale data. Bounded, least recently used.
 */
export function createReadCache(db: Db, maxEntries = 128) {
  const version = db.$client.query<{ n: number }, []>("select total_changes() as n");
  const entries = new Map<string, { version: number; body: string }>();
  return {
    /** The JSON text cached under key, or the one compute returns (then kept). */
    get(key: string, compute: () => string): string {
      const v = version.get()!.n;
      const hit = entries.get(key);
      if (hit && hit.version === v) {
        entries.delete(key);
        entries.set(key, hit);
        return hit.body;
      }
      const body = compute();
      entries.delete(key);
      entries.set(key, { version: v, body });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return body;
    },
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;
