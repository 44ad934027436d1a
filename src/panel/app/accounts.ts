import { html } from "htm/preact";
import { useState } from "preact/hooks";
import { api, get, type Queue, type Role, type User } from "./api";
import { t } from "./i18n";
import { CopyBox, Empty, ErrorBox, Loading, Swatch, useAction, useLoad } from "./ui";

const ROLES: Role[] = ["agent", "supervisor", "admin"];
const value = (e: Event) => (e.target as HTMLInputElement).value;
const checked = (e: Event) => (e.target as HTMLInputElement).checked;

type Form = {
  name: string;
  email: string;
  role: Role;
  queueIds: number[];
  signature: boolean;
  disabled: boolean;
  password: string;
};
const blank = (): Form => ({
  name: "",
  email: "",
  role: "agent",
  queueIds: [],
  signature: true,
  disabled: false,
  password: "",
});

/** Users: everyone sees who is on the team; admins create them, set role, queues, and reset passwords. */
export function UsersScreen({ admin, meId }: { admin: boolean; meId: number | null }) {
  const list = useLoad(() => get<User[]>("/users"), []);
  const queues = useLoad(() => get<Queue[]>("/queues"), []);
  const [form, setForm] = useState<Form>(blank);
  const [editing, setEditing] = useState<number | null>(null);
  const [oneTime, setOneTime] = useState<{ name: string; password: string } | null>(null);
  const { busy, run } = useAction();
  const queueName = (id: number) => queues.data?.find((q) => q.id === id);

  const save = async (e: Event) => {
    e.preventDefault();
    const { password, ...rest } = form;
    const body = password ? { ...form } : rest;
    const ok = editing
      ? await run(() => api("PUT", `/users/${editing}`, body), t("common.saved"))
      : await run(() => api("POST", "/users", body), t("common.saved"));
    if (ok) {
      setEditing(null);
      setForm(blank());
      list.reload();
    }
  };
  const reset = async (u: User) => {
    if (!confirm(t("users.confirmReset", { name: u.name }))) return;
    const r = await run(() => api<{ password: string }>("POST", `/users/${u.id}/password`));
    if (r) setOneTime({ name: u.name, password: r.password });
  };
  const remove = async (u: User) => {
    if (!confirm(t("common.confirmDelete", { name: u.name }))) return;
    await run(() => api("DELETE", `/users/${u.id}`), t("common.deleted"));
    list.reload();
  };
  const toggleQueue = (id: number, on: boolean) =>
    setForm({ ...form, queueIds: on ? [...form.queueIds, id] : form.queueIds.filter((q) => q !== id) });

  return html`<section class="page">
    <h1>${t("nav.users")}</h1>
    ${
      oneTime &&
      html`<${CopyBox} value=${oneTime.password} testId="one-time-password"
        label=${t("users.oneTime", { name: oneTime.name })} />`
    }
    <${ErrorBox} error=${list.error} />
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data?.length === 0 && html`<${Empty}>${t("catalog.empty")}<//>`}
    ${
      list.data && list.data.length > 0
        ? html`<div class="table-wrap"><table>
          <thead><tr><th>${t("common.name")}</th><th>${t("common.email")}</th><th>${t("users.role")}</th>
            <th>${t("nav.queues")}</th><th>${t("common.status")}</th>${admin && html`<th></th>`}</tr></thead>
          <tbody>
            ${list.data.map(
              (u) => html`<tr key=${u.id} data-row=${u.name}>
                <td>${u.name}${u.id === meId && html` <span class="chip">${t("users.you")}</span>`}</td>
                <td>${u.email}</td>
                <td data-role=${u.role}>${u.role ? t(`role.${u.role}`) : "—"}</td>
                <td>${(u.queueIds ?? []).map((id) => {
                  const q = queueName(id);
                  return q && html`<span class="chip"><${Swatch} color=${q.color} /> ${q.name}</span>`;
                })}</td>
                <td>${u.disabled ? t("users.disabled") : u.hasPassword ? t("users.active") : t("users.noPassword")}</td>
                ${
                  admin &&
                  html`<td class="row actions">
                    <button type="button" onClick=${() => {
                      setEditing(u.id);
                      setForm({
                        name: u.name,
                        email: u.email,
                        role: u.role ?? "agent",
                        queueIds: u.queueIds ?? [],
                        signature: u.signature ?? true,
                        disabled: u.disabled ?? false,
                        password: "",
                      });
                    }}>${t("common.edit")}</button>
                    <button type="button" data-action="reset-password" onClick=${() => reset(u)}>${t("users.reset")}</button>
                    ${u.id !== meId && html`<button type="button" class="danger" onClick=${() => remove(u)}>${t("common.delete")}</button>`}
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
      html`<form class="card form" data-testid="user-form" onSubmit=${save}>
        <h2>${editing ? t("common.edit") : t("users.new")}</h2>
        <label>${t("common.name")}
          <input name="name" required maxlength="100" value=${form.name} onInput=${(e: Event) => setForm({ ...form, name: value(e) })} />
        </label>
        <label>${t("common.email")}
          <input name="email" type="email" required value=${form.email} onInput=${(e: Event) => setForm({ ...form, email: value(e) })} />
        </label>
        <label>${t("users.role")}
          <select name="role" value=${form.role} onChange=${(e: Event) => setForm({ ...form, role: value(e) as Role })}>
            ${ROLES.map((r) => html`<option value=${r}>${t(`role.${r}`)}</option>`)}
          </select>
          <span class="hint muted">${t(`role.${form.role}.help`)}</span>
        </label>
        <fieldset class="checks">
          <legend>${t("nav.queues")}</legend>
          ${queues.data?.length === 0 && html`<span class="muted">${t("catalog.empty")}</span>`}
          ${queues.data?.map(
            (q) => html`<label class="check"><input type="checkbox" name="queue" value=${q.id}
              checked=${form.queueIds.includes(q.id)} onChange=${(e: Event) => toggleQueue(q.id, checked(e))} />
              <${Swatch} color=${q.color} /> ${q.name}</label>`,
          )}
        </fieldset>
        <label class="check"><input type="checkbox" name="signature" checked=${form.signature}
          onChange=${(e: Event) => setForm({ ...form, signature: checked(e) })} /> ${t("users.signature")}</label>
        ${
          editing &&
          editing !== meId &&
          html`<label class="check"><input type="checkbox" name="disabled" checked=${form.disabled}
            onChange=${(e: Event) => setForm({ ...form, disabled: checked(e) })} /> ${t("users.disable")}</label>`
        }
        <label>${editing ? t("users.newPassword") : t("login.password")}
          <input name="password" type="password" autocomplete="new-password" minlength="8" value=${form.password}
            onInput=${(e: Event) => setForm({ ...form, password: value(e) })} />
          <span class="hint muted">${t("users.passwordHelp")}</span>
        </label>
        <div class="row">
          <button class="primary" type="submit" disabled=${busy}>${editing ? t("common.save") : t("common.create")}</button>
          ${
            editing &&
            html`<button type="button" onClick=${() => {
              setEditing(null);
              setForm(blank());
            }}>${t("common.cancel")}</button>`
          }
        </div>
      </form>`
    }
  </section>`;
}

/** My account: who I am, and a form to change my own password. */
export function AccountScreen({ user }: { user: User }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const { busy, run } = useAction();
  const change = async (e: Event) => {
    e.preventDefault();
    if (next !== repeat) return setError(t("account.mismatch"));
    setError(null);
    const ok = await run(
      () => api("PUT", "/auth/password", { currentPassword: current, newPassword: next }),
      t("account.changed"),
    );
    if (ok) {
      setCurrent("");
      setNext("");
      setRepeat("");
    }
  };
  return html`<section class="page">
    <h1>${t("nav.account")}</h1>
    <p><strong>${user.name}</strong> · ${user.email} · ${user.role ? t(`role.${user.role}`) : ""}</p>
    <form class="card form" data-testid="password-form" onSubmit=${change}>
      <h2>${t("account.password")}</h2>
      <label>${t("account.current")}
        <input name="currentPassword" type="password" autocomplete="current-password" required value=${current}
          onInput=${(e: Event) => setCurrent(value(e))} />
      </label>
      <label>${t("users.newPassword")}
        <input name="newPassword" type="password" autocomplete="new-password" required minlength="8" value=${next}
          onInput=${(e: Event) => setNext(value(e))} />
      </label>
      <label>${t("account.repeat")}
        <input name="repeatPassword" type="password" autocomplete="new-password" required value=${repeat}
          onInput=${(e: Event) => setRepeat(value(e))} />
      </label>
      <p class="muted small">${t("account.otherSessions")}</p>
      <${ErrorBox} error=${error} />
      <button class="primary" type="submit" disabled=${busy}>${t("account.change")}</button>
    </form>
  </section>`;
}
