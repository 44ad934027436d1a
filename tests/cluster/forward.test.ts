// Calls for a connection another node runs (docs/CLUSTER.md §4 "Calls for a connection another node runs"): two real
// `chasqui serve` nodes on one test PostgreSQL, the fake WhatsApp server and the real Baileys client. Node a runs the
// connection's socket; every call made through node b — the QR, a synchronous send, a pairing code, restart, logout —
// acts on a's socket, with the same answers as on a; an Idempotency-Key replayed through the other node answers the
// same. The admin move over HTTP hands the socket to b without two live logins (the fake server's login log is the
// judge), and a call to a node that died answers 409 with the error body. Every wait is for a condition.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMigratedDatabase, type TestDatabase } from "../support/postgres";
import { waitFor } from "../support/test-app";
import { type FakeWhatsApp, type SimAccount, startFakeWhatsApp } from "../wasim/fake-whatsapp";
import { filterLibsignalSessionChurnLogs } from "../wasim/sim-signal-device";
import { type ClusterNode, runCli, startClusterNode } from "./nodes";

filterLibsignalSessionChurnLogs();
setDefaultTimeout(90_000);

const TOKEN = "forward-admin-token-0123456789";
// Long enough that a loaded test machine does not self-fence a node between renewals (every ttl/3); the move is
// nudged (immediate), and only the dead-node case waits for an expiry.
const TTL_MS = 10_000;
const WAIT = { timeoutMs: 45_000 };
const PHONE = "595981000700";
const CONTACT = "595991000701";

type Node = ClusterNode;

let wa: FakeWhatsApp;
let db: TestDatabase;
let phone: SimAccount;
let contact: SimAccount;
const nodes: Node[] = [];

async function startNode(id: string): Promise<Node> {
  const node = await startClusterNode({
    id,
    db,
    wa,
    token: TOKEN,
    dataDir: mkdtempSync(join(tmpdir(), `chasqui-forward-${id}-`)),
    leaseTtlMs: TTL_MS,
    env: { CLUSTER_RPC_TIMEOUT_MS: "10000", WEBHOOK_WORKER: "false" },
  });
  nodes.push(node);
  return node;
}

/** Which node holds each connection's unexpired lease, as `GET /admin/nodes` of `via` shows it. */
async function ownerOf(via: Node, connectionId: number): Promise<string | null> {
  const r = await via.api("GET", "/api/v1/admin/nodes");
  expect(r.status).toBe(200);
  return (
    (r.body.nodes as { id: string; connections: number[] }[]).find((n) =>
      n.connections.includes(connectionId),
    )?.id ?? null
  );
}

const live = () => wa.logins(PHONE).reduce((n, r) => n + r.live, 0);
const loginCount = () => wa.logins(PHONE).flatMap((r) => r.sessions).length;

/**
 * After a move: a new login of the device (more than `before`), one live socket, and `via` (the node the socket
 * left) shows the connection connected.
 */
const loggedInAgain = (before: number, via: Node) =>
  waitFor(
    async () =>
      loginCount() > before &&
      live() === 1 &&
      (await via.api("GET", `/api/v1/connections/${connectionId}`)).body.isConnected === true,
    WAIT,
  );

let a: Node;
let b: Node;
let connectionId: number;

beforeAll(async () => {
  wa = await startFakeWhatsApp();
  db = await createMigratedDatabase();
  phone = wa.createAccount(PHONE, "Helpdesk");
  contact = wa.createContact(CONTACT, "Ana Gómez");
  a = await startNode("node-a");
}, 60_000);

afterAll(async () => {
  for (const n of nodes) {
    if (process.env.E2E_DEBUG) console.log(n.id, n.stdout(), n.stderr());
    n.proc.kill("SIGTERM");
    await n.proc.exited;
    rmSync(n.dataDir, { recursive: true, force: true });
  }
  await wa?.stop();
  await db?.drop();
});

