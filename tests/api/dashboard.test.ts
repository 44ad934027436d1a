import { describe, expect, test } from "bun:test";
import { createTestApp, type TestApp, waitFor } from "../support/test-app";

const MIN = 60_000;
const HOUR = 60 * MIN;
// Wednesday 2026-11-25 15:00 UTC = 12:00 in São Paulo (UTC-3, no DST). That week began Monday 23 at 03:00 UTC.
const at = (iso: string) => Date.parse(iso);

/**
 * A: Ana, queue Soporte; asked Mon 10:00Z, answered 2 min later, closed Wed 14:00Z.
 * B: Beto, no queue; asked Tue 12:00Z, answered 10 min later, closed Wed 01:00Z (Tue 22:00 in São Paulo).
 * C: Ana, Soporte; asked Wed 14:30Z, open, not answered.
 * D: nobody, no queue; asked Sun 22 20:00Z (last week), answered Mon 04:00Z (this week), still pending.
 */
async function seedWeek(t: TestApp, clock: { now: number }) {
  const conn = await t.sandbox();
  const soporte = (await t.post("/api/v1/queues", { name: "Soporte", color: "#111111" })).body.id as number;
  await t.post("/api/v1/queues", { name: "Ventas", color: "#222222" });
  const ana = (await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com" })).body.id as number;
  const beto = (await t.post("/api/v1/users", { name: "Beto", email: "beto@example.com" })).body.id as number;
  const inbound = async (when: string, number: string, body: string) => {
    clock.now = at(when);
    return (await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number, body })).body
      .ticketId as number;
  };
  const reply = async (when: string, ticketId: number, body: string) => {
    clock.now = at(when);
    expect((await t.post(`/api/v1/tickets/${ticketId}/messages`, { body })).status).toBe(201);
  };
  const put = async (when: string, ticketId: number, body: object) => {
    clock.now = at(when);
    expect((await t.put(`/api/v1/tickets/${ticketId}`, body)).status).toBe(200);
  };

  const d = await inbound("2026-11-22T20:00:00Z", "595991000004", "¿Abren el lunes?");
  await reply("2026-11-23T04:00:00Z", d, "Sí, desde las 8");
  const a = await inbound("2026-11-23T10:00:00Z", "595991000001", "Hola");
  await reply("2026-11-23T10:02:00Z", a, "Buen día");
  await inbound("2026-11-23T11:00:00Z", "595991000001", "Otra pregunta");
  await reply("2026-11-23T11:30:00Z", a, "Claro");
  await put("2026-11-23T11:31:00Z", a, { status: "open", userId: ana, queueId: soporte });
  const b = await inbound("2026-11-24T12:00:00Z", "595991000002", "Consulta");
  await reply("2026-11-24T12:10:00Z", b, "Respuesta");
  await put("2026-11-24T12:11:00Z", b, { status: "open", userId: beto });
  await put("2026-11-25T01:00:00Z", b, { status: "closed" });
  await put("2026-11-25T14:00:00Z", a, { status: "closed" });
  const c = await inbound("2026-11-25T14:30:00Z", "595991000003", "Ayuda");
  await put("2026-11-25T14:31:00Z", c, { status: "open", userId: ana, queueId: soporte });
  clock.now = at("2026-11-25T15:00:00Z");
  return { soporte, ana, beto };
}

const zero = {
  open: 0,
  pending: 0,
  closedToday: 0,
  closedThisWeek: 0,
  closed: 0,
  medianFirstResponseMs: null,
  firstResponses: 0,
  medianResolutionMs: null,
};

