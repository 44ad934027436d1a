import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { waitFor } from "../support/test-app";
import type { FakeWhatsApp, SimAccount } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { type E2E, startE2E } from "./harness";

/**
 * Supervision of a Baileys session in the real Chasqui server (child process) against the fake WhatsApp
 * server: dropped sockets, an outage with backoff, a reconnect loop that trips the loop detector, a socket
 * that stays open but is dead (send watchdog + health check), and lastSeenAt.
 *
 * The tests run in order on one connection; each leaves it CONNECTED for the next.
 */
const TOKEN = "e2e-admin-token-supervision-01";
const PHONE = "595981000400";
const CONTACT = "595991000401";
const RECONNECT_BASE_MS = 100;
const RECONNECT_MAX_MS = 400;
const LOOP_MAX_CLOSES = 10;
const LOOP_PAUSE_MS = 2_000;
const SEND_TIMEOUT_MS = 1_500;

filterLibsignalSessionChurnLogs();
setDefaultTimeout(30_000);

let e2e: E2E;
let wa: FakeWhatsApp;
let hooks: any[];
let phone: SimAccount;
let contact: SimAccount;
/** Arrival time of every WebSocket upgrade at the fake server (Chasqui's connection attempts). */
const attempts: number[] = [];
const api = (method: string, path: string, body?: unknown) => e2e.api(method, path, body);

/** The first webhook at or after index `from` matching `event` and `pred`, with its index. */
const hookFrom = (from: number, event: string, pred: (data: any) => boolean = () => true) =>
  waitFor(
    () => {
      for (let i = from; i < hooks.length; i++)
        if (hooks[i].event === event && pred(hooks[i].data)) return { ...hooks[i], index: i };
      return null;
    },
    { timeoutMs: 20_000, message: `webhook ${event}` },
  );

const connection = async () => (await api("GET", `/api/v1/connections/${connectionId}`)).body;
const untilConnected = () =>
  waitFor(async () => ((await connection()).status === "CONNECTED" ? true : null), {
    timeoutMs: 20_000,
    message: "CONNECTED",
  });
const untilAttempts = (n: number) =>
  wa.changesUntil(() => attempts.length >= n, `${n} connection attempts`, 20_000);

let connectionId: number;
let ticketId: number;

beforeAll(async () => {
  e2e = await startE2E({
    token: TOKEN,
    env: {
      WA_RECONNECT_BASE_MS: String(RECONNECT_BASE_MS),
      WA_RECONNECT_MAX_MS: String(RECONNECT_MAX_MS),
      WA_LOOP_MAX_CLOSES: String(LOOP_MAX_CLOSES),
      WA_LOOP_WINDOW_MS: "60000",
      WA_LOOP_PAUSE_MS: String(LOOP_PAUSE_MS),
      WA_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS),
    },
  });
  wa = e2e.wa;
  hooks = e2e.hooks;
  wa.changes.on("change", () => {
    while (attempts.length < wa.connectionAttempts) attempts.push(Date.now());
  });
  phone = wa.createAccount(PHONE, "Helpdesk");
  contact = wa.createContact(CONTACT, "Ana Supervisión");
}, 30_000);

afterAll(() => e2e?.close());

