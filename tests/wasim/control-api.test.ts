import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { DisconnectReason, proto } from "@whiskeysockets/baileys";
import { BaileysTestClient, memoryAuthState } from "./baileys-test-client";
import { type FakeWhatsApp, startFakeWhatsApp } from "./fake-whatsapp";
import { trustTestRoot } from "./test-pki";

trustTestRoot();

let wa: FakeWhatsApp;
beforeAll(async () => {
  wa = await startFakeWhatsApp();
});
afterAll(() => wa.stop());

async function call(method: "GET" | "POST", path: string, body?: unknown) {
  const res = await fetch(`${wa.controlUrl}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function list(path: string) {
  return (await (await fetch(`${wa.controlUrl}${path}`)).json()) as Record<string, unknown>[];
}

test("the HTTP control API drives pairing, messages both ways, receipts and unlink", async () => {
  expect((await call("POST", "/accounts", { pn: "595981000090", pushName: "Desk" })).status).toBe(201);
  expect((await call("POST", "/accounts", { pn: "595991000091", pushName: "Dora" })).status).toBe(201);

  const auth = memoryAuthState();
  const registering = new BaileysTestClient(wa, auth);
  const scan = await call("POST", "/accounts/595981000090/scan", { qr: await registering.waitForQr() });
  expect(scan).toEqual({ status: 200, body: { deviceId: 1 } });
  await registering.waitForClose();
  const client = new BaileysTestClient(wa, auth);
  await client.waitForOpen();

  const sent = await call("POST", "/accounts/595991000091/messages", {
    to: "595981000090",
    text: "hola desde http",
  });
  expect(sent.status).toBe(201);
  const received = await client.waitForMessage((m) => m.key.id === sent.body.id);
  expect(received.message?.conversation).toBe("hola desde http");

  const reply = await client.sock.sendMessage("595991000091@s.whatsapp.net", { text: "respuesta" });
  const waited = await call("POST", "/accounts/595991000091/wait-message", { text: "respuesta" });
  expect(waited.body).toMatchObject({
    id: reply?.key.id,
    from: "595981000090",
    text: "respuesta",
    media: null,
  });
  const inbox = await list("/accounts/595991000091/inbox");
  expect(inbox.map((m) => m.text)).toEqual(["respuesta"]);

  const receipt = await call("POST", "/accounts/595991000091/receipts", {
    to: "595981000090",
    ids: [reply?.key.id],
    type: "read",
  });
  expect(receipt.status).toBe(200);
  await client.waitForStatus(reply?.key.id ?? "", proto.WebMessageInfo.Status.READ);

  expect(
    (await call("POST", "/accounts/595991000091/retry", { to: "595981000090", id: reply?.key.id })).status,
  ).toBe(200);
  await wa.changesUntil(
    () => wa.requireAccount("595991000091").inbox.filter((m) => m.id === reply?.key.id).length === 2,
    "the re-sent reply",
  );

  const quoted = await call("POST", "/accounts/595991000091/messages", {
    to: "595981000090",
    text: "citando",
    quotedId: reply?.key.id,
  });
  const quotedAtClient = await client.waitForMessage((m) => m.key.id === quoted.body.id);
  expect(quotedAtClient.message?.extendedTextMessage?.contextInfo?.stanzaId).toBe(reply?.key.id);

  expect((await call("POST", "/accounts/595981000090/unlink", {})).status).toBe(200);
  expect((await client.waitForClose()).statusCode).toBe(DisconnectReason.loggedOut);
  const state = await call("GET", "/state");
  expect(state.body.accounts).toContainEqual(expect.objectContaining({ pn: "595981000090", devices: [] }));
});

test("media sent through the HTTP control API can be read back, bytes intact, from the recipient's inbox", async () => {
  await call("POST", "/accounts", { pn: "595991000092" });
  await call("POST", "/accounts", { pn: "595991000093" });
  const image = randomBytes(2048);
  const sent = await call("POST", "/accounts/595991000092/messages", {
    to: "595991000093",
    image: image.toString("base64"),
    caption: "mirá",
  });
  expect(await list("/accounts/595991000093/inbox")).toEqual([
    expect.objectContaining({
      id: sent.body.id,
      mediaType: "image",
      text: "mirá",
      media: image.toString("base64"),
    }),
  ]);
});

test("the HTTP control API answers 404 for unknown accounts and 400 for bad requests", async () => {
  expect((await call("GET", "/accounts/1234")).status).toBe(404);
  await call("POST", "/accounts", { pn: "595991000094" });
  const bad = await call("POST", "/accounts/595991000094/messages", { to: "595991000094" });
  expect(bad).toEqual({ status: 400, body: { error: "text is required" } });
});

test("edits, revokes and reactions through the HTTP control API land parsed in the recipient's inbox", async () => {
  await call("POST", "/accounts", { pn: "595991000095" });
  await call("POST", "/accounts", { pn: "595991000096" });
  const from = "/accounts/595991000095";
  const sent = await call("POST", `${from}/messages`, { to: "595991000096", text: "v1" });
  const targetId = sent.body.id;
  const edit = await call("POST", `${from}/edits`, { to: "595991000096", targetId, text: "v2" });
  const reaction = await call("POST", `${from}/reactions`, {
    to: "595991000096",
    targetId,
    fromMe: true,
    emoji: "👀",
  });
  const revoke = await call("POST", `${from}/revokes`, { to: "595991000096", targetId });
  expect([edit.status, reaction.status, revoke.status]).toEqual([201, 201, 201]);
  const inbox = await list("/accounts/595991000096/inbox");
  expect(inbox.find((m) => m.id === edit.body.id)?.edit).toEqual({ targetId, text: "v2" });
  expect(inbox.find((m) => m.id === reaction.body.id)?.reaction).toEqual({ targetId, emoji: "👀" });
  expect(inbox.find((m) => m.id === revoke.body.id)?.revoke).toEqual({ targetId });
});

test("groups through the HTTP control API: created, and a member's text reaches another member's inbox", async () => {
  for (const pn of ["595991000097", "595991000098"]) await call("POST", "/accounts", { pn });
  const created = await call("POST", "/groups", {
    creator: "595991000097",
    subject: "Ventas",
    participants: ["595991000098"],
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ subject: "Ventas", participants: ["595991000097", "595991000098"] });
  const sent = await call("POST", "/accounts/595991000097/group-messages", {
    group: created.body.jid,
    text: "hola",
  });
  expect(sent.status).toBe(201);
  expect(await list("/accounts/595991000098/inbox")).toEqual([
    expect.objectContaining({ id: sent.body.id, chat: created.body.jid, from: "595991000097", text: "hola" }),
  ]);
});
