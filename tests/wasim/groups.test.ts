import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BinaryNode } from "@whiskeysockets/baileys";
import { type BaileysTestClient, linkByQr } from "./baileys-test-client";
import { type FakeWhatsApp, type SimAccount, type SimGroup, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
let phone: SimAccount;
let alice: SimAccount;
let bruno: SimAccount;
let group: SimGroup;
let client: BaileysTestClient;
const stanzas = new Map<string, BinaryNode>();

beforeAll(async () => {
  wa = await startFakeWhatsApp();
  phone = wa.createAccount("595981000140", "Helpdesk");
  alice = wa.createContact("595991000141", "Alice");
  bruno = wa.createContact("595991000142", "Bruno");
  group = wa.createGroup(alice, "Soporte", [phone, bruno]);
  ({ client } = await linkByQr(wa, phone));
  client.sock.ws.on("CB:message", (node: BinaryNode) => stanzas.set(node.attrs.id ?? "", node));
});
afterAll(async () => {
  await client.end();
  await wa.stop();
});

const encTypes = (id: string) => {
  const content = stanzas.get(id)?.content;
  return (Array.isArray(content) ? content : []).filter((n) => n.tag === "enc").map((n) => n.attrs.type);
};

test("group metadata: subject, creator and participants by number with their LID", async () => {
  expect(group.jid).toMatch(/^120363\d+@g\.us$/);
  const meta = await client.sock.groupMetadata(group.jid);
  expect(meta).toMatchObject({ id: group.jid, subject: "Soporte", owner: alice.pnJid, size: 3 });
  expect(meta.participants).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ id: alice.pnJid, lid: alice.lidJid, admin: "superadmin" }),
      expect.objectContaining({ id: phone.pnJid, admin: null }),
      expect.objectContaining({ id: bruno.pnJid, admin: null }),
    ]),
  );
  expect(Object.keys(await client.sock.groupFetchAllParticipating())).toEqual([group.jid]);
});

test("a member's phone writes to the group: the client gets it keyed by the group with the sender as participant", async () => {
  const id = await alice.sendGroupText(group, "hola grupo");
  const received = await client.waitForMessage((m) => m.key.id === id);
  expect(received.key).toMatchObject({ remoteJid: group.jid, participant: alice.pnJid, fromMe: false });
  expect(received.message?.conversation).toBe("hola grupo");
  expect(received.pushName).toBe("Alice");
  expect(encTypes(id)).toEqual([expect.stringMatching(/^(pkmsg|msg)$/), "skmsg"]);
  expect((await bruno.waitForMessage((m) => m.id === id)).chat).toBe(group.jid);

  // The sender key is distributed once per device; later messages are a bare skmsg.
  const second = await alice.sendGroupText(group, "¿alguien?");
  expect((await client.waitForMessage((m) => m.key.id === second)).message?.conversation).toBe("¿alguien?");
  expect(encTypes(second)).toEqual(["skmsg"]);
});

test("the client writes to the group: both members' phones decrypt it, and its own phone gets its copy", async () => {
  for (const text of ["buen día a todos", "segundo mensaje"]) {
    const sent = await client.sock.sendMessage(group.jid, { text });
    const id = sent?.key.id ?? "";
    for (const member of [alice, bruno]) {
      const got = await member.waitForMessage((m) => m.id === id);
      expect(got).toMatchObject({ chat: group.jid, from: phone.pn, fromDevice: 1, text, ownDevice: false });
    }
    expect(await phone.waitForMessage((m) => m.id === id)).toMatchObject({
      chat: group.jid,
      ownDevice: true,
    });
  }
});

test("read receipts for a group message go to its author with the group and participant", async () => {
  const id = await bruno.sendGroupText(group, "léanme");
  const received = await client.waitForMessage((m) => m.key.id === id);
  expect(received.key.participant).toBe(bruno.pnJid);
  await client.sock.readMessages([received.key]);
  const receipt = await bruno.waitForReceipt((r) => r.type === "read" && r.ids.includes(id));
  expect(receipt).toMatchObject({ from: phone.pn, chat: group.jid, participant: bruno.pnJid });
});

test("typing in a group reaches every other member", async () => {
  await client.sock.sendPresenceUpdate("composing", group.jid);
  for (const member of [alice, bruno])
    expect(await member.waitForChatState((c) => c.to === group.jid)).toMatchObject({
      from: phone.pn,
      state: "composing",
    });
});

test("group reactions, edits and revokes from a phone", async () => {
  const sent = await client.sock.sendMessage(group.jid, { text: "¿les sirve el lunes?" });
  const sentId = sent?.key.id ?? "";
  await alice.waitForMessage((m) => m.id === sentId);
  await alice.sendGroupReaction(group, { id: sentId, participant: phone.pnJid }, "👍");
  const reaction = await client.waitFor(
    () => client.reactions.find((r) => r.key.id === sentId),
    "the group reaction",
  );
  expect(reaction.key).toMatchObject({ remoteJid: group.jid, fromMe: true });
  expect(reaction.reaction).toMatchObject({ text: "👍" });

  const id = await alice.sendGroupText(group, "el lunes no");
  await client.waitForMessage((m) => m.key.id === id);
  await alice.sendGroupEdit(group, id, "el lunes sí");
  const edit = await client.waitFor(
    () => client.updates.find((u) => u.key.id === id && u.update.message?.editedMessage),
    "the group edit",
  );
  expect(edit.key).toMatchObject({ remoteJid: group.jid, participant: alice.pnJid });
  const revokeId = await alice.sendGroupRevoke(group, { id });
  await client.waitFor(
    () => client.updates.find((u) => u.key.id === id && u.update.messageStubType),
    "revoke",
  );
  expect(stanzas.get(revokeId)?.attrs.edit).toBe("7");
});

test("between two linked clients in a group: the skmsg and the sender key reach the other companion", async () => {
  const branch = wa.createAccount("595981000143", "Branch");
  const { client: other } = await linkByQr(wa, branch);
  try {
    const team = wa.createGroup(phone, "Equipo", [branch, alice]);
    for (const text of ["primero", "segundo"]) {
      const sent = await client.sock.sendMessage(team.jid, { text });
      const got = await other.waitForMessage((m) => m.key.id === sent?.key.id);
      expect(got.key).toMatchObject({ remoteJid: team.jid, participant: phone.pnJid, fromMe: false });
      expect(got.message?.extendedTextMessage?.text).toBe(text);
      expect((await alice.waitForMessage((m) => m.id === sent?.key.id)).text).toBe(text);
    }
    const back = await other.sock.sendMessage(team.jid, { text: "recibido" });
    const atClient = await client.waitForMessage((m) => m.key.id === back?.key.id);
    expect(atClient.key).toMatchObject({ remoteJid: team.jid, participant: branch.pnJid });
  } finally {
    await other.end();
  }
});
