import { html } from "htm/preact";
import { t } from "./i18n";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
type Day = (typeof DAYS)[number];
type Range = { start: string; end: string };
export type Schedule = Partial<Record<Day, Range[]>>;

/** The queue's opening hours as the form edits them: one "09:00-13:00, 14:00-18:00" line per day. */
export type Hours = { on: boolean; timeZone: string; days: Record<Day, string>; outOfHoursMessage: string };

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function hoursOf(q: {
  schedule?: Schedule | null;
  timeZone?: string | null;
  outOfHoursMessage?: string | null;
}): Hours {
  const days = Object.fromEntries(
    DAYS.map((d) => [d, (q.schedule?.[d] ?? []).map((r) => `${r.start}-${r.end}`).join(", ")]),
  ) as Record<Day, string>;
  return {
    on: Boolean(q.schedule),
    timeZone: q.timeZone ?? browserZone(),
    days,
    outOfHoursMessage: q.outOfHoursMessage ?? "",
  };
}

/** What PUT/POST /queues takes: a day left empty is closed; no schedule = always open. */
export function hoursBody(h: Hours) {
  const schedule: Schedule = {};
  for (const d of DAYS) {
    const ranges = h.days[d]
      .split(/[,;]/)
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        const [start = "", end = ""] = s.split(/\s*[-–]\s*/);
        return { start: start.padStart(5, "0"), end: end.padStart(5, "0") };
      });
    if (ranges.length > 0) schedule[d] = ranges;
  }
  return {
    schedule: h.on ? schedule : null,
    timeZone: h.on ? h.timeZone : null,
    outOfHoursMessage: h.outOfHoursMessage.trim() || null,
  };
}

export const hoursSummary = (q: { schedule?: Schedule | null; timeZone?: string | null }) =>
  q.schedule
    ? DAYS.filter((d) => q.schedule![d]?.length)
        .map((d) => `${t(`day.${d}`)} ${q.schedule![d]!.map((r) => `${r.start}–${r.end}`).join(", ")}`)
        .join(" · ") + (q.timeZone ? ` (${q.timeZone})` : "")
    : t("hours.always");

/** Opening hours and the out-of-hours message of a queue. */
export function HoursFields({ value: h, onChange }: { value: Hours; onChange: (h: Hours) => void }) {
  return html`<fieldset class="hours" data-testid="queue-hours">
    <legend>${t("hours.title")}</legend>
    <label class="check"><input type="checkbox" name="scheduleOn" checked=${h.on}
      onChange=${(e: Event) => onChange({ ...h, on: (e.target as HTMLInputElement).checked })} /> ${t("hours.limit")}</label>
    ${
      h.on &&
      html`<div class="days">
        ${DAYS.map(
          (d) => html`<label class="day">${t(`day.${d}`)}
            <input name=${`hours-${d}`} placeholder=${t("hours.closed")} value=${h.days[d]}
              onInput=${(e: Event) => onChange({ ...h, days: { ...h.days, [d]: (e.target as HTMLInputElement).value } })} />
          </label>`,
        )}
        <span class="hint muted">${t("hours.help")}</span>
        <label>${t("hours.timeZone")}
          <input name="timeZone" value=${h.timeZone} required
            onInput=${(e: Event) => onChange({ ...h, timeZone: (e.target as HTMLInputElement).value })} />
        </label>
      </div>`
    }
    <label>${t("hours.message")}
      <textarea name="outOfHoursMessage" rows="2" value=${h.outOfHoursMessage}
        onInput=${(e: Event) => onChange({ ...h, outOfHoursMessage: (e.target as HTMLTextAreaElement).value })}></textarea>
      <span class="hint muted">${t("hours.messageHelp")}</span>
    </label>
  </fieldset>`;
}
