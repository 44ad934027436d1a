import { html } from "htm/preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { CatalogScreen, ContactsScreen, TokensScreen } from "./admin";
import { loadAlerts, setAlerts, useAlerts } from "./alerts";
import { errorText, onUnauthorized, request, type Scope, session } from "./api";
import { ConnectionDetail, ConnectionsScreen } from "./connections";
import { type Lang, lang, setLang, t } from "./i18n";
import { InboxScreen } from "./inbox";
import { connectLive, disconnectLive, useLiveStatus } from "./live";
import { ErrorBox, notify, Toasts } from "./ui";
import { type Me, useWork } from "./work";

/** Hash routes (#/inbox/3) need no server routes besides `/`. */
function useRoute() {
  const read = () => (location.hash.replace(/^#\/?/, "") || "inbox").split("/");
  const [parts, setParts] = useState(read);
  useEffect(() => {
    const on = () => setParts(read());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return parts;
}

function Login({ onLogin }: { onLogin: (token: string, scope: Scope) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) return;
    setBusy(true);
    setError(null);
    try {
      const res = await request("GET", "/me", undefined, { token: value });
      const { scope } = (await res.json()) as { scope: Scope };
      onLogin(value, scope);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login">
    <form class="card" onSubmit=${submit}>
      <h1>${t("app.title")}</h1>
      <h2>${t("login.title")}</h2>
      <p class="muted">${t("login.help")}</p>
      <label for="token">${t("login.token")}</label>
      <input id="token" name="token" type="password" autocomplete="off" required value=${token}
        onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
      <${ErrorBox} error=${error} />
      <button class="primary" type="submit" disabled=${busy}>${t("login.submit")}</button>
    </form>
  </main>`;
}

function LangSwitch({ onChange }: { onChange: (l: Lang) => void }) {
  return html`<label class="lang">
    <span class="sr-only">${t("lang")}</span>
    <select aria-label=${t("lang")} value=${lang()} onChange=${(e: Event) =>
      onChange((e.target as HTMLSelectElement).value as Lang)}>
      <option value="es">Español</option>
      <option value="en">English</option>
    </select>
  </label>`;
}

function LiveDot() {
  const on = useLiveStatus();
  return html`<span class=${`live ${on ? "on" : "off"}`} data-live=${on ? "on" : "off"} role="status">
    ${on ? t("live.on") : t("live.off")}
  </span>`;
}

/** Sound + desktop notification for new customer messages in my work, on or off (kept per user). */
function AlertsToggle() {
  const on = useAlerts();
  const toggle = async () => {
    await setAlerts(!on);
    if (!on && "Notification" in window && Notification.permission === "denied")
      notify(t("alerts.denied"), "error");
  };
  return html`<button type="button" class="ghost" data-action="alerts" aria-pressed=${on}
    title=${on ? t("alerts.on") : t("alerts.off")} aria-label=${on ? t("alerts.on") : t("alerts.off")}
    onClick=${toggle}>${on ? "🔔" : "🔕"}<span class="sr-only">${t("alerts.toggle")}</span></button>`;
}

function Work({ me }: { me: Me }) {
  useWork(me, () => "/tickets?limit=100");
  return null;
}

const NAV: { route: string; key: string; admin?: boolean }[] = [
  { route: "inbox", key: "nav.inbox" },
  { route: "connections", key: "nav.connections" },
  { route: "contacts", key: "nav.contacts" },
  { route: "queues", key: "nav.queues" },
  { route: "users", key: "nav.users" },
  { route: "tags", key: "nav.tags" },
  { route: "tokens", key: "nav.tokens", admin: true },
];

function Screen({ parts, admin }: { parts: string[]; admin: boolean }) {
  const [head, id] = parts;
  switch (head) {
    case "connections":
      return id
        ? html`<${ConnectionDetail} key=${id} id=${Number(id)} admin=${admin} />`
        : html`<${ConnectionsScreen} admin=${admin} />`;
    case "contacts":
      return html`<${ContactsScreen} />`;
    case "queues":
    case "users":
    case "tags":
      return html`<${CatalogScreen} key=${head} kind=${head} admin=${admin} />`;
    case "tokens":
      return admin ? html`<${TokensScreen} />` : html`<${ErrorBox} error=${t("err.adminOnly")} />`;
    default:
      return html`<${InboxScreen} ticketId=${id ? Number(id) : null} />`;
  }
}

function App() {
  const [auth, setAuth] = useState<{ token: string; scope: Scope } | null>(() =>
    session.token ? { token: session.token, scope: session.scope } : null,
  );
  const [, setLangState] = useState(lang());
  const [menu, setMenu] = useState(false);
  const parts = useRoute();
  useEffect(() => setMenu(false), [parts.join("/")]);

  const logout = () => {
    session.clear();
    disconnectLive();
    setAuth(null);
  };
  useEffect(() => onUnauthorized(logout), []);
  useEffect(() => {
    if (auth) connectLive(auth.token);
    if (auth) loadAlerts("token");
    return () => disconnectLive();
  }, [auth?.token]);

  const changeLang = (l: Lang) => {
    setLang(l);
    setLangState(l);
  };

  if (!auth)
    return html`<div class="login-wrap">
      <div class="login-lang"><${LangSwitch} onChange=${changeLang} /></div>
      <${Login} onLogin=${(token: string, scope: Scope) => {
        session.save(token, scope);
        setAuth({ token, scope });
      }} />
      <${Toasts} />
    </div>`;

  const admin = auth.scope === "admin";
  const current = parts[0] ?? "inbox";
  return html`<div class="shell">
    <a class="skip" href="#main">Skip to content</a>
    <header class=${`top${menu ? " menu-open" : ""}`}>
      <a class="brand" href="#/inbox">${t("app.title")}</a>
      <button type="button" class="ghost menu-toggle" aria-expanded=${menu} aria-controls="main-nav"
        onClick=${() => setMenu(!menu)}>☰ ${t("nav.menu")}</button>
      <nav id="main-nav" aria-label="Main">
        ${NAV.filter((n) => admin || !n.admin).map(
          (n) =>
            html`<a href=${`#/${n.route}`} aria-current=${current === n.route ? "page" : undefined}>${t(n.key)}</a>`,
        )}
        <a href="/docs" target="_blank" rel="noopener">${t("nav.docs")}</a>
      </nav>
      <div class="top-right">
        <${LiveDot} />
        <${AlertsToggle} />
        <${LangSwitch} onChange=${changeLang} />
        <button type="button" class="ghost" onClick=${logout}>${t("logout")}</button>
      </div>
    </header>
    <main id="main" tabindex="-1">
      <${Screen} parts=${parts} admin=${admin} />
    </main>
    <${Work} me=${null} />
    <${Toasts} />
  </div>`;
}

render(html`<${App} />`, document.getElementById("app")!);
