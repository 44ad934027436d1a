import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { decodeData, EVENT_TYPE_CODES } from "../../src/webhooks/event-codec";
import { waitFor } from "../support/test-app";
import type { SimAccount } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { type E2E, startE2E } from "./harness";

/**
 * The send queue through the real Baileys client against the fake WhatsApp server: what the customers'
 * simulated phones receive is the measure (order, count, the gaps between arrivals).
 */
const TOKEN = "e2e-queue-admin-token-0123456789";
const PHONE = "595981000300";

filterLibsignalSessionChurnLogs();
setDefaultTimeout(90_000);

let e2e: E2E;
let phone: SimAccount;
let connectionId: number;
const api = (method: string, path: string, body?: unknown) => e2e.api(method, path, body);

const setPacing = async (pacing: Record<string, unknown>) => {
  const r = await api("PUT", `/api/v1/connections/${connectionId}`, {
    pacingMinIntervalMs: 0,
    pacingJitterMs: 0,
    pacingTyping: false,
    pacingDailyCap: 0,
    ...pacing,
  });
  expect(r.status).toBe(200);
};

const queue = async (number: string, body: string) => {
  const r = await api("POST", "/api/v1/send", { number, body, queue: true });
  expect(r.status).toBe(202);
  return r.body.data[0].messageId as string;
};

/** What a customer's phone got from our number, in arrival order. */
const received = (customer: SimAccount) => customer.inbox.filter((m) => m.from === PHONE && !m.ownDevice);

beforeAll(async () => {
  e2e = await startE2E({
    token: TOKEN,
    env: {
      SEND_QUEUE_POLL_MS: "50",
      // While the fake server refuses connections, keep retrying fast and never pause for a reconnect loop.
      WA_RECONNECT_BASE_MS: "50",
      WA_RECONNECT_MAX_MS: "200",
      WA_LOOP_MAX_CLOSES: "10000",
      // PostgreSQL: a server killed with -9 is a node that died; the next start is another node, which takes the
      // connection once its lease expired and the messages it claimed once their claims did (defaults 15 s and
      // 120 s). Unused on SQLite.
      CLUSTER_LEASE_TTL_MS: "3000",
      SEND_QUEUE_CLAIM_LEASE_MS: "3000",
    },
  });
  phone = e2e.wa.createAccount(PHONE, "Helpdesk");
  connectionId = await e2e.link(phone, "Cola");
}, 60_000);

afterAll(() => e2e?.close());

