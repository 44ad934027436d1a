import type { WeeklySchedule } from "../../db/schema";

export type { WeeklySchedule } from "../../db/schema";

/** Weekday keys of a schedule, in the order `Date#getDay` counts them (0 = Sunday). */
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM" on a 24-hour clock; "24:00" closes a range at midnight. */
export const TIME_OF_DAY = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;

export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** An IANA time zone name the runtime knows (Intl throws a RangeError for any other). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const SHORT_DAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall-clock date, weekday and minute of the day of an instant in a time zone. */
export function localTime(ms: number, timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(ms)) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    weekday: SHORT_DAYS[p.weekday!] ?? 0,
    minute: Number(p.hour) * 60 + Number(p.minute),
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Whether a queue is open at an instant, and if not, which closed window the instant falls in: the window
 * is named by its end, the next opening in local time ("2026-12-02T09:00"), or "never" when the schedule
 * has no hours at all. Two instants in the same closed stretch get the same name, so a message sent "once
 * per closed window" is sent again only after the queue opened and closed again.
 */
export function scheduleState(
  schedule: WeeklySchedule,
  timeZone: string,
  nowMs: number,
): { open: true } | { open: false; window: string } {
  const now = localTime(nowMs, timeZone);
  const rangesOf = (weekday: number) =>
    (schedule[WEEKDAYS[weekday]!] ?? [])
      .map((r) => ({ start: minutesOf(r.start), end: minutesOf(r.end) }))
      .sort((a, b) => a.start - b.start);
  if (rangesOf(now.weekday).some((r) => r.start <= now.minute && now.minute < r.end)) return { open: true };
  for (let ahead = 0; ahead <= 7; ahead++) {
    const next = rangesOf((now.weekday + ahead) % 7).find(
      (r) => r.start < r.end && (ahead > 0 || r.start > now.minute),
    );
    if (!next) continue;
    // Calendar arithmetic on the local date: UTC has no daylight-saving jumps to skip a day over.
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day + ahead));
    const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
    return { open: false, window: `${day}T${pad(Math.floor(next.start / 60))}:${pad(next.start % 60)}` };
  }
  return { open: false, window: "never" };
}
