import { html } from "htm/preact";
import { get } from "./api";
import { formatTime, t } from "./i18n";
import { useCoalesced, useLive } from "./live";
import { ErrorBox, Loading, useLoad } from "./ui";

type Figures = {
  open: number;
  pending: number;
  closedToday: number;
  closedThisWeek: number;
  medianFirstResponseMs: number | null;
  medianResolutionMs: number | null;
};
type Dashboard = {
  generatedAt: string;
  totals: Figures;
  queues: (Figures & { queueId: number | null; name: string | null })[];
  agents: (Figures & { userId: number | null; name: string | null })[];
};

/** 95 000 ms → "1 min 35 s"; 5 400 000 → "1 h 30 min". */
export function duration(ms: number | null): string {
  if (ms === null) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const COLUMNS: [keyof Figures, string][] = [
  ["open", "dash.open"],
  ["pending", "dash.pending"],
  ["closedToday", "dash.closedToday"],
  ["closedThisWeek", "dash.closedWeek"],
  ["medianFirstResponseMs", "dash.firstResponse"],
  ["medianResolutionMs", "dash.resolution"],
];

const cell = (f: Figures, k: keyof Figures) =>
  k.endsWith("Ms") ? duration(f[k] as number | null) : String(f[k]);

function Table({ title, rows }: { title: string; rows: (Figures & { name: string | null; key: string })[] }) {
  return html`<h2>${title}</h2>
    <div class="table-wrap"><table>
      <thead><tr><th></th>${COLUMNS.map(([, label]) => html`<th>${t(label)}</th>`)}</tr></thead>
      <tbody>${rows.map(
        (r) => html`<tr key=${r.key} data-row=${r.name ?? ""}>
          <td>${r.name}</td>${COLUMNS.map(([k]) => html`<td data-col=${k}>${cell(r, k)}</td>`)}</tr>`,
      )}</tbody>
    </table></div>`;
}

/** Per queue and per agent: open/pending now, closed today and this week, median first response and resolution. */
export function DashboardScreen() {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const data = useLoad(() => get<Dashboard>(`/dashboard?tz=${encodeURIComponent(tz)}`), []);
  const reload = useCoalesced(data.reload);
  useLive((e) => {
    if (e.event.startsWith("ticket_") || e.event === "message_sent" || e.event === "reset") reload();
  });
  const d = data.data;
  return html`<section class="page dashboard">
    <h1>${t("nav.dashboard")}</h1>
    <${ErrorBox} error=${data.error} />
    ${!d && !data.error && html`<${Loading} />`}
    ${
      d &&
      html`<ul class="stats" data-testid="totals">
        ${COLUMNS.map(
          ([k, label]) =>
            html`<li data-stat=${k}><strong>${cell(d.totals, k)}</strong><span>${t(label)}</span></li>`,
        )}
      </ul>
      <${Table} title=${t("nav.queues")} rows=${d.queues.map((q) => ({
        ...q,
        key: `q${q.queueId}`,
        name: q.name ?? t("inbox.noQueue"),
      }))} />
      <${Table} title=${t("dash.agents")} rows=${d.agents.map((a) => ({
        ...a,
        key: `u${a.userId}`,
        name: a.name ?? t("inbox.unassigned"),
      }))} />
      <p class="muted small">${t("dash.note", { tz, at: formatTime(d.generatedAt) })}</p>`
    }
  </section>`;
}
