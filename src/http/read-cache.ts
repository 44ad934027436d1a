import type { Db } from "../db/client";

/** What a cached answer depends on. */
export type ReadScope =
  /** Tickets, their tags, contacts, and the connection/queue/user/tag names a ticket shows. */
  | "tickets"
  /** Contacts. */
  | "contacts"
  /** Anything this server writes (a ticket search also reads messages). */
  | "any";

/** More changes than this since the last look empty every cache (cheaper than following them one by one). */
const CHANGES_PER_READ = 10_000;

/**
 * Caches the JSON of hot read endpoints (the ticket and contact lists that every open panel and dashboard
 * polls) with exact invalidation, so the cache can never serve stale data:
 *
 * - `tickets` and `contacts` entries are valid until `list_changes` (a table that triggers on tickets,
 *   ticket_tags, contacts, connections, queues, users and tags append to — migration 0013) shows a change
 *   they depend on. Triggers see a write from any connection (the dispatcher thread's, a CLI command's),
 *   and writes the lists do not show (acks, events, deliveries, Idempotency-Keys, sessions) add nothing, so
 *   under a steady load of those the lists keep answering from memory.
 * - `any` entries (a ticket search reads messages too) are valid while SQLite's `total_changes()` of this
 *   connection — every row it inserted, updated or deleted, triggers included — and `list_changes` stand still.
 *
 * Besides whole answers it keeps the wire JSON of single tickets (`ticketRows`): a changed ticket list is
 * rebuilt from its page's ids (index only) and the rows' cached JSON, rendering only the tickets that
 * changed. Bounded: least recently used answers go first; the rows start over when full.
 */
export function createReadCache(
  db: Db,
  opts: {
    maxEntries?: number;
    maxRows?: number;
    /**
     * What keys `any` entries instead of `total_changes()`: a read-only connection (the HTTP read front's)
     * never writes, so its own count never moves; it passes a counter of other connections' commits.
     */
    changeCounter?: () => number;
  } = {},
) {
  const maxEntries = opts.maxEntries ?? 128;
  const maxRows = opts.maxRows ?? 5000;
  const sqlite = db.$client;
  const totalChangesQuery = sqlite.query<{ n: number }, []>("select total_changes() as n");
  const totalChanges = opts.changeCounter ?? (() => totalChangesQuery.get()!.n);
  // No ORDER BY or LIMIT: a rowid range comes in rowid order, and pruning keeps the table at ~11,000 rows
  // (with `limit ?` the statement took twice as long on every request).
  const changesSince = sqlite.query<{ seq: number; kind: "t" | "c" | "a"; ref: number }, [number]>(
    "select seq, kind, ref from list_changes where seq > ?",
  );
  const lastChange = sqlite.query<{ n: number | null }, []>("select max(seq) as n from list_changes");
  // A deferred BEGIN that only reads is a read transaction: the statements of one answer share one WAL
  // read lock instead of taking and releasing one each, which costs more than the reads of a page.
  const begin = sqlite.query("BEGIN");
  const commit = sqlite.query("COMMIT");
  const snapshot = <T>(fn: () => T): T => {
    if (sqlite.inTransaction) return fn();
    begin.run();
    try {
      return fn();
    } finally {
      commit.run();
    }
  };

  let seen = lastChange.get()?.n ?? 0;
  const version = { tickets: 0, contacts: 0 };
  const entries = new Map<string, { version: string | number; body: string }>();
  /** Ticket id → its wire JSON and its contact (a contact's change re-renders its tickets). */
  const rows = new Map<number, { contactId: number; json: string }>();
  const rowsOfContact = new Map<number, Set<number>>();

  const dropRow = (id: number) => {
    const row = rows.get(id);
    if (!row) return;
    rows.delete(id);
    const ofContact = rowsOfContact.get(row.contactId);
    ofContact?.delete(id);
    if (ofContact?.size === 0) rowsOfContact.delete(row.contactId);
  };
  const dropAll = () => {
    rows.clear();
    rowsOfContact.clear();
    version.tickets++;
    version.contacts++;
  };

  /** Applies the changes committed since the last look. */
  function sync() {
    const changes = changesSince.all(seen);
    if (changes.length === 0) return;
    let first = changes[0]!.seq;
    let last = first;
    for (const { seq } of changes) {
      if (seq < first) first = seq;
      if (seq > last) last = seq;
    }
    // seq grows by one per change and only old rows are pruned: a hole means changes this cache never saw.
    if (first !== seen + 1 || changes.length > CHANGES_PER_READ) {
      dropAll();
      seen = last;
      return;
    }
    for (const change of changes) {
      if (change.kind === "t") {
        dropRow(change.ref);
        version.tickets++;
      } else if (change.kind === "c") {
        for (const id of rowsOfContact.get(change.ref) ?? []) dropRow(id);
        version.tickets++;
        version.contacts++;
      } else {
        // A connection, queue, user or tag every ticket may show: not part of a contact.
        rows.clear();
        rowsOfContact.clear();
        version.tickets++;
      }
    }
    seen = last;
  }

  const versionOf = (scope: ReadScope) => (scope === "any" ? `${totalChanges()}:${seen}` : version[scope]);

  return {
    /** The JSON text cached under key for what `scope` depends on, or the one compute returns (then kept). */
    get(key: string, scope: ReadScope, compute: () => string): string {
      sync();
      const v = versionOf(scope);
      const hit = entries.get(key);
      if (hit && hit.version === v) {
        entries.delete(key);
        entries.set(key, hit);
        return hit.body;
      }
      // Read in a snapshot that may be newer than the changes just applied, never older: whatever it
      // shows beyond them is applied at the next look, so the entry is recomputed, never stale.
      const body = snapshot(compute);
      entries.delete(key);
      entries.set(key, { version: v, body });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return body;
    },

    /**
     * The wire JSON of these tickets, in this order: cached rows as they are, the others from `render`
     * (which may leave out tickets that no longer exist). Call inside a `tickets` compute, after `get`
     * synced the changes.
     */
    ticketRows(
      ids: number[],
      render: (missing: number[]) => { id: number; contactId: number; json: string }[],
    ): string[] {
      const missing = ids.filter((id) => !rows.has(id));
      if (missing.length > 0) {
        // Full: start over rather than evict one by one (deleting a Map's oldest keys one at a time makes
        // every later look for the oldest key walk past the deleted ones).
        if (rows.size + missing.length > maxRows) {
          rows.clear();
          rowsOfContact.clear();
        }
        for (const row of render(missing)) {
          dropRow(row.id);
          rows.set(row.id, { contactId: row.contactId, json: row.json });
          const ofContact = rowsOfContact.get(row.contactId);
          if (ofContact) ofContact.add(row.id);
          else rowsOfContact.set(row.contactId, new Set([row.id]));
        }
      }
      const out: string[] = [];
      for (const id of ids) {
        const row = rows.get(id);
        if (row) out.push(row.json);
      }
      return out;
    },
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;
