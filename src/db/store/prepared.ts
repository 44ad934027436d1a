// A builder compiled once per connection, for the lookups the message path runs on every message.
import type { Query } from "./store";

type Preparable<R> = { prepare(): { execute(values?: Record<string, unknown>): R | Promise<R> } };

/**
 * `build` once per query object (`q`), then `execute(values)` with the placeholders (`sql.placeholder`) the
 * builder names. Building a drizzle builder's SQL and compiling it is most of what a one-row read by key costs
 * on SQLite (~10× running it: bench/connection-lookup.bench.ts); prepared, the bun:sqlite statement is compiled
 * once on the connection the store hands the body (its reader, or the writer in a write) and reused. On
 * PostgreSQL the SQL text is built once per pool or transaction object (Bun.SQL prepares on the server by
 * itself). One query text for both stores, as with a plain awaited builder.
 */
export function preparedQuery<V extends Record<string, unknown>, R>(build: (q: Query) => Preparable<R>) {
  const byQuery = new WeakMap<Query, ReturnType<Preparable<R>["prepare"]>>();
  return async (q: Query, values: V): Promise<R> => {
    let prepared = byQuery.get(q);
    if (!prepared) {
      prepared = build(q).prepare();
      byQuery.set(q, prepared);
    }
    return prepared.execute(values);
  };
}
