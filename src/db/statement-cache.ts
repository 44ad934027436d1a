import type { Database, Statement } from "bun:sqlite";

/** Statements kept compiled per connection: the distinct statements the server runs, with room to spare. */
const DEFAULT_MAX = 1000;

/**
 * Makes `sqlite.prepare(sql)` return the statement compiled for the same text before (least recently used ones
 * beyond `max` are forgotten, not finalized: a query prepared once at start may still hold one). drizzle's
 * bun-sqlite driver prepares every query it runs, unless the caller kept a `.prepare()`d one: compiling costs
 * 15–25 µs, more than most of these statements take to run, and the async store's bodies build their queries
 * on every call. bun's own `Database.query` cache holds 20 statements, too few for the server's hundreds.
 *
 * Safe because bun:sqlite runs a statement to completion synchronously (`all`, `get`, `values`, `run`: nothing can
 * run the same statement in between), nothing here iterates one, and nothing finalizes a prepared one.
 */
export function cacheStatements(sqlite: Database, max = DEFAULT_MAX): void {
  const cache = new Map<string, Statement>();
  // The prototype's method, looked up at each call: tests may record what is prepared by replacing it.
  const proto = Object.getPrototypeOf(sqlite) as { prepare: (sql: string, ...rest: unknown[]) => Statement };
  Object.defineProperty(sqlite, "prepare", {
    configurable: true,
    value(sql: string, ...rest: unknown[]): Statement {
      if (rest.length > 0) return proto.prepare.call(sqlite, sql, ...rest);
      const hit = cache.get(sql);
      if (hit) {
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = proto.prepare.call(sqlite, sql);
      cache.set(sql, stmt);
      if (cache.size > max) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
  });
}
