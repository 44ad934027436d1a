import type { Db } from "../db/client";
import { commitWatch } from "../db/wal-index";

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
 * Slots of the doorkeeper that remembers which keys were computed before (a hash per slot, 256 KB): a key is
 * forgotten only when another key lands on its slot, so a panel's poll stays known while tens of thousands of
 * one-off pages pass.
 */
const DOORKEEPER_SLOTS = 1 << 16;

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
 * - `principalsVersion()` moves when a token, panel session, user or user's queues change (kind `p`, migration
 *   0020): the token and account services keep the principals they authenticated under it, so a polling panel or
 *   integration is not read from the database on every request (a session took three statements).
 * - `configVersion()` moves when a connection, a queue or a connection's queues change (kind `k`, migration 0023):
 *   the connection service keeps a connection and the queues it offers under it for the message path.
 *
 * Besides whole answers it keeps the wire JSON of single tickets (`ticketRows`): a changed ticket list is
 * rebuilt from its page's ids (index only) and the rows' cached JSON, rendering only the tickets that
 * changed. Bounded: least recently used answers go first; rows in two generations (at most maxRows, ~700
 * bytes each: 10,000 ≈ 7 MB), the older dropped when the newer is full.
 *
 * Only what is asked again is kept: an answer (and the rows its computation rendered) is stored from its key's
 * second computation on. A page asked once — a client walking every page of a list, a random cursor — is
 * computed and handed out without entering either cache, so it does not push out what the panels poll, nor
 * hold memory long enough to cost full garbage collections. A polled page is computed twice, then answered
 * from memory.
 */
