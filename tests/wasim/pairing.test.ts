import { afterAll, beforeAll, expect, test } from "bun:test";
import { DisconnectReason } from "@whiskeysockets/baileys";
import { BaileysTestClient, linkByQr, memoryAuthState } from "./baileys-test-client";
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
  expect(await phone.waitForCompanion()).toEqual({ deviceId: 1, connected: true, platform: "Mac OS" });
  await client.end();
});

test("a phone links a client by entering the pairing code the client requested", async () => {
  const phone = wa.createAccount("595981000002");
  const contact = wa.createContact("595991000002");
  const auth = memoryAuthState();
  const registering = new BaileysTestClient(wa, auth);
  await registering.waitForQr();
  const code = await registering.sock.requestPairingCode(phone.pn);
  expect(code).toMatch(/^[0-9A-Z]{8}$/);
  expect(await phone.enterPairingCode(code)).toEqual({ deviceId: 1 });
  expect((await registering.waitForClose()).statusCode).toBe(DisconnectReason.restartRequired);
  const client = new BaileysTestClient(wa, auth);
  await client.waitForOpen();
  expect(auth.creds.me?.id).toBe("595981000002:1@s.whatsapp.net");
  const id = await contact.sendText(phone, "linked by code");
  expect((await client.waitForMessage((m) => m.key.id === id)).message?.conversation).toBe("linked by code");
  await client.end();
});

test("a wrong pairing code links nothing", async () => {
  const phone = wa.createAccount("595981000003");
  const registering = new BaileysTestClient(wa, memoryAuthState());
  await registering.waitForQr();
  await registering.sock.requestPairingCode(phone.pn);
  await expect(phone.enterPairingCode("ZZZZZZZZ")).rejects.toThrow("wrong pairing code");
  expect(phone.linkedDevices()).toEqual([]);
  await registering.end();
});
