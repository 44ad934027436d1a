import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import { type ApiToken, api, type Contact, get, type Page } from "./api";
import { formatTime, t } from "./i18n";
import { useCoalesced, useLive } from "./live";
import { type Hours, HoursFields, hoursBody, hoursOf, hoursSummary } from "./schedule";
import { CopyBox, Empty, ErrorBox, Loading, Swatch, useAction, useLoad } from "./ui";

const value = (e: Event) => (e.target as HTMLInputElement).value;

export function ContactsScreen() {
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<Contact | null>(null);
  const list = useLoad(
    () =>
      get<Page<"contacts", Contact>>(
        `/contacts?${new URLSearchParams({ search: applied, page: String(page), limit: "25" })}`,
      ),
    [applied, page],
  );
  const reload = useCoalesced(list.reload);
  useLive((e) => {
    if (e.event === "contact_created" || e.event === "contact_updated") reload();
  });
  const { busy, run } = useAction();

  const save = async (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    const ok = await run(
      () => api("POST", "/contacts", { number: editing.number, name: editing.name, email: editing.email }),
      t("common.saved"),
    );
    if (ok) {
      setEditing(null);
      list.reload();
    }
  };

  return html`<section class="page">
    <h1>${t("nav.contacts")}</h1>
    <form class="row search" role="search" onSubmit=${(e: Event) => {
      e.preventDefault();
      setPage(1);
      setApplied(search.trim());
    }}>
      <input type="search" aria-label=${t("contacts.search")} placeholder=${t("contacts.search")} value=${search}
        onInput=${(e: Event) => setSearch(value(e))} />
      <button type="submit">${t("contacts.searchButton")}</button>
    </form>
    <${ErrorBox} error=${list.error} />
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data?.contacts.length === 0 && html`<${Empty}>${t("contacts.empty")}<//>`}
    ${
      list.data && list.data.contacts.length > 0
        ? html`<div class="table-wrap"><table>
          <thead><tr><th>${t("common.name")}</th><th>${t("common.number")}</th><th>${t("common.email")}</th><th></th></tr></thead>
          <tbody>
            ${list.data.contacts.map((c) =>
              editing?.id === c.id
                ? html`<tr key=${c.id}><td colspan="4">
                    <form class="row wrap-row" onSubmit=${save}>
                      <input aria-label=${t("common.name")} required value=${editing.name}
                        onInput=${(e: Event) => setEditing({ ...editing, name: value(e) })} />
                      <span>+${c.number}</span>
                      <input aria-label=${t("common.email")} type="email" value=${editing.email}
                        onInput=${(e: Event) => setEditing({ ...editing, email: value(e) })} />
                      <button class="primary" type="submit" disabled=${busy}>${t("common.save")}</button>
                      <button type="button" onClick=${() => setEditing(null)}>${t("common.cancel")}</button>
                    </form>
                  </td></tr>`
                : html`<tr key=${c.id}>
                    <td>${c.name}</td><td>+${c.number}</td><td>${c.email || "—"}</td>
                    <td><button type="button" onClick=${() => setEditing(c)}>${t("common.edit")}</button></td>
                  </tr>`,
            )}
          </tbody>
        </table></div>
        <div class="row pager">
          <button type="button" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>←</button>
          <span>${page}</span>
          <button type="button" disabled=${!list.data.hasMore} onClick=${() => setPage(page + 1)}>→</button>
        </div>`
        : null
    }
  </section>`;
}

type Field = { key: string; label: string; type?: "color" | "email" | "text"; required?: boolean };
type Row = Record<string, string | number | null> & { id: number; name: string };

const CATALOGS: Record<string, { title: string; fields: Field[] }> = {
  queues: {
    title: "nav.queues",
    fields: [
      { key: "name", label: "common.name", required: true },
      { key: "color", label: "common.color", type: "color", required: true },
      { key: "greetingMessage", label: "catalog.greeting" },
    ],
  },
  users: {
    title: "nav.users",
    fields: [
      { key: "name", label: "common.name", required: true },
      { key: "email", label: "common.email", type: "email", required: true },
    ],
  },
  tags: {
    title: "nav.tags",
    fields: [
      { key: "name", label: "common.name", required: true },
      { key: "color", label: "common.color", type: "color", required: true },
    ],
  },
};

/** Colours offered for a new queue or tag, in order: the first one no row uses yet is pre-filled. */
const PALETTE = [
  "#3b82f6",
  "#10b981",
  "#f59e0b",
  "#ef4444",
  "#8b5cf6",
  "#ec4899",
  "#14b8a6",
  "#f97316",
  "#6366f1",
  "#84cc16",
  "#06b6d4",
  "#a855f7",
];

const sameColor = (a: unknown, b: unknown) => String(a ?? "").toLowerCase() === String(b ?? "").toLowerCase();

/** A colour no row has (queue colours are unique in the database), else a random one. */
export function freeColor(rows: Record<string, unknown>[]) {
  const free = PALETTE.find((c) => !rows.some((r) => sameColor(r.color, c)));
  if (free) return free;
  return `#${Math.floor(Math.random() * 0xffffff)
    .toString(16)
    .padStart(6, "0")}`;
}

/** Queues, users and tags: the same list, create, edit and delete over /api/v1/<kind>. */
export function CatalogScreen({ kind, admin }: { kind: "queues" | "users" | "tags"; admin: boolean }) {
  const spec = CATALOGS[kind]!;
  const list = useLoad(() => get<Row[]>(`/${kind}`), [kind]);
  const blank = (rows: Row[] = list.data ?? []) =>
    Object.fromEntries(spec.fields.map((f) => [f.key, f.type === "color" ? freeColor(rows) : ""]));
  const [form, setForm] = useState<Record<string, string>>(() => blank([]));
  const [editing, setEditing] = useState<number | null>(null);
  const pickColors = (rows: Row[]) =>
    Object.fromEntries(spec.fields.filter((f) => f.type === "color").map((f) => [f.key, freeColor(rows)]));
  // Once the rows are known (and after each save), a new row's colour is one none of them uses.
  useEffect(() => {
    if (list.data && editing === null) setForm((f) => ({ ...f, ...pickColors(list.data!) }));
  }, [list.data]);
  const { busy, run } = useAction();
  // Queues also have opening hours and an out-of-hours message.
  const hasHours = kind === "queues";
  const [hours, setHours] = useState<Hours>(() => hoursOf({}));
  /** Another row with the colour being typed: named under the picker before the server refuses it. */
  const takenBy = (key: string) =>
    list.data?.find((r) => r.id !== editing && sameColor(r[key], form[key]))?.name ?? null;

  const save = async (e: Event) => {
    e.preventDefault();
    const body = {
      ...Object.fromEntries(spec.fields.map((f) => [f.key, f.required ? form[f.key] : form[f.key] || null])),
      ...(hasHours ? hoursBody(hours) : {}),
    };
    const ok = editing
      ? await run(() => api("PUT", `/${kind}/${editing}`, body), t("common.saved"))
      : await run(() => api("POST", `/${kind}`, body), t("common.saved"));
    if (ok) {
      setEditing(null);
      setForm(blank());
      setHours(hoursOf({}));
      list.reload();
    }
  };
  const remove = async (r: Row) => {
    if (!confirm(t("common.confirmDelete", { name: r.name }))) return;
    await run(() => api("DELETE", `/${kind}/${r.id}`), t("common.deleted"));
    list.reload();
  };

  return html`<section class="page">
    <h1>${t(spec.title)}</h1>
    <${ErrorBox} error=${list.error} />
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data?.length === 0 && html`<${Empty}>${t("catalog.empty")}<//>`}
    ${
      list.data && list.data.length > 0
        ? html`<div class="table-wrap"><table>
          <thead><tr>${spec.fields.map((f) => html`<th>${t(f.label)}</th>`)}
            ${hasHours && html`<th>${t("hours.title")}</th>`}${admin && html`<th></th>`}</tr></thead>
          <tbody>
            ${list.data.map(
              (r) => html`<tr key=${r.id} data-row=${r.name}>
                ${spec.fields.map(
                  (f) =>
                    html`<td>${f.type === "color" ? html`<${Swatch} color=${String(r[f.key])} /> ` : null}${r[f.key] ?? "—"}</td>`,
                )}
                ${hasHours && html`<td class="small" data-col="hours">${hoursSummary(r as Parameters<typeof hoursSummary>[0])}</td>`}
                ${
                  admin &&
                  html`<td class="row actions">
                    <button type="button" onClick=${() => {
                      setEditing(r.id);
                      setForm(Object.fromEntries(spec.fields.map((f) => [f.key, String(r[f.key] ?? "")])));
                      setHours(hoursOf(r as Parameters<typeof hoursOf>[0]));
                    }}>${t("common.edit")}</button>
                    <button type="button" class="danger" onClick=${() => remove(r)}>${t("common.delete")}</button>
                  </td>`
                }
              </tr>`,
            )}
          </tbody>
        </table></div>`
        : null
    }
    ${
      admin &&
      html`<form class="card form" onSubmit=${save}>
        <h2>${editing ? t("common.edit") : t("common.create")}</h2>
        ${spec.fields.map((f) => {
          const taken = f.type === "color" && kind === "queues" ? takenBy(f.key) : null;
          return html`<label>${t(f.label)}
            <input name=${f.key} type=${f.type ?? "text"} required=${f.required} value=${form[f.key] ?? ""}
              onInput=${(e: Event) => setForm({ ...form, [f.key]: value(e) })} />
            ${taken && html`<span class="hint warn" data-testid="color-taken">${t("catalog.colorTaken", { name: taken })}</span>`}
          </label>`;
        })}
        ${hasHours && html`<${HoursFields} value=${hours} onChange=${setHours} />`}
        <div class="row">
          <button class="primary" type="submit" disabled=${busy}>${editing ? t("common.save") : t("common.create")}</button>
          ${
            editing &&
            html`<button type="button" onClick=${() => {
              setEditing(null);
              setForm(blank());
              setHours(hoursOf({}));
            }}>${t("common.cancel")}</button>`
          }
        </div>
      </form>`
    }
  </section>`;
}

export function TokensScreen() {
  const list = useLoad(() => get<ApiToken[]>("/tokens"), []);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"api" | "admin">("api");
  const [created, setCreated] = useState<ApiToken | null>(null);
  const { busy, run } = useAction();

  const create = async (e: Event) => {
    e.preventDefault();
    const r = await run(() => api<ApiToken>("POST", "/tokens", { name, scope }));
    if (r) {
      setCreated(r);
      setName("");
      list.reload();
    }
  };
  const revoke = async (tok: ApiToken) => {
    if (!confirm(t("tokens.confirmRevoke", { name: tok.name }))) return;
    await run(() => api("DELETE", `/tokens/${tok.id}`), t("tokens.revoked"));
    list.reload();
  };

  return html`<section class="page">
    <h1>${t("nav.tokens")}</h1>
    ${created?.token && html`<${CopyBox} value=${created.token} label=${t("tokens.created")} testId="new-token" />`}
    <${ErrorBox} error=${list.error} />
    ${!list.data && !list.error && html`<${Loading} />`}
    ${
      list.data && list.data.length > 0
        ? html`<div class="table-wrap"><table>
          <thead><tr><th>${t("common.name")}</th><th>${t("tokens.scope")}</th><th>${t("tokens.hint")}</th>
            <th>${t("tokens.lastUsed")}</th><th>${t("common.status")}</th><th></th></tr></thead>
          <tbody>
            ${list.data.map(
              (tok) => html`<tr key=${tok.id} data-token=${tok.name}>
                <td>${tok.name}</td><td>${tok.scope}</td><td><code>…${tok.hint}</code></td>
                <td>${tok.lastUsedAt ? formatTime(tok.lastUsedAt) : "—"}</td>
                <td data-token-status=${tok.revokedAt ? "revoked" : "active"}>
                  ${tok.revokedAt ? `${t("tokens.revoked")} ${formatTime(tok.revokedAt)}` : t("tokens.active")}</td>
                <td>${!tok.revokedAt && html`<button type="button" class="danger" onClick=${() => revoke(tok)}>${t("tokens.revoke")}</button>`}</td>
              </tr>`,
            )}
          </tbody>
        </table></div>`
        : null
    }
    <form class="card form" onSubmit=${create}>
      <h2>${t("tokens.new")}</h2>
      <label>${t("common.name")}
        <input name="name" required maxlength="100" value=${name} onInput=${(e: Event) => setName(value(e))} />
      </label>
      <label>${t("tokens.scope")}
        <select name="scope" value=${scope} onChange=${(e: Event) => setScope(value(e) as "api" | "admin")}>
          <option value="api">api</option>
          <option value="admin">admin</option>
        </select>
      </label>
      <button class="primary" type="submit" disabled=${busy}>${t("common.create")}</button>
    </form>
  </section>`;
}
