import { describe, expect, test } from "bun:test";
import { login, screenshotTaker, sharedChromium, startPanelServer, watchConsole } from "./browser";

const browser = sharedChromium();

const shot = screenshotTaker();

describe("the desk's tools in the panel", () => {
  test("quick answers are managed in their screen; the search box finds tickets by message text without accents; notes stay on the contact", async () => {
    await using srv = await startPanelServer();
    const conn = (
      await srv.call("POST", "/api/v1/connections", {
        name: "Tienda",
        driver: "sandbox",
        number: "595981234567",
      })
    ).body;
    const inbound = async (number: string, name: string, body: string) =>
      (await srv.call("POST", `/api/v1/connections/${conn.id}/sandbox/inbound`, { number, name, body }))
        .body as {
        ticketId: number;
      };
    const invoice = await inbound("595991000001", "María", "Necesito la factura de diciembre");
    const other = await inbound("595991000002", "Pedro", "¿Abren el sábado?");
    const ctx = await browser().newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);

    // Quick answers: create two, edit one.
    await page.click("nav >> text=Quick answers");
    const form = page.locator("[data-testid=quick-form]");
    await form.locator("input[name=shortcut]").fill("/horario");
    await form.locator("textarea[name=message]").fill("Abrimos de lunes a sábado de 8 a 18.");
    await form.locator("button[type=submit]").click();
    await page.locator("tr[data-row=horario]").waitFor();
    await form.locator("input[name=shortcut]").fill("factura");
    await form.locator("textarea[name=message]").fill("Te la enviamos por email.");
    await form.locator("button[type=submit]").click();
    await page.click("tr[data-row=factura] button:has-text('Edit')");
    await form.locator("textarea[name=message]").fill("Te la enviamos por email hoy mismo.");
    await form.locator("button[type=submit]").click();
    await page.locator("tr[data-row=factura]", { hasText: "hoy mismo" }).waitFor();
    await shot(page, "quick-answers");

    // Search: "FACTURA diciembre" (any case) finds María's ticket by its message; clearing shows both.
    await page.click("nav >> text=Inbox");
    await page.locator(`[data-ticket="${other.ticketId}"]`).waitFor();
    await page.fill("input[name=search]", "FACTURA diciembre");
    await page.press("input[name=search]", "Enter");
    await page.locator(`[data-ticket="${other.ticketId}"]`).waitFor({ state: "detached" });
    await page.locator(`[data-ticket="${invoice.ticketId}"]`).waitFor();
    // Accents are ignored: "sabado" finds "sábado".
    await page.fill("input[name=search]", "sabado");
    await page.press("input[name=search]", "Enter");
    await page.locator(`[data-ticket="${invoice.ticketId}"]`).waitFor({ state: "detached" });
    await page.locator(`[data-ticket="${other.ticketId}"]`).waitFor();
    await page.fill("input[name=search]", "");
    await page.locator(`[data-ticket="${invoice.ticketId}"]`).waitFor();

    // The quick answer in the reply box: "/fac" then Tab; Esc dismisses the list without taking one.
    await page.click(`[data-ticket="${invoice.ticketId}"]`);
    await page.fill("textarea[name=body]", "/ho");
    await page.locator("[data-quick=horario]").waitFor();
    await page.press("textarea[name=body]", "Escape");
    await page.locator("#quick-list").waitFor({ state: "detached" });
    await page.fill("textarea[name=body]", "/fac");
    await page.press("textarea[name=body]", "Tab");
    expect(await page.inputValue("textarea[name=body]")).toBe("Te la enviamos por email hoy mismo.");
    await page.press("textarea[name=body]", "Enter");
    await page.locator(".msg.out", { hasText: "hoy mismo" }).waitFor();

    // A note on the contact, kept for the next ticket of the same person.
    const notes = page.locator("[data-testid=notes]");
    await notes.locator("summary").click();
    await notes.locator("textarea[name=note]").fill("Factura a nombre de la empresa, RUC 800123-4");
    await notes.locator("button[type=submit]").click();
    await notes.locator(".note-list li", { hasText: "RUC 800123-4" }).waitFor();
    await shot(page, "conversation-notes");
    const stored = (await srv.call("GET", "/api/v1/contacts/595991000001/notes")).body.notes;
    expect(stored.map((n: any) => n.body)).toEqual(["Factura a nombre de la empresa, RUC 800123-4"]);
    await notes.locator(".note-list li button").click();
    await notes.locator(".note-list li").waitFor({ state: "detached" });

    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);
});
