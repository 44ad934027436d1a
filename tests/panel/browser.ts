import { afterAll, beforeAll } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { type RuntimeOptions, startServer } from "../../src/server";
import { npmChromium } from "../support/npm-chromium";

/**
 * Which Chromium the browser tests drive: CHROMIUM_PATH when set, else Debian's /usr/bin/chromium when
 * installed, else the one the `@sparticuz/chromium` devDependency ships, so `bun install && bun test`
 * needs no system package. CHASQUI_TEST_BROWSER=npm (or =system) forces a choice.
 * Resolved (and the npm browser unpacked, ~4 s on first use) at import time, outside any hook's timeout.
 */
async function resolveChromium(): Promise<{ executablePath: string; env: Record<string, string> }> {
  const forced = process.env.CHASQUI_TEST_BROWSER;
  if (forced !== undefined && forced !== "npm" && forced !== "system")
    throw new Error(`CHASQUI_TEST_BROWSER must be "npm" or "system", not ${JSON.stringify(forced)}`);
  const system = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (forced === "system" || (forced === undefined && (process.env.CHROMIUM_PATH || existsSync(system)))) {
    if (!existsSync(system)) throw new Error(`Chromium not found at ${system} (CHROMIUM_PATH)`);
    return { executablePath: system, env: {} };
  }
  return npmChromium();
}

const resolved = await resolveChromium();

/** Headless Chromium for the panel tests. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: resolved.executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    env: { ...process.env, ...resolved.env },
  });
}

/** The real server on 127.0.0.1:0 with a temp data dir, an admin token from API_TOKEN and loopback media allowed. */
export async function startPanelServer(env: Record<string, string> = {}, opts: RuntimeOptions = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-panel-"));
  const token = "panel-admin-token-0123456789";
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    API_TOKEN: token,
    LOG_LEVEL: "silent",
    BAILEYS_LOG_LEVEL: "silent",
    MEDIA_FETCH_ALLOW_PRIVATE: "true",
    WEBHOOK_ALLOW_PRIVATE: "true",
    WEBHOOK_RETRY_BASE_MS: "100",
    WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
    ...env,
  });
  const server = await startServer(config, createLogger("silent"), opts);
  const url = `http://127.0.0.1:${server.port}`;
  const call = async (method: string, path: string, body?: unknown, bearer = token) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return {
    url,
    token,
    call,
    async [Symbol.asyncDispose]() {
      // The server's stop ends the panel's open event stream before its graceful stop waits on responses.
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small PNG (64×64, teal) for uploads and inbound media. */
export const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAIAAAAlC+aJAAAAT0lEQVR42u3PQQkAAAgEsGtgU5/mN4JvYbACS02/FgEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQGBywK5GzDiT2zg+gAAAABJRU5ErkJggg==",
  ),
  (ch) => ch.charCodeAt(0),
);

/** Screenshots go to docs/screenshots when PANEL_SCREENSHOTS=1, else to a temp dir (a test run leaves the tree clean). */
export function screenshotDir() {
  if (process.env.PANEL_SCREENSHOTS === "1") {
    const dir = join(import.meta.dir, "../../docs/screenshots");
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  return mkdtempSync(join(tmpdir(), "chasqui-shots-"));
}

/** Console errors and uncaught exceptions of the page; the panel must produce none. */
export function watchConsole(page: Page) {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => d.accept());
  return errors;
}

/** Opens the panel with an API token (the sign-in page's "Use an API token instead"). */
export async function login(page: Page, url: string, token: string) {
  await page.goto(`${url}/`);
  await page.click("[data-testid=use-token]");
  await page.fill("#token", token);
  await page.click("form button[type=submit]");
  await page.locator("[data-live=on]").waitFor();
}

/** Signs in with email and password (a session cookie). */
export async function signIn(page: Page, url: string, email: string, password: string) {
  await page.goto(`${url}/`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("form button[type=submit]");
  await page.locator("[data-live=on]").waitFor();
}

/**
 * One Chromium for a test file: launched before its tests (with 30 s: starting it takes seconds on a loaded
 * machine, more than a hook's default 5 s) and closed after them. Returns the running browser.
 */
export function sharedChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("Chromium did not start");
    return browser;
  };
}

/** Takes a page's screenshot as `<name>.png` in screenshotDir(). */
export function screenshotTaker(): (page: Page, name: string) => Promise<Buffer> {
  const dir = screenshotDir();
  return (page, name) => page.screenshot({ path: join(dir, `${name}.png`) });
}

/**
 * Grants `origin` the notifications permission and records every notification its pages show (`window.__shown`,
 * formatted by `format`), while the browser's own Notification still shows them. The recorder reports the
 * permission as granted: the npm Chromium (a headless shell) keeps `Notification.permission` at "denied" after a
 * grant — its Permissions API says "granted" and `new Notification()` works — where Debian's Chromium and the
 * desktop browsers say "granted".
 */
export async function recordNotifications(
  ctx: BrowserContext,
  origin: string,
  format: "object" | "line" = "object",
): Promise<void> {
  await ctx.grantPermissions(["notifications"], { origin });
  await ctx.addInitScript((asLine: boolean) => {
    const Real = window.Notification;
    const shown: unknown[] = [];
    (window as any).__shown = shown;
    class Recorded extends Real {
      static override get permission(): NotificationPermission {
        return "granted";
      }
      constructor(title: string, opts?: NotificationOptions) {
        super(title, opts);
        const body = opts?.body ?? "";
        shown.push(asLine ? `${title}: ${body}` : { title, body });
      }
    }
    (window as any).Notification = Recorded;
  }, format === "line");
}
