import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { proto } from "@whiskeysockets/baileys";
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
  phone = wa.createAccount("595981000010", "Helpdesk");
  contact = wa.createContact("595991000011", "Alice");
  ({ client } = await linkByQr(wa, phone));
});
afterAll(async () => {
  await client.end();
  await wa.stop();
});

test("the client receives and decrypts a contact's text", async () => {
  const id = await contact.sendText(phone, "hola");
  const received = await client.waitForMessage((m) => m.key.id === id);
  expect(received.message?.conversation).toBe("hola");
  expect(received.key.fromMe).toBe(false);
  expect(received.key.remoteJid).toBe(contact.pnJid);
  expect(received.pushName).toBe("Alice");
});

test("the contact's phone decrypts a text the client sends, and the client's own phone gets its copy", async () => {
  const sent = await client.sock.sendMessage(contact.pnJid, { text: "buenos días" });
  const id = sent?.key.id ?? "";
  const atContact = await contact.waitForMessage((m) => m.id === id);
  expect(atContact.text).toBe("buenos días");
  expect(atContact.from).toBe(phone.pn);
  expect(atContact.fromDevice).toBe(1);
  const atOwnPhone = await phone.waitForMessage((m) => m.id === id);
  expect(atOwnPhone).toMatchObject({ ownDevice: true, chat: contact.pnJid, text: "buenos días" });
});

test("a second message in the same session is a plain Signal msg both ways", async () => {
  const id = await contact.sendText(phone, "second");
  expect((await client.waitForMessage((m) => m.key.id === id)).message?.conversation).toBe("second");
  const sent = await client.sock.sendMessage(contact.pnJid, { text: "second reply" });
  expect((await contact.waitForMessage((m) => m.id === sent?.key.id)).text).toBe("second reply");
});

test("delivery, read and played receipts from the contact become message status updates", async () => {
  const sent = await client.sock.sendMessage(contact.pnJid, { text: "did you get this?" });
  const id = sent?.key.id ?? "";
  await contact.waitForMessage((m) => m.id === id);
  contact.sendReceipt(phone, id);
  await client.waitForStatus(id, proto.WebMessageInfo.Status.DELIVERY_ACK);
  contact.sendReceipt(phone, id, "read");
  await client.waitForStatus(id, proto.WebMessageInfo.Status.READ);
  contact.sendReceipt(phone, id, "played");
  await client.waitForStatus(id, proto.WebMessageInfo.Status.PLAYED);
});

test("the client's read receipt reaches the contact's phone", async () => {
  const id = await contact.sendText(phone, "read me");
  const received = await client.waitForMessage((m) => m.key.id === id);
  await client.sock.readMessages([received.key]);
  const receipt = await contact.waitForReceipt((r) => r.ids.includes(id) && r.type === "read");
  expect(receipt.from).toBe(phone.pn);
});

test("a quoted reply from the contact carries the quoted id and text", async () => {
  const sent = await client.sock.sendMessage(contact.pnJid, { text: "which order?" });
  const original = await contact.waitForMessage((m) => m.id === sent?.key.id);
  const id = await contact.sendText(phone, "order 42", { quoted: original });
  const reply = await client.waitForMessage((m) => m.key.id === id);
  expect(reply.message?.extendedTextMessage?.text).toBe("order 42");
  expect(reply.message?.extendedTextMessage?.contextInfo?.stanzaId).toBe(sent?.key.id);
  expect(reply.message?.extendedTextMessage?.contextInfo?.quotedMessage?.extendedTextMessage?.text).toBe(
    "which order?",
  );
});

test("a LID-addressed message arrives with the phone number as the alternate jid", async () => {
  const lidContact = wa.createContact("595991000012", "Bruno");
  lidContact.addressingMode = "lid";
  const id = await lidContact.sendText(phone, "desde lid");
  const received = await client.waitForMessage((m) => m.key.id === id);
  expect(received.message?.conversation).toBe("desde lid");
  expect(received.key.remoteJid).toBe(lidContact.lidJid);
  expect(received.key.remoteJidAlt).toBe(lidContact.pnJid);
});

test("onWhatsApp tells registered numbers from unknown ones", async () => {
  const found = await client.sock.onWhatsApp(contact.pn, "595990000000");
  expect(found).toEqual([{ jid: contact.pnJid, exists: true }]);
});

test("usync answers status text and disappearing mode per contact", async () => {
  contact.statusText = "Disponible";
  const [status] = (await client.sock.fetchStatus(contact.pnJid)) ?? [];
  expect(status).toMatchObject({ id: contact.pnJid, status: { status: "Disponible" } });
  const [mode] = (await client.sock.fetchDisappearingDuration(contact.pnJid)) ?? [];
  expect(mode).toMatchObject({ id: contact.pnJid, disappearing_mode: { duration: 0 } });
});

test("profile pictures come from the HTTPS CDN, and a contact without one is a 404", async () => {
  await expect(client.sock.profilePictureUrl(contact.pnJid, "image")).rejects.toMatchObject({
    message: "item-not-found",
    data: 404,
  });
  const picture = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  contact.profilePicture = picture;
  const url = await client.sock.profilePictureUrl(contact.pnJid, "image");
  expect(url?.startsWith(wa.media.origin)).toBe(true);
  const res = await fetch(url ?? "", { tls: { ca: readFileSync(wa.certificate.certPath, "utf8") } });
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(picture);
});

test("what the account's own phone sends to a contact reaches the client as a message from me", async () => {
  const id = await phone.sendText(contact, "sent from the phone");
  const copy = await client.waitForMessage((m) => m.key.id === id);
  expect(copy.key).toMatchObject({ fromMe: true, remoteJid: contact.pnJid });
  expect(copy.message?.conversation).toBe("sent from the phone");
  expect((await contact.waitForMessage((m) => m.id === id)).text).toBe("sent from the phone");
});

test("two linked clients talk companion to companion, and each account's phone keeps its copy", async () => {
  const other = wa.createAccount("595981000013", "Branch");
  const { client: otherClient } = await linkByQr(wa, other);
  try {
    const sent = await client.sock.sendMessage(other.pnJid, { text: "from desk to branch" });
    const id = sent?.key.id ?? "";
    const received = await otherClient.waitForMessage((m) => m.key.id === id);
    expect(received.message?.conversation ?? received.message?.extendedTextMessage?.text).toBe(
      "from desk to branch",
    );
    expect(received.key.fromMe).toBe(false);
    expect((await other.waitForMessage((m) => m.id === id)).text).toBe("from desk to branch");
    const back = await otherClient.sock.sendMessage(phone.pnJid, { text: "branch replies" });
    const reply = await client.waitForMessage((m) => m.key.id === back?.key.id);
    expect(reply.message?.extendedTextMessage?.text).toBe("branch replies");
  } finally {
    await otherClient.end();
  }
});

test("a retry receipt from the contact makes the client re-send the message, which the contact decrypts", async () => {
  const sent = await client.sock.sendMessage(contact.pnJid, { text: "again, please" });
  const id = sent?.key.id ?? "";
  await contact.waitForMessage((m) => m.id === id);
  await contact.requestRetry(phone, id);
  await wa.changesUntil(
    () => contact.inbox.filter((m) => m.id === id && m.text === "again, please").length === 2,
    "the re-sent copy at the contact",
  );
});
