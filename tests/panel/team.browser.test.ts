import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import {
  login,
  recordNotifications,
  screenshotTaker,
  sharedChromium,
  startPanelServer,
  watchConsole,
} from "./browser";

const browser = sharedChromium();

const shot = screenshotTaker();
type Server = Awaited<ReturnType<typeof startPanelServer>>;

/** A sandbox connection and a way for customers to write to it. */
async function sandbox(srv: Server) {
  const conn = await srv.call("POST", "/api/v1/connections", {
    name: "Ventas",
    driver: "sandbox",
    number: "595981234567",
  });
  expect(conn.status).toBe(201);
  const inbound = async (number: string, name: string, body: string) => {
    const r = await srv.call("POST", `/api/v1/connections/${conn.body.id}/sandbox/inbound`, {
      number,
      name,
      body,
    });
    expect(r.status).toBeLessThan(300);
    return r.body as { messageId: string; ticketId: number };
  };
  return { connectionId: conn.body.id as number, inbound };
}

const item = (page: Page, ticketId: number) => page.locator(`[data-ticket="${ticketId}"]`);

describe("the panel a team works in", () => {
  test("list items show queue, agent and tags; tabs count; tags are attached, filtered and removed; replying to a pending ticket accepts it and to a closed one reopens it", async () => {
    await using srv = await startPanelServer();
    const { inbound } = await sandbox(srv);
    const queue = (await srv.call("POST", "/api/v1/queues", { name: "Soporte", color: "#10b981" })).body;
    const ana = (await srv.call("POST", "/api/v1/users", { name: "Ana", email: "ana@example.com" })).body;
    await srv.call("POST", "/api/v1/tags", { name: "vip", color: "#f59e0b" });
    await srv.call("POST", "/api/v1/tags", { name: "reclamo", color: "#ef4444" });
    const a = await inbound("595991000001", "María", "Hola, quiero comprar");
    const b = await inbound("595991000002", "Pedro", "¿Tienen stock?");
    await srv.call("PUT", `/api/v1/tickets/${b.ticketId}`, { queueId: queue.id, userId: ana.id });

    const ctx = await browser().newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);

    // Queue and agent on the list item; an unassigned one says so.
    await item(page, b.ticketId).locator("[data-queue=Soporte]").waitFor();
    await item(page, b.ticketId).locator("[data-agent=Ana]").waitFor();
    expect(await item(page, a.ticketId).locator(".chip.agent").textContent()).toContain("Unassigned");
    // Counts on the tabs: one waits unassigned in the queue, two in all.
    await page.locator("[data-view-tab=queue] [data-count='1']").waitFor();
    await page.locator("[data-view-tab=all] [data-count='2']").waitFor();

    // Tags: attach two from the conversation, both show on the list item.
    await item(page, a.ticketId).click();
    await page.locator(".conv-head").waitFor();
    await page.selectOption("[data-action=add-tag]", { label: "vip" });
    await page.locator("[data-testid=ticket-tags] [data-tag=vip]").waitFor();
    await page.selectOption("[data-action=add-tag]", { label: "reclamo" });
    await item(page, a.ticketId).locator("[data-tag=reclamo]").waitFor();
    await item(page, a.ticketId).locator("[data-tag=vip]").waitFor();
    await shot(page, "inbox-tags");

    // The tag filter keeps only tagged tickets.
    await page.selectOption("[data-filter=tag]", { label: "vip" });
    await item(page, b.ticketId).waitFor({ state: "detached" });
    await item(page, a.ticketId).waitFor();
    await page.locator("[data-view-tab=all] [data-count='1']").waitFor();
    await page.selectOption("[data-filter=tag]", "");
    await item(page, b.ticketId).waitFor();

    // Remove one tag: gone from the conversation, the list and the API.
    await page.click("[data-testid=ticket-tags] [data-tag=vip] button");
    await page.locator("[data-testid=ticket-tags] [data-tag=vip]").waitFor({ state: "detached" });
    await item(page, a.ticketId).locator("[data-tag=vip]").waitFor({ state: "detached" });
    const tagged = await srv.call("GET", `/api/v1/tickets/${a.ticketId}`);
    expect(tagged.body.tags.map((g: any) => g.name)).toEqual(["reclamo"]);

    // A pending ticket: the reply box says that replying accepts it; sending does.
    await page.locator("[data-testid=reply-note][data-for=pending]").waitFor();
    await page.fill("textarea[name=body]", "¡Hola María! Te ayudo.");
    await page.press("textarea[name=body]", "Enter");
    await page.locator("[data-ticket-status=open]").waitFor();
    await page.locator(".msg.out", { hasText: "Te ayudo" }).waitFor();
    await page.locator("[data-testid=reply-note]").waitFor({ state: "detached" });

    // Closed: the note says a reply reopens it; sending does.
    await page.click("text=Close ticket");
    await page.locator("[data-ticket-status=closed]").waitFor();
    await page.locator("[data-testid=reply-note][data-for=closed]").waitFor();
    await page.fill("textarea[name=body]", "Una cosa más");
    await page.press("textarea[name=body]", "Enter");
    await page.locator("[data-ticket-status=open]").waitFor();
    await page.locator(".msg.out", { hasText: "Una cosa más" }).waitFor();
    const after = await srv.call("GET", `/api/v1/tickets/${a.ticketId}/messages`);
    expect(after.body.messages.filter((m: any) => m.fromMe).length).toBe(2);

    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);

  test("a customer's message in my work sets the tab title and, with alerts on, fires a desktop notification", async () => {
    await using srv = await startPanelServer();
    const { inbound } = await sandbox(srv);
    const ctx = await browser().newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    await recordNotifications(ctx, srv.url);
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);
    expect(await page.title()).toBe("Chasqui");

    // Alerts are off until the agent turns them on; the choice survives a reload.
    expect(await page.getAttribute("[data-action=alerts]", "aria-pressed")).toBe("false");
    await page.click("[data-action=alerts]");
    await page.locator("[data-action=alerts][aria-pressed=true]").waitFor();
    await page.reload();
    await page.locator("[data-live=on]").waitFor();
    await page.locator("[data-action=alerts][aria-pressed=true]").waitFor();

    // On another screen, a customer writes: one notification with who and what, and the title counts it.
    await page.click("nav >> text=Contacts");
    const first = await inbound("595991000001", "María", "¿Hay envíos a Encarnación?");
    await page.waitForFunction(() => (window as any).__shown.length === 1);
    expect(await page.evaluate(() => (window as any).__shown)).toEqual([
      { title: "New message from María", body: "¿Hay envíos a Encarnación?" },
    ]);
    await page.waitForFunction(() => document.title === "(1) Chasqui");
    await inbound("595991000002", "Pedro", "Hola");
    await page.waitForFunction(() => document.title === "(2) Chasqui");

    // Reading the ticket takes it off the count.
    await page.goto(`${srv.url}/#/inbox/${first.ticketId}`);
    await page.locator(".conv-head").waitFor();
    await page.waitForFunction(() => document.title === "(1) Chasqui");

    // A message in the conversation the agent is reading does not notify; turned off, nothing does.
    const before = await page.evaluate(() => (window as any).__shown.length);
    await inbound("595991000001", "María", "¿Y el costo?");
    await page.locator(".msg.in", { hasText: "¿Y el costo?" }).waitFor();
    await page.click("[data-action=alerts]");
    await page.locator("[data-action=alerts][aria-pressed=false]").waitFor();
    await inbound("595991000002", "Pedro", "¿Siguen ahí?");
    await page.locator(`[data-ticket] >> text=¿Siguen ahí?`).waitFor();
    expect(await page.evaluate(() => (window as any).__shown.length)).toBe(before);

    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);

  test("on a phone the sections are a menu, nothing scrolls sideways; server errors come in the panel's language; a new queue's colour is a free one", async () => {
    await using srv = await startPanelServer();
    await srv.call("POST", "/api/v1/queues", { name: "Ventas", color: "#3b82f6" });
    const ctx = await browser().newContext({
      viewport: { width: 390, height: 844 },
      locale: "es-AR",
      isMobile: true,
      hasTouch: true,
    });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);
    const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

    expect(await page.locator("#main-nav").isVisible()).toBe(false);
    expect(await noSideways()).toBe(true);
    await page.click(".menu-toggle");
    await page.locator("#main-nav a", { hasText: "Colas" }).waitFor();
    await shot(page, "mobile-menu");
    await page.click("#main-nav >> text=Colas");
    await page.locator("tr[data-row=Ventas]").waitFor();
    expect(await page.locator("#main-nav").isVisible()).toBe(false);
    expect(await noSideways()).toBe(true);

    // The colour offered for a new queue is not the one Ventas has; typing it in warns before saving.
    const color = page.locator("form.form input[name=color]");
    await page.waitForFunction(
      () => (document.querySelector("form.form input[name=color]") as HTMLInputElement).value !== "#3b82f6",
    );
    await page.fill("form.form input[name=name]", "Soporte");
    await color.fill("#3b82f6");
    await page.locator("[data-testid=color-taken]", { hasText: "Ventas" }).waitFor();
    // Saved anyway, the server's refusal is shown in Spanish.
    await page.click("form.form button[type=submit]");
    await page.locator(".toast.error", { hasText: "Choca con algo que ya existe" }).waitFor();
    errors.length = 0; // the browser logs the refused request itself
    await color.fill("#10b981");
    await page.click("form.form button[type=submit]");
    await page.locator("tr[data-row=Soporte]").waitFor();
    expect(await noSideways()).toBe(true);

    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);
});
