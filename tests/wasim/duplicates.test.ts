import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateMessageIDV2 } from "@whiskeysockets/baileys";
import { type BaileysTestClient, linkByQr } from "./baileys-test-client";
import { type FakeWhatsApp, type SimAccount, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
let phone: SimAccount;
let contact: SimAccount;
let client: BaileysTestClient;

beforeAll(async () => {
  wa = await startFakeWhatsApp();
  phone = wa.createAccount("595981000140", "Helpdesk");
  contact = wa.createContact("595991000141", "Alice");
  ({ client } = await linkByQr(wa, phone));
});
afterAll(async () => {
  await client.end();
  await wa.stop();
});

test("a message re-sent under an id WhatsApp already accepted is acked and dropped, so the contact gets it once", async () => {
  const messageId = generateMessageIDV2(client.sock.user?.id);
  await client.sock.sendMessage(contact.pnJid, { text: "una vez" }, { messageId });
  await contact.waitForMessage((m) => m.id === messageId);
  // The same id again (a client that crashed before it stored the ack), then a new message.
  await client.sock.sendMessage(contact.pnJid, { text: "una vez" }, { messageId });
  const next = await client.sock.sendMessage(contact.pnJid, { text: "otra" });
  await contact.waitForMessage((m) => m.id === next?.key.id);
  expect(contact.inbox.filter((m) => m.id === messageId).map((m) => m.text)).toEqual(["una vez"]);
  expect(wa.droppedDuplicates).toEqual([{ from: phone.pn, id: messageId }]);
});
