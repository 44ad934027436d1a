/**
 * Seeds a fresh DATA_DIR through the real migrations, with bulk inserts straight into bun:sqlite.
 *
 * Data shape (deterministic, PRNG-seeded):
 * - one sandbox connection (#1, CONNECTED, default, number 595981234567);
 * - `contacts` contacts numbered `contactNumber(i)` = 595971000000 + i (12 digits);
 * - `tickets` tickets, ticket i belongs to contact ((i - 1) % contacts) + 1, so the "one open or pending
 *   ticket per contact and connection" index holds; status 30 % open, 10 % pending, 60 % closed; updatedAt
 *   spread uniformly over the last 90 days;
 * - `messages` messages, 5–15 per ticket (10 on average, topped up or trimmed to the exact total), alternately
 *   inbound and outbound, ending just before the ticket's updatedAt.
 */
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { embeddedMigrations } from "../../src/db/migrations.generated";
import { prng } from "../../tests/support/determinism";

export const SANDBOX_NUMBER = "595981234567";
const CONTACT_BASE = 595_971_000_000;

export const contactNumber = (i: number) => String(CONTACT_BASE + i);

export type SeedOptions = {
  contacts: number;
  tickets: number;
  messages: number;
  now?: number;
  /**
   * A directory of seeded databases reused across runs (default: the `CHASQUI_SEED_CACHE` environment
   * variable, so a bench that seeds in a child process gets it too). See `seedDatabase`.
   */
  cacheDir?: string;
};

export type SeedResult = {
  connectionId: number;
  counts: { contacts: number; tickets: number; messages: number; open: number; pending: number };
  /** A ticket with exactly 10 messages, for the message-list scenario. */
  tenMessageTicketId: number;
  seconds: number;
  dbBytes: number;
  /** Copied from the seed cache (`seconds` is then the copy's time), or seeded now. */
  cached?: boolean;
};

/** Bump when the seeded data's shape changes, so cached databases of the old shape are not reused. */
const SEED_VERSION = 2;

/** The schema the embedded migrations build: a cached database is reused only for the same one. */
const schemaVersion = () =>
  createHash("sha256")
    .update(embeddedMigrations.map((m) => m.sql).join("\n"))
    .digest("hex")
    .slice(0, 12);

const PHRASES = [
  "Hola, necesito ayuda con mi pedido",
  "Buenas tardes, ¿en qué podemos ayudarle?",
  "Mi factura llegó con un monto diferente al acordado",
  "Gracias por contactarnos, ya revisamos su caso",
  "¿Pueden enviarme el comprobante por este medio?",
  "El técnico pasará mañana entre las 9 y las 12",
  "Perfecto, muchas gracias por la atención",
  "No me llega el código de verificación",
];

/**
 * Seeds `dataDir/chasqui.sqlite`. With a cache directory (`opts.cacheDir` or `CHASQUI_SEED_CACHE`) the
 * database is seeded once per (contacts, tickets, messages, schema, seed version) into that directory and
 * copied from there afterwards: 10M messages take minutes to seed and seconds to copy. The cached rows keep
 * the timestamps of the day they were seeded (spread over the 90 days before it), so a cache older than
 * a few days shifts every ticket towards retention limits; delete the directory to re-seed.
 */
export function seedDatabase(dataDir: string, opts: SeedOptions): SeedResult {
  const cacheDir = opts.cacheDir ?? process.env.CHASQUI_SEED_CACHE;
  if (!cacheDir) return seedFresh(dataDir, opts);
  const started = performance.now();
  const key = `seed-v${SEED_VERSION}-${schemaVersion()}-${opts.contacts}c-${opts.tickets}t-${opts.messages}m`;
  const file = join(cacheDir, `${key}.sqlite`);
  const meta = join(cacheDir, `${key}.json`);
  if (!existsSync(file) || !existsSync(meta)) {
    mkdirSync(cacheDir, { recursive: true });
    const building = join(cacheDir, `${key}.building-${process.pid}`);
    mkdirSync(building, { recursive: true });
    const result = seedFresh(building, opts);
    writeFileSync(meta, JSON.stringify(result));
    // Renamed last, so a run that stops half-way leaves no cache entry that looks complete.
    renameSync(join(building, "chasqui.sqlite"), file);
    rmSync(building, { recursive: true, force: true });
    copyFileSync(file, join(dataDir, "chasqui.sqlite"));
    return result;
  }
  copyFileSync(file, join(dataDir, "chasqui.sqlite"));
  const result = JSON.parse(readFileSync(meta, "utf8")) as SeedResult;
  return { ...result, seconds: (performance.now() - started) / 1000, cached: true };
}

