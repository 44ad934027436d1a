import { html } from "htm/preact";
import { useEffect, useState } from "preact/hooks";
import {
  ApiError,
  api,
  type Connection,
  type Delivery,
  EVENT_NAMES,
  get,
  type Page,
  type Queue,
  request,
  type Webhook,
} from "./api";
import { formatTime, t } from "./i18n";
import { useCoalesced, useLive } from "./live";
import { CopyBox, Empty, ErrorBox, Loading, StatusBadge, useAction, useLoad } from "./ui";

const value = (e: Event) => (e.target as HTMLInputElement).value;

type Settings = { groups: "ignore" | "tickets"; sendReadReceipts: boolean; historyImportDays: number };
const DEFAULTS: Settings = { groups: "ignore", sendReadReceipts: true, historyImportDays: 0 };
const settingsOf = (c: Connection): Settings => ({
  groups: c.groups ?? DEFAULTS.groups,
  sendReadReceipts: c.sendReadReceipts ?? DEFAULTS.sendReadReceipts,
  historyImportDays: c.historyImportDays ?? DEFAULTS.historyImportDays,
});

/** The per-connection behaviour settings, each with a line on what it does. */
function SettingsFields({ value: s, onChange }: { value: Settings; onChange: (s: Settings) => void }) {
  return html`<label>${t("conn.groups")}
      <select name="groups" value=${s.groups} onChange=${(e: Event) =>
        onChange({ ...s, groups: value(e) as Settings["groups"] })}>
        <option value="ignore">${t("conn.groups.ignore")}</option>
        <option value="tickets">${t("conn.groups.tickets")}</option>
      </select>
      <span class="help">${t("conn.groupsHelp")}</span>
    </label>
    <div>
      <label class="switch"><input type="checkbox" name="sendReadReceipts" checked=${s.sendReadReceipts}
        onChange=${() => onChange({ ...s, sendReadReceipts: !s.sendReadReceipts })} /> ${t("conn.readReceipts")}</label>
      <span class="help">${t("conn.readReceiptsHelp")}</span>
    </div>
    <label>${t("conn.history")}
      <input name="historyImportDays" type="number" min="0" max="365" step="1" required
        value=${s.historyImportDays} onInput=${(e: Event) =>
          onChange({ ...s, historyImportDays: Math.trunc(Number(value(e))) || 0 })} />
      <span class="help">${t("conn.historyHelp")}</span>
    </label>`;
}

/** Admins edit the settings; other tokens read them. */
function ConnectionSettings({ c, admin, onSaved }: { c: Connection; admin: boolean; onSaved: () => void }) {
  const [form, setForm] = useState(() => settingsOf(c));
  const { busy, run } = useAction();
  const save = async (e: Event) => {
    e.preventDefault();
    if (await run(() => api<Connection>("PUT", `/connections/${c.id}`, form), t("common.saved"))) onSaved();
  };
  if (!admin) {
    const s = settingsOf(c);
    return html`<div class="card settings">
      <h2>${t("conn.settings")}</h2>
      <p>${t("conn.groups")}: ${t(`conn.groups.${s.groups}`)}</p>
      <p>${t("conn.readReceipts")}: ${s.sendReadReceipts ? "✓" : "✗"}</p>
      <p>${t("conn.history")}: ${s.historyImportDays}</p>
    </div>`;
  }
  return html`<form class="card form settings" data-testid="connection-settings" onSubmit=${save}>
    <h2>${t("conn.settings")}</h2>
    <${SettingsFields} value=${form} onChange=${setForm} />
    <div><button class="primary" type="submit" disabled=${busy}>${t("common.save")}</button></div>
  </form>`;
}

type Automation = {
  queueIds: number[];
  greetingMessage: string;
  farewellMessage: string;
  ratingMessage: string;
  agentSignature?: boolean;
};
const automationOf = (c: Connection): Automation => ({
  queueIds: c.queueIds ?? [],
  greetingMessage: c.greetingMessage ?? "",
  farewellMessage: c.farewellMessage ?? "",
  ratingMessage: c.ratingMessage ?? "",
  ...(c.agentSignature !== undefined ? { agentSignature: c.agentSignature } : {}),
});

