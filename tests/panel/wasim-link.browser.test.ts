import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { type FakeWhatsApp, startFakeWhatsApp } from "../wasim/fake-whatsapp";
import { trustTestRoot } from "../wasim/test-pki";
import { launchChromium, startPanelServer } from "./browser";

let browser: Browser;
let wa: FakeWhatsApp;
beforeAll(async () => {
  trustTestRoot();
  wa = await startFakeWhatsApp();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await wa?.stop();
});

describe("linking a phone through the real Baileys driver", () => {
  test("the panel shows the QR of the fake WhatsApp server; once the phone scans it, it shows Connected", async () => {
    await using srv = await startPanelServer({ WA_WS_URL: wa.wsUrl });
    const phone = wa.createAccount("595981000010");
    const page = await browser.newPage({ locale: "en-US" });
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("pageerror", (e) => errors.push(e.message));
    try {
      await page.goto(`${srv.url}/#/connections`);
      await page.click("[data-testid=use-token]");
      await page.fill("#token", srv.token);
      await page.click("form button[type=submit]");
      await page.locator("[data-live=on]").waitFor();
      await page.fill("input[name=name]", "WhatsApp Principal");
      await page.click("form.form button[type=submit]");

      // The phone scans what the panel shows: the image's QR string.
      const img = page.locator("img[data-testid=qr]");
      await img.waitFor();
      await page.waitForFunction(
        () =>
          (document.querySelector("img[data-testid=qr]") as HTMLImageElement | null)?.naturalWidth === 320,
      );
      const qr = await img.getAttribute("data-qr");
      expect(qr).toContain("#");
      expect(await phone.scanQr(qr!)).toEqual({ deviceId: 1 });

      await page.locator("[data-testid=connected]").waitFor({ timeout: 20_000 });
      expect(await img.count()).toBe(0);
      await page.locator("[data-status=CONNECTED]").waitFor();
      expect(await page.locator(".card .muted").first().textContent()).toContain("595981000010");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 45_000);
});
