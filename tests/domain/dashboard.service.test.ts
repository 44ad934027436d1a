// The dashboard figures on both stores; time zones, the route and the panel are in tests/api/dashboard.test.ts
// (SQLite). Tickets are stored with the store's builders: the ticket service is not on the Store yet.
import { expect, test } from "bun:test";
import type { tickets } from "../../src/db/schema";
import { createAccountService } from "../../src/domain/account.service";
import { createCatalogServices } from "../../src/domain/catalog.service";
import { createDashboardService } from "../../src/domain/dashboard.service";
import { describeStores, openTestStore } from "../support/stores";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Wednesday 2026-11-25 12:00 UTC: the UTC week began Monday 23 at 00:00, the day at 00:00 on the 25th.
const NOW = Date.UTC(2026, 10, 25, 12);
const WEEK_START = Date.UTC(2026, 10, 23);

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

describeStores("dashboard service", (dialect) => {
  test("open and pending now, closes today / this week / in range, median first response and resolution", async () => {
    await using s = await openTestStore(dialect);
    const { store } = s;
    const { queues } = createCatalogServices(store);
    const accounts = createAccountService(store, { idleMs: HOUR, absoluteMs: DAY });
    const sales = await queues.create({ name: "Sales", color: "#ff0000" });
    const support = await queues.create({ name: "Support", color: "#00ff00" });
    const idle = await queues.create({ name: "Zeta", color: "#0000ff" });
    const ana = await accounts.create({ name: "Ana", email: "ana@example.com" });
    const bea = await accounts.create({ name: "Bea", email: "bea@example.com" });

    await store.write(async (q) => {
      const [conn] = await q
        .insert(store.t.connections)
        .values({ name: "main", driver: "sandbox" })
        .returning({ id: store.t.connections.id });
      const ticket = async (i: number, values: Partial<typeof tickets.$inferInsert>) => {
        const [contact] = await q
          .insert(store.t.contacts)
          .values({ number: `59598100000${i}`, name: `Customer ${i}` })
          .returning({ id: store.t.contacts.id });
        await q.insert(store.t.tickets).values({
          contactId: contact!.id,
          connectionId: conn!.id,
          createdAt: new Date(NOW - 5 * DAY),
          updatedAt: new Date(NOW - 5 * DAY),
          ...values,
        });
      };
      await ticket(1, { status: "open", queueId: sales.id, userId: ana.id });
      await ticket(2, { status: "pending", queueId: sales.id });
      // Closed today (its close time is its updatedAt, by the closed_at trigger); resolved in 2 h, answered in 20 min.
      await ticket(3, {
        status: "closed",
        queueId: support.id,
        userId: ana.id,
        createdAt: new Date(NOW - 3 * HOUR),
        updatedAt: new Date(NOW - HOUR),
        firstInboundAt: new Date(NOW - 3 * HOUR),
        firstResponseAt: new Date(NOW - 3 * HOUR + 20 * MINUTE),
      });
      // Closed last week, no queue; resolved in 1 day.
      await ticket(4, {
        status: "closed",
        userId: bea.id,
        createdAt: new Date(WEEK_START - 2 * DAY),
        updatedAt: new Date(WEEK_START - DAY),
      });
      // Open, answered in 10 min.
      await ticket(5, {
        status: "open",
        queueId: support.id,
        userId: bea.id,
        firstInboundAt: new Date(NOW - 2 * HOUR),
        firstResponseAt: new Date(NOW - 2 * HOUR + 10 * MINUTE),
      });
    });

    const summary = createDashboardService(store, () => NOW);
    const all = await summary({ timeZone: "UTC", from: NOW - 10 * DAY });
    expect(all).toMatchObject({
      timeZone: "UTC",
      from: new Date(NOW - 10 * DAY).toISOString(),
      to: new Date(NOW + 1).toISOString(),
      todayFrom: "2026-11-25T00:00:00.000Z",
      weekFrom: "2026-11-23T00:00:00.000Z",
      generatedAt: new Date(NOW).toISOString(),
    });
    expect(all.totals).toEqual({
      open: 2,
      pending: 1,
      closedToday: 1,
      closedThisWeek: 1,
      closed: 2,
      medianFirstResponseMs: 15 * MINUTE,
      firstResponses: 2,
      medianResolutionMs: 13 * HOUR,
    });
    expect(all.queues).toEqual([
      { queueId: sales.id, name: "Sales", ...zero, open: 1, pending: 1 },
      {
        queueId: support.id,
        name: "Support",
        ...zero,
        open: 1,
        closedToday: 1,
        closedThisWeek: 1,
        closed: 1,
        firstResponses: 2,
        medianFirstResponseMs: 15 * MINUTE,
        medianResolutionMs: 2 * HOUR,
      },
      { queueId: idle.id, name: "Zeta", ...zero },
      { queueId: null, name: null, ...zero, closed: 1, medianResolutionMs: DAY },
    ]);
    expect(all.agents).toEqual([
      {
        userId: ana.id,
        name: "Ana",
        ...zero,
        open: 1,
        closedToday: 1,
        closedThisWeek: 1,
        closed: 1,
        firstResponses: 1,
        medianFirstResponseMs: 20 * MINUTE,
        medianResolutionMs: 2 * HOUR,
      },
      {
        userId: bea.id,
        name: "Bea",
        ...zero,
        open: 1,
        closed: 1,
        firstResponses: 1,
        medianFirstResponseMs: 10 * MINUTE,
        medianResolutionMs: DAY,
      },
      { userId: null, name: null, ...zero, pending: 1 },
    ]);

    // The default range is this week: last week's close is out of it.
    const week = await summary({ timeZone: "UTC" });
    expect(week.from).toBe(new Date(WEEK_START).toISOString());
    expect(week.totals).toMatchObject({ closed: 1, closedThisWeek: 1, medianResolutionMs: 2 * HOUR });

    await expect(summary({ timeZone: "UTC", from: NOW, to: NOW })).rejects.toMatchObject({
      code: "ERR_VALIDATION",
    });
  });
});
