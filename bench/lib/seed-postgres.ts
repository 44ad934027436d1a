/**
 * Copies a seeded SQLite database (bench/lib/seed.ts) into a PostgreSQL database migrated by the server's own
 * PostgreSQL migrations, so the PostgreSQL and the SQLite server of a bench start on identical rows: same ids,
 * same numbers, texts and times.
 *
 * Per table, in primary-key order and in batches: the SQLite rows go to PostgreSQL as one JSON array per batch,
 * `insert … select * from json_populate_recordset(null::<table>, $1)`, so PostgreSQL converts each value with its
 * column's own input function. Values PostgreSQL would read differently are converted first, by the column's
 * PostgreSQL type: `timestamptz` from SQLite's epoch milliseconds to an ISO string, `boolean` from 0/1, `json`
 * from its stored text to the value. Rows go in with their triggers on (ticket counts, row counts, list changes
 * and the closed_at trigger keep themselves as in the server), then each identity sequence is set past the
 * largest id copied, and ANALYZE.
 */
import { Database } from "bun:sqlite";
import type { SQL } from "bun";

/** The tables a bench seed fills, parents first (foreign keys). */
export const SEEDED_TABLES = ["connections", "contacts", "tickets", "messages"] as const;

const BATCH = 5_000;

export type CopyResult = { rows: Record<string, number>; seconds: number };

export async function copySqliteToPostgres(
  sqlitePath: string,
  sql: SQL,
  tables: readonly string[] = SEEDED_TABLES,
): Promise<CopyResult> {
  const started = performance.now();
  const src = new Database(sqlitePath, { readonly: true });
  const rows: Record<string, number> = {};
  try {
    for (const table of tables) {
      const pgColumns: { column_name: string; data_type: string }[] = await sql`
        select column_name, data_type from information_schema.columns
        where table_schema = 'public' and table_name = ${table} order by ordinal_position`;
      if (pgColumns.length === 0) throw new Error(`PostgreSQL has no table ${table}`);
      const sqliteColumns = new Set(
        (src.query(`select name from pragma_table_info('${table}')`).all() as { name: string }[]).map(
          (c) => c.name,
        ),
      );
      const missing = pgColumns.filter((c) => !sqliteColumns.has(c.column_name));
      if (missing.length > 0)
        throw new Error(`${table}: SQLite lacks ${missing.map((c) => c.column_name).join(", ")}`);
      const convert = pgColumns.map((c) => ({ name: c.column_name, to: converter(c.data_type) }));
      const list = pgColumns.map((c) => `"${c.column_name}"`).join(", ");
      const key = table === "messages" ? "pk" : "id";
      const select = src.query(
        `select ${list} from "${table}" where "${key}" > ? order by "${key}" limit ${BATCH}`,
      );
      const insert = `insert into "${table}" (${list}) select ${list} from json_populate_recordset(null::"${table}", $1::text::json)`;
      let after = 0;
      let n = 0;
      for (;;) {
        const batch = select.all(after) as Record<string, unknown>[];
        if (batch.length === 0) break;
        for (const row of batch) for (const c of convert) if (c.to) row[c.name] = c.to(row[c.name]);
        await sql.unsafe(insert, [JSON.stringify(batch)]);
        after = batch[batch.length - 1]![key] as number;
        n += batch.length;
      }
      rows[table] = n;
      const [identity] = await sql`
        select column_name from information_schema.columns
        where table_schema = 'public' and table_name = ${table} and is_identity = 'YES'`;
      if (identity && n > 0)
        await sql.unsafe(
          `select setval(pg_get_serial_sequence('"${table}"', '${identity.column_name}'), (select max("${identity.column_name}") from "${table}"))`,
        );
    }
    await sql`analyze`;
  } finally {
    src.close();
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}

function converter(pgType: string): ((v: unknown) => unknown) | undefined {
  if (pgType === "timestamp with time zone")
    return (v) => (v === null ? null : new Date(v as number).toISOString());
  if (pgType === "boolean") return (v) => (v === null ? null : v !== 0);
  if (pgType === "json" || pgType === "jsonb") return (v) => (v === null ? null : JSON.parse(v as string));
  return undefined;
}
