// The queued-send worker on both stores: the list, cancel, a due claim sent under its stored id (message_sent),
// a failure (message_failed), a send kept for another try, expiry, a claim left by a node that died; and, on one
// PostgreSQL, two workers over the same queue never send one message twice. The HTTP behaviour (scheduling
// through POST /send, pacing, the daily cap, crashes) is tests/api/send-queue.test.ts (SQLite).
import { describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import type { Dialect } from "../../src/db/store";
import { createConnectionService } from "../../src/domain/connection.service";
import { createContactService } from "../../src/domain/contact.service";
import type { DomainDeps } from "../../src/domain/deps";
import { createMessageService } from "../../src/domain/message.service";
import { createSendQueue } from "../../src/domain/send-queue.service";
import { createTicketService } from "../../src/domain/ticket.service";
import { AppError } from "../../src/errors";
import type { SentMessage, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { domainDeps } from "../support/domain-deps";
import { describeStores, openTestStore, type TestStore } from "../support/stores";

const T0 = 1_700_000_000_000;
const NUMBER = "595990000001";

/**
 * A fake WhatsApp socket (the network edge, not one of our modules): always CONNECTED, it counts what it is asked
 * to send by WhatsApp id; `fail` decides per attempt whether a send throws. Each send yields to the event loop
 * first, as a socket write does, so two workers really interleave.
 */
function countingGateway(
  fail: (id: string, attempt: number) => Error | null = () => null,
  onSend: (id: string) => Promise<void> = async () => {},
) {
  const sends = new Map<string, number>();
  const order: string[] = [];
  let seq = 0;
  const send = async (opts?: { messageId?: string }): Promise<SentMessage> => {
    const id = opts?.messageId ?? "";
    const attempt = (sends.get(id) ?? 0) + 1;
    sends.set(id, attempt);
    order.push(id);
    await new Promise((resolve) => setImmediate(resolve));
    await onSend(id);
    const err = fail(id, attempt);
    if (err) throw err;
    return { id, timestampSec: 1_700_000_100 + ++seq, remoteKey: `rk-${id}` } as SentMessage;
  };
  const gw = {
    driver: "sandbox",
    status: () => "CONNECTED",
    sendText: async (_to: string, _body: string, _q: unknown, opts?: { messageId?: string }) => send(opts),
    sendMedia: async (_to: string, _m: unknown, _q: unknown, opts?: { messageId?: string }) => send(opts),
    sendPresence: async () => {},
  } as unknown as WhatsAppGateway;
  return { gw, sends, order };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function setup(s: TestStore, pacing: { minIntervalMs: number } = { minIntervalMs: 0 }) {
  let now = T0;
  const d = domainDeps(s, () => now);
  const { connections, contacts, tickets } = s.store.t;
  const seeded = await s.store.write(async (q) => {
    const [conn] = await q
      .insert(connections)
      .values({
        name: "A",
        driver: "sandbox",
        number: "595981111111",
        pacingMinIntervalMs: pacing.minIntervalMs,
        pacingJitterMs: 0,
        pacingTyping: false,
        pacingDailyCap: 0,
      })
      .returning();
    const [contact] = await q.insert(contacts).values({ number: NUMBER, name: "María" }).returning();
    const [ticket] = await q
      .insert(tickets)
      .values({ contactId: contact!.id, connectionId: conn!.id, status: "open", lastMessage: "" })
      .returning();
    return { conn: conn!, contact: contact!, ticket: ticket! };
  });
  return {
    ...seeded,
    d,
    deps: d.deps,
    setNow: (ms: number) => {
      now = ms;
    },
    now: () => now,
    /** Stores a queued message as the send path does (its WhatsApp id chosen first), due at `sendAt`. */
    async queue(
      id: string,
      o: { sendAt?: number; expiresAt?: number | null; status?: "queued" | "sending"; updatedAt?: Date } = {},
    ) {
      const { messages } = s.store.t;
      const [m] = await s.store.write((q) =>
        q
          .insert(messages)
          .values({
            id,
            connectionId: seeded.conn.id,
            ticketId: seeded.ticket.id,
            body: `body ${id}`,
            fromMe: true,
            timestamp: Math.floor(T0 / 1000),
            status: o.status ?? "queued",
            sendAt: o.sendAt ?? T0,
            expiresAt: o.expiresAt ?? null,
            outbound: { to: NUMBER, quoted: null },
            attempts: o.status === "sending" ? 1 : 0,
            createdAt: new Date(T0),
            updatedAt: o.updatedAt ?? new Date(T0),
          })
          .returning(),
      );
      return m!;
    },
    async row(id: string) {
      const { messages } = s.store.t;
      const [m] = await s.store.read((q) => q.select().from(messages).where(eq(messages.id, id)));
      return m!;
    },
  };
}

function worker(deps: DomainDeps, gw: WhatsAppGateway) {
  const withGw: DomainDeps = { ...deps, sessions: { get: () => gw } };
  const connections = createConnectionService(withGw);
  const contacts = createContactService(withGw, connections);
  const tickets = createTicketService(withGw, contacts, connections);
  const messages = createMessageService(withGw, contacts, tickets, connections);
  return { queue: createSendQueue(withGw, messages.bridge, connections), messages };
}

/** One pass of the worker of the connection, to its end. */
async function pass(w: ReturnType<typeof worker>, connectionId: number) {
  w.queue.start();
  w.queue.kick(connectionId);
  await w.queue.idle();
}

/** The message_failed events so far (on PostgreSQL, once the sink's listeners read them from the feed). */
const failedEvents = async (x: Setup) => {
  await x.d.settled();
  return x.d.events.filter((e) => e.envelope.event === "message_failed").map((e) => e.envelope.data);
};

describeStores("send queue", (dialect: Dialect) => {
  test("list: queued messages next due first, per connection, with counts; cancel fails a queued one", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s);
    using _ = x.d;
    await x.queue("3EB0000000000000000003", { sendAt: T0 + 3_000 });
    await x.queue("3EB0000000000000000001", { sendAt: T0 + 1_000 });
    await x.queue("3EB0000000000000000002", { sendAt: T0 + 2_000 });
    const { queue } = worker(x.deps, countingGateway().gw);

    const page = await queue.list({ status: "queued", page: 1, limit: 2 });
    expect(page.count).toBe(3);
    expect(page.hasMore).toBe(true);
    expect(page.rows.map((m) => m.id)).toEqual(["3EB0000000000000000001", "3EB0000000000000000002"]);
    const mine = await queue.list({ status: "queued", connectionId: x.conn.id, page: 2, limit: 2 });
    expect(mine.rows.map((m) => m.id)).toEqual(["3EB0000000000000000003"]);
    expect(mine.hasMore).toBe(false);
    expect(
      (await queue.list({ status: "queued", connectionId: x.conn.id + 1, page: 1, limit: 5 })).count,
    ).toBe(0);
    expect((await queue.list({ status: "sending", page: 1, limit: 5 })).count).toBe(0);

    const cancelled = await queue.cancel(await x.row("3EB0000000000000000002"));
    expect(cancelled.status).toBe("failed");
    expect(cancelled.error).toEqual({ code: "ERR_MESSAGE_CANCELLED", reason: "Cancelled through the API" });
    expect(await failedEvents(x)).toEqual([
      expect.objectContaining({
        messageId: "3EB0000000000000000002",
        ticketId: x.ticket.id,
        code: "ERR_MESSAGE_CANCELLED",
        contact: { id: x.contact.id, name: "María", number: NUMBER },
      }),
    ]);
    expect((await queue.list({ status: "queued", page: 1, limit: 5 })).count).toBe(2);
    // Failed already: 409-style errors, nothing changes.
    await expect(queue.cancel(cancelled)).rejects.toMatchObject({ code: "ERR_MESSAGE_NOT_SENT" });
    await expect(queue.cancel({ ...cancelled, status: "sending" })).rejects.toMatchObject({
      code: "ERR_MESSAGE_SENDING",
    });
    // A row the worker claimed between the caller's read and the cancel is not cancelled.
    const claimed = await x.queue("3EB0000000000000000004", { status: "sending" });
    await expect(queue.cancel({ ...claimed, status: "queued" })).rejects.toMatchObject({
      code: "ERR_MESSAGE_SENDING",
    });
    expect((await x.row("3EB0000000000000000004")).status).toBe("sending");
  });

  test("a due message is claimed and sent under its stored id: sent, the ticket shows it, message_sent", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s);
    using _ = x.d;
    const early = await x.queue("3EB0000000000000000011", { sendAt: T0 });
    await x.queue("3EB0000000000000000012", { sendAt: T0 + 60_000 });
    const fake = countingGateway();
    const w = worker(x.deps, fake.gw);
    try {
      await pass(w, x.conn.id);
      // Only the due one went out; the scheduled one waits for its sendAt.
      expect([...fake.sends]).toEqual([[early.id, 1]]);
      const sent = await x.row(early.id);
      expect(sent).toMatchObject({ status: "sent", attempts: 1, error: null, remoteKey: `rk-${early.id}` });
      expect(sent.sentAt).toBe(T0);
      expect((await x.row("3EB0000000000000000012")).status).toBe("queued");
      const [ticket] = await s.store.read((q) =>
        q.select().from(s.store.t.tickets).where(eq(s.store.t.tickets.id, x.ticket.id)),
      );
      expect(ticket!.lastMessage).toBe(`body ${early.id}`);
      await x.d.settled();
      expect(x.d.events.map((e) => [e.envelope.event, e.envelope.data.messageId])).toEqual([
        ["message_sent", early.id],
      ]);

      x.setNow(T0 + 60_000);
      await pass(w, x.conn.id);
      expect(fake.order).toEqual([early.id, "3EB0000000000000000012"]);
      expect((await x.row("3EB0000000000000000012")).status).toBe("sent");
    } finally {
      await w.queue.stop();
    }
  });

  test("failures: refused for good → message_failed; may have left → kept claimed, retried under the same id", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s);
    using _ = x.d;
    const bad = await x.queue("3EB0000000000000000021", { sendAt: T0 });
    const flaky = await x.queue("3EB0000000000000000022", { sendAt: T0 + 1 });
    const fake = countingGateway((id, attempt) => {
      if (id === bad.id) return new AppError("ERR_WAPP_INVALID_CONTACT", "The number is not on WhatsApp");
      if (id === flaky.id && attempt === 1)
        return new AppError("ERR_WAPP_TIMEOUT", "WhatsApp did not answer");
      return null;
    });
    const w = worker(x.deps, fake.gw);
    try {
      x.setNow(T0 + 1);
      await pass(w, x.conn.id);
      expect((await x.row(bad.id)).status).toBe("failed");
      expect(await failedEvents(x)).toEqual([
        expect.objectContaining({ messageId: bad.id, code: "ERR_WAPP_INVALID_CONTACT", attempts: 1 }),
      ]);
      // The timeout may have reached WhatsApp: still claimed (not cancellable), with the reason, until the retry.
      const kept = await x.row(flaky.id);
      expect(kept).toMatchObject({ status: "sending", attempts: 1 });
      expect(kept.error?.code).toBe("ERR_WAPP_TIMEOUT");
      await pass(w, x.conn.id); // before the retry time: nothing is tried
      expect(fake.sends.get(flaky.id)).toBe(1);

      x.setNow(T0 + 1 + x.deps.config.sendQueueRetryMs);
      await pass(w, x.conn.id);
      expect(fake.sends.get(flaky.id)).toBe(2);
      expect(await x.row(flaky.id)).toMatchObject({ status: "sent", attempts: 2, error: null });
      expect(await failedEvents(x)).toHaveLength(1);
    } finally {
      await w.queue.stop();
    }
  });

  test("a queued message past its expiresAt fails with ERR_MESSAGE_EXPIRED and is never sent", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s);
    using _ = x.d;
    const late = await x.queue("3EB0000000000000000031", { sendAt: T0, expiresAt: T0 + 10 });
    const fresh = await x.queue("3EB0000000000000000032", { sendAt: T0 + 5, expiresAt: T0 + 1_000 });
    const fake = countingGateway();
    const w = worker(x.deps, fake.gw);
    try {
      x.setNow(T0 + 20);
      await pass(w, x.conn.id);
      expect([...fake.sends.keys()]).toEqual([fresh.id]);
      expect((await x.row(late.id)).status).toBe("failed");
      expect(await failedEvents(x)).toEqual([
        expect.objectContaining({ messageId: late.id, code: "ERR_MESSAGE_EXPIRED" }),
      ]);
    } finally {
      await w.queue.stop();
    }
  });

  test("a claimed message left `sending` (a crash, a node that died) is sent again under its id", async () => {
    await using s = await openTestStore(dialect);
    const x = await setup(s);
    using _ = x.d;
    const lease = x.deps.config.sendQueueClaimLeaseMs;
    // Claimed long ago by a node that died, and claimed just now by a node that is sending it.
    const dead = await x.queue("3EB0000000000000000041", {
      status: "sending",
      updatedAt: new Date(Date.now() - 10 * lease),
    });
    const live = await x.queue("3EB0000000000000000042", { status: "sending", updatedAt: new Date() });
    const fake = countingGateway();
    const w = worker(x.deps, fake.gw);
    try {
      await pass(w, x.conn.id);
      if (dialect === "sqlite") {
        // One process: any `sending` row was this process's before it restarted.
        expect(fake.order).toEqual([dead.id, live.id]);
      } else {
        // PostgreSQL: another node's claim is only taken once it expired.
        expect(fake.order).toEqual([dead.id]);
        expect(await x.row(live.id)).toMatchObject({ status: "sending", attempts: 1 });
      }
      expect(await x.row(dead.id)).toMatchObject({ status: "sent", attempts: 2 });
    } finally {
      await w.queue.stop();
    }
  });
});

