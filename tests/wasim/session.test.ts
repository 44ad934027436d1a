import { afterAll, beforeAll, expect, test } from "bun:test";
import { DisconnectReason, initAuthCreds } from "@whiskeysockets/baileys";
import { BaileysTestClient, linkByQr, memoryAuthState } from "./baileys-test-client";
import { type FakeWhatsApp, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";
import { ChangeFeed, waitForChange } from "./wait";

trustTestRoot();

let wa: FakeWhatsApp;
beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.stop());

test("a linked client reconnects with its saved creds without a QR and gets what arrived while it was away", async () => {
  const phone = wa.createAccount("595981000020");
  const contact = wa.createContact("595991000021");
  const { client, auth } = await linkByQr(wa, phone);
  await client.end();
  const id = await contact.sendText(phone, "while you were away");
  const again = new BaileysTestClient(wa, auth);
  await again.waitForOpen();
  expect(again.qrs).toEqual([]);
  const received = await again.waitForMessage((m) => m.key.id === id);
  expect(received.message?.conversation).toBe("while you were away");
  await again.end();
});

test("unlinking from the phone closes the client with loggedOut, and its creds no longer log in", async () => {
  const phone = wa.createAccount("595981000030");
  const { client, auth } = await linkByQr(wa, phone);
  phone.unlink();
  expect((await client.waitForClose()).statusCode).toBe(DisconnectReason.loggedOut);
  expect(phone.linkedDevices()).toEqual([]);
  const retry = new BaileysTestClient(wa, auth);
  expect((await retry.waitForClose()).statusCode).toBe(DisconnectReason.loggedOut);
});

test("logout() from the client removes the companion on the server", async () => {
  const phone = wa.createAccount("595981000040");
  const { client } = await linkByQr(wa, phone);
  await client.sock.logout();
  expect((await client.waitForClose()).statusCode).toBe(DisconnectReason.loggedOut);
  await wa.changesUntil(() => phone.linkedDevices().length === 0, "the companion to be removed");
});

test("a second login with the same creds replaces the first connection (440)", async () => {
  const phone = wa.createAccount("595981000050");
  const { client, auth } = await linkByQr(wa, phone);
  const second = new BaileysTestClient(wa, auth);
  await second.waitForOpen();
  expect((await client.waitForClose()).statusCode).toBe(DisconnectReason.connectionReplaced);
  await second.end();
});

test("the server can ask for a restart (515), replace (440) or drop the socket (428)", async () => {
  const phone = wa.createAccount("595981000060");
  const { client, auth } = await linkByQr(wa, phone);
  phone.disconnect("restart");
  expect((await client.waitForClose()).statusCode).toBe(DisconnectReason.restartRequired);
  const second = new BaileysTestClient(wa, auth);
  await second.waitForOpen();
  phone.disconnect("replaced");
  expect((await second.waitForClose()).statusCode).toBe(DisconnectReason.connectionReplaced);
  const third = new BaileysTestClient(wa, auth);
  await third.waitForOpen();
  phone.disconnect("drop");
  expect((await third.waitForClose()).statusCode).toBe(DisconnectReason.connectionClosed);
  expect(phone.linkedDevices()).toEqual([{ deviceId: 1, connected: false, platform: "Mac OS" }]);
});

test("creds the server never paired are refused with 401", async () => {
  const auth = memoryAuthState();
  auth.creds = { ...initAuthCreds(), me: { id: "595981009999:3@s.whatsapp.net", name: "x" } };
  const client = new BaileysTestClient(wa, auth);
  expect((await client.waitForClose()).statusCode).toBe(DisconnectReason.loggedOut);
});

test("when the server runs low on a companion's prekeys it says so, and the client uploads more", async () => {
  const phone = wa.createAccount("595981000070");
  const { client } = await linkByQr(wa, phone);
  // 812 uploaded at login, one already taken by the phone's own session (its history notification).
  expect(phone.preKeyCount(1)).toBe(811);
  phone.drainPreKeys(1, 1);
  const contact = wa.createContact("595991000071");
  const id = await contact.sendText(phone, "takes the last prekey");
  await client.waitForMessage((m) => m.key.id === id);
  await wa.changesUntil(() => phone.preKeyCount(1) >= 5, "a prekey upload after the low-count notification");
  await client.end();
});

test("refuseConnections(true) closes every new connection at once until it is turned off", async () => {
  const phone = wa.createAccount("595981000080");
  const { client, auth } = await linkByQr(wa, phone);
  await client.end();
  wa.refuseConnections(true);
  const attemptsBefore = wa.refusedConnections;
  const refused = new BaileysTestClient(wa, auth);
  expect((await refused.waitForClose()).statusCode).toBe(DisconnectReason.connectionClosed);
  expect(wa.refusedConnections).toBe(attemptsBefore + 1);
  wa.refuseConnections(false);
  const accepted = new BaileysTestClient(wa, auth);
  await accepted.waitForOpen();
  await accepted.end();
});

test("silence() leaves a socket open but dead: queries go unanswered; a new login is served", async () => {
  const phone = wa.createAccount("595981000090");
  const { client, auth } = await linkByQr(wa, phone);
  phone.silence();
  const ping = {
    tag: "iq",
    attrs: { id: client.sock.generateMessageTag(), to: "s.whatsapp.net", type: "get", xmlns: "w:p" },
    content: [{ tag: "ping", attrs: {} }],
  };
  await expect(client.sock.query(ping, 300)).rejects.toThrow();
  expect(client.close).toBeUndefined();
  const again = new BaileysTestClient(wa, auth);
  await again.waitForOpen();
  await again.end();
  await client.end();
});

test("holdMessages drops a companion's messages (no route, no ack) while pings are still answered", async () => {
  const phone = wa.createAccount("595981000100");
  const contact = wa.createContact("595991000101");
  const { client } = await linkByQr(wa, phone);
  const acks = new Set<string>();
  const acked = new ChangeFeed();
  client.sock.ws.on("CB:ack,class:message", (node: { attrs: { id?: string } }) => {
    if (node.attrs.id) acks.add(node.attrs.id);
    acked.changed();
  });
  phone.holdMessages = true;
  await client.sock.sendMessage(contact.pnJid, { text: "held" }, { messageId: "3EB0HELD000000000001" });
  const ping = {
    tag: "iq",
    attrs: { id: client.sock.generateMessageTag(), to: "s.whatsapp.net", type: "get", xmlns: "w:p" },
    content: [{ tag: "ping", attrs: {} }],
  };
  const pingsBefore = phone.pings;
  await client.sock.query(ping);
  expect(phone.pings).toBe(pingsBefore + 1);
  phone.holdMessages = false;
  await client.sock.sendMessage(contact.pnJid, { text: "through" }, { messageId: "3EB0THROUGH000000001" });
  await contact.waitForMessage((m) => m.id === "3EB0THROUGH000000001");
  await waitForChange(
    acked,
    () => acks.has("3EB0THROUGH000000001"),
    "the server's ack of the second message",
  );
  expect(acks.has("3EB0HELD000000000001")).toBe(false);
  expect(contact.inbox.map((m) => m.text)).not.toContain("held");
  await client.end();
});
