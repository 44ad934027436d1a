import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { api, get } from "./api";
import { t } from "./i18n";
import { Empty, ErrorBox, Loading, useAction, useLoad } from "./ui";

export type QuickAnswer = { id: number; shortcut: string; message: string; mediaUrl?: string | null };

const value = (e: Event) => (e.target as HTMLInputElement).value;

let cache: Promise<QuickAnswer[]> | null = null;
/** The team's quick answers, loaded once per page and again after the screen changes them. */
export const quickAnswers = () => {
  cache ??= get<QuickAnswer[] | { quickAnswers: QuickAnswer[] }>("/quick-answers").then(
    (r) => (Array.isArray(r) ? r : r.quickAnswers),
    () => {
      cache = null;
      return [];
    },
  );
  return cache;
};

/** Quick answers whose shortcut starts with what follows the "/" the agent typed (the whole box). */
export function matchQuick(list: QuickAnswer[], text: string): QuickAnswer[] {
  const m = /^\/(\S*)$/.exec(text);
  if (!m) return [];
  const prefix = m[1]!.toLowerCase();
  return list.filter((q) => q.shortcut.toLowerCase().replace(/^\//, "").startsWith(prefix)).slice(0, 8);
}

/** Create, edit and delete quick answers: `/shortcut` in the reply box pastes `message`. */
export function QuickAnswersScreen() {
  const list = useLoad(quickAnswers, []);
  const [form, setForm] = useState({ shortcut: "", message: "" });
  const [editing, setEditing] = useState<number | null>(null);
  const { busy, run } = useAction();
  const refresh = () => {
    cache = null;
    list.reload();
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const body = { shortcut: form.shortcut.trim().replace(/^\//, ""), message: form.message };
    const ok = editing
      ? await run(() => api("PUT", `/quick-answers/${editing}`, body), t("common.saved"))
      : await run(() => api("POST", "/quick-answers", body), t("common.saved"));
    if (ok) {
      setEditing(null);
      setForm({ shortcut: "", message: "" });
      refresh();
    }
  };
  const remove = async (q: QuickAnswer) => {
    if (!confirm(t("common.confirmDelete", { name: `/${q.shortcut}` }))) return;
    await run(() => api("DELETE", `/quick-answers/${q.id}`), t("common.deleted"));
    refresh();
  };
  return html`<section class="page">
    <h1>${t("nav.quickAnswers")}</h1>
    <p class="muted">${t("quick.help")}</p>
    <${ErrorBox} error=${list.error} />
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data?.length === 0 && html`<${Empty}>${t("catalog.empty")}<//>`}
    ${
      list.data && list.data.length > 0
        ? html`<div class="table-wrap"><table>
          <thead><tr><th>${t("quick.shortcut")}</th><th>${t("quick.message")}</th><th></th></tr></thead>
          <tbody>
            ${list.data.map(
              (q) => html`<tr key=${q.id} data-row=${q.shortcut}>
                <td><code>/${q.shortcut.replace(/^\//, "")}</code></td>
                <td class="wrap pre">${q.message}</td>
                <td class="row actions">
                  <button type="button" onClick=${() => {
                    setEditing(q.id);
                    setForm({ shortcut: q.shortcut, message: q.message });
                  }}>${t("common.edit")}</button>
                  <button type="button" class="danger" onClick=${() => remove(q)}>${t("common.delete")}</button>
                </td>
              </tr>`,
            )}
          </tbody>
        </table></div>`
        : null
    }
    <form class="card form" data-testid="quick-form" onSubmit=${save}>
      <h2>${editing ? t("common.edit") : t("common.create")}</h2>
      <label>${t("quick.shortcut")}
        <input name="shortcut" required maxlength="50" placeholder="precios" value=${form.shortcut}
          onInput=${(e: Event) => setForm({ ...form, shortcut: value(e) })} />
      </label>
      <label>${t("quick.message")}
        <textarea name="message" required rows="4" value=${form.message}
          onInput=${(e: Event) => setForm({ ...form, message: value(e) })}></textarea>
      </label>
      <div class="row">
        <button class="primary" type="submit" disabled=${busy}>${editing ? t("common.save") : t("common.create")}</button>
        ${
          editing &&
          html`<button type="button" onClick=${() => {
            setEditing(null);
            setForm({ shortcut: "", message: "" });
          }}>${t("common.cancel")}</button>`
        }
      </div>
    </form>
  </section>`;
}
