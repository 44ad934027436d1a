import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { waitFor } from "../support/test-app";
import type { SimAccount } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { type E2E, startE2E } from "./harness";

/** A simulated customer phone walks the queue menu of the real server, through the real Baileys client. */
const TOKEN = "e2e-admin-token-automation-01";
const PHONE = "595981000300";
const CUSTOMER = "595991000301";

filterLibsignalSessionChurnLogs();
setDefaultTimeout(30_000);

let e2e: E2E;
let phone: SimAccount;
let customer: SimAccount;

beforeAll(async () => {
  e2e = await startE2E({ token: TOKEN });
  phone = e2e.wa.createAccount(PHONE, "Helpdesk");
  customer = e2e.wa.createContact(CUSTOMER, "María");
}, 30_000);

afterAll(() => e2e?.close());

test("a customer gets the menu, answers with a number, and the ticket lands in that queue with its greeting", async () => {
  const ventas = await e2e.api("POST", "/api/v1/queues", { name: "Ventas", color: "#2196F3" });
  const soporte = await e2e.api("POST", "/api/v1/queues", {
    name: "Soporte",
    color: "#4CAF50",
    greetingMessage: "Soporte técnico: contanos qué pasó.",
  });
  const connectionId = await e2e.link(phone, "WhatsApp Principal", {
    greetingMessage: "Hola, gracias por escribir a ACME.",
    queueIds: [ventas.body.id, soporte.body.id],
  });
  const menu = "Hola, gracias por escribir a ACME.\n\n1 - Ventas\n2 - Soporte";

  const first = await customer.sendText(phone, "Hola");
  const got = await customer.waitForMessage((m) => m.text === menu);
  const received = await e2e.hook("message_received", (d) => d.messageId === first);
  const ticketId = received.data.ticketId as number;
  // The menu is an ordinary message of ours: webhook, stored with its WhatsApp id.
  await e2e.hook("message_sent", (d) => d.messageId === got.id && d.body === menu);

  await customer.sendText(phone, "no sé");
  await waitFor(() => e2e.hooksOf("message_sent", (d) => d.body === menu).length === 2);

  await customer.sendText(phone, "2");
  const greeting = await customer.waitForMessage((m) => m.text === "Soporte técnico: contanos qué pasó.");
  // The phone can see it before the server has stored it as sent: its webhook says it is stored.
  await e2e.hook("message_sent", (d) => d.messageId === greeting.id);
  const updated = await e2e.hook("ticket_updated", (d) => d.ticketId === ticketId);
  expect(updated.data).toMatchObject({ queueId: soporte.body.id, status: "pending" });
  const ticket = await e2e.api("GET", `/api/v1/tickets/${ticketId}`);
  expect(ticket.body).toMatchObject({ queueId: soporte.body.id, queue: { name: "Soporte" } });
  const messages = await e2e.api("GET", `/api/v1/tickets/${ticketId}/messages?limit=50`);
  expect((messages.body.messages as any[]).reverse().map((m) => [m.fromMe, m.body])).toEqual([
    [false, "Hola"],
    [true, menu],
    [false, "no sé"],
    [true, menu],
    [false, "2"],
    [true, "Soporte técnico: contanos qué pasó."],
  ]);
  expect((await e2e.api("GET", `/api/v1/connections/${connectionId}`)).body.queueIds).toEqual([
    ventas.body.id,
    soporte.body.id,
  ]);
});
