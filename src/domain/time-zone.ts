import { AppError } from "../errors";

/** Throws 400 ERR_VALIDATION unless `tz` is an IANA time zone this runtime knows. */
export function assertTimeZone(tz: string, path = "tz"): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    throw new AppError("ERR_VALIDATION", `Unknown time zone "${tz}"`, [
      { path, message: "Expected an IANA time zone such as America/Asuncion" },
    ]);
  }
}

export const serverTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(tz: string, t: number) {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(tz, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(t))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return parts as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** How far the zone's wall clock is ahead of UTC at instant `t`, in ms. */
function offsetMs(tz: string, t: number): number {
  const p = localParts(tz, t);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(t / 1000) * 1000;
}

/** The instant the local day of `t` began in `tz`, moved `daysBack` local days earlier. */
export function startOfLocalDay(tz: string, t: number, daysBack = 0): number {
  const p = localParts(tz, t);
  const wallMidnight = Date.UTC(p.year, p.month - 1, p.day - daysBack);
  // Two passes: the offset at midnight can differ from the offset now (a DST change in between).
  const first = wallMidnight - offsetMs(tz, wallMidnight);
  return wallMidnight - offsetMs(tz, first);
}

/** The instant the local week of `t` (Monday to Sunday) began in `tz`. */
export function startOfLocalWeek(tz: string, t: number): number {
  const p = localParts(tz, t);
  const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay(); // 0 = Sunday
  return startOfLocalDay(tz, t, (weekday + 6) % 7);
}