describe("GET /api/v1/dashboard", () => {
  test("per queue and agent: open/pending now, closed today and this week, median first response and resolution", async () => {
    const clock = { now: at("2026-11-20T00:00:00Z") };
    await using t = createTestApp({}, { clock: () => clock.now });
    const { soporte, ana, beto } = await seedWeek(t, clock);
    const r = await t.get("/api/v1/dashboard?tz=America/Sao_Paulo");
    expect(r.status).toBe(200);
    const resA = at("2026-11-25T14:00:00Z") - at("2026-11-23T10:00:00Z");
    const resB = at("2026-11-25T01:00:00Z") - at("2026-11-24T12:00:00Z");
    expect(r.body).toEqual({
      timeZone: "America/Sao_Paulo",
      from: "2026-11-23T03:00:00.000Z",
      to: "2026-11-25T15:00:00.001Z",
      todayFrom: "2026-11-25T03:00:00.000Z",
      weekFrom: "2026-11-23T03:00:00.000Z",
      generatedAt: "2026-11-25T15:00:00.000Z",
      totals: {
        open: 1,
        pending: 1,
        closedToday: 1,
        closedThisWeek: 2,
        closed: 2,
        // A 2 min, B 10 min, D 8 h (asked last week, answered this week).
        medianFirstResponseMs: 10 * MIN,
        firstResponses: 3,
        medianResolutionMs: (resA + resB) / 2,
      },
      queues: [
        {
          queueId: soporte,
          name: "Soporte",
          ...zero,
          open: 1,
          closedToday: 1,
          closedThisWeek: 1,
          closed: 1,
          medianFirstResponseMs: 2 * MIN,
          firstResponses: 1,
          medianResolutionMs: resA,
        },
        { queueId: expect.any(Number), name: "Ventas", ...zero },
        {
          queueId: null,
          name: null,
          ...zero,
          pending: 1,
          closedThisWeek: 1,
          closed: 1,
          medianFirstResponseMs: (10 * MIN + 8 * HOUR) / 2,
          firstResponses: 2,
          medianResolutionMs: resB,
        },
      ],
      agents: [
        {
          userId: ana,
          name: "Ana",
          ...zero,
          open: 1,
          closedToday: 1,
          closedThisWeek: 1,
          closed: 1,
          medianFirstResponseMs: 2 * MIN,
          firstResponses: 1,
          medianResolutionMs: resA,
        },
        {
          userId: beto,
          name: "Beto",
          ...zero,
          closedThisWeek: 1,
          closed: 1,
          medianFirstResponseMs: 10 * MIN,
          firstResponses: 1,
          medianResolutionMs: resB,
        },
        {
          userId: null,
          name: null,
          ...zero,
          pending: 1,
          medianFirstResponseMs: 8 * HOUR,
          firstResponses: 1,
        },
      ],
    });
  });

  test("today and this week follow the time zone; from/to narrow the medians", async () => {
    const clock = { now: at("2026-11-20T00:00:00Z") };
    await using t = createTestApp({}, { clock: () => clock.now });
    await seedWeek(t, clock);
    // In UTC, B's close (Wed 01:00Z) is today.
    const utc = (await t.get("/api/v1/dashboard?tz=UTC")).body;
    expect(utc.totals).toMatchObject({ closedToday: 2, closedThisWeek: 2 });
    expect(utc.todayFrom).toBe("2026-11-25T00:00:00.000Z");
    // Tuesday in São Paulo: B was asked, answered and closed (22:00 local = Wed 01:00Z) within it.
    const tue = (
      await t.get(
        `/api/v1/dashboard?tz=America/Sao_Paulo&from=${encodeURIComponent("2026-11-24T00:00:00-03:00")}&to=${encodeURIComponent("2026-11-25T00:00:00-03:00")}`,
      )
    ).body;
    expect(tue.totals).toMatchObject({
      closed: 1,
      firstResponses: 1,
      medianFirstResponseMs: 10 * MIN,
      medianResolutionMs: at("2026-11-25T01:00:00Z") - at("2026-11-24T12:00:00Z"),
      // Today and this week do not depend on the window.
      closedToday: 1,
      closedThisWeek: 2,
    });
  });

  test("an automated greeting is not the first response; the agent's reply is", async () => {
    const clock = { now: at("2026-11-25T12:00:00Z") };
    await using t = createTestApp({}, { clock: () => clock.now });
    const conn = await t.sandbox();
    await t.put(`/api/v1/connections/${conn.id}`, { greetingMessage: "¡Hola! Ya le atendemos." });
    const ticketId = (
      await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595991000001", body: "Hola" })
    ).body.ticketId;
    const greeted = await waitFor(async () => {
      const list = (await t.get(`/api/v1/tickets/${ticketId}/messages`)).body.messages as any[];
      return list.some((m) => m.fromMe) ? list : null;
    });
    expect(greeted.filter((m: any) => m.fromMe).map((m: any) => m.body)).toEqual(["¡Hola! Ya le atendemos."]);
    expect((await t.get("/api/v1/dashboard?tz=UTC")).body.totals.firstResponses).toBe(0);
    clock.now += 5 * MIN;
    await t.post(`/api/v1/tickets/${ticketId}/messages`, { body: "Buen día, ¿en qué le ayudo?" });
    expect((await t.get("/api/v1/dashboard?tz=UTC")).body.totals).toMatchObject({
      firstResponses: 1,
      medianFirstResponseMs: 5 * MIN,
    });
  });

  test("a reopened ticket is not closed until it is closed again", async () => {
    const clock = { now: at("2026-11-20T00:00:00Z") };
    await using t = createTestApp({}, { clock: () => clock.now });
    await seedWeek(t, clock);
    const closed = (await t.get("/api/v1/tickets?status=closed")).body.tickets as { id: number }[];
    clock.now = at("2026-11-25T15:10:00Z");
    expect((await t.put(`/api/v1/tickets/${closed[0]!.id}`, { status: "open" })).status).toBe(200);
    const body = (await t.get("/api/v1/dashboard?tz=America/Sao_Paulo")).body;
    expect(body.totals).toMatchObject({ open: 2, closedToday: 0, closedThisWeek: 1, closed: 1 });
  });

  test("rejects an unknown time zone, malformed instants and an empty window with 400", async () => {
    await using t = createTestApp();
    for (const q of [
      "tz=Mars/Olympus",
      "from=yesterday",
      "to=2026-13-01T00:00:00Z",
      `from=${encodeURIComponent("2026-11-25T00:00:00Z")}&to=${encodeURIComponent("2026-11-24T00:00:00Z")}`,
    ]) {
      const r = await t.get(`/api/v1/dashboard?${q}`);
      expect([q, r.status, r.body.error]).toEqual([q, 400, "ERR_VALIDATION"]);
    }
    expect((await t.get("/api/v1/dashboard", null)).status).toBe(401);
    // An empty database answers zeros in the server's zone.
    const r = await t.get("/api/v1/dashboard");
    expect(r.body.totals).toEqual(zero);
    expect(r.body.agents).toEqual([]);
  });
});