describe("the send queue against the fake WhatsApp server", () => {
  test("messages queued while the connection is down go out after it is back, in order per chat, once each", async () => {
    const ana = e2e.wa.createContact("595991000301", "Ana");
    const beto = e2e.wa.createContact("595991000302", "Beto");
    await setPacing({});
    e2e.wa.refuseConnections(true);
    phone.disconnect("drop");
    await waitFor(
      async () => (await api("GET", `/api/v1/connections/${connectionId}`)).body.status !== "CONNECTED",
    );
    const sent: { id: string; to: SimAccount; body: string }[] = [];
    for (const [i, to] of [ana, beto, ana, ana, beto].entries()) {
      const body = `en cola ${i}`;
      sent.push({ id: await queue(to.pn, body), to, body });
    }
    expect((await api("GET", `/api/v1/messages?status=queued&whatsappId=${connectionId}`)).body.count).toBe(
      5,
    );

    e2e.wa.refuseConnections(false);
    await waitFor(() => received(ana).length >= 3 && received(beto).length >= 2, {
      timeoutMs: 30_000,
      message: "all five at the phones",
    });
    for (const who of [ana, beto]) {
      expect(received(who).map((m) => [m.id, m.text])).toEqual(
        sent.filter((s) => s.to === who).map((s) => [s.id, s.body]),
      );
    }
    // message_sent once each, when WhatsApp accepted it.
    await waitFor(
      () => sent.every((s) => e2e.hooksOf("message_sent", (d) => d.messageId === s.id).length === 1),
      { timeoutMs: 30_000, message: "message_sent once each" },
    );
    // The echo of our own sends is recognised as ours: no message_received for them.
    expect(e2e.hooksOf("message_received", (d) => sent.some((s) => s.id === d.messageId))).toEqual([]);
  });

  test("pacing: at least the minimum interval between messages to different chats, typing shown before each", async () => {
    const carla = e2e.wa.createContact("595991000303", "Carla");
    const dani = e2e.wa.createContact("595991000304", "Dani");
    const MIN_MS = 600;
    await setPacing({ pacingMinIntervalMs: MIN_MS, pacingJitterMs: 200, pacingTyping: true });
    const order = [carla, dani, carla, dani];
    for (const [i, to] of order.entries()) await queue(to.pn, `pausado ${i}`);
    await waitFor(() => received(carla).length >= 2 && received(dani).length >= 2, {
      timeoutMs: 30_000,
      message: "the paced messages",
    });
    const arrivals = [...received(carla), ...received(dani)].sort((a, b) => a.receivedAt - b.receivedAt);
    expect(arrivals.map((m) => m.text)).toEqual(["pausado 0", "pausado 1", "pausado 2", "pausado 3"]);
    const gaps = arrivals.slice(1).map((m, i) => m.receivedAt - arrivals[i]!.receivedAt);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(MIN_MS);
    // "typing…" reached each customer before each of their messages.
    for (const who of [carla, dani]) {
      for (const m of received(who)) {
        expect(
          who.chatStates.some(
            (c) => c.from === PHONE && c.state === "composing" && c.receivedAt <= m.receivedAt,
          ),
        ).toBe(true);
      }
    }
    await setPacing({});
  });

  test("kill -9 during a queue drain: nothing lost, nothing delivered twice", async () => {
    const eva = e2e.wa.createContact("595991000305", "Eva");
    const COUNT = 40;
    await setPacing({});
    e2e.wa.refuseConnections(true);
    phone.disconnect("drop");
    await waitFor(
      async () => (await api("GET", `/api/v1/connections/${connectionId}`)).body.status !== "CONNECTED",
    );
    const ids: string[] = [];
    for (let i = 0; i < COUNT; i++) ids.push(await queue(eva.pn, `pedido ${i}`));
    e2e.wa.refuseConnections(false);

    for (const killAt of [8, 22]) {
      await waitFor(() => received(eva).length >= killAt, {
        timeoutMs: 30_000,
        message: `${killAt} delivered`,
      });
      e2e.chasqui.proc.kill(9);
      await e2e.chasqui.proc.exited;
      await e2e.start();
    }
    await waitFor(() => received(eva).length >= COUNT, { timeoutMs: 60_000, message: "all delivered" });
    await waitFor(
      async () =>
        (await api("GET", `/api/v1/messages?status=queued&whatsappId=${connectionId}`)).body.count === 0 &&
        (await api("GET", `/api/v1/messages?status=sending&whatsappId=${connectionId}`)).body.count === 0,
      { timeoutMs: 30_000 },
    );
    // Each body once at the customer's phone, in order, under the id stored when it was queued.
    expect(received(eva).map((m) => [m.id, m.text])).toEqual(ids.map((id, i) => [id, `pedido ${i}`]));
    // Stored once, sent, and announced once (the event, not its webhook delivery, which is at least once).
    const announced = new Map<string, number>();
    for (const row of await e2e.rows<{ data: Uint8Array }>(
      `select data from events where type_code = ${EVENT_TYPE_CODES.message_sent}`,
    )) {
      const id = JSON.parse(decodeData(new Uint8Array(row.data))).messageId as string;
      announced.set(id, (announced.get(id) ?? 0) + 1);
    }
    const rows = (
      await e2e.rows<{ id: string; status: string }>(
        "select m.id, m.status from messages m where m.body like 'pedido %' order by m.pk",
      )
    ).map((m) => ({ ...m, events: announced.get(m.id) ?? 0 }));
    expect(rows).toEqual(ids.map((id) => ({ id, status: "sent", events: 1 })));
    if (process.env.E2E_DEBUG)
      console.log("re-sends WhatsApp dropped as duplicates:", e2e.wa.droppedDuplicates);
  });
});