/**
 * What the customer gets automatically on this connection: the greeting (with the numbered queue menu when
 * it offers two or more queues), the farewell and the rating request on close, and agents' signatures.
 */
function CustomerMessages({ c, admin, onSaved }: { c: Connection; admin: boolean; onSaved: () => void }) {
  const queues = useLoad(() => get<Queue[]>("/queues"), []);
  const [form, setForm] = useState(() => automationOf(c));
  const { busy, run } = useAction();
  const nameOf = (id: number) => queues.data?.find((q) => q.id === id)?.name ?? `#${id}`;
  const save = async (e: Event) => {
    e.preventDefault();
    const body = {
      ...form,
      greetingMessage: form.greetingMessage.trim() || null,
      farewellMessage: form.farewellMessage.trim() || null,
      ratingMessage: form.ratingMessage.trim() || null,
    };
    if (await run(() => api<Connection>("PUT", `/connections/${c.id}`, body), t("common.saved"))) onSaved();
  };
  const move = (i: number) => {
    const ids = [...form.queueIds];
    [ids[i - 1], ids[i]] = [ids[i]!, ids[i - 1]!];
    setForm({ ...form, queueIds: ids });
  };
  const free = queues.data?.filter((q) => !form.queueIds.includes(q.id)) ?? [];
  const text = (key: "greetingMessage" | "farewellMessage" | "ratingMessage", help: string) =>
    html`<label>${t(`auto.${key}`)}
      <textarea name=${key} rows="2" disabled=${!admin} value=${form[key]}
        onInput=${(e: Event) => setForm({ ...form, [key]: (e.target as HTMLTextAreaElement).value })}></textarea>
      <span class="help">${t(help)}</span>
    </label>`;
  const fields = html`
    <h2>${t("auto.title")}</h2>
    <div>
      <strong>${t("auto.queues")}</strong>
      <ol class="queue-order" data-testid="connection-queues">
        ${form.queueIds.map(
          (id, i) => html`<li key=${id} data-queue=${nameOf(id)}>
            <span>${i + 1} - ${nameOf(id)}</span>
            ${
              admin &&
              html`${i > 0 && html`<button type="button" class="link" aria-label=${t("auto.up")} title=${t("auto.up")} onClick=${() => move(i)}>↑</button>`}
              <button type="button" class="link" aria-label=${t("common.delete")}
                onClick=${() => setForm({ ...form, queueIds: form.queueIds.filter((q) => q !== id) })}>✕</button>`
            }
          </li>`,
        )}
      </ol>
      ${
        admin &&
        free.length > 0 &&
        html`<select aria-label=${t("auto.addQueue")} data-action="add-queue" value="" onChange=${(
          e: Event,
        ) => {
          const id = Number((e.target as HTMLSelectElement).value);
          (e.target as HTMLSelectElement).value = "";
          if (id) setForm({ ...form, queueIds: [...form.queueIds, id] });
        }}>
          <option value="">${t("auto.addQueue")}</option>
          ${free.map((q) => html`<option value=${q.id}>${q.name}</option>`)}
        </select>`
      }
      <span class="help">${t("auto.queuesHelp")}</span>
    </div>
    ${text("greetingMessage", "auto.greetingHelp")}
    ${text("farewellMessage", "auto.farewellHelp")}
    ${text("ratingMessage", "auto.ratingHelp")}
    ${
      form.agentSignature !== undefined &&
      html`<div><label class="switch"><input type="checkbox" name="agentSignature" disabled=${!admin}
        checked=${form.agentSignature} onChange=${() => setForm({ ...form, agentSignature: !form.agentSignature })} />
        ${t("auto.signature")}</label><span class="help">${t("auto.signatureHelp")}</span></div>`
    }
`;
  // Read-only for non-admins: the same fields, disabled, with nothing to submit.
  return admin
    ? html`<form class="card form settings" data-testid="customer-messages" onSubmit=${save}>
        ${fields}
        <div><button class="primary" type="submit" disabled=${busy}>${t("common.save")}</button></div>
      </form>`
    : html`<div class="card settings" data-testid="customer-messages">${fields}</div>`;
}