export function createReadCache(
  db: Db,
  opts: {
    maxEntries?: number;
    maxRows?: number;
    /**
     * What keys `any` entries instead of `total_changes()`: a read-only connection (an HTTP read thread's)
     * never writes, so its own count never moves; it passes a counter of other connections' commits.
     */
    changeCounter?: () => number;
    /**
     * The computation of a key from which its answer is kept: 2 (default) keeps what is asked again, 1 keeps
     * every answer (the tests that count computations).
     */
    admitAfter?: 1 | 2;
  } = {},
) {
  const maxEntries = opts.maxEntries ?? 128;
  const maxRows = opts.maxRows ?? 10_000;
  const doorkeeper = (opts.admitAfter ?? 2) === 2 ? new Uint32Array(DOORKEEPER_SLOTS) : undefined;
  /** Whether this key was computed before (always, without a doorkeeper); remembers it for the next time. */
  const askedBefore = (key: string): boolean => {
    if (!doorkeeper) return true;
    const hash = Bun.hash.crc32(key) || 1; // 0 marks an empty slot
    const slot = hash & (DOORKEEPER_SLOTS - 1);
    if (doorkeeper[slot] === hash) return true;
    doorkeeper[slot] = hash;
    return false;
  };
  const sqlite = db.$client;
  const totalChangesQuery = sqlite.query<{ n: number }, []>("select total_changes() as n");
  const totalChanges = opts.changeCounter ?? (() => totalChangesQuery.get()!.n);
  // No ORDER BY or LIMIT: a rowid range comes in rowid order, and pruning keeps the table at ~11,000 rows
  // (with `limit ?` the statement took twice as long on every request).
  const changesSince = sqlite.query<
    { seq: number; kind: "t" | "c" | "a" | "p" | "k"; ref: number },
    [number]
  >("select seq, kind, ref from list_changes where seq > ?");
  const lastChange = sqlite.query<{ n: number | null }, []>("select max(seq) as n from list_changes");

  // Nothing committed since the last look (no connection's commit moved the WAL index): no change to read either.
  // Its first look comes before the first read of the changes, so a commit in between is looked at again.
  const commits = commitWatch(sqlite);
  commits.moved();
  let seen = lastChange.get()?.n ?? 0;
  const version = { tickets: 0, contacts: 0, principals: 0, config: 0 };
  const entries = new Map<string, { version: string | number; body: string }>();
  type Row = { contactId: number; json: string };
  /**
   * Ticket id → its wire JSON and its contact, in two generations of at most maxRows / 2 each: rows go into
   * `young`; when it is full the old generation is dropped and `young` becomes it, and a row found there
   * moves back to `young`. Least recently used rows go first, without the cliff of starting over (and
   * without deleting a Map's oldest keys one at a time, which makes every later look for the oldest key
   * walk past the deleted ones).
   */
  let young = new Map<number, Row>();
  let old = new Map<number, Row>();
  /** Contact id → its cached tickets (a contact's change re-renders them): one id, or several. */
  const rowsOfContact = new Map<number, number | number[]>();

  const unindex = (contactId: number, id: number) => {
    const ids = rowsOfContact.get(contactId);
    if (ids === id) rowsOfContact.delete(contactId);
    else if (Array.isArray(ids)) {
      const rest = ids.filter((x) => x !== id);
      rowsOfContact.set(contactId, rest.length === 1 ? rest[0]! : rest);
    }
  };
  const index = (contactId: number, id: number) => {
    const ids = rowsOfContact.get(contactId);
    if (ids === undefined) rowsOfContact.set(contactId, id);
    else if (Array.isArray(ids)) ids.push(id);
    else if (ids !== id) rowsOfContact.set(contactId, [ids, id]);
  };
  const dropRow = (id: number) => {
    const row = young.get(id) ?? old.get(id);
    if (!row) return;
    young.delete(id);
    old.delete(id);
    unindex(row.contactId, id);
  };
  const clearRows = () => {
    young = new Map();
    old = new Map();
    rowsOfContact.clear();
  };
  const dropAll = () => {
    clearRows();
    version.tickets++;
    version.contacts++;
    version.principals++;
    version.config++;
  };
  /** `young` is full: the old generation goes, `young` becomes it. */
  const rotate = () => {
    for (const [id, row] of old) unindex(row.contactId, id);
    old = young;
    young = new Map();
  };
  const half = Math.max(1, Math.floor(maxRows / 2));
  const cachedRow = (id: number): Row | undefined => {
    const hit = young.get(id);
    if (hit) return hit;
    const aged = old.get(id);
    if (!aged) return undefined;
    old.delete(id);
    if (young.size >= half) rotate();
    young.set(id, aged);
    return aged;
  };

  /**
   * Applies the changes committed since the last look. Not from inside a write transaction open on this connection
   * (the store's writer lets other code run between a batch's statements): there `list_changes` also shows the
   * batch's own rows, not committed, while answers are computed from committed rows (the store's reader), so an answer
   * kept then would carry a version newer than its data and stay stale after the commit. Looked at after it instead.
   */
  function sync() {
    if (sqlite.inTransaction || !commits.moved()) return;
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
        const ids = rowsOfContact.get(change.ref);
        if (Array.isArray(ids)) for (const id of [...ids]) dropRow(id);
        else if (ids !== undefined) dropRow(ids);
        version.tickets++;
        version.contacts++;
      } else if (change.kind === "p") {
        // A token, session, user or user's queues: who a credential stands for; no list shows it.
        version.principals++;
      } else if (change.kind === "k") {
        // A connection's row, a queue, the queues a connection offers: what the message path is configured by. A
        // renamed connection or queue also comes as kind "a" for the lists.
        version.config++;
      } else {
        // A connection, queue, user or tag every ticket may show: not part of a contact.
        clearRows();
        version.tickets++;
      }
    }
    seen = last;
  }

  const versionOf = (scope: ReadScope) => (scope === "any" ? `${totalChanges()}:${seen}` : version[scope]);

  return {
    /**
     * Changes whenever who an API token or a panel session stands for may have changed, from any connection
     * (migration 0020's triggers): a principal authenticated under one value may be reused while it holds.
     */
    principalsVersion(): number | undefined {
      sync();
      return version.principals;
    },

    /**
     * Changes whenever a connection's row, a queue or the queues a connection offers may have changed, from any
     * connection (migration 0023's triggers): what the message path reads of them may be kept while it holds.
     * Call outside a write's transaction (the look reads committed changes only then).
     */
    configVersion(): number | undefined {
      sync();
      return version.config;
    },

    /**
     * The JSON text cached under key for what `scope` depends on, or the one compute returns — kept when the
     * key was computed before (see the doorkeeper above). `compute` is told whether its answer will be kept, to
     * pass on to `ticketRows`.
     *
     * The changes are applied and the entry's version taken BEFORE compute reads (through the Store, on its
     * own connection, awaited): compute sees at least every change applied, so an entry is never older than
     * its version says. A change committed while compute runs may be in the answer already; its version is
     * then older than the data, and the next look at the changes only makes the entry be computed again.
     */
    async get(
      key: string,
      scope: ReadScope,
      compute: (keep: boolean) => string | Promise<string>,
    ): Promise<string> {
      sync();
      const v = versionOf(scope);
      const hit = entries.get(key);
      if (hit && hit.version === v) {
        entries.delete(key);
        entries.set(key, hit);
        return hit.body;
      }
      // A stale entry was kept before: its key is known without the doorkeeper.
      const keep = hit !== undefined || askedBefore(key);
      const body = await compute(keep);
      if (!keep) return body;
      entries.delete(key);
      entries.set(key, { version: v, body });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return body;
    },

    /**
     * The wire JSON of these tickets, in this order: cached rows as they are, the others from `render`
     * (which may leave out tickets that no longer exist). Call inside a `tickets` compute, after `get`
     * synced the changes. `render` reads after that sync, so a row it renders is at least as new as the
     * changes applied; one that already holds a later change is dropped when the next sync applies it.
     * With `keep` false (an answer `get` will not keep) the rendered rows are not kept either.
     */
    async ticketRows(
      ids: number[],
      render: (
        missing: number[],
      ) =>
        | { id: number; contactId: number; json: string }[]
        | Promise<{ id: number; contactId: number; json: string }[]>,
      keep = true,
    ): Promise<string[]> {
      const out: (string | undefined)[] = [];
      const missing: number[] = [];
      for (const id of ids) {
        const json = cachedRow(id)?.json;
        out.push(json);
        if (json === undefined) missing.push(id);
      }
      if (missing.length === 0) return out as string[];
      const rendered = new Map<number, string>();
      for (const row of await render(missing)) {
        rendered.set(row.id, row.json);
        if (!keep) continue;
        dropRow(row.id);
        if (young.size >= half) rotate();
        young.set(row.id, { contactId: row.contactId, json: row.json });
        index(row.contactId, row.id);
      }
      // Tickets that no longer exist are left out.
      for (let i = 0; i < ids.length; i++) if (out[i] === undefined) out[i] = rendered.get(ids[i]!);
      return out.filter((json): json is string => json !== undefined);
    },
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;

/**
 * The same interface without a cache, for a server on PostgreSQL: `list_changes` is a SQLite table fed by SQLite
 * triggers, so nothing there would tell this node that another one (or its own PostgreSQL store) changed a list.
 * Every look computes.
 */
export function createUncachedReads(): ReadCache {
  return {
    // Nothing tells this node that a token or session changed: principals are read every time.
    principalsVersion: () => undefined,
    configVersion: () => undefined,
    get: async (_key, _scope, compute) => compute(false),
    async ticketRows(ids, render) {
      const rendered = new Map((await render(ids)).map((r) => [r.id, r.json]));
      return ids.flatMap((id) => {
        const json = rendered.get(id);
        return json === undefined ? [] : [json];
      });
    },
  };
}
