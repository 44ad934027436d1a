import { describe, expect, test } from "bun:test";
import { login, screenshotTaker, sharedChromium, startPanelServer, watchConsole } from "./browser";

const browser = sharedChromium();

const shot = screenshotTaker();

describe("customer-facing automation set up in the panel", () => {
  test("an admin offers two queues with a greeting, farewell and rating request; a customer walks the menu, is routed, and rates the closed ticket", async () => {
    await using srv = await startPanelServer();
    const conn = (
      await srv.call("POST", "/api/v1/connections", {
        name: "Ventas",
        driver: "sandbox",
        number: "595981234567",
      })
    ).body;
    const sales = (await srv.call("POST", "/api/v1/queues", { name: "Ventas", color: "#3b82f6" })).body;
    const support = (
      await srv.call("POST", "/api/v1/queues", {
        name: "Soporte",
        color: "#10b981",
        greetingMessage: "Soporte técnico: contanos qué pasó.",
      })
    ).body;
    const ctx = await browser().newContext({ viewport: { width: 1280, height: 900 }, locale: "es-AR" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);

    // The connection's customer messages: both queues in menu order, greeting, farewell, rating request.
    await page.goto(`${srv.url}/#/connections/${conn.id}`);
    const form = page.locator("[data-testid=customer-messages]");
    await form.locator("[data-action=add-queue]").selectOption({ label: "Soporte" });
    await form.locator("[data-action=add-queue]").selectOption({ label: "Ventas" });
    // Ventas first: move it up.
    await form.locator("[data-queue=Ventas] button[aria-label=Subir]").click();
    expect(await form.locator("[data-testid=connection-queues] li").allTextContents()).toEqual([
      expect.stringContaining("1 - Ventas"),
      expect.stringContaining("2 - Soporte"),
    ]);
    await form.locator("textarea[name=greetingMessage]").fill("¡Hola! ¿Con quién querés hablar?");
    await form.locator("textarea[name=farewellMessage]").fill("¡Gracias por escribirnos!");
    await form.locator("textarea[name=ratingMessage]").fill("¿Cómo te atendimos? Respondé de 1 a 5.");
    await form.locator("button[type=submit]").click();
    await page.locator(".toast", { hasText: "Guardado" }).waitFor();
    await shot(page, "connection-automation");
    const saved = (await srv.call("GET", `/api/v1/connections/${conn.id}`)).body;
    expect(saved.queueIds).toEqual([sales.id, support.id]);
    expect(saved.farewellMessage).toBe("¡Gracias por escribirnos!");

    // A customer writes: the greeting lists the queues; "2" routes the ticket to Soporte and its greeting follows.
    const inbound = (body: string) =>
      srv.call("POST", `/api/v1/connections/${conn.id}/sandbox/inbound`, {
        number: "595991234567",
        name: "Rosa",
        body,
      });
    const first = (await inbound("hola")).body;
    await page.goto(`${srv.url}/#/inbox/${first.ticketId}`);
    await page.locator(".msg.out", { hasText: "1 - Ventas" }).waitFor();
    await page.locator(".msg.out", { hasText: "2 - Soporte" }).waitFor();
    await inbound("2");
    await page.locator(".msg.out", { hasText: "Soporte técnico: contanos qué pasó." }).waitFor();
    await page.locator("[data-head-queue=Soporte]").waitFor();

    // The agent answers and closes: farewell, then the rating request; the customer's "5" shows as stars.
    await page.fill("textarea[name=body]", "Ya lo revisamos, quedó resuelto.");
    await page.press("textarea[name=body]", "Enter");
    await page.locator(".msg.out", { hasText: "quedó resuelto" }).waitFor();
    await page.click("button:has-text('Cerrar ticket')");
    await page.locator(".msg.out", { hasText: "¡Gracias por escribirnos!" }).waitFor();
    await page.locator(".msg.out", { hasText: "Respondé de 1 a 5" }).waitFor();
    await inbound("5");
    await page.locator(".conv-head [data-rating='5']").waitFor();
    await shot(page, "conversation-rated");
    expect((await srv.call("GET", `/api/v1/tickets/${first.ticketId}`)).body.rating).toBe(5);

    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);

  test("a queue's opening hours and out-of-hours message are set in the queues screen", async () => {
    await using srv = await startPanelServer();
    const ctx = await browser().newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);
    await page.click("nav >> text=Queues");
    await page.fill("form.form input[name=name]", "Soporte");
    const hours = page.locator("[data-testid=queue-hours]");
    await hours.locator("input[name=scheduleOn]").check();
    await hours.locator("input[name=hours-mon]").fill("09:00-13:00, 14:00-18:00");
    await hours.locator("input[name=hours-sat]").fill("9:00-12:00");
    await hours.locator("input[name=timeZone]").fill("America/Asuncion");
    await hours.locator("textarea[name=outOfHoursMessage]").fill("Estamos cerrados; te respondemos a las 9.");
    await page.click("form.form button[type=submit]");
    await page
      .locator("tr[data-row=Soporte] [data-col=hours]", { hasText: "Mon 09:00–13:00, 14:00–18:00" })
      .waitFor();
    const queue = (await srv.call("GET", "/api/v1/queues")).body[0];
    expect(queue.schedule).toEqual({
      mon: [
        { start: "09:00", end: "13:00" },
        { start: "14:00", end: "18:00" },
      ],
      sat: [{ start: "09:00", end: "12:00" }],
    });
    expect(queue.timeZone).toBe("America/Asuncion");
    expect(queue.outOfHoursMessage).toBe("Estamos cerrados; te respondemos a las 9.");

    // A malformed range is refused with the field named, in the panel's language; nothing changes.
    await page.click("tr[data-row=Soporte] button:has-text('Edit')");
    await hours.locator("input[name=hours-tue]").fill("18:00-09:00");
    await page.click("form.form button[type=submit]");
    await page.locator(".toast.error", { hasText: "Some data is not valid" }).waitFor();
    errors.length = 0; // the browser logs the refused request itself
    expect((await srv.call("GET", "/api/v1/queues")).body[0].schedule.tue).toBeUndefined();
    // Always open again: the schedule goes.
    await hours.locator("input[name=hours-tue]").fill("");
    await hours.locator("input[name=scheduleOn]").uncheck();
    await page.click("form.form button[type=submit]");
    await page.locator("tr[data-row=Soporte] [data-col=hours]", { hasText: "Always open" }).waitFor();
    expect((await srv.call("GET", "/api/v1/queues")).body[0].schedule).toBeNull();
    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);
});
