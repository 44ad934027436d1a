import { and, asc, count, gte, lt, sql } from "drizzle-orm";
import type { Store } from "../db/store";
import { AppError } from "../errors";
import { assertTimeZone, serverTimeZone, startOfLocalDay, startOfLocalWeek } from "./time-zone";

export type DashboardFigures = {
  open: number;
  pending: number;
  closedToday: number;
  closedThisWeek: number;
  /** Closed within [from, to). */
  closed: number;
  /** Median of (our first message − the customer's first message) over tickets first answered in [from, to). */
  medianFirstResponseMs: number | null;
  firstResponses: number;
  /** Median of (closedAt − createdAt) over tickets closed in [from, to). */
  medianResolutionMs: number | null;
};

const empty = (): DashboardFigures & { _fr: number[]; _res: number[] } => ({
  open: 0,
  pending: 0,
  closedToday: 0,
  closedThisWeek: 0,
  closed: 0,
  medianFirstResponseMs: null,
  firstResponses: 0,
  medianResolutionMs: null,
  _fr: [],
  _res: [],
});

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = values.sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

/**
 * Helpdesk figures per queue and per agent (the ticket's assigned user). Every number comes from an index
 * range: open/pending from `tickets_active_idx`, closes from `tickets_closed_at_idx`, first responses from
 * `tickets_first_response_idx`; the timestamps are kept on write (a trigger on status, the message insert).
 */
export function createDashboardService(store: Store, clock: () => number) {
  const { tickets, queues, users } = store.t;
  const closedRange = (from: number, to: number) =>
    and(gte(tickets.closedAt, new Date(from)), lt(tickets.closedAt, new Date(to)));
  const firstResponseRange = (from: number, to: number) =>
    and(gte(tickets.firstResponseAt, new Date(from)), lt(tickets.firstResponseAt, new Date(to)));

  /** Every statement the figures need, on committed data (one statement after the other, no snapshot). */
  const rowsOf = (closedFrom: number, closedTo: number, from: number, to: number) =>
    store.read(async (q) => ({
      queueNames: await q
        .select({ id: queues.id, name: queues.name })
        .from(queues)
        .orderBy(asc(queues.name), asc(queues.id)),
      userNames: await q
        .select({ id: users.id, name: users.name })
        .from(users)
        .orderBy(asc(users.name), asc(users.id)),
      // The literal (not a bound value) lets SQLite use the partial index `tickets_active_idx`.
      active: await q
        .select({ status: tickets.status, userId: tickets.userId, queueId: tickets.queueId, n: count() })
        .from(tickets)
        .where(sql`${tickets.status} <> 'closed'`)
        .groupBy(tickets.status, tickets.userId, tickets.queueId),
      closed: await q
        .select({
          closedAt: tickets.closedAt,
          queueId: tickets.queueId,
          userId: tickets.userId,
          createdAt: tickets.createdAt,
        })
        .from(tickets)
        .where(closedRange(closedFrom, closedTo)),
      firstResponses: await q
        .select({
          at: tickets.firstResponseAt,
          queueId: tickets.queueId,
          userId: tickets.userId,
          inboundAt: tickets.firstInboundAt,
        })
        .from(tickets)
        .where(firstResponseRange(from, to)),
    }));

  return async function summary(input: { from?: number; to?: number; timeZone?: string }) {
    const tz = input.timeZone ?? serverTimeZone();
    assertTimeZone(tz);
    const now = clock();
    const dayStart = startOfLocalDay(tz, now);
    const weekStart = startOfLocalWeek(tz, now);
    const from = input.from ?? weekStart;
    const to = input.to ?? now + 1;
    if (from >= to)
      throw new AppError("ERR_VALIDATION", "`from` must be before `to`", [
        { path: "from", message: "Must be before `to`" },
      ]);

    const totals = empty();
    const byQueue = new Map<number | null, ReturnType<typeof empty>>();
    const byUser = new Map<number | null, ReturnType<typeof empty>>();
    // One range of closes covers this week, today and [from, to).
    const rows = await rowsOf(Math.min(from, weekStart), Math.max(to, now + 1), from, to);
    const { queueNames, userNames } = rows;
    for (const q of queueNames) byQueue.set(q.id, empty());
    for (const u of userNames) byUser.set(u.id, empty());
    const groups = (queueId: number | null, userId: number | null) => {
      if (!byQueue.has(queueId)) byQueue.set(queueId, empty());
      if (!byUser.has(userId)) byUser.set(userId, empty());
      return [totals, byQueue.get(queueId)!, byUser.get(userId)!];
    };

    for (const r of rows.active) {
      for (const g of groups(r.queueId, r.userId)) {
        if (r.status === "open") g.open += r.n;
        else if (r.status === "pending") g.pending += r.n;
      }
    }
    for (const row of rows.closed) {
      const r = { ...row, closedAt: row.closedAt!.getTime(), createdAt: row.createdAt.getTime() };
      const inRange = r.closedAt >= from && r.closedAt < to;
      for (const g of groups(r.queueId, r.userId)) {
        if (r.closedAt >= weekStart && r.closedAt <= now) g.closedThisWeek++;
        if (r.closedAt >= dayStart && r.closedAt <= now) g.closedToday++;
        if (inRange) {
          g.closed++;
          g._res.push(r.closedAt - r.createdAt);
        }
      }
    }
    for (const r of rows.firstResponses) {
      for (const g of groups(r.queueId, r.userId)) {
        g.firstResponses++;
        // As the raw SQL did: a missing first inbound counted as 0.
        g._fr.push(r.at!.getTime() - (r.inboundAt?.getTime() ?? 0));
      }
    }

    const finish = ({ _fr, _res, ...f }: ReturnType<typeof empty>): DashboardFigures => ({
      ...f,
      medianFirstResponseMs: median(_fr),
      medianResolutionMs: median(_res),
    });
    const queueName = new Map(queueNames.map((q) => [q.id, q.name]));
    const userName = new Map(userNames.map((u) => [u.id, u.name]));
    // Named ones in name order; "no queue" / "unassigned" (null) last.
    const order = <K>(m: Map<K | null, unknown>, names: Map<K, string>) =>
      [...m.keys()].sort((a, b) =>
        a === null ? 1 : b === null ? -1 : (names.get(a) ?? "").localeCompare(names.get(b) ?? ""),
      );
    return {
      timeZone: tz,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      todayFrom: new Date(dayStart).toISOString(),
      weekFrom: new Date(weekStart).toISOString(),
      generatedAt: new Date(now).toISOString(),
      totals: finish(totals),
      queues: order(byQueue, queueName).map((id) => ({
        queueId: id,
        name: id === null ? null : (queueName.get(id) ?? null),
        ...finish(byQueue.get(id)!),
      })),
      agents: order(byUser, userName).map((id) => ({
        userId: id,
        name: id === null ? null : (userName.get(id) ?? null),
        ...finish(byUser.get(id)!),
      })),
    };
  };
}

export type DashboardService = ReturnType<typeof createDashboardService>;
