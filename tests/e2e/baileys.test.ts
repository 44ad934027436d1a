import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { waitFor } from "../support/test-app";
import type { SimAccount } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { type E2E, startE2E } from "./harness";

/** The real Chasqui server (child process), linked to the fake WhatsApp server through the real Baileys client. */
const TOKEN = "e2e-admin-token-0123456789";
const PHONE = "595981000200";
const CONTACT = "595991000201";

filterLibsignalSessionChurnLogs();
setDefaultTimeout(30_000);

let e2e: E2E;
let phone: SimAccount;
let contact: SimAccount;
const api = (method: string, path: string, body?: unknown) => e2e.api(method, path, body);
const hook = (event: string, pred?: (data: any) => boolean) => e2e.hook(event, pred);
const connectionStatus = async (id: number) => (await api("GET", `/api/v1/connections/${id}`)).body;

// A real PNG header so Chasqui detects an image, then random bytes so every run's file is unique.
const pngWithNoise = () =>
  Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), randomBytes(2000)]);

let connectionId: number;
let ticketId: number;

beforeAll(async () => {
  e2e = await startE2E({ token: TOKEN, env: { LOG_LEVEL: "info" } });
  phone = e2e.wa.createAccount(PHONE, "Helpdesk");
  contact = e2e.wa.createContact(CONTACT, "Juan Pérez");
}, 30_000);

afterAll(() => e2e?.close());

