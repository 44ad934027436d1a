import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { waitFor } from "../support/test-app";
import type { SimAccount } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { type E2E, startE2E } from "./harness";

/**
 * The real Chasqui server (child process) against the fake WhatsApp server: linking by phone code through
 * the HTTP API, and a contact that WhatsApp addresses by its LID.
 */
const TOKEN = "e2e-admin-token-pairing-lid-01";
const PHONE = "595981000300";
const LID_CONTACT = "595991000301";

filterLibsignalSessionChurnLogs();
setDefaultTimeout(30_000);

let e2e: E2E;
let phone: SimAccount;
let contact: SimAccount;
const api = (method: string, path: string, body?: unknown) => e2e.api(method, path, body);
const hook = (event: string, pred?: (data: any) => boolean) => e2e.hook(event, pred);

/** The contacts table as stored, read from the server's SQLite file without writing to it. */
function storedContacts(): Promise<{ number: string; lid: string | null }[]> {
  return e2e.rows("SELECT number, lid FROM contacts ORDER BY id");
}

let connectionId: number;

beforeAll(async () => {
  e2e = await startE2E({ token: TOKEN });
  phone = e2e.wa.createAccount(PHONE, "Helpdesk");
  contact = e2e.wa.createContact(LID_CONTACT, "Lucía Lid");
  contact.addressingMode = "lid";
}, 30_000);

afterAll(() => e2e?.close());

describe("linking by phone code", () => {
  test("POST /pairing-code answers a code; the phone types it; the connection is CONNECTED with that number", async () => {
    const created = await api("POST", "/api/v1/connections", { name: "Por código", driver: "baileys" });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    const hookRes = await api("POST", `/api/v1/connections/${connectionId}/webhooks`, {
      url: e2e.receiverUrl,
    });
    expect(hookRes.status).toBe(201);
    // The socket must be up (registering, i.e. showing a QR) before WhatsApp can be asked for a code.
    await waitFor(
      async () => (await api("GET", `/api/v1/connections/${connectionId}`)).body.status === "qrcode",
      {
        timeoutMs: 15_000,
        message: "the connection to show a QR",
      },
    );

    const invalid = await api("POST", `/api/v1/connections/${connectionId}/pairing-code`, { number: "12" });
    expect(invalid).toMatchObject({ status: 400, body: { error: "ERR_INVALID_NUMBER" } });

    const res = await api("POST", `/api/v1/connections/${connectionId}/pairing-code`, {
      number: `+${PHONE.slice(0, 3)} ${PHONE.slice(3)}`,
    });
    expect(res.status).toBe(200);
    expect(res.body.code).toMatch(/^[A-Z0-9]{8}$/);
    await hook("connection_update", (d) => d.status === "PAIRING");

    const linked = await phone.enterPairingCode(res.body.code);
    expect(linked.deviceId).toBeGreaterThan(0);
    const connected = await waitFor(
      async () => {
        const c = (await api("GET", `/api/v1/connections/${connectionId}`)).body;
        return c.status === "CONNECTED" ? c : null;
      },
      { timeoutMs: 15_000, message: "CONNECTED after the code" },
    );
    expect(connected).toMatchObject({ number: PHONE, isConnected: true, qrcode: null });
    await hook("connection_update", (d) => d.status === "CONNECTED");
    expect(phone.linkedDevices()).toEqual([
      expect.objectContaining({ deviceId: linked.deviceId, connected: true }),
    ]);

    const again = await api("POST", `/api/v1/connections/${connectionId}/pairing-code`, { number: PHONE });
    expect(again).toMatchObject({ status: 409, body: { error: "ERR_CONFLICT" } });
  });
});

describe("a contact addressed by LID", () => {
  let ticketId: number;

  test("its message is stored under its phone number and the contact row gets its LID", async () => {
    const id = await contact.sendText(phone, "Hola desde un LID");
    const received = await hook("message_received", (d) => d.messageId === id);
    expect(received.data).toMatchObject({
      body: "Hola desde un LID",
      fromMe: false,
      contact: { number: LID_CONTACT, name: "Lucía Lid" },
    });
    ticketId = received.data.ticketId;

    const byNumber = await api("GET", `/api/v1/contacts/${LID_CONTACT}`);
    expect(byNumber.status).toBe(200);
    expect(byNumber.body).toMatchObject({ number: LID_CONTACT, name: "Lucía Lid" });
    // The fake LID has 16 digits (not a valid number: 400); either way no contact is keyed by it.
    const byLid = await api("GET", `/api/v1/contacts/${contact.lid}`);
    expect([400, 404]).toContain(byLid.status);

    const ticket = await api("GET", `/api/v1/tickets/${ticketId}`);
    expect(ticket.body.contact.number).toBe(LID_CONTACT);

    expect(await storedContacts()).toEqual([{ number: LID_CONTACT, lid: contact.lidJid }]);
  });

  test("a reply reaches the contact, and its next message joins the same ticket and contact", async () => {
    const sent = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "Respuesta al LID" });
    expect(sent.status).toBe(201);
    const got = await contact.waitForMessage((m) => m.id === sent.body.data.messageId);
    expect(got.text).toBe("Respuesta al LID");

    const id = await contact.sendText(phone, "Gracias");
    const received = await hook("message_received", (d) => d.messageId === id);
    expect(received.data.ticketId).toBe(ticketId);
    expect(received.data.contact.number).toBe(LID_CONTACT);
    expect(await storedContacts()).toEqual([{ number: LID_CONTACT, lid: contact.lidJid }]);
  });
});
