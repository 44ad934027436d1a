import { afterAll, beforeAll, expect, test } from "bun:test";
import type { AuthenticationState } from "@whiskeysockets/baileys";
import { type BaileysTestClient, linkByQr } from "./baileys-test-client";
import { type FakeWhatsApp, type SimAccount, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
let phone: SimAccount;
let contact: SimAccount;
let client: BaileysTestClient;
let auth: AuthenticationState;

beforeAll(async () => {
  wa = await startFakeWhatsApp();
  phone = wa.createAccount("595981000130", "Helpdesk");
  contact = wa.createContact("595991000131", "Alice");
  ({ client, auth } = await linkByQr(wa, phone));
});
afterAll(async () => {
  await client.end();
  await wa.stop();
});

test("readMessages sends a read receipt that the contact's phone records, without a participant in a 1:1 chat", async () => {
  const first = await contact.sendText(phone, "uno");
  const second = await contact.sendText(phone, "dos");
  const keys = await Promise.all(
    [first, second].map(async (id) => (await client.waitForMessage((m) => m.key.id === id)).key),
  );
  await client.sock.readMessages(keys);
  const receipt = await contact.waitForReceipt((r) => r.type === "read" && r.ids.includes(second));
  expect(receipt).toEqual({ ids: [first, second], from: phone.pn, type: "read" });
});

test("typing, paused and recording chat states reach the addressed contact", async () => {
  await client.sock.sendPresenceUpdate("composing", contact.pnJid);
  expect(await contact.waitForChatState((c) => c.state === "composing")).toMatchObject({
    from: phone.pn,
    fromDevice: 1,
    to: contact.pnJid,
  });
  await client.sock.sendPresenceUpdate("paused", contact.pnJid);
  await contact.waitForChatState((c) => c.state === "paused");
  await client.sock.sendPresenceUpdate("recording", contact.lidJid);
  expect(await contact.waitForChatState((c) => c.state === "recording")).toMatchObject({
    to: contact.lidJid,
  });
  expect(contact.chatStates.map((c) => c.state)).toEqual(["composing", "paused", "recording"]);
});

test("available / unavailable presence and presence subscriptions are recorded on the server", async () => {
  // Baileys sends no available/unavailable presence without a push name; real WhatsApp delivers it
  // through app-state sync (not simulated), so the test sets it as that sync would.
  if (auth.creds.me) auth.creds.me.name = "Helpdesk";
  await client.sock.sendPresenceUpdate("available");
  await wa.changesUntil(
    () => wa.presences.some((p) => p.from === phone.pn && p.type === "available"),
    "an available presence",
  );
  await client.sock.sendPresenceUpdate("unavailable");
  await client.sock.presenceSubscribe(contact.pnJid);
  await wa.changesUntil(() => wa.presences.some((p) => p.type === "subscribe"), "a presence subscription");
  expect(wa.presences.filter((p) => p.from === phone.pn)).toEqual(
    expect.arrayContaining([
      { from: phone.pn, fromDevice: 1, type: "available", name: "Helpdesk" },
      { from: phone.pn, fromDevice: 1, type: "unavailable", name: "Helpdesk" },
      { from: phone.pn, fromDevice: 1, type: "subscribe", to: contact.pnJid },
    ]),
  );
});
