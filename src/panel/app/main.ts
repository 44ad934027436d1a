import { html } from "htm/preact";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { AccountScreen, UsersScreen } from "./accounts";
import { CatalogScreen, ContactsScreen, TokensScreen } from "./admin";
import { loadAlerts, setAlerts, useAlerts } from "./alerts";
import {
  api,
  currentUser,
  errorText,
  isAdmin,
  onUnauthorized,
  type Principal,
  request,
  type Scope,
  session,
} from "./api";
import { ConnectionDetail, ConnectionsScreen } from "./connections";
import { DashboardScreen } from "./dashboard";
import { type Lang, lang, setLang, t } from "./i18n";
import { InboxScreen } from "./inbox";
import { connectLive, disconnectLive, useLiveStatus } from "./live";
import { QuickAnswersScreen } from "./quick";
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

const inputValue = (e: Event) => (e.target as HTMLInputElement).value;

/** Email + password for people; an API token for integrators (behind "Use an API token"). */
function Login({ onLogin }: { onLogin: (p: Principal) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [withToken, setWithToken] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const attempt = async (e: Event, fn: () => Promise<Principal>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await fn());
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const signIn = (e: Event) =>
    attempt(e, async () => {
      const res = await request("POST", "/auth/login", { email: email.trim(), password }, { token: "" });
      const { user } = (await res.json()) as { user: Extract<Principal, { kind: "user" }>["user"] };
      return { kind: "user", user };
    });
  const useToken = (e: Event) =>
    attempt(e, async () => {
      const value = token.trim();
      const res = await request("GET", "/me", undefined, { token: value });
      const { scope } = (await res.json()) as { scope: Scope };
      return { kind: "token", token: value, scope };
    });
  return html`<main class="login">
    ${
      withToken
        ? html`<form class="card" onSubmit=${useToken}>
          <h1>${t("app.title")}</h1>
          <h2>${t("login.tokenTitle")}</h2>
          <p class="muted">${t("login.help")}</p>
          <label for="token">${t("login.token")}</label>
          <input id="token" name="token" type="password" autocomplete="off" required value=${token}
            onInput=${(e: Event) => setToken(inputValue(e))} />
          <${ErrorBox} error=${error} />
          <button class="primary" type="submit" disabled=${busy}>${t("login.submit")}</button>
          <button type="button" class="link" data-testid="use-password" onClick=${() => {
            setWithToken(false);
            setError(null);
          }}>${t("login.usePassword")}</button>
        </form>`
        : html`<form class="card" onSubmit=${signIn}>
          <h1>${t("app.title")}</h1>
          <h2>${t("login.title")}</h2>
          <label for="email">${t("common.email")}</label>
          <input id="email" name="email" type="email" autocomplete="username" required value=${email}
            onInput=${(e: Event) => setEmail(inputValue(e))} />
          <label for="password">${t("login.password")}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required
            value=${password} onInput=${(e: Event) => setPassword(inputValue(e))} />
          <${ErrorBox} error=${error} />
          <button class="primary" type="submit" disabled=${busy}>${t("login.submit")}</button>
          <p class="muted small">${t("login.firstAdmin")}</p>
          <button type="button" class="link" data-testid="use-token" onClick=${() => {
            setWithToken(true);
            setError(null);
          }}>${t("login.useToken")}</button>
        </form>`
    }
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

type Nav = { route: string; key: string; admin?: boolean };
const NAV: Nav[] = [
  { route: "inbox", key: "nav.inbox" },
  { route: "dashboard", key: "nav.dashboard" },
  { route: "connections", key: "nav.connections" },
  { route: "contacts", key: "nav.contacts" },
  { route: "quick-answers", key: "nav.quickAnswers" },
  { route: "queues", key: "nav.queues" },
  { route: "users", key: "nav.users" },
  { route: "tags", key: "nav.tags" },
  { route: "tokens", key: "nav.tokens", admin: true },
];

function Screen({ parts, principal }: { parts: string[]; principal: Principal }) {
  const [head, id] = parts;
  const admin = isAdmin(principal);
  const me = principal.kind === "user" ? principal.user : null;
  switch (head) {
    case "connections":
      return id
        ? html`<${ConnectionDetail} key=${id} id=${Number(id)} admin=${admin} />`
        : html`<${ConnectionsScreen} admin=${admin} />`;
    case "contacts":
      return html`<${ContactsScreen} />`;
    case "dashboard":
      return html`<${DashboardScreen} />`;
    case "quick-answers":
      return html`<${QuickAnswersScreen} />`;
    case "users":
      return html`<${UsersScreen} admin=${admin} meId=${me?.id ?? null} />`;
    case "account":
      return me
        ? html`<${AccountScreen} user=${me} />`
        : html`<${ErrorBox} error=${t("account.tokenOnly")} />`;
    case "queues":
    case "tags":
      return html`<${CatalogScreen} key=${head} kind=${head} admin=${admin} />`;
    case "tokens":
      return admin ? html`<${TokensScreen} />` : html`<${ErrorBox} error=${t("err.adminOnly")} />`;
    default:
      return html`<${InboxScreen} ticketId=${id ? Number(id) : null} principal=${principal} />`;
  }
}

const meOf = (p: Principal): Me =>
  p.kind === "user"
    ? {
        id: p.user.id,
        // An agent's work is its queues (and tickets with none); a supervisor or admin without queues sees all.
        queueIds: p.user.queueIds.length > 0 || p.user.role === "agent" ? p.user.queueIds : null,
      }
    : null;

function App() {
  const [principal, setPrincipal] = useState<Principal | null | undefined>(() =>
    session.token ? { kind: "token", token: session.token, scope: session.scope } : undefined,
  );
  const [, setLangState] = useState(lang());
  const [menu, setMenu] = useState(false);
  const parts = useRoute();
  useEffect(() => setMenu(false), [parts.join("/")]);

  // No stored token: a session cookie may still be valid (the page was reloaded).
  useEffect(() => {
    if (principal === undefined) currentUser().then(setPrincipal);
  }, []);

  const logout = async () => {
    // Stop the live stream and every screen's polling first: a request sent while the session is being ended
    // would come back 401.
    const signedIn = principal?.kind === "user";
    session.clear();
    disconnectLive();
    setPrincipal(null);
    if (signedIn) await api("POST", "/auth/logout").catch(() => {});
  };
  useEffect(
    () =>
      onUnauthorized(() => {
        session.clear();
        disconnectLive();
        setPrincipal(null);
      }),
    [],
  );
  const liveKey = principal
    ? principal.kind === "token"
      ? principal.token
      : `user:${principal.user.id}`
    : "";
  useEffect(() => {
    if (!principal) return;
    connectLive(principal.kind === "token" ? principal.token : null);
    loadAlerts(
      principal.kind === "token" ? "token" : String(principal.user.id),
      principal.kind === "user" ? principal.user.notifications : undefined,
    );
    return () => disconnectLive();
  }, [liveKey]);

  const changeLang = (l: Lang) => {
    setLang(l);
    setLangState(l);
  };

  if (principal === undefined)
    return html`<p class="muted center" aria-busy="true">${t("common.loading")}</p>`;
  if (!principal)
    return html`<div class="login-wrap">
      <div class="login-lang"><${LangSwitch} onChange=${changeLang} /></div>
      <${Login} onLogin=${(p: Principal) => {
        if (p.kind === "token") session.save(p.token, p.scope);
        else session.signedIn();
        setPrincipal(p);
      }} />
      <${Toasts} />
    </div>`;

  const admin = isAdmin(principal);
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
        ${
          principal.kind === "user" &&
          html`<a class="who-am-i" href="#/account" data-testid="me" title=${t("nav.account")}
            aria-current=${current === "account" ? "page" : undefined}>👤 ${principal.user.name}</a>`
        }
        <${LangSwitch} onChange=${changeLang} />
        <button type="button" class="ghost" onClick=${logout}>${t("logout")}</button>
      </div>
    </header>
    <main id="main" tabindex="-1">
      <${Screen} parts=${parts} principal=${principal} />
    </main>
    <${Work} me=${meOf(principal)} />
    <${Toasts} />
  </div>`;
}

render(html`<${App} />`, document.getElementById("app")!);
