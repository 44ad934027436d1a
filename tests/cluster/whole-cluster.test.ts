// The cluster test of issue 15 (docs/CLUSTER.md §6 item 5): whole `chasqui serve` processes on one PostgreSQL, the fake
// WhatsApp server and the real Baileys client inside each node, a local S3 bucket for media, and a webhook receiver.
// Twenty connections are linked by QR through the API, spread over two (then three) nodes; traffic goes both ways;
// one node is killed with SIGKILL (no release, no cleanup). The judges are outside the nodes: the fake server's login
// log (never two live sockets for one login), the receiver (every event with a delivery, at least once, under one
// stable id and one body), the phones (what they were told was delivered), and a surviving node's API (every
// acknowledged message is there; the killed node's media is served). Every wait is for a condition, with a deadline;
// the failover bound is a deadline for "the node never takes over", not a speed assertion (the measured failover
// times are printed: min/median/max).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEventId } from "../../src/webhooks/event-codec";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";
import { type S3Server, startS3Server } from "../support/s3-server";
import { type FakeWhatsApp, type SimAccount, startFakeWhatsApp } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { trustTestRoot } from "../wasim/test-pki";
import { type ClusterNode, startClusterNode } from "./nodes";

trustTestRoot();
filterLibsignalSessionChurnLogs();

const TOKEN = "cluster-admin-token-0123456789";
const CONNECTIONS = 20;
/** Connection lease ttl: renewed every ttl/3, self-fenced at 2/3 ttl, taken over once expired in database time. */
const TTL_MS = 8_000;
/** A dead node's claimed webhook deliveries go back to the other nodes after this. */
const WEBHOOK_LEASE_MS = 3_000;
/**
 * Failover bound, from the SIGKILL to every connection of the dead node CONNECTED on a survivor: the lease expires
 * (ttl), a survivor's claim round notices (every ttl/3), then Baileys logs in from the keys in PostgreSQL. The login
 * is given 20 s, for a CI machine with 2 loaded cores running three nodes, PostgreSQL and the fake server.
 */
const FAILOVER_BOUND_MS = Math.ceil(TTL_MS + TTL_MS / 3) + 20_000;
/** Any other wait (linking 20 connections, deliveries after a retry): a deadline for "never", not a speed. */
const WAIT_MS = 90_000;

/** Polls `check` until it holds (the state lives in other processes); fails after `ms` naming `what`. */
async function until<T>(check: () => Promise<T> | T, what: string, ms = WAIT_MS): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(50);
  }
}

type Node = ClusterNode;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const pngWithNoise = () =>
  Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), randomBytes(3000)]);

/** A delivery the receiver got: the `webhook-id` header (the event's id) and the exact body. */
type Delivery = { id: string; event: string; body: string };

let wa: FakeWhatsApp;
let s3: S3Server;
let receiver: ReturnType<typeof Bun.serve>;
const deliveries: Delivery[] = [];
/** While set, the receiver records each request at once but answers only when it resolves (requests in flight). */
let held: Promise<void> | undefined;
let releaseHeld: () => void = () => {};
/** Holds the receiver's answers until {@link answerAll}. */
function holdAnswers() {
  held = new Promise<void>((resolve) => {
    releaseHeld = resolve;
  });
}
function answerAll() {
  held = undefined;
  releaseHeld();
}
/** Every node process any test started, killed in afterAll whatever happened. */
const started: Node[] = [];
const work = mkdtempSync(join(tmpdir(), "chasqui-cluster-"));

beforeAll(async () => {
  wa = await startFakeWhatsApp();
  s3 = await startS3Server();
  receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (req) => {
      const body = await req.text();
      deliveries.push({ id: req.headers.get("webhook-id") ?? "", event: JSON.parse(body).event, body });
      if (held) await held;
      return new Response("ok");
    },
  });
}, 60_000);