describe("send queue on one PostgreSQL, two nodes", () => {
  test("a batch renews its claims while it sends: the rows not sent yet get a fresh lease", async () => {
    await using s = await openTestStore("postgres");
    const x = await setup(s);
    using _ = x.d;
    const ids = ["3EB0000000000000000051", "3EB0000000000000000052", "3EB0000000000000000053"];
    for (const id of ids) await x.queue(id);
    const lease = x.deps.config.sendQueueClaimLeaseMs;
    const stamps: number[] = [];
    const fake = countingGateway(
      () => null,
      async (id) => {
        if (id === ids[0]) {
          const claimedAt = (await x.row(ids[2]!)).updatedAt.getTime();
          stamps.push(claimedAt);
          // Half a lease passes on the worker's clock; the database's clock moves past the claim's stamp.
          x.setNow(x.now() + lease / 2);
          // (Asked of the database itself: its now() must be a whole millisecond past the stamp.)
          const pastClaim = async () => {
            const [row] = await s.store.read((q) =>
              q
                .select({
                  past: sql<boolean>`now() > ${new Date(claimedAt).toISOString()}::timestamptz + interval '1 millisecond'`,
                })
                .from(s.store.t.connections),
            );
            return row!.past === true;
          };
          const deadline = Date.now() + 10_000;
          while (!(await pastClaim()))
            if (Date.now() > deadline) throw new Error("the database clock stood still");
        }
        if (id === ids[2]) stamps.push((await x.row(ids[2]!)).updatedAt.getTime());
      },
    );
    const w = worker(x.deps, fake.gw);
    try {
      await pass(w, x.conn.id);
      expect(fake.order).toEqual(ids);
      // Renewed before the second send (more than a third of the lease had passed).
      expect(stamps).toHaveLength(2);
      expect(stamps[1]!).toBeGreaterThan(stamps[0]!);
      for (const id of ids) expect(await x.row(id)).toMatchObject({ status: "sent", attempts: 1 });
    } finally {
      await w.queue.stop();
    }
  });

  test("two workers over the same queue never send one message twice", async () => {
    await using s = await openTestStore("postgres");
    // Paced (one claim at a time), one chat: the workers race for every message.
    const x = await setup(s, { minIntervalMs: 1 });
    using _ = x.d;
    const ids = Array.from({ length: 30 }, (_, i) => `3EB0${String(1000 + i).padStart(18, "0")}`);
    for (const [i, id] of ids.entries()) await x.queue(id, { sendAt: T0 - 1_000 + i });
    const fake = countingGateway();
    const a = worker(x.deps, fake.gw);
    const b = worker(x.deps, fake.gw);
    try {
      a.queue.start();
      b.queue.start();
      a.queue.kick(x.conn.id);
      b.queue.kick(x.conn.id);
      await Promise.all([a.queue.idle(), b.queue.idle()]);
      // Whatever a worker saw queued when the other had just claimed it is taken by whoever got it first.
      expect([...fake.sends.values()].every((n) => n === 1)).toBe(true);
      expect([...fake.sends.keys()].sort()).toEqual(ids);
      for (const id of ids) expect(await x.row(id)).toMatchObject({ status: "sent", attempts: 1 });
      await x.d.settled();
      const sentEvents = x.d.events.filter((e) => e.envelope.event === "message_sent");
      expect(sentEvents.map((e) => e.envelope.data.messageId).sort()).toEqual(ids);
    } finally {
      await Promise.all([a.queue.stop(), b.queue.stop()]);
    }
  });
});
