import { describe, expect, test } from "bun:test";
import {
  recordNotifications,
  screenshotTaker,
  sharedChromium,
  signIn,
  startPanelServer,
  watchConsole,
} from "./browser";

const browser = sharedChromium();

const shot = screenshotTaker();
const PASSWORD = "una clave larga 123";

describe("an agent's day in the panel", () => {
  test("an agent signs in, sees only their queues, accepts, answers with a quick answer and transfers to a colleague, who finds it with the note", async () => {
    await using srv = await startPanelServer();
    const conn = (
      await srv.call("POST", "/api/v1/connections", {
        name: "Tienda",
        driver: "sandbox",
        number: "595981234567",
      })
    ).body;
    const sales = (await srv.call("POST", "/api/v1/queues", { name: "Ventas", color: "#3b82f6" })).body;
    const support = (await srv.call("POST", "/api/v1/queues", { name: "Soporte", color: "#10b981" })).body;
    const user = async (name: string, email: string, queueIds: number[]) => {
      const r = await srv.call("POST", "/api/v1/users", {
        name,
        email,
        role: "agent",
        queueIds,
        password: PASSWORD,
      });
      expect(r.status).toBe(201);
      return r.body;
    };
    const ana = await user("Ana", "ana@example.com", [sales.id]);
    const beto = await user("Beto", "beto@example.com", [support.id]);
    expect(
      (
        await srv.call("POST", "/api/v1/quick-answers", {
          shortcut: "precios",
          message: "La caja de 12 cuesta 90.000 Gs.",
        })
      ).status,
    ).toBe(201);
    const inbound = async (number: string, name: string, body: string) =>
      (await srv.call("POST", `/api/v1/connections/${conn.id}/sandbox/inbound`, { number, name, body }))
        .body as {
        ticketId: number;
      };
    const forSales = await inbound("595991000001", "María", "¿Cuánto sale la caja?");
    const forSupport = await inbound("595991000002", "Pedro", "No me llegó el pedido");
    const noQueue = await inbound("595991000003", "Lucía", "Hola");
    await srv.call("PUT", `/api/v1/tickets/${forSales.ticketId}`, { queueId: sales.id });
    await srv.call("PUT", `/api/v1/tickets/${forSupport.ticketId}`, { queueId: support.id });

    const ctx = await browser().newContext({ viewport: { width: 1280, height: 800 }, locale: "es-AR" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);

    // A wrong password is refused in the panel's language; the right one opens the panel with a cookie.
    await page.goto(`${srv.url}/`);
    await shot(page, "sign-in");
    await page.fill("#email", "ana@example.com");
    await page.fill("#password", "no es esta");
    await page.click("form button[type=submit]");
    await page.locator(".error-box", { hasText: "Email o contraseña incorrectos" }).waitFor();
    errors.length = 0; // the browser logs the refused request itself
    await signIn(page, srv.url, "ana@example.com", PASSWORD);
    await page.locator("[data-testid=me]", { hasText: "Ana" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("chasqui.token"))).toBeNull();

    // Her queue's ticket and the one without queue wait in "En cola"; Soporte's is not hers to see.
    await page.click("[data-view-tab=queue]");
    await page.locator(`[data-ticket="${forSales.ticketId}"]`).waitFor();
    await page.locator(`[data-ticket="${noQueue.ticketId}"]`).waitFor();
    await page.locator("[data-view-tab=queue] [data-count='2']").waitFor();
    expect(await page.locator(`[data-ticket="${forSupport.ticketId}"]`).count()).toBe(0);
    await page.click("[data-view-tab=all]");
    await page.locator("[data-view-tab=all] [data-count='2']").waitFor();
    expect(await page.locator(`[data-ticket="${forSupport.ticketId}"]`).count()).toBe(0);

    // Accepting makes it hers and open: it moves to "Míos".
    await page.click(`[data-ticket="${forSales.ticketId}"]`);
    await page.click("button:has-text('Aceptar')");
    await page.locator("[data-ticket-status=open]").waitFor();
    await page.locator("[data-head-agent=Ana]").waitFor();
    await page.locator("[data-view-tab=mine] [data-count='1']").waitFor();

    // "/pre" offers the quick answer; Enter takes it, Enter again sends it, signed as hers.
    await page.fill("textarea[name=body]", "/pre");
    await page.locator("[data-quick=precios][aria-selected=true]").waitFor();
    await shot(page, "quick-answers-autocomplete");
    await page.press("textarea[name=body]", "Enter");
    expect(await page.inputValue("textarea[name=body]")).toBe("La caja de 12 cuesta 90.000 Gs.");
    await page.press("textarea[name=body]", "Enter");
    const mine = page.locator(".msg.out", { hasText: "90.000 Gs." });
    await mine.locator("[data-sender=Ana]").waitFor();
    const sent = (await srv.call("GET", `/api/v1/tickets/${forSales.ticketId}/messages`)).body.messages;
    expect(sent.find((m: any) => m.fromMe && m.body.includes("90.000")).userId).toBe(ana.id);

    // Transfer to Soporte and Beto with a note: out of Ana's queues, so she is back at her list.
    await page.click("[data-action=transfer]");
    const dialog = page.locator("[data-testid=transfer]");
    await dialog.locator("select[name=queueId]").selectOption({ label: "Soporte" });
    await dialog.locator("select[name=userId]").selectOption(String(beto.id));
    await dialog.locator("textarea[name=note]").fill("Quiere factura con RUC");
    await shot(page, "transfer");
    await dialog.locator("button[type=submit]").click();
    await page.waitForFunction(() => location.hash === "#/inbox");
    await page.locator(`[data-ticket="${forSales.ticketId}"]`).waitFor({ state: "detached" });
    const moved = (await srv.call("GET", `/api/v1/tickets/${forSales.ticketId}`)).body;
    expect([moved.queue?.name, moved.user?.name]).toEqual(["Soporte", "Beto"]);
    expect(errors).toEqual([]);

    // Beto signs in elsewhere: it is his, with the transfer line and Ana's note in the conversation.
    const ctx2 = await browser().newContext({ viewport: { width: 1280, height: 800 }, locale: "es-AR" });
    const page2 = await ctx2.newPage();
    const errors2 = watchConsole(page2);
    await signIn(page2, srv.url, "beto@example.com", PASSWORD);
    await page2.click("[data-view-tab=mine]");
    await page2.click(`[data-ticket="${forSales.ticketId}"]`);
    const line = page2.locator(".system-line");
    await line.locator(".system-note", { hasText: "Quiere factura con RUC" }).waitFor();
    expect(await line.textContent()).toContain("Soporte · Beto");
    await page2.locator(".msg.out [data-sender=Ana]").waitFor();
    await shot(page2, "conversation-transferred");

    // Signing out ends the session: a reload shows the sign-in page.
    await page2.click("button:has-text('Salir')");
    await page2.locator("#email").waitFor();
    await page2.reload();
    await page2.locator("#email").waitFor();
    expect(errors2).toEqual([]);
    await ctx2.close();
    await ctx.close();
  }, 90_000);

  test("every user changes their own password; an admin manages users, their queues and resets a password", async () => {
    await using srv = await startPanelServer();
    const sales = (await srv.call("POST", "/api/v1/queues", { name: "Ventas", color: "#3b82f6" })).body;
    await srv.call("POST", "/api/v1/users", {
      name: "Admin",
      email: "admin@example.com",
      role: "admin",
      password: PASSWORD,
    });
    const ctx = await browser().newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await signIn(page, srv.url, "admin@example.com", PASSWORD);

    // A new agent in Ventas with a first password.
    await page.click("nav >> text=Users");
    const form = page.locator("[data-testid=user-form]");
    await form.locator("input[name=name]").fill("Carla");
    await form.locator("input[name=email]").fill("carla@example.com");
    await form.locator("select[name=role]").selectOption("agent");
    await form.locator("label", { hasText: "Ventas" }).locator("input").check();
    await form.locator("input[name=password]").fill("primera clave 1");
    await form.locator("button[type=submit]").click();
    await page.locator("tr[data-row=Carla] [data-role=agent]").waitFor();
    await shot(page, "users");
    const carla = (await srv.call("GET", "/api/v1/users")).body.find((u: any) => u.name === "Carla");
    expect(carla.queueIds).toEqual([sales.id]);

    // Reset: a one-time password, shown once; it works for signing in.
    await page.click("tr[data-row=Carla] [data-action=reset-password]");
    const oneTime = await page.locator("[data-testid=one-time-password]").inputValue();
    expect(oneTime.length).toBeGreaterThanOrEqual(8);
    await page.click("button:has-text('Log out')");

    // Carla signs in with it and changes it under My account; the old one stops working.
    await signIn(page, srv.url, "carla@example.com", oneTime);
    await page.click("[data-testid=me]");
    const pw = page.locator("[data-testid=password-form]");
    await pw.locator("input[name=currentPassword]").fill(oneTime);
    await pw.locator("input[name=newPassword]").fill("mi clave nueva 2");
    await pw.locator("input[name=repeatPassword]").fill("mi clave nueva 2");
    await pw.locator("button[type=submit]").click();
    await page.locator(".toast", { hasText: "Password changed" }).waitFor();
    const login = (password: string) =>
      fetch(`${srv.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "carla@example.com", password }),
      }).then((r) => r.status);
    expect(await login(oneTime)).toBe(401);
    expect(await login("mi clave nueva 2")).toBe(200);
    // An agent sees the team but not the admin screens.
    expect(await page.locator("nav >> text=API tokens").count()).toBe(0);
    await page.click("nav >> text=Users");
    await page.locator("tr[data-row=Admin]").waitFor();
    expect(await page.locator("[data-testid=user-form]").count()).toBe(0);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 90_000);

  test("a supervisor sees every queue's work and the dashboard, at desktop and phone width", async () => {
    await using srv = await startPanelServer();
    const conn = (
      await srv.call("POST", "/api/v1/connections", {
        name: "Tienda",
        driver: "sandbox",
        number: "595981234567",
      })
    ).body;
    const sales = (await srv.call("POST", "/api/v1/queues", { name: "Ventas", color: "#3b82f6" })).body;
    const support = (await srv.call("POST", "/api/v1/queues", { name: "Soporte", color: "#10b981" })).body;
    const vip = (await srv.call("POST", "/api/v1/tags", { name: "vip", color: "#f59e0b" })).body;
    const ana = (
      await srv.call("POST", "/api/v1/users", {
        name: "Ana",
        email: "ana@example.com",
        role: "agent",
        queueIds: [sales.id],
      })
    ).body;
    await srv.call("POST", "/api/v1/users", {
      name: "Sofía",
      email: "sofia@example.com",
      role: "supervisor",
      password: PASSWORD,
    });
    const customers = [
      ["595991000001", "María González", "¿Tienen la caja de 12?", sales.id],
      ["595991000002", "Pedro Benítez", "No me llegó el pedido", support.id],
      ["595991000003", "Lucía Ortiz", "Hola, ¿hacen envíos?", null],
      ["595991000004", "Jorge Duarte", "Quiero cambiar mi pedido", sales.id],
    ] as const;
    const ids: number[] = [];
    for (const [number, name, body, queueId] of customers) {
      const r = await srv.call("POST", `/api/v1/connections/${conn.id}/sandbox/inbound`, {
        number,
        name,
        body,
      });
      ids.push(r.body.ticketId);
      if (queueId) await srv.call("PUT", `/api/v1/tickets/${r.body.ticketId}`, { queueId });
    }
    // Ana took and answered one, and closed another.
    await srv.call("PUT", `/api/v1/tickets/${ids[0]}`, { status: "open", userId: ana.id, tagIds: [vip.id] });
    await srv.call("POST", `/api/v1/tickets/${ids[0]}/messages`, { body: "¡Sí! Te paso el precio." });
    await srv.call("PUT", `/api/v1/tickets/${ids[3]}`, { status: "closed", userId: ana.id });

    for (const [width, height, suffix] of [
      [1280, 800, ""],
      [390, 844, "mobile-"],
    ] as const) {
      const ctx = await browser().newContext({
        viewport: { width, height },
        locale: "es-AR",
        ...(width < 500 ? { isMobile: true, hasTouch: true } : {}),
      });
      const page = await ctx.newPage();
      const errors = watchConsole(page);
      await signIn(page, srv.url, "sofia@example.com", PASSWORD);
      // A supervisor's "Todos" holds every queue's tickets.
      await page.click("[data-view-tab=all]");
      await page.locator("[data-view-tab=all] [data-count='4']").waitFor();
      await page.locator(`[data-ticket="${ids[1]}"] [data-queue=Soporte]`).waitFor();
      await page.locator(`[data-ticket="${ids[0]}"] [data-tag=vip]`).waitFor();
      await shot(page, `${suffix}inbox-team`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

      await page.goto(`${srv.url}/#/dashboard`);
      const totals = page.locator("[data-testid=totals]");
      await totals.locator("[data-stat=open] strong", { hasText: "1" }).waitFor();
      expect(await totals.locator("[data-stat=pending] strong").textContent()).toBe("2");
      expect(await totals.locator("[data-stat=closedToday] strong").textContent()).toBe("1");
      await page.locator("tr[data-row=Ana] [data-col=closedToday]", { hasText: "1" }).waitFor();
      await page.locator("tr[data-row=Ventas] [data-col=open]", { hasText: "1" }).waitFor();
      await shot(page, `${suffix}dashboard`);
      expect(errors).toEqual([]);
      await ctx.close();
    }
  }, 90_000);

  test("an agent's alerts fire for messages in their queues and tickets only", async () => {
    await using srv = await startPanelServer();
    const conn = (
      await srv.call("POST", "/api/v1/connections", {
        name: "Tienda",
        driver: "sandbox",
        number: "595981234567",
      })
    ).body;
    const sales = (await srv.call("POST", "/api/v1/queues", { name: "Ventas", color: "#3b82f6" })).body;
    const support = (await srv.call("POST", "/api/v1/queues", { name: "Soporte", color: "#10b981" })).body;
    const beto = (
      await srv.call("POST", "/api/v1/users", {
        name: "Beto",
        email: "beto@example.com",
        role: "agent",
        queueIds: [sales.id, support.id],
      })
    ).body;
    await srv.call("POST", "/api/v1/users", {
      name: "Ana",
      email: "ana@example.com",
      role: "agent",
      queueIds: [sales.id],
      password: PASSWORD,
      notifications: true,
    });
    const inbound = async (number: string, name: string, body: string) =>
      (await srv.call("POST", `/api/v1/connections/${conn.id}/sandbox/inbound`, { number, name, body }))
        .body as {
        ticketId: number;
      };
    const inSales = await inbound("595991000001", "María", "Hola");
    const inSupport = await inbound("595991000002", "Pedro", "Hola");
    const taken = await inbound("595991000003", "Jorge", "Hola");
    await srv.call("PUT", `/api/v1/tickets/${inSales.ticketId}`, { queueId: sales.id });
    await srv.call("PUT", `/api/v1/tickets/${inSupport.ticketId}`, { queueId: support.id });
    // Beto already took one of Ventas: not Ana's work.
    await srv.call("PUT", `/api/v1/tickets/${taken.ticketId}`, { queueId: sales.id, userId: beto.id });

    const ctx = await browser().newContext({ viewport: { width: 1280, height: 800 }, locale: "es-AR" });
    await recordNotifications(ctx, srv.url, "line");
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await signIn(page, srv.url, "ana@example.com", PASSWORD);
    // Her stored setting turns alerts on without a click.
    await page.locator("[data-action=alerts][aria-pressed=true]").waitFor();
    await page.click("nav >> text=Contactos");

    await inbound("595991000002", "Pedro", "¿Y mi pedido?");
    await inbound("595991000003", "Jorge", "¿Hay novedades?");
    await inbound("595991000001", "María", "¿Cuánto sale?");
    await page.waitForFunction(() => (window as any).__shown.length >= 1);
    expect(await page.evaluate(() => (window as any).__shown)).toEqual([
      "Mensaje nuevo de María: ¿Cuánto sale?",
    ]);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 90_000);
});
