import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { createTestApp, waitFor } from "../support/test-app";

/**
 * Every statement the server prepares while it serves the whole API and runs its background jobs is
 * explained with EXPLAIN QUERY PLAN, and none may scan a table that grows with traffic (nor walk a whole index of
 * it, unless a LIMIT stops the walk or the index is partial) or sort with a temp B-tree: lists stay fast at any
 * depth and background jobs cost their own work, not the table's size.
 * SQLite plans without ANALYZE as if every table had about a million rows, which is what a busy server has.
 */

/**
 * Tables that grow with traffic. Not `messages_fts_pending`: it holds only the bodies not indexed yet (250 ms of
 * messages, or a backlog the store indexes a chunk at a time); the messages its statements read are checked.
 */
const LARGE = [
  "list_changes",
  "messages",
  "tickets",
  "contacts",
  "events",
  "webhook_deliveries",
  "message_reactions",
  "idempotency_keys",
  "ticket_tags",
];

/** Words that may follow a table name in FROM or JOIN where no alias is given. */
const SQL_WORDS = new Set(
  "where join on inner left right full cross natural order group limit using set union values as and or indexed not select returning having window".split(
    " ",
  ),
);

/** Accepted scans, each with the reason it is bounded. */
const ACCEPTED: { pattern: RegExp; why: string }[] = [
  {
    pattern: /^select (count\(\*\) as n|c\.id) from contacts c where \(c\.name like/s,
    why: "a contact search with no word of three characters or more cannot use the trigram index: it reads every contact",
  },
  {
    pattern:
      /^select c\.id from contacts c where c\.id in \(select rowid from contacts_fts where contacts_fts match \?\).* order by c\.name/s,
    why: "a contact search sorts by name only the contacts the trigram index matched",
  },
  {
    pattern: /^\s*(INSERT INTO `messages_fts`|UPDATE `tickets` SET `first_(inbound|response)_at`)/,
    why: "one-off backfill of migration 0009 (full-text index, first-response times)",
  },
  {
    pattern: /^\s*INSERT INTO `(ticket_counts|row_counts|message_counts|ticket_tag_counts)`/,
    why: "one-off backfill of the maintained counters when their migration runs",
  },
  {
    pattern: /^select seq, kind, ref from list_changes where seq > \?$/,
    why: "the read cache reads the list changes since its last look: the rows written since, no others",
  },
  {
    pattern: /from "webhook_deliveries" inner join "webhooks"/,
    why: "the deliveries list is an operator's tool, index-backed by webhook; its other filters still scan",
  },
];

const recorded = new Set<string>();
const original = { query: Database.prototype.query, prepare: Database.prototype.prepare };
const proto = Database.prototype as any;
proto.query = function (sql: string, ...rest: unknown[]) {
  recorded.add(sql);
  return original.query.call(this, sql, ...(rest as []));
};
proto.prepare = function (sql: string, ...rest: unknown[]) {
  recorded.add(sql);
  return original.prepare.call(this, sql, ...(rest as []));
};
afterAll(() => {
  proto.query = original.query;
  proto.prepare = original.prepare;
});

// SQLite only (on SQLite under STORE=postgres too): the PostgreSQL twins of the hot lists' plans are the EXPLAIN tests
// in tests/domain/*.service.test.ts.
test("SQLite: no statement scans a large table or sorts in a temp B-tree", async () => {
  await using t = createTestApp(
    {
      WEBHOOK_ALLOW_PRIVATE: "true",
      MEDIA_FETCH_ALLOW_PRIVATE: "true",
      MEDIA_RETENTION_DAYS: "30",
      MESSAGE_RETENTION_DAYS: "365",
    },
    { store: "sqlite" },
  );
  const receiver = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("ok") });
  t.dispatcher.start();
  const conn = await t.sandbox();
  const hook = await t.post(`/api/v1/connections/${conn.id}/webhooks`, {
    url: `http://127.0.0.1:${receiver.port}/h`,
  });
  const queue = await t.post("/api/v1/queues", { name: "Ventas", color: "#123456" });
  const user = await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com" });
  const tag = await t.post("/api/v1/tags", { name: "vip", color: "#654321" });
  const inbound = (number: string, body: string) =>
    t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number, body, name: "Juan" });
  // The customer-facing automation: greeting with a queue menu, out-of-hours, farewell and rating.
  const queue2 = await t.post("/api/v1/queues", {
    name: "Soporte",
    color: "#abcdef",
    greetingMessage: "Soporte",
    schedule: {},
    timeZone: "America/Asuncion",
    outOfHoursMessage: "Cerrado",
  });
  await t.put(`/api/v1/connections/${conn.id}`, {
    greetingMessage: "Hola",
    farewellMessage: "Chau",
    ratingMessage: "Califique de 1 a 5",
    queueIds: [queue.body.id, queue2.body.id],
  });
  const first = await inbound("595991000001", "hola");
  const second = await inbound("595991000002", "buenas");
  await t.services.automation.idle();
  for (const answer of ["9", "2"]) {
    await inbound("595991000002", answer);
    await t.services.automation.idle();
  }
  await t.put(`/api/v1/tickets/${second.body.ticketId}`, { status: "closed" });
  await waitFor(
    async () => (await t.get(`/api/v1/tickets/${second.body.ticketId}/messages`)).body.count >= 8,
  );
  await t.services.automation.idle();
  await inbound("595991000002", "5");
  expect((await t.get(`/api/v1/tickets/${second.body.ticketId}`)).body).toMatchObject({
    queueId: queue2.body.id,
    rating: 5,
  });
  const ticketId = first.body.ticketId;
  const sent = await t.call("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "respuesta" });
  await t.request(`/api/v1/tickets/${ticketId}/messages`, {
    method: "POST",
    headers: { "idempotency-key": "k-1", "content-type": "application/json" },
    body: JSON.stringify({ body: "con clave" }),
  });
  await t.post("/api/v1/send", {
    number: "595991000003",
    body: "hola",
    queueId: queue.body.id,
    tagsId: tag.body.id,
  });
  // The send queue: queued, scheduled, cancelled, and sent by the worker with pacing and a daily cap.
  await t.put(`/api/v1/connections/${conn.id}`, {
    pacingMinIntervalMs: 1,
    pacingJitterMs: 0,
    pacingTyping: false,
  });
  const queued = await t.post("/api/v1/send", { number: "595991000004", body: "en cola", queue: true });
  const scheduled = await t.post(`/api/v1/tickets/${ticketId}/messages`, {
    body: "programado",
    sendAt: "2100-01-01T00:00:00Z",
  });
  const cancelled = await t.post(`/api/v1/tickets/${ticketId}/messages`, {
    body: "cancelado",
    sendAt: "2100-01-01T00:00:00Z",
  });
  await t.del(`/api/v1/messages/${cancelled.body.data.messageId}`);
  t.sendQueue.start();
  await waitFor(() => t.services.messages.get(queued.body.data[0].messageId).status === "sent");
  expect(t.services.messages.get(scheduled.body.data.messageId).status).toBe("queued");
  await t.post(`/api/v1/messages/${first.body.messageId}/reactions`, { emoji: "👍" });
  await t.put(`/api/v1/messages/${sent.body.data.messageId}`, { body: "respuesta editada" });
  await t.del(`/api/v1/messages/${sent.body.data.messageId}`);
  await t.put(`/api/v1/tickets/${ticketId}`, {
    status: "open",
    userId: user.body.id,
    queueId: queue.body.id,
    tagIds: [tag.body.id],
  });
  await t.put(`/api/v1/tickets/${ticketId}`, { tagIds: [] });
  await t.put(`/api/v1/tickets/${ticketId}`, { tagIds: [tag.body.id] });
  await t.post(`/api/v1/messages/${first.body.messageId}/reply`, { body: "citando" });
  // What only the MCP server runs: replacing a ticket's tags.
  const mcp = await t.request("/mcp", {
    method: "POST",
    headers: { accept: "application/json, text/event-stream" },
    json: {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "update_ticket", arguments: { ticketId, tagIds: [tag.body.id] } },
    },
  });
  expect((await mcp.json()).result.structuredContent.tags).toEqual([
    expect.objectContaining({ id: tag.body.id }),
  ]);
  await t.post("/api/v1/contacts", { number: "595991000009", name: "Nuevo" });
  const note = await t.post("/api/v1/contacts/595991000001/notes", { body: "nota", userId: user.body.id });
  await t.put(`/api/v1/contacts/595991000001/notes/${note.body.id}`, { body: "nota editada" });
  const qa = await t.post("/api/v1/quick-answers", { shortcut: "hola", message: "Hola" });
  await t.put(`/api/v1/quick-answers/${qa.body.id}`, { message: "Hola, ¿cómo está?" });
  // A second row of every list, so each has a next page to read by cursor.
  await t.post("/api/v1/queues", { name: "Soporte", color: "#123457" });
  await t.post("/api/v1/users", { name: "Beto", email: "beto@example.com" });
  await t.post("/api/v1/tags", { name: "nuevo", color: "#654322" });
  await t.services.tokens.create("a", "api");
  await t.services.tokens.create("b", "api");
  await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url: `http://127.0.0.1:${receiver.port}/h2` });
  await inbound("595991000004", "otro");
  await inbound("595991000005", "otro más");
  await t.post("/api/v1/send", { number: "595991000006", body: "hola", queueId: queue.body.id });
  // Every list and read, with each filter and deep pages.
  const reads = [
    "/api/v1/tickets",
    "/api/v1/tickets?page=50",
    `/api/v1/tickets?status=closed&page=500`,
    `/api/v1/tickets?status=open&whatsappId=${conn.id}&queueId=${queue.body.id}`,
    `/api/v1/tickets?whatsappId=${conn.id}`,
    `/api/v1/tickets?queueId=${queue.body.id}&page=20`,
    `/api/v1/tickets?tagId=${tag.body.id}`,
    `/api/v1/tickets?tagId=${tag.body.id}&status=open&queueId=${queue.body.id}&page=3`,
    `/api/v1/tickets?tagId=${tag.body.id}&search=hola`,
    `/api/v1/tickets?tagId=${tag.body.id}&view=queue`,
    `/api/v1/tickets/counts?tagId=${tag.body.id}&status=open`,
    `/api/v1/tickets/${ticketId}`,
    `/api/v1/tickets/${ticketId}/messages?page=30`,
    "/api/v1/messages?status=queued&page=3",
    `/api/v1/messages?status=sending&whatsappId=${conn.id}`,
    "/api/v1/contacts",
    "/api/v1/contacts?page=400",
    "/api/v1/contacts?search=jua",
    "/api/v1/contacts?search=juan%20p",
    "/api/v1/contacts?search=ju",
    "/api/v1/contacts?search=%2B595%20991",
    "/api/v1/tickets?search=hola",
    "/api/v1/tickets?search=juan%20respuesta&page=3",
    `/api/v1/tickets?search=resp&status=open&whatsappId=${conn.id}&queueId=${queue.body.id}`,
    "/api/v1/contacts/595991000001",
    "/api/v1/contacts/595991000001/notes",
    "/api/v1/quick-answers",
    "/api/v1/quick-answers?search=ho",
    `/api/v1/quick-answers/${qa.body.id}`,
    "/api/v1/messages/search?q=hola",
    `/api/v1/messages/search?q=hola&ticketId=${ticketId}&page=2`,
    "/api/v1/dashboard",
    `/api/v1/dashboard?tz=UTC&from=2020-01-01T00:00:00Z&to=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`,
    "/api/v1/connections",
    `/api/v1/connections/${conn.id}`,
    `/api/v1/connections/${conn.id}/webhooks`,
    "/api/v1/queues",
    // Keyset pages (after=<cursor>) of every list, with each filter: two more pending tickets first.
    ...(await inbound("595991000011", "más")
      .then(() => inbound("595991000012", "más"))
      .then(keysetReads)),
    "/api/queue/list",
    "/api/v1/users",
    "/api/v1/tags",
    "/api/v1/tokens",
    "/api/v1/events",
    `/api/v1/events?connectionId=${conn.id}&limit=5`,
    "/api/v1/webhooks/deliveries",
    `/api/v1/webhooks/deliveries?webhookId=${hook.body.id}&status=delivered&page=40`,
    `/api/v1/webhooks/deliveries?connectionId=${conn.id}&event=message_received`,
  ];
  for (const path of reads) expect([path, (await t.get(path)).status]).toEqual([path, 200]);
  // The same lists as a signed-in agent (limited to their queues), with the tabs and their counts.
  await t.post("/api/v1/users", {
    name: "Agente",
    email: "agente@example.com",
    password: "agente-password",
    queueIds: [queue.body.id],
  });
  const login = await t.app.request("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "agente@example.com", password: "agente-password" }),
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  await t.request(`/api/v1/tickets/${ticketId}`, {
    method: "PUT",
    token: null,
    headers: { cookie, origin: "http://localhost" },
    json: { status: "open", userId: null },
  });
  for (const path of [
    "/api/v1/tickets",
    "/api/v1/tickets?page=30",
    "/api/v1/tickets?view=mine",
    "/api/v1/tickets?view=queue&page=10",
    `/api/v1/tickets?view=mine&status=open&whatsappId=${conn.id}`,
    `/api/v1/tickets?view=queue&queueId=${queue.body.id}`,
    "/api/v1/tickets/counts",
    `/api/v1/tickets/counts?status=pending&whatsappId=${conn.id}`,
    `/api/v1/tickets/${ticketId}/messages`,
    "/api/v1/auth/me",
    "/api/v1/auth/sessions",
  ])
    expect([path, (await t.request(path, { token: null, headers: { cookie } })).status]).toEqual([path, 200]);
  expect((await t.get("/api/v1/tickets?view=queue")).status).toBe(200);
  expect((await t.get("/api/v1/tickets/counts")).status).toBe(200);
  const transfer = await t.post(`/api/v1/tickets/${ticketId}/transfer`, {
    queueId: queue.body.id,
    note: "x",
  });
  expect(transfer.status).toBe(200);
  // Background work: deliveries, media retries, pruning.
  await waitFor(
    () =>
      (
        t.db.$client
          .query("select count(*) as n from webhook_deliveries where status = 'delivered'")
          .get() as { n: number }
      ).n > 0,
  );
  await t.services.messages.retryPendingMedia();
  // What a Prometheus scrape and a readiness probe read.
  expect((await t.request("/metrics")).status).toBe(200);
  expect((await t.get("/health/ready", null)).status).toBe(200);
  await t.services.idempotency.prune();
  // Retention (every job, also the ones with nothing to delete yet) and the GDPR purge of a contact.
  await t.retention.run();
  t.retention.checkpoint();
  expect((await t.del("/api/v1/contacts/595991000002?purge=true")).status).toBe(200);
  expect((await t.del("/api/v1/contacts/595991000009")).status).toBe(200);
  expect((await t.del(`/api/v1/contacts/595991000001/notes/${note.body.id}`)).status).toBe(200);
  expect((await t.del(`/api/v1/quick-answers/${qa.body.id}`)).status).toBe(200);
  receiver.stop(true);

  /** Each list read once to get a cursor, then the read after that cursor. */
  async function keysetReads() {
    const lists = [
      "/api/v1/tickets?limit=1",
      "/api/v1/tickets?status=pending&limit=1",
      `/api/v1/tickets?whatsappId=${conn.id}&limit=1`,
      `/api/v1/tickets?queueId=${queue.body.id}&limit=1`,
      `/api/v1/tickets?status=open&whatsappId=${conn.id}&queueId=${queue.body.id}&limit=1`,
      `/api/v1/tickets/${ticketId}/messages?limit=1`,
      "/api/v1/contacts?limit=1",
      "/api/v1/contacts?search=59&limit=1",
      "/api/v1/contacts?search=5959910&limit=1",
      "/api/v1/tickets?search=otro&limit=1",
      "/api/v1/webhooks/deliveries?limit=1",
      `/api/v1/webhooks/deliveries?webhookId=${hook.body.id}&limit=1`,
      "/api/v1/queues?limit=1",
      "/api/v1/users?limit=1",
      "/api/v1/tags?limit=1",
      "/api/v1/tokens?limit=1",
      `/api/v1/connections/${conn.id}/webhooks?limit=1`,
    ];
    const out: string[] = [];
    for (const path of lists) {
      const r = await t.get(path);
      const cursor = r.body.nextCursor ?? r.headers.get("x-next-cursor");
      // Every list here has a second row, so there is always a cursor to follow.
      expect([path, typeof cursor]).toEqual([path, "string"]);
      out.push(`${path}&after=${cursor}`);
    }
    return out;
  }

  // A partial index holds only the rows of some work (queued sends, leased deliveries, media to fetch): reading
  // all of it costs that work, not the table's size.
  const partial = new Set(
    (
      t.db.$client
        .query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .all() as {
        name: string;
        sql: string;
      }[]
    )
      .filter((i) => /\bwhere\b/i.test(i.sql))
      .map((i) => i.name),
  );
  const problems: string[] = [];
  for (const sql of recorded) {
    if (!/^\s*(select|update|delete|with|insert\s.*\sselect\s)/is.test(sql)) continue;
    let plan: { detail: string }[];
    try {
      const explain = original.prepare.call(t.db.$client, `EXPLAIN QUERY PLAN ${sql}`);
      plan = explain.all() as { detail: string }[];
      explain.finalize();
    } catch {
      continue; // statements of the test itself, or pragmas
    }
    // A plan names a table by its alias in the statement (`SCAN m`): back to the table's name.
    const aliases = new Map<string, string>();
    for (const m of sql.matchAll(/\b(?:from|join)\s+[`"]?(\w+)[`"]?(?:\s+(?:as\s+)?[`"]?(\w+)[`"]?)?/gi))
      if (m[2] && !SQL_WORDS.has(m[2].toLowerCase())) aliases.set(m[2], m[1]!);
    const named = (d: string) =>
      d.replace(/^(SCAN|SEARCH) (\w+)/, (_, op: string, t: string) => `${op} ${aliases.get(t) ?? t}`);
    for (const { detail: raw } of plan) {
      const detail = named(raw);
      const scan = /^SCAN (\w+)/.exec(detail);
      const fullScan =
        scan && LARGE.includes(scan[1]!) && !/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/.test(detail);
      // Walking a whole index of a large table (in its order, to skip a sort) is a scan too, unless a LIMIT stops
      // it or the index is partial.
      const index = /USING (?:COVERING )?INDEX (\w+)/.exec(detail)?.[1];
      const unbounded = !/\blimit\b/i.test(sql) && !(index !== undefined && partial.has(index));
      const indexScan = scan && LARGE.includes(scan[1]!) && index !== undefined && unbounded;
      // A range open at one end walks the table from that end (`rowid<?` reads every row below the bound): a scan,
      // unless a LIMIT stops it or the index is partial.
      const search = /^SEARCH (\w+)/.exec(detail);
      const openRange =
        search && LARGE.includes(search[1]!) && /\((?:\w+=\? AND )*\w+[<>]\?\)/.test(detail) && unbounded;
      // Sorting a small table (users, queues, tags) is fine; sorting a growing one is not.
      const tempSort =
        /USE TEMP B-TREE FOR (ORDER BY|RIGHT PART OF ORDER BY)/.test(detail) &&
        LARGE.some((table) => new RegExp(`\\b${table}\\b`).test(sql));
      // A filtered page of the ticket list (a tab, a connection, a queue, an agent's queues, a tag) is filtered
      // inside the index that gives the order: a sparse filter costs index entries, not a ticket row read (nor a
      // subquery run) for every ticket skipped.
      const rowPerSkip =
        /^select t\.id, t\.updated_at as updatedAt from /.test(sql) &&
        /^(SCAN|SEARCH) (tickets|ticket_tags) USING INDEX|CORRELATED/.test(detail);
      if (
        (fullScan || indexScan || openRange || tempSort || rowPerSkip) &&
        !ACCEPTED.some((a) => a.pattern.test(sql))
      )
        problems.push(`${detail}\n    in: ${sql.replace(/\s+/g, " ").slice(0, 300)}`);
    }
  }
  if (problems.length) console.log(problems.join("\n"));
  expect(problems).toEqual([]);
}, 30_000);