export function ConnectionsScreen({ admin }: { admin: boolean }) {
  const list = useLoad(() => get<Connection[]>("/connections"), []);
  const reload = useCoalesced(list.reload);
  useLive((e) => {
    if (e.event === "connection_update" || e.event === "reset") reload();
  });
  const [name, setName] = useState("");
  const [driver, setDriver] = useState<"baileys" | "sandbox">("baileys");
  const [number, setNumber] = useState("");
  const [settings, setSettings] = useState(DEFAULTS);
  const { busy, run } = useAction();

  const create = async (e: Event) => {
    e.preventDefault();
    const body = { name, driver, ...settings, ...(driver === "sandbox" && number ? { number } : {}) };
    const created = await run(() => api<Connection>("POST", "/connections", body));
    if (created) {
      setName("");
      setNumber("");
      setSettings(DEFAULTS);
      location.hash = `#/connections/${created.id}`;
    }
  };

  return html`<section class="page">
    <h1>${t("nav.connections")}</h1>
    <${ErrorBox} error=${list.error} />
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data?.length === 0 && html`<${Empty}>${t("conn.empty")}<//>`}
    ${
      list.data && list.data.length > 0
        ? html`<ul class="cards" aria-label=${t("nav.connections")}>
          ${list.data.map(
            (c) => html`<li key=${c.id} class="card conn-card">
              <a href=${`#/connections/${c.id}`} class="card-link">
                <strong>${c.name}</strong>
                ${c.isDefault && html`<span class="chip">${t("conn.default")}</span>`}
              </a>
              <div class="muted">${c.number ?? "—"} · ${c.driver}</div>
              <${StatusBadge} status=${c.status} />
            </li>`,
          )}
        </ul>`
        : null
    }
    ${
      admin &&
      html`<form class="card form" onSubmit=${create} aria-labelledby="new-conn">
        <h2 id="new-conn">${t("conn.new")}</h2>
        <label>${t("common.name")}
          <input name="name" required maxlength="100" value=${name} onInput=${(e: Event) => setName(value(e))} />
        </label>
        <label>${t("conn.driver")}
          <select name="driver" value=${driver} onChange=${(e: Event) => setDriver(value(e) as "baileys" | "sandbox")}>
            <option value="baileys">${t("conn.driver.baileys")}</option>
            <option value="sandbox">${t("conn.driver.sandbox")}</option>
          </select>
        </label>
        ${
          driver === "sandbox" &&
          html`<label>${t("common.number")}
            <input name="number" inputmode="tel" placeholder="595981234567" value=${number}
              onInput=${(e: Event) => setNumber(value(e))} />
          </label>`
        }
        <details class="settings">
          <summary>${t("conn.settings")}</summary>
          <div class="form"><${SettingsFields} value=${settings} onChange=${setSettings} /></div>
        </details>
        <button class="primary" type="submit" disabled=${busy}>${t("common.create")}</button>
      </form>`
    }
  </section>`;
}

/** The QR as an image, fetched with the token (an <img src> cannot send it), replaced when WhatsApp rotates it. */
function QrImage({ connectionId, version }: { connectionId: number; version: string }) {
  const [shown, setShown] = useState<{ version: string; src: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    let cancelled = false;
    request("GET", `/connections/${connectionId}/qrcode`, undefined, { accept: "image/png" })
      .then((r) => r.blob())
      .then((blob) => {
        if (cancelled) return;
        url = URL.createObjectURL(blob);
        setShown({ version, src: url });
        setError(null);
      })
      .catch((err) => {
        // 404: the QR expired or the phone linked meanwhile; the next connection_update brings the news.
        if (!cancelled && !(err instanceof ApiError && err.status === 404)) setError(err.message);
      });
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [connectionId, version]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!shown) return html`<p class="muted">${t("conn.qr.waiting")}</p>`;
  return html`<img class="qr" data-testid="qr" data-qr=${shown.version} src=${shown.src} alt="QR" width="280"
    height="280" />`;
}

function Pairing({ connectionId }: { connectionId: number }) {
  const [number, setNumber] = useState("");
  const [code, setCode] = useState<string | null>(null);
  const { busy, run } = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await run(() =>
      api<{ code: string }>("POST", `/connections/${connectionId}/pairing-code`, { number }),
    );
    if (r) setCode(r.code);
  };
  return html`<form class="form inline-form" onSubmit=${submit}>
    <h3>${t("conn.pair.title")}</h3>
    <p class="muted">${t("conn.pair.help")}</p>
    <div class="row">
      <input aria-label=${t("common.number")} inputmode="tel" required placeholder="595981234567" value=${number}
        onInput=${(e: Event) => setNumber(value(e))} />
      <button type="submit" disabled=${busy}>${t("conn.pair.submit")}</button>
    </div>
    ${code && html`<p class="pair-code" data-testid="pairing-code">${code}</p>`}
  </form>`;
}

export function ConnectionDetail({ id, admin }: { id: number; admin: boolean }) {
  const conn = useLoad(() => get<Connection>(`/connections/${id}`), [id]);
  const reload = useCoalesced(conn.reload);
  useLive((e) => {
    if ((e.event === "connection_update" && e.connectionId === id) || e.event === "reset") reload();
  });
  const { busy, run } = useAction();
  const c = conn.data;

  const restart = () => run(() => api("POST", `/connections/${id}/restart`), t("conn.restart")).then(reload);
  const logout = async () => {
    if (!c || !confirm(t("conn.confirmLogout", { name: c.name }))) return;
    await run(() => api("POST", `/connections/${id}/logout`), t("conn.logout"));
    reload();
  };
  const remove = async () => {
    if (!c || !confirm(t("common.confirmDelete", { name: c.name }))) return;
    const ok = await run(() => api("DELETE", `/connections/${id}`), t("common.deleted"));
    if (ok) location.hash = "#/connections";
  };

  return html`<section class="page">
    <p><a href="#/connections">← ${t("nav.connections")}</a></p>
    <${ErrorBox} error=${conn.error} />
    ${!c && !conn.error && html`<${Loading} />`}
    ${
      c &&
      html`<div class="card">
        <div class="row spread">
          <h1>${c.name} ${c.isDefault && html`<span class="chip">${t("conn.default")}</span>`}</h1>
          <${StatusBadge} status=${c.status} />
        </div>
        <p class="muted">${c.number ?? "—"} · ${c.driver}</p>
        ${c.statusReason && html`<p class="muted">${t("conn.reason")}: ${c.statusReason}</p>`}
        ${
          admin &&
          html`<div class="row actions">
          <button type="button" disabled=${busy} onClick=${restart}>${t("conn.restart")}</button>
          <button type="button" disabled=${busy} onClick=${logout}>${t("conn.logout")}</button>
          <button type="button" class="danger" disabled=${busy} onClick=${remove}>${t("common.delete")}</button>
        </div>`
        }
      </div>
      ${
        c.status === "CONNECTED"
          ? html`<div class="card connected" data-testid="connected" role="status">✓ ${t("conn.connected")}</div>`
          : admin &&
            c.driver === "baileys" &&
            html`<div class="card qr-card">
              <h2>${t("conn.qr.title")}</h2>
              ${
                c.status === "qrcode" && c.qrcode
                  ? html`<p class="muted">${t("conn.qr.help")}</p><${QrImage} connectionId=${id} version=${c.qrcode} />`
                  : html`<p class="muted">${t("conn.qr.waiting")}</p>`
              }
              <${Pairing} connectionId=${id} />
            </div>`
      }
      <${ConnectionSettings} key=${JSON.stringify(settingsOf(c))} c=${c} admin=${admin} onSaved=${reload} />
      ${"queueIds" in c && html`<${CustomerMessages} key=${JSON.stringify(automationOf(c))} c=${c} admin=${admin} onSaved=${reload} />`}
      ${admin && html`<${Webhooks} connectionId=${id} />`}`
    }
  </section>`;
}

type HookForm = { url: string; enabled: boolean; events: string[] };
const emptyForm: HookForm = { url: "", enabled: true, events: [] };

function Webhooks({ connectionId }: { connectionId: number }) {
  const hooks = useLoad(() => get<Webhook[]>(`/connections/${connectionId}/webhooks`), [connectionId]);
  const [form, setForm] = useState<HookForm>(emptyForm);
  const [editing, setEditing] = useState<number | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [tests, setTests] = useState<Record<number, { ok: boolean; text: string }>>({});
  const { busy, run } = useAction();
  const base = `/connections/${connectionId}/webhooks`;

  const save = async (e: Event) => {
    e.preventDefault();
    if (editing) {
      const r = await run(() => api<Webhook>("PUT", `${base}/${editing}`, form), t("common.saved"));
      if (r) setEditing(null);
    } else {
      const r = await run(() => api<Webhook>("POST", base, form));
      if (r?.secret) setSecret(r.secret);
      if (r) setSelected(r.id);
    }
    setForm(emptyForm);
    hooks.reload();
  };
  const toggle = async (h: Webhook) => {
    await run(() => api("PUT", `${base}/${h.id}`, { enabled: !h.enabled }));
    hooks.reload();
  };
  const remove = async (h: Webhook) => {
    if (!confirm(t("common.confirmDelete", { name: h.url }))) return;
    await run(() => api("DELETE", `${base}/${h.id}`), t("common.deleted"));
    if (selected === h.id) setSelected(null);
    hooks.reload();
  };
  const test = async (h: Webhook) => {
    const r = await run(() =>
      api<{ delivered: boolean; statusCode: number | null; error: string | null; durationMs: number }>(
        "POST",
        `${base}/${h.id}/test`,
      ),
    );
    if (!r) return;
    const text = r.delivered
      ? t("wh.testOk", { status: r.statusCode ?? "", ms: r.durationMs })
      : t("wh.testFail", { error: r.error ?? `HTTP ${r.statusCode}` });
    setTests((prev) => ({ ...prev, [h.id]: { ok: r.delivered, text } }));
  };
  const toggleEvent = (name: string) =>
    setForm((f) => ({
      ...f,
      events: f.events.includes(name) ? f.events.filter((x) => x !== name) : [...f.events, name],
    }));

  return html`<div class="card">
    <h2>${t("wh.title")}</h2>
    <${ErrorBox} error=${hooks.error} />
    ${secret && html`<${CopyBox} value=${secret} label=${t("wh.secret")} testId="webhook-secret" />`}
    ${hooks.data?.length === 0 && html`<${Empty}>${t("wh.empty")}<//>`}
    <ul class="list">
      ${hooks.data?.map(
        (h) => html`<li key=${h.id} class="webhook" data-webhook=${h.id}>
          <div class="row spread">
            <code class="url">${h.url}</code>
            <label class="switch"><input type="checkbox" checked=${h.enabled} onChange=${() => toggle(h)} />
              ${t("wh.enabled")}</label>
          </div>
          <div class="muted">${t("wh.events")}: ${h.events.length ? h.events.join(", ") : t("wh.allEvents")}</div>
          ${h.disabledReason && html`<div class="warn">${t("wh.disabledReason", { reason: h.disabledReason })}</div>`}
          <div class="row actions">
            <button type="button" disabled=${busy} onClick=${() => test(h)}>${t("wh.test")}</button>
            <button type="button" onClick=${() => setSelected(selected === h.id ? null : h.id)}
              aria-expanded=${selected === h.id}>${t("wh.deliveries")}</button>
            <button type="button" onClick=${() => {
              setEditing(h.id);
              setForm({ url: h.url, enabled: h.enabled, events: h.events });
            }}>${t("common.edit")}</button>
            <button type="button" class="danger" onClick=${() => remove(h)}>${t("common.delete")}</button>
          </div>
          ${
            tests[h.id] &&
            html`<p class=${tests[h.id]!.ok ? "ok-box" : "error-box"} data-testid="webhook-test-result" role="status">
              ${tests[h.id]!.text}
            </p>`
          }
          ${selected === h.id && html`<${Deliveries} connectionId=${connectionId} webhookId=${h.id} />`}
        </li>`,
      )}
    </ul>
    <form class="form" onSubmit=${save}>
      <h3>${editing ? t("common.edit") : t("wh.add")}</h3>
      <label>${t("wh.url")}
        <input name="url" type="url" required placeholder="https://example.com/hooks/whatsapp" value=${form.url}
          onInput=${(e: Event) => setForm({ ...form, url: value(e) })} />
      </label>
      <fieldset>
        <legend>${t("wh.events")} <span class="muted">(${t("wh.eventsHelp")})</span></legend>
        <div class="checks">
          ${EVENT_NAMES.map(
            (n) => html`<label key=${n}><input type="checkbox" name="events" value=${n}
              checked=${form.events.includes(n)} onChange=${() => toggleEvent(n)} /> ${n}</label>`,
          )}
        </div>
      </fieldset>
      <label class="switch"><input type="checkbox" checked=${form.enabled}
        onChange=${() => setForm({ ...form, enabled: !form.enabled })} /> ${t("wh.enabled")}</label>
      <div class="row">
        <button class="primary" type="submit" disabled=${busy}>${editing ? t("common.save") : t("wh.add")}</button>
        ${
          editing &&
          html`<button type="button" onClick=${() => {
            setEditing(null);
            setForm(emptyForm);
          }}>${t("common.cancel")}</button>`
        }
      </div>
    </form>
  </div>`;
}

function Deliveries({ connectionId, webhookId }: { connectionId: number; webhookId: number }) {
  const list = useLoad(
    () => get<Page<"deliveries", Delivery>>(`/webhooks/deliveries?webhookId=${webhookId}&limit=20`),
    [webhookId],
  );
  const reload = useCoalesced(list.reload);
  // Deliveries change without events of their own: reload after this connection's events, and poll a little
  // while any is still pending.
  useLive((e) => {
    if (e.connectionId === connectionId) setTimeout(reload, 500);
  });
  const pending = list.data?.deliveries.some((d) => d.status === "pending" || d.status === "delivering");
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(reload, 2000);
    return () => clearInterval(timer);
  }, [pending]);
  const { run } = useAction();
  const retry = async (d: Delivery) => {
    await run(() => api("POST", `/webhooks/deliveries/${d.id}/retry`), t("wh.retried"));
    list.reload();
  };
  return html`<div class="deliveries">
    <div class="row spread">
      <h3>${t("wh.deliveries")}</h3>
      <button type="button" class="ghost" onClick=${list.reload}>${t("common.refresh")}</button>
    </div>
    <${ErrorBox} error=${list.error} />
    ${list.data?.deliveries.length === 0 && html`<${Empty}>${t("wh.noDeliveries")}<//>`}
    ${
      list.data && list.data.deliveries.length > 0
        ? html`<div class="table-wrap"><table>
          <thead><tr>
            <th>${t("wh.events")}</th><th>${t("common.status")}</th><th>${t("wh.attempts")}</th>
            <th>${t("wh.lastError")}</th><th></th><th></th>
          </tr></thead>
          <tbody>
            ${list.data.deliveries.map(
              (d) => html`<tr key=${d.id} data-delivery=${d.id}>
                <td>${d.event}</td>
                <td><${StatusBadge} status=${d.status} /> ${d.lastStatusCode ?? ""}</td>
                <td>${d.attempts}</td>
                <td class="wrap">${d.lastError ?? "—"}</td>
                <td class="muted">${formatTime(d.createdAt)}</td>
                <td><button type="button" onClick=${() => retry(d)} disabled=${d.status === "delivering"}>
                  ${t("wh.retry")}</button></td>
              </tr>`,
            )}
          </tbody>
        </table></div>`
        : null
    }
  </div>`;
}
