import { afterAll, beforeAll, expect, test } from "bun:test";
import { type BinaryNode, proto, WAMessageStubType } from "@whiskeysockets/baileys";
import { type BaileysTestClient, linkByQr } from "./baileys-test-client";
import { type FakeWhatsApp, type SimAccount, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
let phone: SimAccount;
let contact: SimAccount;
let client: BaileysTestClient;
const stanzas = new Map<string, BinaryNode>();

beforeAll(async () => {
  wa = await startFakeWhatsApp();
  phone = wa.createAccount("595981000120", "Helpdesk");
  contact = wa.createContact("595991000121", "Alice");
  ({ client } = await linkByQr(wa, phone));
  client.sock.ws.on("CB:message", (node: BinaryNode) => stanzas.set(node.attrs.id ?? "", node));
});
afterAll(async () => {
  await client.end();
  await wa.stop();
});

test("a contact's edit arrives as messages.update with the new text, and on messages.upsert as a protocol message", async () => {
  const id = await contact.sendText(phone, "a las 5");
  await client.waitForMessage((m) => m.key.id === id);
  const editId = await contact.sendEdit(phone, id, "a las 6");
  const update = await client.waitFor(
    () => client.updates.find((u) => u.key.id === id && u.update.message?.editedMessage),
    "the edit's messages.update",
  );
  expect(update.key).toMatchObject({ remoteJid: contact.pnJid, fromMe: false });
  // Built by generateWAMessageContent, the new text is an extendedTextMessage (as Baileys sends text).
  expect(update.update.message?.editedMessage?.message?.extendedTextMessage?.text).toBe("a las 6");
  const upsert = await client.waitForMessage((m) => m.key.id === editId);
  expect(upsert.message?.protocolMessage?.type).toBe(proto.Message.ProtocolMessage.Type.MESSAGE_EDIT);
  expect(upsert.message?.protocolMessage?.key?.id).toBe(id);
  expect(stanzas.get(editId)?.attrs).toMatchObject({ edit: "1", type: "text" });
});

test("a contact's revoke arrives as messages.update with the REVOKE stub", async () => {
  const id = await contact.sendText(phone, "oops");
  await client.waitForMessage((m) => m.key.id === id);
  const revokeId = await contact.sendRevoke(phone, id);
  const update = await client.waitFor(
    () =>
      client.updates.find((u) => u.key.id === id && u.update.messageStubType === WAMessageStubType.REVOKE),
    "the revoke's messages.update",
  );
  expect(update.update.message).toBeNull();
  expect(update.key.remoteJid).toBe(contact.pnJid);
  const upsert = await client.waitForMessage((m) => m.key.id === revokeId);
  expect(upsert.message?.protocolMessage?.type).toBe(proto.Message.ProtocolMessage.Type.REVOKE);
  expect(stanzas.get(revokeId)?.attrs).toMatchObject({ edit: "7", type: "text" });
});

test("a contact's reaction to what the app sent is fromMe on the app side; an empty emoji removes it", async () => {
  const sent = await client.sock.sendMessage(contact.pnJid, { text: "¿te sirve?" });
  const sentId = sent?.key.id ?? "";
  await contact.waitForMessage((m) => m.id === sentId);
  const reactionId = await contact.sendReaction(phone, { id: sentId, fromMe: false }, "👍");
  const reaction = await client.waitFor(
    () => client.reactions.find((r) => r.key.id === sentId && r.reaction.text === "👍"),
    "the reaction",
  );
  expect(reaction.key).toMatchObject({ id: sentId, fromMe: true, remoteJid: contact.pnJid });
  expect(reaction.reaction.key).toMatchObject({ id: reactionId, fromMe: false, remoteJid: contact.pnJid });
  expect((await client.waitForMessage((m) => m.key.id === reactionId)).message?.reactionMessage?.text).toBe(
    "👍",
  );
  expect(stanzas.get(reactionId)?.attrs.type).toBe("reaction");

  await contact.sendReaction(phone, { id: sentId, fromMe: false }, "");
  await client.waitFor(
    () => client.reactions.find((r) => r.key.id === sentId && r.reaction.text === ""),
    "the removed reaction",
  );
});

test("a contact's reaction to its own message stays fromMe false on the app side", async () => {
  const id = await contact.sendText(phone, "mirá esto");
  await client.waitForMessage((m) => m.key.id === id);
  await contact.sendReaction(phone, { id, fromMe: true }, "❤️");
  const reaction = await client.waitFor(
    () => client.reactions.find((r) => r.key.id === id),
    "the reaction to the contact's own message",
  );
  expect(reaction.key).toMatchObject({ fromMe: false, remoteJid: contact.pnJid });
  expect(reaction.reaction.text).toBe("❤️");
});

test("the app's edit, revoke and reactions land parsed in the contact's inbox", async () => {
  const sent = await client.sock.sendMessage(contact.pnJid, { text: "precio: 100" });
  const key = sent?.key ?? {};
  await contact.waitForMessage((m) => m.id === key.id);

  const edit = await client.sock.sendMessage(contact.pnJid, { edit: key, text: "precio: 90" });
  const edited = await contact.waitForMessage((m) => m.id === edit?.key.id);
  expect(edited.edit).toEqual({ targetId: key.id ?? "", text: "precio: 90" });

  const incoming = await contact.sendText(phone, "gracias");
  const incomingMsg = await client.waitForMessage((m) => m.key.id === incoming);
  const react = await client.sock.sendMessage(contact.pnJid, { react: { text: "🙏", key: incomingMsg.key } });
  expect((await contact.waitForMessage((m) => m.id === react?.key.id)).reaction).toEqual({
    targetId: incoming,
    emoji: "🙏",
  });
  const unreact = await client.sock.sendMessage(contact.pnJid, { react: { text: "", key: incomingMsg.key } });
  expect((await contact.waitForMessage((m) => m.id === unreact?.key.id)).reaction).toEqual({
    targetId: incoming,
    emoji: "",
  });

  const revoke = await client.sock.sendMessage(contact.pnJid, { delete: key });
  expect((await contact.waitForMessage((m) => m.id === revoke?.key.id)).revoke).toEqual({
    targetId: key.id ?? "",
  });
  expect(contact.inbox.find((m) => m.id === revoke?.key.id)?.text).toBeUndefined();
});
