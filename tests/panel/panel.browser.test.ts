import { describe, expect, test } from "bun:test";
import { login, PNG, screenshotTaker, sharedChromium, startPanelServer, watchConsole } from "./browser";

const browser = sharedChromium();

const shot = screenshotTaker();

/** A receiver for webhooks and a host for inbound media, on loopback. */
function startReceiver() {
  const received: { event: string; body: any }[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/photo.png") return new Response(PNG, { headers: { "content-type": "image/png" } });
      const body = await req.json();
      received.push({ event: body.event, body });
      return new Response("ok");
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, received, [Symbol.dispose]: () => server.stop(true) };
}

describe("the web panel in Chromium", () => {
  test("an admin links a sandbox connection, wires a webhook, answers a customer live, closes the ticket and manages tokens", async () => {
    await using srv = await startPanelServer();
    using receiver = startReceiver();
    const ctx = await browser().newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);

    // Login: a wrong token shows the API's message, not a stack.
    await page.goto(`${srv.url}/`);
    await shot(page, "login");
    await page.click("[data-testid=use-token]");
    await page.fill("#token", "not-a-valid-token");
    await page.click("form button[type=submit]");
    await page.locator(".error-box", { hasText: "the token is invalid or revoked" }).waitFor();
    errors.length = 0; // the browser logs the refused request itself
    await page.fill("#token", srv.token);
    await page.click("form button[type=submit]");
    await page.locator("[data-live=on]").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("chasqui.token"))).toBe(srv.token);

    // A queue and a user to assign later.
    await page.click("nav >> text=Queues");
    await page.fill("input[name=name]", "Soporte");
    await page.click("form.form button[type=submit]");
    await page.locator("tr[data-row=Soporte]").waitFor();
    await page.click("nav >> text=Users");
    // The queues form also has a name field: wait for the users form before typing into it.
    await page.locator("form.form input[name=email]").waitFor();
    await page.fill("input[name=name]", "Ana Operadora");
    await page.fill("input[name=email]", "ana@example.com");
    // An agent of Soporte (a transfer to an agent needs one who works in the queue).
    await page.locator("[data-testid=user-form] label", { hasText: "Soporte" }).locator("input").check();
    await page.click("form.form button[type=submit]");
    await page.locator("tr[data-row='Ana Operadora']").waitFor();

    // Connections: create a sandbox one; it is connected at once.
    await page.click("nav >> text=Connections");
    await page.locator(".empty").waitFor();
    await page.fill("input[name=name]", "Ventas");
    await page.selectOption("select[name=driver]", "sandbox");
    await page.fill("input[name=number]", "595981234567");
    await page.click("form.form button[type=submit]");
    await page.locator("[data-testid=connected]").waitFor();
    const connectionId = Number(/#\/connections\/(\d+)/.exec(page.url())?.[1]);
    expect(connectionId).toBeGreaterThan(0);

    // A webhook for every event: the secret is shown once, the test ping shows the receiver's answer.
    await page.fill("input[name=url]", `${receiver.url}/hooks`);
    await page.click("text=Add webhook >> nth=-1");
    const secret = await page.locator("[data-testid=webhook-secret]").inputValue();
    expect(secret).toStartWith("whsec_");
    await page.click("button:has-text('Send test')");
    await page.locator("[data-testid=webhook-test-result]", { hasText: "Delivered" }).waitFor();
    expect(receiver.received.some((r) => r.event === "ping")).toBe(true);
    await page.locator(".deliveries .empty").waitFor();

    // A customer writes in (text, then a photo): the ticket appears in the inbox without reloading.
    await page.click("nav >> text=Inbox");
    await page.locator(".ticket-pane .empty").waitFor();
    const inbound = (body: Record<string, unknown>) =>
      srv.call("POST", `/api/v1/connections/${connectionId}/sandbox/inbound`, {
        number: "595991234567",
        name: "Juan Pérez",
        ...body,
      });
    const first = await inbound({ body: "Hola, necesito ayuda con mi pedido" });
    expect(first.status).toBe(201);
    const ticket = page.locator(`[data-ticket="${first.body.ticketId}"]`);
    await ticket.locator("[data-unread='1']").waitFor();
    expect(await ticket.textContent()).toContain("Juan Pérez");
    expect((await inbound({ mediaUrl: `${receiver.url}/photo.png`, body: "Esta es la foto" })).status).toBe(
      201,
    );
    await ticket.locator("[data-unread='2']").waitFor();
    await shot(page, "inbox");

    // Open it: the conversation shows both messages, the image loads, opening marks it read.
    await ticket.click();
    await page.locator(".msg.in", { hasText: "Hola, necesito ayuda" }).waitFor();
    const inImage = page.locator(".msg.in img.media");
    await inImage.waitFor();
    await page.waitForFunction(
      () => (document.querySelector(".msg.in img.media") as HTMLImageElement)?.naturalWidth > 0,
    );
    await ticket.locator("[data-unread]").waitFor({ state: "detached" });

    // Accept, then transfer to a queue and a user (one action, recorded in the conversation).
    await page.click("button:has-text('Accept')");
    await page.locator("[data-ticket-status=open]").waitFor();
    await page.click("[data-action=transfer]");
    await page.selectOption("[data-testid=transfer] select[name=queueId]", { label: "Soporte" });
    await page.selectOption("[data-testid=transfer] select[name=userId]", { label: "Ana Operadora" });
    await page.click("[data-testid=transfer] button[type=submit]");
    await page.locator(".system-line", { hasText: "Soporte · Ana Operadora" }).waitFor();
    await page.waitForFunction(async (id) => {
      const r = await fetch(`/api/v1/tickets/${id}`, {
        headers: { authorization: `Bearer ${sessionStorage.getItem("chasqui.token")}` },
      });
      const t = await r.json();
      return t.queue?.name === "Soporte" && t.user?.name === "Ana Operadora";
    }, first.body.ticketId);

    // Record every tick state the page shows, to see them advance.
    await page.evaluate(() => {
      const seen: Record<string, number[]> = {};
      (window as any).__acks = seen;
      new MutationObserver(() => {
        for (const el of document.querySelectorAll<HTMLElement>(".msg.out")) {
          const ack = Number(el.querySelector("[data-ack]")?.getAttribute("data-ack"));
          const id = el.dataset.message!;
          seen[id] ??= [];
          if (seen[id].at(-1) !== ack) seen[id].push(ack);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });

    // Reply with text (Enter sends).
    await page.fill("textarea[name=body]", "¡Hola Juan! Ya lo revisamos.");
    await page.press("textarea[name=body]", "Enter");
    const textReply = page.locator(".msg.out", { hasText: "Ya lo revisamos" });
    await textReply.locator("[data-ack='3']").waitFor();

    // Reply quoting the customer's first message, with an image attached.
    await page
      .locator(".msg.in", { hasText: "Hola, necesito ayuda" })
      .locator("button[aria-label=Reply]")
      .click();
    await page.locator("[data-testid=quoting]").waitFor();
    await page.setInputFiles("input[type=file]", {
      name: "factura.png",
      mimeType: "image/png",
      buffer: Buffer.from(PNG),
    });
    await page.fill("textarea[name=body]", "Te mando la factura");
    await page.click(".reply button[type=submit]");
    const imageReply = page.locator(".msg.out", { hasText: "Te mando la factura" });
    await imageReply.locator("blockquote.quoted", { hasText: "Hola, necesito ayuda" }).waitFor();
    await imageReply.locator("img.media").waitFor();
    await imageReply.locator("[data-ack='3']").waitFor();
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>(".msg.out img.media")].every((i) => i.naturalWidth > 0),
    );
    const acks: Record<string, number[]> = await page.evaluate(() => (window as any).__acks);
    const series = Object.values(acks);
    expect(series.length).toBe(2);
    for (const s of series) {
      expect(s.at(-1)).toBe(3);
      expect([...s].sort()).toEqual(s); // only ever forward
    }
    await shot(page, "conversation");

    // Close it.
    await page.click("button:has-text('Close ticket')");
    await page.locator("[data-ticket-status=closed]").waitFor();
    await page.locator("button:has-text('Reopen')").waitFor();

    // The webhook's delivery log shows the events delivered; a retry re-enqueues one.
    await page.click("nav >> text=Connections");
    await page.click(`a[href='#/connections/${connectionId}']`);
    await page.click("button:has-text('Deliveries')");
    await page.locator("[data-delivery] [data-status=delivered]").first().waitFor();
    await page.locator("[data-delivery] button:has-text('Retry')").first().click();
    await page.locator(".toast", { hasText: "Queued again" }).waitFor();
    await shot(page, "connection");
    expect(receiver.received.some((r) => r.event === "message_received")).toBe(true);

    // Contacts: search and edit.
    await page.click("nav >> text=Contacts");
    await page.fill("input[type=search]", "juan");
    await page.press("input[type=search]", "Enter");
    await page.locator("td", { hasText: "Juan Pérez" }).waitFor();
    await page.click("td button:has-text('Edit')");
    await page.fill("td input[aria-label=Name]", "Juan Pérez Gómez");
    await page.click("td button:has-text('Save')");
    await page.locator("td", { hasText: "Juan Pérez Gómez" }).waitFor();

    // Tokens: create one (shown once), it works; revoke it, it stops working.
    await page.click("nav >> text=API tokens");
    await page.fill("input[name=name]", "n8n");
    await page.click("form.form button[type=submit]");
    const created = await page.locator("[data-testid=new-token]").inputValue();
    expect(created).toStartWith("chq_");
    expect((await srv.call("GET", "/api/v1/connections", undefined, created)).status).toBe(200);
    await shot(page, "tokens");
    await page.click("tr[data-token=n8n] button:has-text('Revoke')");
    await page.locator("tr[data-token=n8n] [data-token-status=revoked]").waitFor();
    expect((await srv.call("GET", "/api/v1/connections", undefined, created)).status).toBe(401);

    // Spanish, remembered across a reload; logout clears the token.
    await page.selectOption("select[aria-label=Language]", "es");
    await page.locator("nav >> text=Bandeja").waitFor();
    await page.reload();
    await page.locator("nav >> text=Bandeja").click();
    await page.locator(`[data-ticket="${first.body.ticketId}"]`).waitFor();
    await page.locator("[data-live=on]").waitFor();
    await shot(page, "inbox-es");
    await page.click("button:has-text('Salir')");
    await page.locator("#email").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("chasqui.token"))).toBeNull();

    expect(errors).toEqual([]);
    await ctx.close();
  }, 60_000);

  test("on a phone-sized screen the inbox shows the list, then the conversation with a way back", async () => {
    await using srv = await startPanelServer();
    const conn = await srv.call("POST", "/api/v1/connections", {
      name: "Móvil",
      driver: "sandbox",
      number: "595981111111",
    });
    const msg = await srv.call("POST", `/api/v1/connections/${conn.body.id}/sandbox/inbound`, {
      number: "595991111111",
      name: "María",
      body: "¿Tienen envío a Encarnación?",
    });
    const ctx = await browser().newContext({
      viewport: { width: 390, height: 844 },
      locale: "es-PY",
      isMobile: true,
      hasTouch: true,
    });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, srv.token);
    await page.locator(`[data-ticket="${msg.body.ticketId}"]`).click();
    await page.locator(".msg.in", { hasText: "Encarnación" }).waitFor();
    expect(await page.locator(".ticket-pane").isVisible()).toBe(false);
    await shot(page, "mobile-conversation");
    await page.click(".conv-head .back");
    await page.locator(".ticket-pane").waitFor({ state: "visible" });
    // Keyboard: the skip link is the first stop and leads to the content.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip");
    expect(errors).toEqual([]);
    await ctx.close();
  }, 30_000);

  test("an api-scoped token sees the inbox and connections but no admin screens or controls", async () => {
    await using srv = await startPanelServer();
    const conn = await srv.call("POST", "/api/v1/connections", { name: "Ventas", driver: "sandbox" });
    const api = await srv.call("POST", "/api/v1/tokens", { name: "operadora", scope: "api" });
    const ctx = await browser().newContext({ locale: "en-US" });
    const page = await ctx.newPage();
    const errors = watchConsole(page);
    await login(page, srv.url, api.body.token);
    await page.locator("nav >> text=Inbox").waitFor();
    expect(await page.locator("nav >> text=API tokens").count()).toBe(0);
    await page.click("nav >> text=Connections");
    await page.click(`a[href='#/connections/${conn.body.id}']`);
    await page.locator("[data-testid=connected]").waitFor();
    expect(await page.locator("text=Webhooks").count()).toBe(0);
    expect(await page.locator("button:has-text('Restart')").count()).toBe(0);
    expect(await page.locator("form.form").count()).toBe(0);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 30_000);
});
