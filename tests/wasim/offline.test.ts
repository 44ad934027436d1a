import { afterAll, beforeAll, expect, test } from "bun:test";
import { type BinaryNode, DisconnectReason, proto } from "@whiskeysockets/baileys";
import { BaileysTestClient, linkByQr } from "./baileys-test-client";
import { type FakeWhatsApp, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.stop());

for (const outage of ["drop", "stop"] as const) {
  test(`after a ${outage === "drop" ? "dropped socket" : "stopped client"}, what arrived meanwhile is replayed as offline (append), in order, once`, async () => {
    const suffix = outage === "drop" ? "1" : "2";
    const phone = wa.createAccount(`59598100011${suffix}`, "Helpdesk");
    const contact = wa.createContact(`59599100011${suffix}`, "Alice");
    const { client, auth } = await linkByQr(wa, phone);
    const before = await client.sock.sendMessage(contact.pnJid, { text: "sent before the outage" });
    const beforeId = before?.key.id ?? "";
    await contact.waitForMessage((m) => m.id === beforeId);

    if (outage === "drop") {
      phone.disconnect("drop");
      expect((await client.waitForClose()).statusCode).toBe(DisconnectReason.connectionClosed);
    } else await client.end();

    const ids = [
      await contact.sendText(phone, "uno"),
      await contact.sendText(phone, "dos"),
      await contact.sendText(phone, "tres"),
    ];
    const fromPhone = await phone.sendText(contact, "typed on the phone meanwhile");
    contact.sendReceipt(phone, beforeId, "read");

    const again = new BaileysTestClient(wa, auth);
    const offlineAttrs = new Map<string, string | undefined>();
    again.sock.ws.on("CB:message", (node: BinaryNode) =>
      offlineAttrs.set(node.attrs.id ?? "", node.attrs.offline),
    );
    await again.waitForOpen();
    const replayed = await again.waitFor(() => {
      const got = again.upserts.filter((u) => [...ids, fromPhone].includes(u.message.key.id ?? ""));
      return got.length >= 4 && got;
    }, "the four replayed messages");
    await again.waitForStatus(beforeId, proto.WebMessageInfo.Status.READ);

    // A live message afterwards is "notify": anything replayed twice would have come before it.
    const live = await contact.sendText(phone, "live again");
    expect(
      (await again.waitFor(() => again.upserts.find((u) => u.message.key.id === live), "live")).type,
    ).toBe("notify");
    const fromContact = again.upserts.filter((u) => ids.includes(u.message.key.id ?? ""));
    expect(fromContact.map((u) => [u.type, u.message.message?.conversation])).toEqual([
      ["append", "uno"],
      ["append", "dos"],
      ["append", "tres"],
    ]);
    expect(fromContact.every((u) => u.message.key.fromMe === false)).toBe(true);
    const own = again.upserts.filter((u) => u.message.key.id === fromPhone);
    expect(own).toHaveLength(1);
    expect(own[0]?.type).toBe("append");
    expect(own[0]?.message.key).toMatchObject({ fromMe: true, remoteJid: contact.pnJid });
    expect(own[0]?.message.message?.conversation).toBe("typed on the phone meanwhile");
    expect(replayed).toHaveLength(4);
    for (const id of [...ids, fromPhone]) expect(offlineAttrs.get(id)).toBe("0");
    expect(offlineAttrs.get(live)).toBeUndefined();
    await again.end();
  });
}
