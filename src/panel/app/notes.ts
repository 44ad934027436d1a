import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { api, get } from "./api";
import { formatTime, t } from "./i18n";
import { Empty, ErrorBox, useAction, useLoad } from "./ui";

type Note = {
  id: number;
  body: string;
  userId: number | null;
  user: { id: number; name: string } | null;
  createdAt: string;
};

/** The contact's internal notes (never sent to the customer): newest first, with author and time. */
export function ContactNotes({ number }: { number: string }) {
  const path = `/contacts/${encodeURIComponent(number)}/notes`;
  const notes = useLoad(() => get<{ notes: Note[] }>(path), [number]);
  const [text, setText] = useState("");
  const { busy, run } = useAction();
  const add = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    // The server records the signed-in author itself.
    const ok = await run(() => api("POST", path, { body: text }));
    if (ok) {
      setText("");
      notes.reload();
    }
  };
  const remove = async (n: Note) => {
    if (!confirm(t("notes.confirmDelete"))) return;
    if (await run(() => api("DELETE", `${path}/${n.id}`))) notes.reload();
  };
  const list = notes.data?.notes ?? [];
  return html`<details class="notes" data-testid="notes">
    <summary>${t("notes.title")}${list.length > 0 && html` <span class="count">${list.length}</span>`}</summary>
    <p class="muted small">${t("notes.help")}</p>
    <${ErrorBox} error=${notes.error} />
    ${notes.data && list.length === 0 && html`<${Empty}>${t("notes.empty")}<//>`}
    <ul class="note-list">
      ${list.map(
        (n) => html`<li key=${n.id} data-note=${n.id}>
          <p class="pre">${n.body}</p>
          <div class="row spread small muted">
            <span>${n.user?.name ?? t("notes.api")} · ${formatTime(n.createdAt)}</span>
            <button type="button" class="link" disabled=${busy} onClick=${() => remove(n)}>${t("common.delete")}</button>
          </div>
        </li>`,
      )}
    </ul>
    <form class="row" onSubmit=${add}>
      <textarea name="note" rows="2" aria-label=${t("notes.add")} placeholder=${t("notes.add")} value=${text}
        onInput=${(e: Event) => setText((e.target as HTMLTextAreaElement).value)}></textarea>
      <button type="submit" disabled=${busy}>${t("notes.save")}</button>
    </form>
  </details>`;
}
