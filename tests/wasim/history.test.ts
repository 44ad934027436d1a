import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { inflateSync } from "node:zlib";
import { aesDecryptWithIV, getMediaKeys, proto } from "@whiskeysockets/baileys";
import { BaileysTestClient, linkByQr } from "./baileys-test-client";
import { type FakeWhatsApp, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.stop());

const NO_HISTORY = proto.Message.HistorySyncType.NO_HISTORY;

test("seeded history arrives at the first login as messaging-history.set, not as messages; later logins get NO_HISTORY", async () => {
  const phone = wa.createAccount("595981000150", "Helpdesk");
  const alice = wa.createContact("595991000151", "Alice");
  const bruno = wa.createContact("595991000152", "Bruno");
  const t0 = 1_700_000_000;
  const [aliceChat, brunoChat] = phone.seedHistory([
    {
      with: alice,
      messages: [
        { fromMe: false, text: "hola, ¿tienen stock?", timestamp: t0 },
        { fromMe: true, text: "sí, ¿cuántos?", timestamp: t0 + 60 },
        { fromMe: false, text: "tres", timestamp: t0 + 120 },
      ],
    },
    {
      with: bruno,
      messages: [{ id: "3EB0SEEDED0000000001", fromMe: false, text: "gracias", timestamp: t0 + 5 }],
    },
  ]);
  const { client, auth } = await linkByQr(wa, phone);
  const set = await client.waitFor(
    () => client.historySets.find((s) => s.messages.length > 0),
    "messaging-history.set with messages",
  );
  expect(set.syncType).toBe(proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP);
  const byId = new Map(set.messages.map((m) => [m.key.id, m]));
  for (const [chat, contact] of [
    [aliceChat, alice],
    [brunoChat, bruno],
  ] as const) {
    for (const seeded of chat?.messages ?? []) {
      const message = byId.get(seeded.id);
      expect(message?.key).toMatchObject({ remoteJid: contact.pnJid, fromMe: seeded.fromMe, id: seeded.id });
      expect(message?.message?.conversation).toBe(seeded.text);
      expect(Number(message?.messageTimestamp)).toBe(seeded.timestamp);
    }
  }
  expect(byId.get("3EB0SEEDED0000000001")?.pushName).toBe("Bruno");
  expect(set.chats.map((c) => c.id).sort()).toEqual([alice.pnJid, bruno.pnJid].sort());
  expect(set.contacts).toContainEqual(expect.objectContaining({ id: alice.pnJid, lid: alice.lidJid }));

  // Live traffic still flows once the sync is done, and no seeded message came as an upsert.
  const live = await alice.sendText(phone, "¿y el precio?");
  await client.waitForMessage((m) => m.key.id === live);
  expect(client.upserts.filter((u) => byId.has(u.message.key.id ?? ""))).toEqual([]);

  // The same blob is on the CDN, encrypted as md-msg-hist with the advertised hashes.
  const [notification] = phone.historySyncs;
  if (!notification?.directPath || !notification.mediaKey) throw new Error("no CDN history blob");
  const enc = wa.media.get(notification.directPath);
  if (!enc) throw new Error("history blob missing from the CDN");
  expect(createHash("sha256").update(enc).digest()).toEqual(Buffer.from(notification.fileEncSha256 ?? []));
  const { cipherKey, iv, macKey } = await getMediaKeys(notification.mediaKey, "md-msg-hist");
  const body = enc.subarray(0, -10);
  expect(
    createHmac("sha256", macKey ?? Buffer.alloc(0))
      .update(iv)
      .update(body)
      .digest()
      .subarray(0, 10),
  ).toEqual(Buffer.from(enc.subarray(-10)));
  const deflated = aesDecryptWithIV(body, cipherKey, iv);
  expect(createHash("sha256").update(deflated).digest()).toEqual(Buffer.from(notification.fileSha256 ?? []));
  expect(Number(notification.fileLength)).toBe(deflated.length);
  const history = proto.HistorySync.decode(inflateSync(deflated));
  expect(
    history.conversations
      .find((c) => c.id === alice.pnJid)
      ?.messages?.map((m) => m.message?.message?.conversation),
  ).toEqual(["tres", "sí, ¿cuántos?", "hola, ¿tienen stock?"]);

  await client.end();
  const again = new BaileysTestClient(wa, auth);
  await again.waitForOpen();
  await wa.changesUntil(() => phone.historySyncs.length === 2, "the second login's history notification");
  expect(phone.historySyncs[1]).toEqual({ syncType: NO_HISTORY });
  const reLive = await alice.sendText(phone, "sigo acá");
  await again.waitForMessage((m) => m.key.id === reLive);
  expect(again.historySets.filter((s) => s.messages.length > 0)).toEqual([]);
  await again.end();
});

test("without seeded history every login gets NO_HISTORY", async () => {
  const phone = wa.createAccount("595981000160");
  const { client } = await linkByQr(wa, phone);
  await wa.changesUntil(() => phone.historySyncs.length === 1, "the history notification");
  expect(phone.historySyncs).toEqual([{ syncType: NO_HISTORY }]);
  await client.end();
});