describe("two nodes: calls for a connection the other node runs", () => {
  test("a Baileys connection created on node a is linked by the QR node b shows; b's status agrees", async () => {
    const created = await a.api("POST", "/api/v1/connections", { name: "Ventas" });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    // Created through a: a took the lease at once, before b existed.
    expect(await ownerOf(a, connectionId)).toBe("node-a");
    b = await startNode("node-b");
    await waitFor(async () => (await b.api("GET", "/api/v1/admin/nodes")).body.nodes.length === 2, WAIT);
    const qr = await waitFor(async () => {
      const r = await b.api("GET", `/api/v1/connections/${connectionId}/qrcode`);
      return r.body.status === "qrcode" && r.body.qrcode ? (r.body.qrcode as string) : null;
    }, WAIT);
    await phone.scanQr(qr);
    const connected = await waitFor(async () => {
      const r = await b.api("GET", `/api/v1/connections/${connectionId}`);
      return r.body.status === "CONNECTED" && r.body.isConnected ? r.body : null;
    }, WAIT);
    expect(connected).toMatchObject({ number: PHONE, qrcode: null });
    expect(await ownerOf(b, connectionId)).toBe("node-a");
    expect(live()).toBe(1);
  });

  test("a synchronous send through b goes out on a's socket, same answer shape; its Idempotency-Key replays through a", async () => {
    const body = { number: CONTACT, body: "Hola desde el nodo b", whatsappId: connectionId };
    const key = { "idempotency-key": "forward-send-1" };
    const viaB = await b.api("POST", "/api/v1/send", body, key);
    expect(viaB.status).toBe(201);
    const got = await contact.waitForMessage((m) => m.id === viaB.body.data[0].messageId);
    expect(got.text).toBe("Hola desde el nodo b");
    // The same key and body through a: the stored answer, nothing sent again.
    const replay = await a.api("POST", "/api/v1/send", body, key);
    expect(replay).toEqual(viaB);
    // A send through a (local) has the same shape as b's forwarded one.
    const viaA = await a.api("POST", "/api/v1/send", { ...body, body: "Hola desde el nodo a" });
    expect(viaA.status).toBe(201);
    expect(Object.keys(viaA.body).sort()).toEqual(Object.keys(viaB.body).sort());
    expect(Object.keys(viaA.body.data[0]).sort()).toEqual(Object.keys(viaB.body.data[0]).sort());
    await contact.waitForMessage((m) => m.id === viaA.body.data[0].messageId);
    expect(contact.inbox.filter((m) => m.text === "Hola desde el nodo b")).toHaveLength(1);
    expect(live()).toBe(1);
  });

  test("a pairing code asked through b reaches a's socket, which answers as it would on a", async () => {
    const viaB = await b.api("POST", `/api/v1/connections/${connectionId}/pairing-code`, { number: PHONE });
    const viaA = await a.api("POST", `/api/v1/connections/${connectionId}/pairing-code`, { number: PHONE });
    // A linked device cannot pair again: the driver's own refusal, from either node.
    expect(viaA).toMatchObject({ status: 409, body: { error: "ERR_CONFLICT" } });
    expect(viaB).toEqual(viaA);
  });

  test("restart through b restarts a's socket (a new login, never two at once)", async () => {
    const before = loginCount();
    const r = await b.api("POST", `/api/v1/connections/${connectionId}/restart`);
    expect(r.status).toBe(200);
    await waitFor(() => loginCount() > before && live() === 1, WAIT);
    await waitFor(
      async () => (await b.api("GET", `/api/v1/connections/${connectionId}`)).body.status === "CONNECTED",
      WAIT,
    );
    expect(await ownerOf(b, connectionId)).toBe("node-a");
    expect(wa.maxConcurrentLogins(PHONE)).toBe(1);
  });

  test("POST /admin/connections/:id/move hands the socket to b; a then forwards to b", async () => {
    const unknown = await a.api("POST", `/api/v1/admin/connections/${connectionId}/move`, { node: "nope" });
    expect(unknown).toMatchObject({ status: 404, body: { error: "ERR_NODE_NOT_FOUND" } });
    const noConnection = await a.api("POST", "/api/v1/admin/connections/9999/move", { node: "node-b" });
    expect(noConnection).toMatchObject({ status: 404, body: { error: "ERR_CONNECTION_NOT_FOUND" } });
    const before = loginCount();
    const moved = await a.api("POST", `/api/v1/admin/connections/${connectionId}/move`, { node: "node-b" });
    expect(moved).toEqual({
      status: 202,
      body: { connectionId, node: "node-b", from: "node-a", status: "requested" },
    });
    // Both nodes were told before the answer: a let go, b took the lease (its socket connects in the background).
    expect(await ownerOf(a, connectionId)).toBe("node-b");
    await loggedInAgain(before, a);
    // Never two sockets logged in as the device, over the whole run.
    expect(wa.maxConcurrentLogins(PHONE)).toBe(1);
    // Now a is the node without the socket: its send goes to b's.
    const viaA = await waitFor(async () => {
      const r = await a.api("POST", "/api/v1/send", {
        number: CONTACT,
        body: "Tras mover la conexión",
        whatsappId: connectionId,
      });
      return r.status === 201 ? r : null;
    }, WAIT);
    await contact.waitForMessage((m) => m.id === viaA.body.data[0].messageId);
    // A file uploaded to a goes to b's socket as bytes: the contact gets exactly them.
    const bytes = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), randomBytes(3000)]);
    const form = new FormData();
    form.set("number", CONTACT);
    form.set("whatsappId", String(connectionId));
    form.set("body", "la foto");
    form.append("medias", new File([bytes], "foto.png", { type: "image/png" }));
    const media = await fetch(`${a.url}/api/v1/send`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: form,
    });
    expect(media.status).toBe(201);
    const sent = (await media.json()) as { data: { messageId: string }[] };
    const got = await contact.waitForMessage((m) => m.id === sent.data[0]!.messageId);
    expect(got.mediaType).toBe("image");
    expect(got.text).toBe("la foto");
    expect((await contact.downloadMedia(got)).equals(bytes)).toBe(true);
  });

  test("chasqui nodes move hands the socket over at once too: owner and target told before it exits", async () => {
    for (const [to, from] of [
      [a, b],
      [b, a],
    ] as const) {
      const before = loginCount();
      const moved = await runCli(db, ["nodes", "move", String(connectionId), to.id], {
        CLUSTER_LEASE_TTL_MS: String(TTL_MS),
      });
      expect(moved).toMatchObject({ code: 0, stderr: "" });
      expect(moved.stdout).toContain(`connection ${connectionId} is moving to node ${to.id} now`);
      // Told before the command ended: the old owner let go and the target holds the lease.
      expect(await ownerOf(from, connectionId)).toBe(to.id);
      await loggedInAgain(before, from);
    }
    expect(wa.maxConcurrentLogins(PHONE)).toBe(1);
  });

  test("logout through a logs b's socket out: DISCONNECTED everywhere", async () => {
    const r = await a.api("POST", `/api/v1/connections/${connectionId}/logout`);
    expect(r).toMatchObject({ status: 200, body: { status: "DISCONNECTED" } });
    await waitFor(() => live() === 0, WAIT);
    for (const n of [a, b])
      expect((await n.api("GET", `/api/v1/connections/${connectionId}`)).body).toMatchObject({
        status: "DISCONNECTED",
        isConnected: false,
      });
    expect(wa.maxConcurrentLogins(PHONE)).toBe(1);
  });

  test("a call for a connection whose node died answers 409 ERR_WAPP_NOT_CONNECTED, then another node takes it over", async () => {
    // A sandbox connection created through b runs on b.
    const created = await b.api("POST", "/api/v1/connections", { name: "Sandbox b", driver: "sandbox" });
    expect(created.status).toBe(201);
    const id = created.body.id as number;
    expect(await ownerOf(a, id)).toBe("node-b");
    const send = () =>
      a.api("POST", "/api/v1/send", { number: "595991000799", body: "¿hay alguien?", whatsappId: id });
    await waitFor(async () => (await send()).status === 201, WAIT);
    b.proc.kill("SIGKILL");
    await b.proc.exited;
    const refused = await send();
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: "ERR_WAPP_NOT_CONNECTED", message: expect.any(String) });
    // Past the lease's expiry node a takes it and sends itself.
    await waitFor(async () => (await ownerOf(a, id)) === "node-a", WAIT);
    await waitFor(async () => (await send()).status === 201, WAIT);
  });

  test("the move endpoint refuses a dead node with 409 ERR_NODE_NOT_LIVE", async () => {
    const r = await a.api("POST", `/api/v1/admin/connections/${connectionId}/move`, { node: "node-b" });
    expect(r).toMatchObject({ status: 409, body: { error: "ERR_NODE_NOT_LIVE" } });
  });

  test("the internal route refuses a call without the owner's secret (404, as if it did not exist)", async () => {
    const res = await fetch(`${a.url}/internal/v1/gateways/${connectionId}/sendText`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-chasqui-node-secret": "guess" },
      body: JSON.stringify({ args: [CONTACT, "x"] }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "ERR_NOT_FOUND" });
  });
});
