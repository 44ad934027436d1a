// The fake server's login log: what a cluster test asserts "no two sockets ever logged in for one connection at
// the same time" with, seen from the WhatsApp side with real Baileys clients.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { DisconnectReason } from "@whiskeysockets/baileys";
import { BaileysTestClient, linkByQr } from "./baileys-test-client";
import { type FakeWhatsApp, type LoginRecord, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.stop());

const controlLogins = async (pn: string) =>
  (await (await fetch(`${wa.controlUrl}/logins?pn=${pn}`)).json()) as {
    maxConcurrent: number;
    logins: LoginRecord[];
  };

test("two Baileys clients on one login: the second replaces the first (440), and the log shows two sockets logged in at once", async () => {
  const phone = wa.createAccount("595981000500");
  const { client: first, auth } = await linkByQr(wa, phone);
  // The QR socket never logged in (it paired, then got the 515 restart): only the login after it counts.
  let [record] = wa.logins(phone.pn);
  expect(record!.sessions).toHaveLength(1);
  expect(record!.live).toBe(1);
  expect(record!.maxConcurrent).toBe(1);

  // A second process with the same creds (what a node that did not stop its socket would be next to another).
  const second = new BaileysTestClient(wa, auth);
  await second.waitForOpen();
  expect((await first.waitForClose()).statusCode).toBe(DisconnectReason.connectionReplaced);
  await wa.changesUntil(() => wa.logins(phone.pn)[0]!.live === 1, "the replaced socket to close");
  [record] = wa.logins(phone.pn);
  expect(record!.login).toBe(`${phone.pn}:${record!.deviceId}`);
  expect(record!.maxConcurrent).toBe(2);
  const [old, current] = record!.sessions;
  expect(old!.replacedAt).not.toBeNull();
  expect(old!.closedAt).not.toBeNull();
  expect(old!.closedAt!).toBeGreaterThanOrEqual(current!.loggedInAt);
  expect(current!.closedAt).toBeNull();
  expect(current!.replacedAt).toBeNull();
  expect(current!.socket).toBeGreaterThan(old!.socket);
  expect(current!.remoteAddress).toBe("127.0.0.1");

  // The control API gives the same view to a driver in another process.
  const viaHttp = await controlLogins(phone.pn);
  expect(viaHttp.maxConcurrent).toBe(2);
  expect(viaHttp.logins).toEqual(wa.logins(phone.pn));
  await second.end();
  await wa.changesUntil(() => wa.logins(phone.pn)[0]!.live === 0, "the second socket to close");
  expect(wa.logins(phone.pn)[0]!.sessions.every((s) => s.closedAt !== null)).toBe(true);
});

test("a handover where the old socket closes before the new one logs in keeps one socket at a time", async () => {
  const phone = wa.createAccount("595981000510");
  const { client: first, auth } = await linkByQr(wa, phone);
  await first.end();
  await wa.changesUntil(() => wa.logins(phone.pn)[0]!.live === 0, "the first socket to close");
  const next = new BaileysTestClient(wa, auth);
  await next.waitForOpen();
  const [record] = wa.logins(phone.pn);
  expect(record!.sessions).toHaveLength(2);
  expect(record!.sessions.map((s) => s.replacedAt)).toEqual([null, null]);
  expect(record!.maxConcurrent).toBe(1);
  expect((await controlLogins(phone.pn)).maxConcurrent).toBe(1);
  await next.end();
  // Other accounts' logins are their own records.
  expect(wa.logins().map((r) => r.pn)).toEqual(["595981000500", "595981000510"]);
  expect(wa.maxConcurrentLogins()).toBe(2);
  expect(wa.maxConcurrentLogins(phone.pn)).toBe(1);
});
