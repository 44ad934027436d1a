import { describe, expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../support/test-app";

const STILL = Date.parse("2026-12-01T10:00:00.000Z");

/** Reads a list to its end through `after=<nextCursor>`, returning every page's answer. */
async function walk(t: TestApp, path: string): Promise<any[]> {
  const pages: any[] = [];
  let url = path;
  for (let guard = 0; guard < 100; guard++) {
    const r = await t.get(url);
    expect([url, r.status]).toEqual([url, 200]);
    pages.push(r.body);
    if (r.body.nextCursor === null) return pages;
    url = `${path}${path.includes("?") ? "&" : "?"}after=${r.body.nextCursor}`;
  }
  throw new Error("the cursor never ended");
}

async function inbound(t: TestApp, connectionId: number, number: string, body = `hola ${number}`) {
  const r = await t.post(`/api/v1/connections/${connectionId}/sandbox/inbound`, {
    number,
    body,
    name: number,
  });
  expect(r.status).toBe(201);
  return r.body as { ticketId: number; messageId: string };
}

describe("keyset pagination (after=<nextCursor>)", () => {
  test("walks the ticket list in the same order as page, with count and hasMore as documented", async () => {
    // A clock that stands still: every ticket has the same updatedAt, so only the id orders them.
    await using t = createTestApp({}, { clock: () => STILL });
    const conn = await t.sandbox();
    for (let i = 1; i <= 7; i++) await inbound(t, conn.id, `59599000000${i}`);
    const byOffset: number[] = [];
    for (let page = 1; page <= 3; page++) {
      const r = await t.get(`/api/v1/tickets?limit=3&page=${page}`);
      byOffset.push(...r.body.tickets.map((x: any) => x.id));
      expect(r.body).toMatchObject({ count: 7, hasMore: page < 3, page, limit: 3 });
      expect(r.body.nextCursor === null).toBe(page === 3);
    }
    const pages = await walk(t, "/api/v1/tickets?limit=3");
    expect(pages.map((p) => [p.tickets.length, p.count, p.hasMore])).toEqual([
      [3, 7, true],
      [3, 7, true],
      [1, 7, false],
    ]);
    expect(pages.flatMap((p) => p.tickets.map((x: any) => x.id))).toEqual(byOffset);
    expect(new Set(byOffset).size).toBe(7);
    // A page's cursor continues right after it, also from an offset page.
    const second = await t.get(`/api/v1/tickets?limit=3&page=2`);
    const third = await t.get(`/api/v1/tickets?limit=3&after=${second.body.nextCursor}`);
    expect(third.body.tickets.map((x: any) => x.id)).toEqual(byOffset.slice(6));
  });

  test("keeps the ticket filters and neither repeats nor skips a ticket that moved to the top", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const ids: number[] = [];
    for (let i = 1; i <= 6; i++) ids.push((await inbound(t, conn.id, `59599100000${i}`)).ticketId);
    const closed = await t.put(`/api/v1/tickets/${ids[0]}`, { status: "closed" });
    expect(closed.status).toBe(200);
    const pending = await walk(t, "/api/v1/tickets?status=pending&limit=2");
    expect(pending.flatMap((p) => p.tickets.map((x: any) => x.status))).toEqual(Array(5).fill("pending"));
    expect(pending.map((p) => p.count)).toEqual([5, 5, 5]);

    const first = await t.get("/api/v1/tickets?status=pending&limit=2");
    const seen: number[] = first.body.tickets.map((x: any) => x.id);
    // A ticket of a later page gets a message and jumps to the top; the cursor goes on from where it was.
    const later = ids.find((id) => !seen.includes(id) && id !== ids[0])!;
    await inbound(t, conn.id, `59599100000${ids.indexOf(later) + 1}`, "otra vez");
    let cursor = first.body.nextCursor;
    while (cursor) {
      const r = await t.get(`/api/v1/tickets?status=pending&limit=2&after=${cursor}`);
      seen.push(...r.body.tickets.map((x: any) => x.id));
      cursor = r.body.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(later);
    expect(seen.length).toBe(4);
  });

  test("walks a ticket's messages newest first, also when they share a millisecond", async () => {
    await using t = createTestApp({}, { clock: () => STILL });
    const conn = await t.sandbox();
    let ticketId = 0;
    for (let i = 1; i <= 5; i++) ticketId = (await inbound(t, conn.id, "595992000001", `m${i}`)).ticketId;
    const pages = await walk(t, `/api/v1/tickets/${ticketId}/messages?limit=2`);
    expect(pages.map((p) => p.messages.map((m: any) => m.body))).toEqual([
      ["m5", "m4"],
      ["m3", "m2"],
      ["m1"],
    ]);
    expect(pages.map((p) => [p.count, p.hasMore, p.ticketId])).toEqual([
      [5, true, ticketId],
      [5, true, ticketId],
      [5, false, ticketId],
    ]);
  });

  test("walks contacts by name, with and without a search", async () => {
    await using t = createTestApp();
    for (const [number, name] of [
      ["595993000001", "Beto"],
      ["595993000002", "Ana"],
      ["595993000003", "Ana"],
      ["595993000004", "Carla"],
      ["595993000005", "Juana"],
    ]) {
      expect((await t.post("/api/v1/contacts", { number, name })).status).toBe(201);
    }
    const all = await walk(t, "/api/v1/contacts?limit=2");
    expect(all.flatMap((p) => p.contacts.map((c: any) => c.name))).toEqual([
      "Ana",
      "Ana",
      "Beto",
      "Carla",
      "Juana",
    ]);
    expect(all.map((p) => p.count)).toEqual([5, 5, 5]);
    const search = await walk(t, "/api/v1/contacts?limit=1&search=an");
    expect(search.flatMap((p) => p.contacts.map((c: any) => c.number))).toEqual([
      "595993000002",
      "595993000003",
      "595993000005",
    ]);
    expect(search.map((p) => [p.count, p.hasMore])).toEqual([
      [3, true],
      [3, true],
      [3, false],
    ]);
  });

  test("rejects a malformed cursor, or one of another list, with 400 ERR_VALIDATION", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    for (let i = 1; i <= 3; i++) await inbound(t, conn.id, `59599400000${i}`);
    const ticketCursor = (await t.get("/api/v1/tickets?limit=1")).body.nextCursor as string;
    const { ticketId } = await inbound(t, conn.id, "595994000001");
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const bad = [
      "/api/v1/tickets?after=",
      "/api/v1/tickets?after=%21%21",
      `/api/v1/tickets?after=${Buffer.from("not json").toString("base64url")}`,
      `/api/v1/tickets?after=${b64(["tickets", "x", 1])}`,
      `/api/v1/tickets?after=${b64(["tickets", 1.5, 1])}`,
      `/api/v1/tickets?after=${b64(["tickets", 1])}`,
      `/api/v1/tickets?after=${b64({ tickets: 1 })}`,
      `/api/v1/contacts?after=${ticketCursor}`,
      `/api/v1/tickets/${ticketId}/messages?after=${ticketCursor}`,
      `/api/v1/tickets?after=${"A".repeat(2000)}`,
    ];
    for (const path of bad) {
      const r = await t.get(path);
      expect([path, r.status, r.body.error]).toEqual([path, 400, "ERR_VALIDATION"]);
      expect(typeof r.body.message).toBe("string");
    }
    // The same cursor on its own list is fine.
    expect((await t.get(`/api/v1/tickets?after=${ticketCursor}`)).status).toBe(200);
  });

  test("pages the whole-array lists (queues, users, tags, tokens, webhooks) only when asked, by X-Next-Cursor", async () => {
    await using t = createTestApp({ WEBHOOK_ALLOW_PRIVATE: "true" });
    const conn = await t.sandbox();
    for (const [name, color] of [
      ["Ventas", "#000001"],
      ["Soporte", "#000002"],
      ["Admin", "#000003"],
    ]) {
      expect((await t.post("/api/v1/queues", { name, color })).status).toBe(201);
      expect((await t.post("/api/v1/tags", { name, color })).status).toBe(201);
      expect((await t.post("/api/v1/users", { name, email: `${name}@example.com` })).status).toBe(201);
    }
    for (const name of ["a", "b", "c"]) await t.services.tokens.create(name, "api");
    for (const path of ["a", "b", "c"])
      expect(
        (await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url: `http://127.0.0.1:9/${path}` }))
          .status,
      ).toBe(201);

    /** Follows X-Next-Cursor; the answer stays a bare array. */
    const walkArray = async (path: string) => {
      const pages: unknown[][] = [];
      let url = `${path}?limit=2`;
      for (;;) {
        const r = await t.get(url);
        expect([url, r.status, Array.isArray(r.body)]).toEqual([url, 200, true]);
        pages.push(r.body);
        const next = r.headers.get("x-next-cursor");
        if (!next) return pages;
        url = `${path}?limit=2&after=${next}`;
      }
    };
    for (const path of [
      "/api/v1/queues",
      "/api/v1/tags",
      "/api/v1/users",
      "/api/v1/tokens",
      `/api/v1/connections/${conn.id}/webhooks`,
    ]) {
      const whole = await t.get(path);
      expect(whole.headers.get("x-next-cursor")).toBeNull();
      const pages = await walkArray(path);
      expect([path, pages.map((p) => p.length)]).toEqual([path, [2, whole.body.length - 2]]);
      expect([path, pages.flat()]).toEqual([path, whole.body]);
    }
    expect((await t.get("/api/v1/queues")).body.map((q: any) => q.name)).toEqual([
      "Admin",
      "Soporte",
      "Ventas",
    ]);
    // A cursor of one catalog does not read another.
    const tagCursor = (await t.get("/api/v1/tags?limit=1")).headers.get("x-next-cursor");
    const r = await t.get(`/api/v1/queues?after=${tagCursor}`);
    expect([r.status, r.body.error]).toEqual([400, "ERR_VALIDATION"]);
  });

  test("walks webhook deliveries newest first", async () => {
    await using t = createTestApp({ WEBHOOK_ALLOW_PRIVATE: "true" });
    const conn = await t.sandbox();
    await t.post(`/api/v1/connections/${conn.id}/webhooks`, { url: "http://127.0.0.1:9/h" });
    for (let i = 1; i <= 3; i++) await inbound(t, conn.id, `59599500000${i}`);
    const byOffset = (await t.get("/api/v1/webhooks/deliveries?limit=100")).body;
    expect(byOffset.count).toBeGreaterThan(3);
    const pages = await walk(t, "/api/v1/webhooks/deliveries?limit=2");
    expect(pages.flatMap((p) => p.deliveries.map((d: any) => d.id))).toEqual(
      byOffset.deliveries.map((d: any) => d.id),
    );
    expect(pages.every((p) => p.count === byOffset.count)).toBe(true);
    expect(pages.at(-1).hasMore).toBe(false);
  });
});
