import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { GatewayEvents, GatewayFactory, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { screenshotDir, sharedChromium, startPanelServer } from "./browser";

const browser = sharedChromium();

/**
 * A stand-in for the baileys driver that the test steers: it shows a QR at start, rotates it, and "the phone
 * scans it" on demand. (The real Baileys path against the fake WhatsApp server of tests/wasim is not used here.)
 */
function fakePhone() {
  let events: GatewayEvents | undefined;
  let status: ReturnType<WhatsAppGateway["status"]> = "OPENING";
  const set = (s: typeof status, qrcode: string | null, number?: string) => {
    status = s;
    events?.status(s, { qrcode, ...(number ? { number } : {}) });
  };
  const factory: GatewayFactory = (_conn, ev) => {
    events = ev;
    return {
      driver: "baileys",
      start: async () => set("qrcode", "2@first-qr-code,abc,def"),
      stop: async () => {},
      logout: async () => set("DISCONNECTED", null),
      status: () => status,
      requestPairingCode: async () => "ABCD1234",
      sendText: () => Promise.reject(new Error("not linked")),
      sendMedia: () => Promise.reject(new Error("not linked")),
      editText: () => Promise.reject(new Error("not linked")),
      revoke: () => Promise.reject(new Error("not linked")),
      react: () => Promise.reject(new Error("not linked")),
      markRead: () => Promise.reject(new Error("not linked")),
      sendPresence: () => Promise.reject(new Error("not linked")),
      checkNumber: async (n) => ({ exists: true, number: n, jid: `${n}@s.whatsapp.net` }),
      profilePicUrl: async () => null,
    };
  };
  return {
    factory,
    rotate: (qr: string) => set("qrcode", qr),
    scan: () => set("CONNECTED", null, "595981000001"),
  };
}

describe("linking a WhatsApp connection in the panel", () => {
  test("the QR shows as an image, is replaced when it rotates, and gives way to Connected once scanned", async () => {
    const phone = fakePhone();
    await using srv = await startPanelServer({}, { factories: { baileys: phone.factory } });
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));

    await page.goto(`${srv.url}/#/connections`);
    await page.click("[data-testid=use-token]");
    await page.fill("#token", srv.token);
    await page.click("form button[type=submit]");
    await page.locator("[data-live=on]").waitFor();
    await page.fill("input[name=name]", "WhatsApp Principal");
    await page.click("form.form button[type=submit]");

    const qrLoaded = (qr: string) =>
      page.waitForFunction(
        (v) =>
          (document.querySelector(`img[data-qr="${v}"]`) as HTMLImageElement | null)?.naturalWidth === 320,
        qr,
      );
    await qrLoaded("2@first-qr-code,abc,def");

    await page.fill("input[aria-label=Number]", "+595 981 000 001");
    await page.click("button:has-text('Get code')");
    expect(await page.locator("[data-testid=pairing-code]").textContent()).toBe("ABCD1234");
    await page.screenshot({ path: join(screenshotDir(), "connection-qr.png") });

    phone.rotate("2@second-qr-code,ghi,jkl");
    await qrLoaded("2@second-qr-code,ghi,jkl");
    expect(await page.locator("img[data-testid=qr]").count()).toBe(1);

    phone.scan();
    await page.locator("[data-testid=connected]").waitFor();
    expect(await page.locator("img[data-testid=qr]").count()).toBe(0);
    await page.locator("[data-status=CONNECTED]").waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
