/**
 * Values read from the database kept while nothing they depend on has changed: who a credential stood for when it
 * was last checked (the token and account services), a connection and the queues it offers (the connection service),
 * a connection's webhooks (the SQLite event sink).
 *
 * `version` moves whenever anything the values depend on changes, from any connection (on SQLite the read cache
 * follows the triggers of migrations 0020 and 0023; the event sink reads migration 0024's stamp); undefined means
 * nothing tells, and nothing is kept (PostgreSQL: another node may have changed it). An entry is kept under the
 * version taken BEFORE the reads it comes from, so a change committed meanwhile makes it stale at the next look,
 * never the other way round. What depends on the clock (a session's idle and absolute expiry, when the last-used
 * stamp is due) stays the caller's to check on every hit.
 */
export function createVersionMemo<T>(version: (() => number | undefined) | undefined, max = 1_000) {
  const entries = new Map<string, { version: number; value: T }>();
  return {
    /** The version to keep a value under: take it before reading what the value is made of. */
    version: (): number | undefined => version?.(),
    /** The value kept under this key, if nothing changed since. */
    get(key: string): T | undefined {
      if (!version || entries.size === 0) return undefined;
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (hit.version === version()) return hit.value;
      entries.delete(key);
      return undefined;
    },
    /**
     * The value kept under this key or, when there is none, the one `read` gives, kept under the version taken before
     * the read (undefined — nothing to keep — is not kept).
     */
    async keep(key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
      const hit = this.get(key);
      if (hit !== undefined) return hit;
      const at = this.version();
      const value = await read();
      if (value !== undefined) this.set(key, at, value);
      return value;
    },
    set(key: string, at: number | undefined, value: T): void {
      if (at === undefined) return;
      entries.delete(key);
      entries.set(key, { version: at, value });
      // The oldest goes first: more live credentials or connections than this are not a small team's server.
      if (entries.size > max) entries.delete(entries.keys().next().value as string);
    },
  };
}