describe("a supervised baileys session", () => {
  test("links by QR; lastSeenAt is set and advances with traffic", async () => {
    const created = await api("POST", "/api/v1/connections", { name: "Supervisada" });
    connectionId = created.body.id;
    await api("POST", `/api/v1/connections/${connectionId}/webhooks`, {
      url: e2e.receiverUrl,
    });
    const qr = await waitFor(async () => {
      const c = await connection();
      return c.status === "qrcode" ? (c.qrcode as string) : null;
    });
    await phone.scanQr(qr);
    await untilConnected();
    const first = Date.parse((await connection()).lastSeenAt);
    expect(first).toBeGreaterThan(0);

    const id = await contact.sendText(phone, "Hola");
    const received = await hookFrom(0, "message_received", (d) => d.messageId === id);
    ticketId = received.data.ticketId;
    const later = await waitFor(async () => {
      const seen = Date.parse((await connection()).lastSeenAt);
      return seen > first ? seen : null;
    });
    expect(later).toBeGreaterThan(first);
  });

  test("a dropped socket: OPENING with the reason, then CONNECTED again by itself", async () => {
    const from = hooks.length;
    phone.disconnect("drop");
    const opening = await hookFrom(from, "connection_update", (d) => d.status === "OPENING");
    expect(opening.data.reason).toContain("428");
    await hookFrom(opening.index, "connection_update", (d) => d.status === "CONNECTED");
    await untilConnected();
    expect((await connection()).statusReason).toBeNull();
  });

  test("a restart request (515) reconnects at once, without going through OPENING", async () => {
    const from = hooks.length;
    const before = attempts.length;
    phone.disconnect("restart");
    await untilAttempts(before + 1);
    await wa.changesUntil(
      () => phone.linkedDevices().some((d) => d.connected),
      "the companion to log in again",
    );
    await untilConnected();
    // The new socket carries traffic.
    const id = await contact.sendText(phone, "¿sigue ahí?");
    await hookFrom(from, "message_received", (d) => d.messageId === id);
    expect(
      hooks.slice(from).filter((h) => h.event === "connection_update" && h.data.status === "OPENING"),
    ).toEqual([]);
  });

  test("an outage: retries back off exponentially, and the session comes back once accepted", async () => {
    wa.refuseConnections(true);
    const refusedBefore = wa.refusedConnections;
    const first = attempts.length;
    phone.disconnect("drop");
    await wa.changesUntil(() => wa.refusedConnections >= refusedBefore + 3, "three refused attempts", 20_000);
    wa.refuseConnections(false);
    await untilConnected();
    // Attempt k after the drop waits at least half of min(max, base·2^k) (full jitter over the upper half).
    const gaps = attempts.slice(first).map((t, i, all) => (i === 0 ? 0 : t - all[i - 1]!));
    for (let k = 1; k < gaps.length; k++)
      expect(gaps[k]!).toBeGreaterThanOrEqual(Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** k) / 2 - 2);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
  });

  test("a reconnect loop trips the loop detector: a status reason, a pause, then CONNECTED", async () => {
    const from = hooks.length;
    wa.refuseConnections(true);
    phone.disconnect("drop");
    const paused = await hookFrom(
      from,
      "connection_update",
      (d) => d.status === "OPENING" && /reconnect loop/.test(d.reason ?? ""),
    );
    expect(paused.data.reason).toContain("pausing");
    expect((await connection()).statusReason).toContain("reconnect loop");
    const lastRefused = attempts.at(-1)!;
    const attemptsAtPause = attempts.length;
    wa.refuseConnections(false);
    await untilAttempts(attemptsAtPause + 1);
    expect(attempts[attemptsAtPause]! - lastRefused).toBeGreaterThanOrEqual(LOOP_PAUSE_MS - 2);
    await untilConnected();
  });

  test("a socket that is open but dead: the send answers 504 in time and the health check restarts it", async () => {
    const from = hooks.length;
    phone.silence();
    const started = Date.now();
    const res = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "¿llega?" });
    const elapsed = Date.now() - started;
    expect(res).toMatchObject({ status: 504, body: { error: "ERR_WAPP_TIMEOUT" } });
    expect(elapsed).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS - 2);
    expect(elapsed).toBeLessThan(SEND_TIMEOUT_MS + 2_000);

    const opening = await hookFrom(from, "connection_update", (d) => d.status === "OPENING");
    expect(opening.data.reason).toContain("health check");
    await hookFrom(opening.index, "connection_update", (d) => d.status === "CONNECTED");
    await untilConnected();

    const again = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "ahora sí" });
    expect(again.status).toBe(201);
    const got = await contact.waitForMessage((m) => m.id === again.body.data.messageId);
    expect(got.text).toBe("ahora sí");
  });

  test("the same with the contact's devices cached (the send needs no query): 504, not a message lost as sent", async () => {
    // The previous test's last send cached the contact's devices and Signal session, so Baileys writes the
    // stanza without asking the server anything; only WhatsApp's ack of the message shows it arrived.
    const from = hooks.length;
    phone.silence();
    const started = Date.now();
    const res = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "¿en cache?" });
    const elapsed = Date.now() - started;
    expect(res).toMatchObject({ status: 504, body: { error: "ERR_WAPP_TIMEOUT" } });
    expect(elapsed).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS - 2);
    expect(elapsed).toBeLessThan(SEND_TIMEOUT_MS + 2_000);
    const messages = await api("GET", `/api/v1/tickets/${ticketId}/messages`);
    expect(messages.body.messages.map((m: any) => m.body)).not.toContain("¿en cache?");

    const opening = await hookFrom(from, "connection_update", (d) => d.status === "OPENING");
    expect(opening.data.reason).toContain("health check");
    await hookFrom(opening.index, "connection_update", (d) => d.status === "CONNECTED");
    await untilConnected();
    const again = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "de nuevo" });
    expect(again.status).toBe(201);
    await contact.waitForMessage((m) => m.id === again.body.data.messageId);
  });

  test("a message the server loses on a live socket: 504, the health check's ping is answered, the socket is kept", async () => {
    const from = hooks.length;
    const attemptsBefore = attempts.length;
    const pingsBefore = phone.pings;
    phone.holdMessages = true;
    const started = Date.now();
    const res = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "¿perdido?" });
    expect(res).toMatchObject({ status: 504, body: { error: "ERR_WAPP_TIMEOUT" } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS - 2);
    await wa.changesUntil(() => phone.pings > pingsBefore, "the health check's ping");
    phone.holdMessages = false;

    const again = await api("POST", `/api/v1/tickets/${ticketId}/messages`, { body: "¿y este?" });
    expect(again.status).toBe(201);
    await contact.waitForMessage((m) => m.id === again.body.data.messageId);
    expect(attempts.length).toBe(attemptsBefore);
    expect(hooks.slice(from).filter((h) => h.event === "connection_update")).toEqual([]);
    expect((await connection()).status).toBe("CONNECTED");
  });
});