afterAll(async () => {
  for (const n of started) n.proc.kill("SIGKILL");
  await Promise.all(started.map((n) => n.proc.exited));
  answerAll();
  receiver?.stop(true);
  await wa?.stop();
  await s3?.[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

async function startNode(db: TestDatabase, id: string): Promise<Node> {
  const node = await startClusterNode({
    id,
    db,
    wa,
    token: TOKEN,
    dataDir: join(work, id),
    leaseTtlMs: TTL_MS,
    env: {
      WEBHOOK_LEASE_MS: String(WEBHOOK_LEASE_MS),
      WEBHOOK_RETRY_BASE_MS: "50",
      WEBHOOK_ALLOW_PRIVATE: "true",
      WA_RECONNECT_BASE_MS: "200",
      WA_RECONNECT_MAX_MS: "2000",
      ...s3.env({ MEDIA_S3_PREFIX: "media" }),
    },
    startTimeoutMs: 60_000,
  });
  started.push(node);
  return node;
}

/** Live leases: connection id → node id. */
async function owners(db: TestDatabase): Promise<Map<number, string>> {
  const rows = (await db.sql`select connection_id::int as id, node_id from connection_leases
                             where node_id is not null and expires_at > now()`) as {
    id: number;
    node_id: string;
  }[];
  return new Map(rows.map((r) => [r.id, r.node_id]));
}

const liveLogins = (phone: SimAccount) => wa.logins(phone.pn).reduce((n, r) => n + r.live, 0);
const sessionsOf = (phone: SimAccount) => wa.logins(phone.pn).flatMap((r) => r.sessions);
/** The phone was told the message reached the companion: a delivery receipt ("inactive": Baileys does not mark
 * itself online, so its delivery receipts carry that type). */
const delivered = (contact: SimAccount, id: string) =>
  contact.receipts.some((r) => (r.type === "delivery" || r.type === "inactive") && r.ids.includes(id));

async function clusterRun(nodeCount: number, variant: number) {
  await using db = await createMigratedDatabase();
  const t0 = Date.now();
  const nodes = await Promise.all(
    Array.from({ length: nodeCount }, (_, i) => startNode(db, `v${variant}-node-${i + 1}`)),
  );
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let sampling = !!process.env.CLUSTER_DEBUG;
  const sampler = (async () => {
    while (sampling) {
      const rows =
        (await db.sql`select state, wait_event_type, wait_event, left(query, 90) as q, (extract(epoch from now() - coalesce(xact_start, query_start)) * 1000)::int as ms
        from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`) as any[];
      const long = rows.filter((r) => r.ms > 500 && r.state !== "idle");
      const counts: Record<string, number> = {};
      for (const r of rows)
        counts[`${r.state}/${r.wait_event ?? "-"}`] = (counts[`${r.state}/${r.wait_event ?? "-"}`] ?? 0) + 1;
      if (long.length)
        console.log(
          Date.now() % 100000,
          JSON.stringify(counts),
          JSON.stringify(long.map((r) => [r.state, r.wait_event, r.ms, r.q])),
        );
      await Bun.sleep(250);
    }
  })();
  try {
    // Each node registered itself with the address the others reach it at (PORT=0: the port it bound).
    const registered = (await db.sql`select id, address from nodes order by id`) as {
      id: string;
      address: string;
    }[];
    expect(registered.map((r) => ({ ...r }))).toEqual(
      nodes.map((n) => ({ id: n.id, address: n.url.replace("127.0.0.1", "localhost") })),
    );

    // ---- 20 connections, created round-robin through the nodes and linked by QR in parallel -------------------
    const phones = Array.from({ length: CONNECTIONS }, (_, i) =>
      wa.createAccount(`5959840${variant}${String(i).padStart(2, "0")}`, `Empresa ${i}`),
    );
    const contacts = Array.from({ length: CONNECTIONS }, (_, i) =>
      wa.createContact(`5959940${variant}${String(i).padStart(2, "0")}`, `Cliente ${i}`),
    );
    const rescans: string[] = [];
    const connIds = await Promise.all(
      phones.map(async (phone, i) => {
        const via = nodes[i % nodeCount]!;
        const created = await via.api("POST", "/api/v1/connections", { name: `Línea ${i}` });
        if (created.status !== 201)
          throw new Error(`creating connection ${i}: ${JSON.stringify(created.body)}`);
        const id = created.body.id as number;
        const hook = await via.api("POST", `/api/v1/connections/${id}/webhooks`, {
          url: `http://127.0.0.1:${receiver.port}/hook`,
        });
        expect(hook.status).toBe(201);
        // The QR is asked of the node that holds the lease (read from PostgreSQL): it runs the socket. A socket that
        // closed meanwhile (its lease self-fenced under load) shows a new QR: scan that one.
        let scanned: string | undefined;
        await until(async () => {
          const owner = (await owners(db)).get(id);
          const node = owner && byId.get(owner);
          if (!node) return false;
          const r = await node.api("GET", `/api/v1/connections/${id}/qrcode`);
          if (r.body.status === "CONNECTED") return true;
          if (r.body.status !== "qrcode" || !r.body.qrcode || r.body.qrcode === scanned) return false;
          scanned = r.body.qrcode as string;
          await phone.scanQr(scanned).catch((err) => {
            rescans.push(`${id}: ${(err as Error).message}`);
          });
          return false;
        }, `connection ${id} linked and CONNECTED`);
        return id;
      }),
    );
    const linkedMs = Date.now() - t0;
    /** Leases a node gave up on its own (self-fenced under load, lost): printed, not an error. */
    const leaseEnds = () =>
      nodes.reduce((n, node) => n + node.stdout().split("connection lease ended").length - 1, 0);
    const leaseEndsLinking = leaseEnds();
    const before = await owners(db);
    expect(connIds.every((id) => byId.has(before.get(id) ?? ""))).toBe(true);
    const load = nodes.map((n) => connIds.filter((id) => before.get(id) === n.id).length);
    // Every node runs some of the connections.
    expect(load.every((n) => n > 0)).toBe(true);
    // And the fake server sees exactly one live socket per phone.
    await wa.changesUntil(
      () => phones.every((p) => liveLogins(p) === 1),
      "one live socket per phone",
      WAIT_MS,
    );

    // ---- traffic before the kill: inbound from every contact, a send through every connection's node ----------
    const acknowledgedSends = new Map<number, string[]>(connIds.map((id) => [id, []])); // connection → WhatsApp ids
    const deliveredInbound = new Map<number, string[]>(connIds.map((id) => [id, []]));
    /** Sends through the node holding the connection's lease now; only a 201 is an acknowledged send. */
    const sendThroughOwner = async (i: number, text: string, avoid?: Node) => {
      const id = connIds[i]!;
      // A node may give a lease up under load (self-fencing) and the connection move: a send answered 409 "not
      // connected" was not acknowledged, and is tried again through the connection's owner then.
      const sent = await until(async () => {
        const owner = byId.get((await owners(db)).get(id) ?? "");
        if (!owner || owner === avoid) return undefined;
        const r = await owner.api("POST", "/api/v1/send", {
          number: contacts[i]!.pn,
          body: text,
          whatsappId: id,
        });
        if (r.status === 409 && r.body.error === "ERR_WAPP_NOT_CONNECTED") return undefined;
        expect(r.status).toBe(201);
        return r.body as { ticketId: number; data: { messageId: string }[] };
      }, `a send through connection ${id}`);
      acknowledgedSends.get(id)!.push(sent.data[0]!.messageId);
      return sent;
    };
    // The receiver holds its answers from here until after the kill: the dying node's dispatcher dies with
    // deliveries in flight, which the others must send again once its claims expire (WEBHOOK_LEASE_MS).
    holdAnswers();
    const inbound = await Promise.all(contacts.map((c, i) => c.sendText(phones[i]!, `hola desde ${i}`)));
    await Promise.all(connIds.map((_, i) => sendThroughOwner(i, `respuesta ${i}`)));

    // A file sent through the node that is about to die: stored in the bucket, read back from another node later.
    const victim = nodes[0]!;
    const survivors = nodes.slice(1);
    const mediaBytes = pngWithNoise();
    let mediaIndex = -1;
    const media = await until(async () => {
      const now = await owners(db);
      mediaIndex = connIds.findIndex((id) => now.get(id) === victim.id);
      const form = new FormData();
      form.set("number", contacts[mediaIndex]!.pn);
      form.set("whatsappId", String(connIds[mediaIndex]));
      form.set("body", "la foto del pedido");
      form.append("medias", new File([mediaBytes], "pedido.png", { type: "image/png" }));
      const r = await victim.api("POST", "/api/v1/send", form);
      if (r.status === 409 && r.body.error === "ERR_WAPP_NOT_CONNECTED") return undefined;
      expect(r.status).toBe(201);
      return r;
    }, "a file sent through the node about to die");
    const mediaId = media.body.data[0].messageId as string;
    const mediaFile = (media.body.data[0].mediaUrl as string).split("/public/")[1]!;
    acknowledgedSends.get(connIds[mediaIndex]!)!.push(mediaId);

    // The phones were told every inbound message was delivered: from here it must not be lost.
    await wa.changesUntil(
      () => inbound.every((id, i) => delivered(contacts[i]!, id)),
      "delivery receipts of every inbound message",
      WAIT_MS,
    );
    for (const [i, id] of inbound.entries()) deliveredInbound.get(connIds[i]!)!.push(id);

    // ---- kill -9 one node ----------------------------------------------------------------------------------------
    // The victim's connections are the ones it holds now (a lease given up under load may have moved since).
    const atKill = await owners(db);
    const victimConns = connIds.filter((id) => atKill.get(id) === victim.id);
    const sessionsBeforeKill = new Map(phones.map((p) => [p.pn, sessionsOf(p).length]));
    victim.proc.kill("SIGKILL");
    const killedAt = Date.now();
    await victim.proc.exited;
    answerAll();

    // While the victim's connections are down: their contacts write (WhatsApp keeps it for the next login), and
    // the survivors keep sending through their own connections.
    const duringFailover = await Promise.all(
      victimConns.map((id) => {
        const i = connIds.indexOf(id);
        return contacts[i]!.sendText(phones[i]!, `¿siguen ahí? ${i}`).then((wid) => ({ i, wid }));
      }),
    );
    await Promise.all(
      connIds.map((id, i) =>
        victimConns.includes(id) ? undefined : sendThroughOwner(i, `seguimos ${i}`, victim),
      ),
    );

    // Every connection of the victim CONNECTED again on a survivor: the lease is a survivor's, the fake server saw
    // a new login of that phone after the kill and has exactly one live socket, and the owner's API says CONNECTED.
    const failover = new Map<number, { seenMs: number; loginMs: number }>();
    await until(
      async () => {
        const now = await owners(db);
        for (const id of victimConns) {
          if (failover.has(id)) continue;
          const owner = now.get(id);
          if (!owner || owner === victim.id) continue;
          const phone = phones[connIds.indexOf(id)]!;
          const fresh = sessionsOf(phone).slice(sessionsBeforeKill.get(phone.pn)!);
          const login = fresh.find((s) => s.closedAt === null);
          if (!login || liveLogins(phone) !== 1) continue;
          const status = (await byId.get(owner)!.api("GET", `/api/v1/connections/${id}`)).body.status;
          if (status !== "CONNECTED") continue;
          failover.set(id, { seenMs: Date.now() - killedAt, loginMs: login.loggedInAt - killedAt });
        }
        return failover.size === victimConns.length;
      },
      `the ${victimConns.length} connections of ${victim.id} CONNECTED on a survivor`,
      FAILOVER_BOUND_MS,
    );
    const after = await owners(db);
    expect(victimConns.every((id) => survivors.some((s) => s.id === after.get(id)))).toBe(true);
    // Every connection runs on a survivor.
    expect(connIds.filter((id) => !survivors.some((s) => s.id === after.get(id)))).toEqual([]);
    const seen = [...failover.values()].map((f) => f.seenMs);
    const logins = [...failover.values()].map((f) => f.loginMs);
    console.log(
      `[cluster ${nodeCount} nodes] linked ${CONNECTIONS} connections in ${linkedMs} ms (load ${load.join("/")}); ` +
        `failover of ${victimConns.length} connections after SIGKILL (ttl ${TTL_MS} ms, bound ${FAILOVER_BOUND_MS} ms): ` +
        `new login min/median/max ${Math.min(...logins)}/${median(logins)}/${Math.max(...logins)} ms, ` +
        `CONNECTED seen through the API min/median/max ${Math.min(...seen)}/${median(seen)}/${Math.max(...seen)} ms; ` +
        `leases given up while linking ${leaseEndsLinking} (QR scans retried ${rescans.length})`,
    );

    // The new owners send through the connections they took; what the contacts wrote meanwhile reaches them.
    await Promise.all(
      victimConns.map((id) => sendThroughOwner(connIds.indexOf(id), `ya volvimos ${id}`, victim)),
    );
    await wa.changesUntil(
      () => duringFailover.every(({ i, wid }) => delivered(contacts[i]!, wid)),
      "delivery receipts of what the contacts wrote during the failover",
      WAIT_MS,
    );
    for (const { i, wid } of duringFailover) deliveredInbound.get(connIds[i]!)!.push(wid);

    // ---- no two live sockets for one login, at any time over the whole run (the fake server's view) -------------
    for (const p of phones) expect(wa.maxConcurrentLogins(p.pn)).toBe(1);

    // ---- every acknowledged message is stored: read through a survivor's API --------------------------------------
    const reader = survivors[survivors.length - 1]!;
    const storedIds = async (connectionId: number): Promise<Set<string>> => {
      const tickets = await reader.api("GET", `/api/v1/tickets?whatsappId=${connectionId}&limit=100`);
      expect(tickets.status).toBe(200);
      const ids = new Set<string>();
      for (const t of tickets.body.tickets as { id: number }[]) {
        const msgs = await reader.api("GET", `/api/v1/tickets/${t.id}/messages?limit=100`);
        expect(msgs.status).toBe(200);
        for (const m of msgs.body.messages as { id: string }[]) ids.add(m.id);
      }
      return ids;
    };
    // Inbound messages are stored by the node that received them a moment after the phone got its receipt.
    await until(async () => {
      for (const id of connIds) {
        const have = await storedIds(id);
        const want = [...acknowledgedSends.get(id)!, ...deliveredInbound.get(id)!];
        if (!want.every((w) => have.has(w))) return false;
      }
      return true;
    }, "every acknowledged send and every delivered inbound message in the database");

    // ---- media sent through the dead node: served by a survivor from the bucket -----------------------------------
    const mediaTickets = await reader.api(
      "GET",
      `/api/v1/tickets?whatsappId=${connIds[mediaIndex]}&limit=100`,
    );
    const mediaMessages = (
      await Promise.all(
        (mediaTickets.body.tickets as { id: number }[]).map(
          async (t) => (await reader.api("GET", `/api/v1/tickets/${t.id}/messages?limit=100`)).body.messages,
        ),
      )
    ).flat() as { id: string; mediaUrl: string | null }[];
    const mediaMessage = mediaMessages.find((m) => m.id === mediaId)!;
    expect(mediaMessage.mediaUrl).toBe(`${reader.url.replace("127.0.0.1", "localhost")}/public/${mediaFile}`);
    for (const url of [mediaMessage.mediaUrl!, `${reader.url}/public/${mediaFile}`]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(Buffer.from(await res.arrayBuffer()).equals(mediaBytes)).toBe(true);
    }
    expect(await s3.keys("media/")).toContain(`media/${mediaFile}`);
    // And the contact got the file itself through WhatsApp.
    const got = await contacts[mediaIndex]!.waitForMessage((m) => m.id === mediaId);
    expect((await contacts[mediaIndex]!.downloadMedia(got)).equals(mediaBytes)).toBe(true);

    // ---- webhooks: every event with a delivery reached the receiver at least once, under one id and one body -----
    // A delivery the dead node had claimed goes back to the others once its lease (WEBHOOK_LEASE_MS) runs out.
    await until(async () => {
      const [row] = (await db.sql`select count(*)::int as n from webhook_deliveries
                                  where status <> 'delivered'`) as { n: number }[];
      return row!.n === 0;
    }, "every webhook delivery delivered");
    const withDelivery = new Set(
      ((await db.sql`select distinct event_id::int as seq from webhook_deliveries`) as { seq: number }[]).map(
        (r) => r.seq,
      ),
    );
    const feed: { id: string; seq: number; event: string; payload: unknown }[] = [];
    for (let after: string | null = null; ; ) {
      const page = await reader.api("GET", `/api/v1/events?limit=500${after ? `&after=${after}` : ""}`);
      expect(page.status).toBe(200);
      feed.push(...(page.body.events as typeof feed));
      if (!page.body.hasMore) break;
      after = page.body.nextAfter;
    }
    const expected = feed.filter((e) => withDelivery.has(e.seq));
    expect(feed.every((e) => parseEventId(e.id)?.seq === e.seq)).toBe(true);
    expect(expected.length).toBe(withDelivery.size);
    expect(expected.length).toBeGreaterThan(CONNECTIONS * 3);
    const receivedIds = new Set(deliveries.map((d) => d.id));
    expect(expected.filter((e) => !receivedIds.has(e.id))).toEqual([]);
    // Ids are stable: a delivery of this run's events carries the event's id and exactly the envelope the feed
    // stores for it, on every attempt (the receiver is shared by both runs: the other run's ids are not here).
    const feedById = new Map(feed.map((e) => [e.id, e]));
    const mine = deliveries.filter((d) => feedById.has(d.id));
    for (const d of mine) expect(JSON.parse(d.body)).toEqual(feedById.get(d.id)!.payload);
    const bodies = new Map<string, string>();
    for (const d of mine) {
      if (!bodies.has(d.id)) bodies.set(d.id, d.body);
      else expect(d.body).toBe(bodies.get(d.id)!);
    }
    const kinds = new Set(expected.map((e) => e.event));
    for (const k of ["message_received", "message_sent", "connection_update"])
      expect(kinds.has(k)).toBe(true);
    const [retried] =
      (await db.sql`select count(*)::int as n from webhook_deliveries where attempts > 1`) as {
        n: number;
      }[];
    console.log(
      `[cluster ${nodeCount} nodes] ${expected.length} events with deliveries, ${mine.length} received ` +
        `(${mine.length - bodies.size} duplicates, ${retried!.n} deliveries sent again); total ${Date.now() - t0} ms`,
    );
  } finally {
    answerAll();
    for (const n of nodes) n.proc.kill("SIGKILL");
    await Promise.all(nodes.map((n) => n.proc.exited));
    sampling = false;
    await sampler;
    if (process.env.CLUSTER_DEBUG)
      for (const n of nodes)
        console.log(
          n.id,
          n.stderr(),
          n
            .stdout()
            .split("\n")
            .filter((l) => /"level":(40|50|60)/.test(l))
            .join("\n"),
        );
  }
}

describe("a whole cluster on one PostgreSQL", () => {
  test("two nodes, 20 connections: SIGKILL of one, its connections move, nothing acknowledged is lost", async () => {
    await clusterRun(2, 2);
  }, 240_000);

  test("three nodes, 20 connections: SIGKILL of one, its connections move, nothing acknowledged is lost", async () => {
    await clusterRun(3, 3);
  }, 240_000);
});