function seedFresh(dataDir: string, opts: SeedOptions): SeedResult {
  const started = performance.now();
  let last = started;
  // SEED_VERBOSE=1: how long each phase took, on stderr.
  const phase = (name: string) => {
    if (!process.env.SEED_VERBOSE) return;
    const t = performance.now();
    console.error(`[seed] ${name}: ${((t - last) / 1000).toFixed(1)} s`);
    last = t;
  };
  const now = opts.now ?? Date.now();
  const rand = prng(20_251_126);
  const path = join(dataDir, "chasqui.sqlite");
  const db = openDatabase(path);
  migrate(db);
  const sqlite = db.$client;
  // Seeding only: the data can be rebuilt, so skip the per-commit fsync and keep indexes in memory.
  sqlite.exec("PRAGMA synchronous = OFF;");
  sqlite.exec("PRAGMA cache_size = -262144;");

  phase("migrations");
  // The contacts' full-text trigger (trigram tokens per contact) waits for one 'rebuild' at the end too.
  const contactsFts = sqlite
    .query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = 'contacts_fts_insert'")
    .all() as { name: string; sql: string }[];
  for (const t of contactsFts) sqlite.exec(`DROP TRIGGER "${t.name}"`);

  const conn = sqlite
    .query(
      `INSERT INTO connections (name, driver, number, status, is_default, created_at, updated_at)
       VALUES ('Bench sandbox', 'sandbox', ?, 'CONNECTED', 1, ?, ?) RETURNING id`,
    )
    .get(SANDBOX_NUMBER, now, now) as { id: number };

  const insertContact = sqlite.prepare(
    "INSERT INTO contacts (number, name, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
  );
  const insertTicket = sqlite.prepare(
    `INSERT INTO tickets (status, contact_id, connection_id, unread_messages, last_message, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertMessage = sqlite.prepare(
    `INSERT INTO messages (id, connection_id, ticket_id, contact_id, body, from_me, ack, media_type, timestamp, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'chat', ?, ?, ?)`,
  );

  const BATCH = 100_000;
  const inBatches = (total: number, fn: (from: number, to: number) => void) => {
    for (let from = 1; from <= total; from += BATCH) {
      const to = Math.min(total, from + BATCH - 1);
      sqlite.transaction(() => fn(from, to))();
    }
  };

  const DAY = 86_400_000;
  inBatches(opts.contacts, (from, to) => {
    for (let i = from; i <= to; i++) {
      const created = now - 120 * DAY + Math.floor(rand() * 30 * DAY);
      insertContact.run(
        contactNumber(i),
        `Cliente ${i}`,
        i % 3 === 0 ? `cliente${i}@example.com` : "",
        created,
        created,
      );
    }
  });

  // Messages per ticket: 5..15, then adjusted so the total is exact.
  const perTicket = new Uint8Array(opts.tickets + 1);
  let total = 0;
  for (let t = 1; t <= opts.tickets; t++) {
    perTicket[t] = 5 + Math.floor(rand() * 11);
    total += perTicket[t]!;
  }
  for (let t = opts.tickets; total !== opts.messages && t >= 1; t--) {
    const want = perTicket[t]! + (opts.messages - total);
    const next = Math.max(1, Math.min(250, want));
    total += next - perTicket[t]!;
    perTicket[t] = next;
  }
  if (total !== opts.messages) throw new Error(`cannot spread ${opts.messages} messages over the tickets`);

  const updatedAt = new Float64Array(opts.tickets + 1);
  let open = 0;
  let pending = 0;
  inBatches(opts.tickets, (from, to) => {
    for (let t = from; t <= to; t++) {
      const r = rand();
      const status = r < 0.3 ? "open" : r < 0.4 ? "pending" : "closed";
      if (status === "open") open++;
      else if (status === "pending") pending++;
      const updated = now - Math.floor(rand() * 90 * DAY);
      updatedAt[t] = updated;
      const n = perTicket[t]!;
      const created = updated - n * 600_000;
      const unread = status === "closed" ? 0 : Math.floor(rand() * 3);
      const contactId = ((t - 1) % opts.contacts) + 1;
      insertTicket.run(
        status,
        contactId,
        conn.id,
        unread,
        PHRASES[(t + n - 1) % PHRASES.length]!,
        created,
        updated,
      );
    }
  });

  // The messages go in without their indexes and without the full-text trigger: one CREATE INDEX (a sort)
  // and one FTS5 'rebuild' at the end cost a fraction of keeping them up to date row by row (at 10M
  // messages, messages_created_idx alone is a random insert per row). The definitions are the migrations'
  // own, read back from sqlite_master, so the result is the schema the server expects.
  const deferred = sqlite
    .query(
      `SELECT type, name, sql FROM sqlite_master
       WHERE tbl_name = 'messages' AND sql IS NOT NULL AND type IN ('index', 'trigger')`,
    )
    .all() as { type: "index" | "trigger"; name: string; sql: string }[];
  for (const d of deferred) sqlite.exec(`DROP ${d.type.toUpperCase()} "${d.name}"`);
  phase("contacts and tickets");

  let seq = 0;
  let tenMessageTicketId = 0;
  const ticketBatch = Math.max(1, Math.floor(BATCH / 10));
  for (let from = 1; from <= opts.tickets; from += ticketBatch) {
    const to = Math.min(opts.tickets, from + ticketBatch - 1);
    sqlite.transaction(() => {
      for (let t = from; t <= to; t++) {
        const n = perTicket[t]!;
        if (n === 10 && tenMessageTicketId === 0 && t > opts.tickets / 2) tenMessageTicketId = t;
        const contactId = ((t - 1) % opts.contacts) + 1;
        for (let k = 0; k < n; k++) {
          seq++;
          const createdAt = updatedAt[t]! - (n - 1 - k) * 600_000;
          const fromMe = k % 2 === 1;
          insertMessage.run(
            `3EB0${seq.toString(16).toUpperCase().padStart(20, "0")}`,
            conn.id,
            t,
            fromMe ? null : contactId,
            `${PHRASES[(t + k) % PHRASES.length]} (#${seq})`,
            fromMe ? 1 : 0,
            fromMe ? 3 : 0,
            Math.floor(createdAt / 1000),
            createdAt,
            createdAt,
          );
        }
      }
    })();
  }

  phase("messages");
  sqlite.transaction(() => {
    for (const d of deferred.filter((x) => x.type === "index")) sqlite.exec(d.sql);
    phase("message indexes");
    sqlite.exec("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')");
    phase("full-text index");
    for (const d of deferred.filter((x) => x.type === "trigger")) sqlite.exec(d.sql);
    sqlite.exec("INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild')");
    for (const t of contactsFts) sqlite.exec(t.sql);
  })();
  sqlite.exec("PRAGMA optimize;");
  sqlite.exec("PRAGMA wal_checkpoint(TRUNCATE);");
  phase("checkpoint");
  const dbBytes = (
    sqlite.query("SELECT page_count * page_size AS b FROM pragma_page_count(), pragma_page_size()").get() as {
      b: number;
    }
  ).b;
  sqlite.close();
  return {
    connectionId: conn.id,
    counts: { contacts: opts.contacts, tickets: opts.tickets, messages: seq, open, pending },
    tenMessageTicketId,
    seconds: (performance.now() - started) / 1000,
    dbBytes,
  };
}