describe("a baileys connection against the fake WhatsApp server", () => {
  test("shows a QR (endpoint and webhook) and becomes CONNECTED with the phone's number once scanned", async () => {
    const created = await api("POST", "/api/v1/connections", { name: "WhatsApp Principal" });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    const hookRes = await api("POST", `/api/v1/connections/${connectionId}/webhooks`, {
      url: e2e.receiverUrl,
    });
    expect(hookRes.status).toBe(201);
    // The first QR may come before the webhook existed (an event reaches the webhooks that exist when it is
    // stored); a restart shows a fresh one after it.
    expect((await api("POST", `/api/v1/connections/${connectionId}/restart`)).status).toBe(200);
    const qr = await waitFor(async () => {
      const r = await api("GET", `/api/v1/connections/${connectionId}/qrcode`);
      return r.body.status === "qrcode" && r.body.qrcode ? (r.body.qrcode as string) : null;
    });
    const png = await fetch(`${e2e.chasqui.url}/api/v1/connections/${connectionId}/qrcode`, {
      headers: { authorization: `Bearer ${TOKEN}`, accept: "image/png" },
    });
    expect(png.headers.get("content-type")).toBe("image/png");
    await hook("connection_update", (d) => d.status === "qrcode" && typeof d.qrcode === "string");
    await phone.scanQr(qr);
    const connected = await waitFor(async () => {
      const c = await connectionStatus(connectionId);
      return c.status === "CONNECTED" ? c : null;
    });
    expect(connected).toMatchObject({ number: PHONE, isConnected: true, qrcode: null });
    await hook("connection_update", (d) => d.status === "CONNECTED");
  });

  test("a contact's text becomes a pending ticket, a stored message and message_received", async () => {
    const id = await contact.sendText(phone, "Hola, necesito ayuda");
    const received = await hook("message_received", (d) => d.messageId === id);
    expect(received.data).toMatchObject({
      body: "Hola, necesito ayuda",
      fromMe: false,
      mediaType: "chat",
      contact: { name: "Juan Pérez", number: CONTACT },
    });
    ticketId = received.data.ticketId;
    const ticket = await api("GET", `/api/v1/tickets/${ticketId}`);
    expect(ticket.body).toMatchObject({ status: "pending", unreadMessages: 1, contact: { number: CONTACT } });
    const msgs = await api("GET", `/api/v1/tickets/${ticketId}/messages`);
    expect(msgs.body.messages[0]).toMatchObject({ id, body: "Hola, necesito ayuda", fromMe: false });
  });

  test("a reply reaches the contact's phone, and its receipts arrive as message_ack 2 and 3", async () => {
    const sent = await api("POST", `/api/v1/tickets/${ticketId}/messages`, {
      body: "Gracias por contactarnos",
    });
    expect(sent.status).toBe(201);
    const messageId = sent.body.data.messageId;
    const got = await contact.waitForMessage((m) => m.id === messageId);
    expect(got.text).toBe("Gracias por contactarnos");
    contact.sendReceipt(phone, messageId);
    await hook("message_ack", (d) => d.messageId === messageId && d.ack === 2);
    contact.sendReceipt(phone, messageId, "read");
    await hook("message_ack", (d) => d.messageId === messageId && d.ack === 3);
    const msgs = await api("GET", `/api/v1/tickets/${ticketId}/messages`);
    expect(msgs.body.messages.find((m: any) => m.id === messageId).ack).toBe(3);
  });

  test("media goes both ways with identical bytes", async () => {
    const inboundBytes = pngWithNoise();
    const inboundId = await contact.sendImage(phone, inboundBytes, {
      caption: "mi foto",
      mimetype: "image/png",
    });
    const received = await hook("message_received", (d) => d.messageId === inboundId);
    expect(received.data).toMatchObject({ mediaType: "image", hasMedia: true, body: "mi foto" });
    expect(received.data.media.url).toStartWith(
      `${e2e.chasqui.url.replace("127.0.0.1", "localhost")}/public/`,
    );
    const file = await fetch(received.data.media.url);
    expect(Buffer.from(await file.arrayBuffer()).equals(inboundBytes)).toBe(true);

    const outboundBytes = pngWithNoise();
    const form = new FormData();
    form.append("medias", new File([outboundBytes], "respuesta.png", { type: "image/png" }));
    form.set("body", "te la devuelvo");
    const sent = await api("POST", `/api/v1/tickets/${ticketId}/messages/media`, form);
    expect(sent.status).toBe(201);
    const got = await contact.waitForMessage((m) => m.id === sent.body.data[0].messageId);
    expect(got.mediaType).toBe("image");
    expect((await contact.downloadMedia(got)).equals(outboundBytes)).toBe(true);
  });

  test("quoted replies keep their quote in both directions", async () => {
    const sent = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "¿Cuál es su pedido?" });
    const onPhone = await contact.waitForMessage((m) => m.id === sent.body.data.messageId);
    const replyId = await contact.sendText(phone, "El 42", { quoted: onPhone });
    const received = await hook("message_received", (d) => d.messageId === replyId);
    expect(received.data.quotedMsgId).toBe(sent.body.data.messageId);

    const quoting = await api("POST", `/api/v1/messages/${replyId}/reply`, { body: "Perfecto" });
    expect(quoting.status).toBe(201);
    const got = await contact.waitForMessage((m) => m.id === quoting.body.data[0].messageId);
    expect(got.message.extendedTextMessage?.contextInfo?.stanzaId).toBe(replyId);
  });

  test("contacts/validate asks WhatsApp: valid and invalid numbers", async () => {
    const valid = await api("POST", "/api/v1/contacts/validate", {
      number: CONTACT,
      whatsappId: connectionId,
    });
    expect(valid.body).toMatchObject({ valid: true, number: CONTACT });
    const invalid = await api("POST", "/api/v1/contacts/validate", { number: "595990009999" });
    expect(invalid.body).toEqual({ valid: false, number: "595990009999", profilePicUrl: null });
    const send = await api("POST", "/api/v1/send", { number: "595990009999", body: "x" });
    expect(send.body.error).toBe("ERR_WAPP_INVALID_CONTACT");
  });

  test("a server restart reconnects with the saved session, without a QR", async () => {
    const qrCount = () =>
      e2e.hooks.filter((h) => h.event === "connection_update" && h.data.status === "qrcode").length;
    const qrBefore = qrCount();
    expect(await e2e.restart()).toBe(0);
    await waitFor(async () => (await connectionStatus(connectionId)).status === "CONNECTED");
    const id = await contact.sendText(phone, "¿siguen ahí?");
    await hook("message_received", (d) => d.messageId === id);
    expect(qrCount()).toBe(qrBefore);
  });

  test("when the phone unlinks the device the connection is DISCONNECTED and sends are refused", async () => {
    phone.unlink();
    const c = await waitFor(async () => {
      const s = await connectionStatus(connectionId);
      return s.status === "DISCONNECTED" ? s : null;
    });
    expect(c.isConnected).toBe(false);
    await hook("connection_update", (d) => d.status === "DISCONNECTED");
    const r = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "¿hola?" });
    expect(r).toMatchObject({ status: 409, body: { error: "ERR_WAPP_NOT_CONNECTED" } });
  });
});
