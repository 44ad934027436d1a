import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { login, screenshotTaker, sharedChromium, startPanelServer, watchConsole } from "./browser";

const browser = sharedChromium();

const CUSTOMER = { number: "595991234567", name: "Juan Pérez" };
type Server = Awaited<ReturnType<typeof startPanelServer>>;

/** A sandbox connection (with `settings`) and a customer's first message on it. */
async function sandboxTicket(srv: Server, settings: Record<string, unknown> = {}) {
  const conn = await srv.call("POST", "/api/v1/connections", {
    name: "Ventas",
    driver: "sandbox",
    number: "595981234567",
    ...settings,
  });
  expect(conn.status).toBe(201);
  const inbound = async (body: Record<string, unknown>) => {
    const r = await srv.call("POST", `/api/v1/connections/${conn.body.id}/sandbox/inbound`, {
      ...CUSTOMER,
      ...body,
    });
    expect(r.status).toBeLessThan(300);
    return r.body as { messageId: string; ticketId: number };
  };
  return { connectionId: conn.body.id as number, inbound };
}

async function messagesOf(srv: Server, ticketId: number) {
  const r = await srv.call("GET", `/api/v1/tickets/${ticketId}/messages?limit=100`);
  return r.body.messages as any[];
}

const bubble = (page: Page, id: string) => page.locator(`.msg[data-message="${id}"]`);

async function openTicket(page: Page, ticketId: number) {
  await page.locator(`[data-ticket="${ticketId}"]`).click();
  await page.locator(".conv-head").waitFor();
}

