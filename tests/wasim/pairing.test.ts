import { afterAll, beforeAll, expect, test } from "bun:test";
import { linkByQr } from "./baileys-test-client";
import { type FakeWhatsApp, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.stop());

test("a phone links a bare Baileys client by scanning its QR, and it opens after the 515 restart", async () => {
  const phone = wa.createAccount("595981000001");
  const { client, auth } = await linkByQr(wa, phone);
  expect(auth.creds.me?.id).toBe("595981000001:1@s.whatsapp.net");
  expect(auth.creds.me?.lid).toBe(`${phone.lid}:1@lid`);
  expect(phone.linkedDevices()).toEqual([{ deviceId: 1, connected: true, platform: "Mac OS" }]);
  await client.end();
});