describe("the message lifecycle in the panel", () => {
  test("a customer's edit, delete and reactions appear live in the open conversation and the list preview", async () => {
    await using srv = await startPanelServer();
    const { inbound } = await sandboxTicket(srv);
    const first = await inbound({ body: "Quiero 2 cajas" });
    const second = await inbound({ body: "Mi dirección es Calle 1" });
    const ours = await srv.call("POST", `/api/v1/tickets/${first.ticketId}/messages`, {
      body: "Perfecto, lo anotamos",
    });
    expect(ours.status).toBe(201);
    const last = await inbound({ body: "Gracias" });

    const ctx = await browser().newContext({ locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);
    await openTicket(page, first.ticketId);
    await bubble(page, last.messageId).waitFor();
    // Opening the ticket read it: the unread badge goes.
    await page.locator(`[data-ticket="${first.ticketId}"] [data-unread]`).waitFor({ state: "detached" });

    // An edit: the new text, an "edited" mark whose tooltip and expandable line keep the old text.
    await inbound({ edit: first.messageId, body: "Quiero 3 cajas" });
    const edited = bubble(page, first.messageId);
    await edited.locator(".body", { hasText: "Quiero 3 cajas" }).waitFor();
    const mark = edited.locator("[data-flag=edited]");
    expect(await mark.getAttribute("title")).toBe("Before the edit: Quiero 2 cajas");
    await mark.click();
    await edited.locator("[data-testid=previous]", { hasText: "Quiero 2 cajas" }).waitFor();

    // Editing the newest message changes the ticket's preview in the list.
    await inbound({ edit: last.messageId, body: "¡Muchas gracias!" });
    await page.locator(`[data-ticket="${first.ticketId}"]`, { hasText: "¡Muchas gracias!" }).waitFor();

    // A delete for everyone: still shown, struck through, labelled; no actions on it.
    await inbound({ delete: second.messageId });
    const deleted = bubble(page, second.messageId);
    await deleted.locator("[data-flag=deleted]").waitFor();
    expect(await deleted.locator(".body del").textContent()).toBe("Mi dirección es Calle 1");
    expect(await deleted.locator("[data-action=react]").count()).toBe(0);

    // Reactions: the customer's heart on our message, with who on hover; then they take it back.
    await inbound({ reactTo: ours.body.data.messageId, emoji: "❤️" });
    const heart = bubble(page, ours.body.data.messageId).locator('[data-reaction="❤️"]');
    await heart.waitFor();
    expect(await heart.getAttribute("title")).toBe("Juan Pérez");
    await inbound({ reactTo: first.messageId, emoji: "👍" });
    await bubble(page, first.messageId).locator('[data-reaction="👍"]').waitFor();
    await shot(page, "conversation-lifecycle");
    await inbound({ reactTo: ours.body.data.messageId, emoji: "" });
    await heart.waitFor({ state: "detached" });

    // A new message while the ticket is open is read at once (the panel marks it read again).
    await inbound({ body: "¿Cuándo llega?" });
    await page.locator(".msg.in", { hasText: "¿Cuándo llega?" }).waitFor();
    await page.waitForFunction(async (id) => {
      const r = await fetch(`/api/v1/tickets/${id}`, {
        headers: { authorization: `Bearer ${sessionStorage.getItem("chasqui.token")}` },
      });
      return (await r.json()).unreadMessages === 0;
    }, first.ticketId);

    expect(errors).toEqual([]);
    await ctx.close();
  }, 30_000);

  test("the agent reacts to, edits and deletes its own message; the API follows; late edits are refused in the panel's language", async () => {
    let offset = 0;
    await using srv = await startPanelServer({}, { clock: () => Date.now() + offset });
    const { inbound } = await sandboxTicket(srv);
    const first = await inbound({ body: "Hola" });
    const ctx = await browser().newContext({ locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);
    await openTicket(page, first.ticketId);

    await page.fill("textarea[name=body]", "Su pedido sale hoy");
    await page.press("textarea[name=body]", "Enter");
    const sent = page.locator(".msg.out", { hasText: "Su pedido sale hoy" });
    await sent.waitFor();
    const id = (await sent.getAttribute("data-message"))!;
    const mine = bubble(page, id);
    const apiMessage = async () => (await messagesOf(srv, first.ticketId)).find((m) => m.id === id);

    // React from the picker, then remove it by clicking our reaction.
    await mine.locator("[data-action=react]").click();
    await mine.locator('.picker [data-emoji="👍"]').click();
    const thumbs = mine.locator('[data-reaction="👍"][data-mine]');
    await thumbs.waitFor();
    expect((await apiMessage()).reactions).toMatchObject([{ emoji: "👍", fromMe: true }]);
    // Also on the customer's message; the picker offers to remove it again.
    const customer = bubble(page, first.messageId);
    await customer.locator("[data-action=react]").click();
    await customer.locator('.picker [data-emoji="🙏"]').click();
    await customer.locator('[data-reaction="🙏"][data-mine]').waitFor();
    await customer.locator("[data-action=react]").click();
    expect(await customer.locator('.picker [data-emoji="🙏"]').getAttribute("aria-pressed")).toBe("true");
    await customer.locator('.picker [data-emoji=""]').click();
    await customer.locator(".reaction").waitFor({ state: "detached" });
    await thumbs.click();
    await thumbs.waitFor({ state: "detached" });
    expect((await apiMessage()).reactions).toEqual([]);
    // The customer's messages cannot be edited or deleted.
    expect(await customer.locator("[data-action=edit], [data-action=delete]").count()).toBe(0);

    // Edit in place.
    await mine.locator("[data-action=edit]").click();
    await mine.locator("textarea").fill("Su pedido sale mañana");
    await mine.locator("textarea").press("Enter");
    await mine.locator(".body", { hasText: "Su pedido sale mañana" }).waitFor();
    await mine.locator("[data-flag=edited]").waitFor();
    expect(await apiMessage()).toMatchObject({
      body: "Su pedido sale mañana",
      isEdited: true,
      previousBody: "Su pedido sale hoy",
    });

    // Delete for everyone (the confirm is accepted).
    await mine.locator("[data-action=delete]").click();
    await mine.locator("[data-flag=deleted]").waitFor();
    expect(await apiMessage()).toMatchObject({ isDeleted: true, body: "Su pedido sale mañana" });
    expect(await mine.locator("[data-action]").count()).toBe(0);

    // A message sent from the phone 20 minutes ago can no longer be edited, only deleted. (The sandbox
    // stamps messages sent through the API with the real time, so it comes in as the phone's own.)
    offset = -20 * 60_000;
    const old = await inbound({ fromMe: true, body: "Antiguo" });
    offset = 0;
    const oldBubble = bubble(page, old.messageId);
    await oldBubble.locator("[data-action=delete]").waitFor();
    expect(await oldBubble.locator("[data-action=edit]").count()).toBe(0);

    // The server's clock is past the window while the panel still offers Edit: its refusal is shown
    // translated, in English and in Spanish.
    const late = await srv.call("POST", `/api/v1/tickets/${first.ticketId}/messages`, { body: "Tarde" });
    const lateBubble = bubble(page, late.body.data.messageId);
    await lateBubble.locator("[data-action=edit]").click();
    offset = 16 * 60_000;
    await lateBubble.locator("textarea").fill("Tarde, editado");
    await lateBubble.locator("button[type=submit]").click();
    await page
      .locator(".toast.error", {
        hasText: "Too late to edit: WhatsApp allows it only in the first 15 minutes.",
      })
      .waitFor();
    await page.selectOption("select[aria-label=Language]", "es");
    await lateBubble.locator("button[type=submit]").click();
    await page.locator(".toast.error", { hasText: "Demasiado tarde para editar" }).waitFor();
    expect((await messagesOf(srv, first.ticketId)).find((m) => m.body === "Tarde")?.isEdited).toBe(false);
    // The browser logs the refused requests itself; nothing else may be logged.
    expect(errors.filter((e) => !e.includes("422"))).toEqual([]);
    await ctx.close();
  }, 30_000);

  test("typing in the composer tells WhatsApp: composing at most every few seconds, paused on idle, send and leave", async () => {
    await using srv = await startPanelServer();
    const { inbound } = await sandboxTicket(srv);
    const first = await inbound({ body: "Hola" });
    const other = await inbound({ number: "595992222222", name: "María", body: "Buenas" });
    const ctx = await browser().newContext({ locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    const typing: { state: string; ticket: string }[] = [];
    const answers: number[] = [];
    page.on("request", (r) => {
      const m = /\/tickets\/(\d+)\/typing$/.exec(r.url());
      if (m) typing.push({ state: r.postDataJSON().state, ticket: m[1]! });
    });
    page.on("response", (r) => {
      if (r.url().endsWith("/typing")) answers.push(r.status());
    });
    const paused = () =>
      page.waitForResponse(
        (r) => r.url().endsWith("/typing") && r.request().postDataJSON().state === "paused",
      );
    await login(page, srv.url, srv.token);
    await openTicket(page, first.ticketId);
    const box = page.locator("textarea[name=body]");

    // A burst of keys: one composing; stopping for a few seconds: paused.
    let done = paused();
    await box.pressSequentially("Estoy revisando", { delay: 20 });
    await done;
    expect(typing).toEqual([
      { state: "composing", ticket: String(first.ticketId) },
      { state: "paused", ticket: String(first.ticketId) },
    ]);

    // Typing again then sending: composing, then paused with the send.
    typing.length = 0;
    done = paused();
    await box.fill("");
    await box.pressSequentially(" ya está", { delay: 20 });
    await page.press("textarea[name=body]", "Enter");
    await done;
    await page.locator(".msg.out", { hasText: "ya está" }).waitFor();
    expect(typing.map((x) => x.state)).toEqual(["composing", "paused"]);

    // Typing then leaving for another ticket: paused for the one left.
    typing.length = 0;
    done = paused();
    await box.pressSequentially("Un momento");
    await page.locator(`[data-ticket="${other.ticketId}"]`).click();
    await done;
    expect(typing).toEqual([
      { state: "composing", ticket: String(first.ticketId) },
      { state: "paused", ticket: String(first.ticketId) },
    ]);
    expect(answers.every((s) => s === 200)).toBe(true);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 30_000);

  test("a group ticket is marked in the list and shows who wrote each message; a voice note plays", async () => {
    await using srv = await startPanelServer();
    const { inbound } = await sandboxTicket(srv, { groups: "tickets" });
    const group = { groupId: "120363025246125888", groupName: "Compras Familia" };
    const ana = await inbound({ ...group, number: "595991111111", name: "Ana", body: "¿Hay stock?" });
    await inbound({ ...group, number: "595992222222", name: "", body: "Yo también quiero" });
    const ctx = await browser().newContext({ locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);
    const item = page.locator(`[data-ticket="${ana.ticketId}"]`);
    await item.locator("[data-group]").waitFor();
    expect(await item.textContent()).toContain("Compras Familia");
    await openTicket(page, ana.ticketId);
    await page.locator(".conv-head", { hasText: "Group" }).waitFor();
    const authors = page.locator(".msg.in .author");
    await authors.nth(1).waitFor();
    expect(await authors.allTextContents()).toEqual(["Ana +595991111111", "+595992222222"]);

    // A voice note (an ogg audio) sent from the panel renders as an audio player.
    await page.setInputFiles("input[type=file]", {
      name: "nota.ogg",
      mimeType: "audio/ogg",
      buffer: Buffer.from("OggS\0fake opus"),
    });
    await page.click(".reply button[type=submit]");
    await page.locator(".msg.out[data-media=ptt] .voice audio.media").waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  }, 30_000);

  test("an admin sets a connection's group, read-receipt and history settings when creating and later", async () => {
    await using srv = await startPanelServer();
    const ctx = await browser().newContext({ locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);
    await page.click("nav >> text=Connections");
    await page.fill("input[name=name]", "Soporte");
    await page.selectOption("select[name=driver]", "sandbox");
    await page.click("details.settings summary");
    await page.fill("details input[name=historyImportDays]", "7");
    await page.click("form.form button[type=submit]");
    await page.locator("[data-testid=connected]").waitFor();
    const id = Number(/#\/connections\/(\d+)/.exec(page.url())?.[1]);
    expect((await srv.call("GET", `/api/v1/connections/${id}`)).body).toMatchObject({
      groups: "ignore",
      sendReadReceipts: true,
      historyImportDays: 7,
    });

    const form = page.locator("[data-testid=connection-settings]");
    expect(await form.locator("input[name=historyImportDays]").inputValue()).toBe("7");
    await form.locator("select[name=groups]").selectOption("tickets");
    await form.locator("input[name=sendReadReceipts]").uncheck();
    await form.locator("input[name=historyImportDays]").fill("30");
    await form.locator("button[type=submit]").click();
    await page.locator(".toast", { hasText: "Saved" }).waitFor();
    expect((await srv.call("GET", `/api/v1/connections/${id}`)).body).toMatchObject({
      groups: "tickets",
      sendReadReceipts: false,
      historyImportDays: 30,
    });
    await page.reload();
    await form.waitFor();
    expect(await form.locator("select[name=groups]").inputValue()).toBe("tickets");
    expect(await form.locator("input[name=sendReadReceipts]").isChecked()).toBe(false);
    expect(await form.locator("input[name=historyImportDays]").inputValue()).toBe("30");
    expect(errors).toEqual([]);
    await ctx.close();
  }, 30_000);
});

const shot = screenshotTaker();
