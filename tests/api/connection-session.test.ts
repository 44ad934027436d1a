import { describe, expect, test } from "bun:test";
import type { GatewayEvents, WhatsAppGateway } from "../../src/whatsapp/gateway";
import { createTestApp } from "../support/test-app";

/** A stand-in for the baileys driver that shows a QR and accepts a pairing code, to test the routes. */
function qrGateway(events: GatewayEvents): WhatsAppGateway {
  let status: ReturnType<WhatsAppGateway["status"]> = "OPENING";
  const fail = async (): Promise<never> => {
    throw new Error("not linked");
  };
  return {
    driver: "baileys",
    async start() {
      status = "qrcode";
      await events.status("qrcode", { qrcode: "2@abc,def,ghi,jkl" });
    },
    async stop() {},
    async logout() {
      status = "DISCONNECTED";
      await events.status("DISCONNECTED", { qrcode: null, reason: "logged out" });
    },
    status: () => status,
    async requestPairingCode() {
      status = "PAIRING";
      // As the Baileys driver: stored before the code is answered (GatewayEvents.status).
      await events.status("PAIRING", { qrcode: null });
      return "ABCD1234";
    },
    sendText: fail,
    sendMedia: fail,
    editText: fail,
    revoke: fail,
    react: fail,
    markRead: fail,
    sendPresence: fail,
    checkNumber: fail,
    profilePicUrl: async () => null,
  };
}

describe("connection session routes", () => {
  test("the QR comes as JSON, PNG or SVG", async () => {
    await using t = createTestApp({}, { factories: { baileys: (_c, events) => qrGateway(events) } });
    const conn = await t.post("/api/v1/connections", { name: "Real" });
    expect(conn.body.status).toBe("qrcode");
    const json = await t.get(`/api/v1/connections/${conn.body.id}/qrcode`);
    expect(json.body).toEqual({ status: "qrcode", qrcode: "2@abc,def,ghi,jkl" });
    const png = await t.request(`/api/v1/connections/${conn.body.id}/qrcode`, {
      headers: { accept: "image/png" },
    });
    expect(png.headers.get("content-type")).toBe("image/png");
    expect([...new Uint8Array(await png.arrayBuffer()).slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const svg = await t.request(`/api/v1/connections/${conn.body.id}/qrcode`, {
      headers: { accept: "image/svg+xml" },
    });
    expect(await svg.text()).toContain("<svg");
  });

  test("a pairing code is returned and the status becomes PAIRING", async () => {
    await using t = createTestApp({}, { factories: { baileys: (_c, events) => qrGateway(events) } });
    const conn = await t.post("/api/v1/connections", { name: "Real" });
    const r = await t.post(`/api/v1/connections/${conn.body.id}/pairing-code`, { number: "+595 981 234567" });
    expect(r).toMatchObject({ status: 200, body: { code: "ABCD1234" } });
    expect((await t.get(`/api/v1/connections/${conn.body.id}`)).body.status).toBe("PAIRING");
    expect(
      (await t.post(`/api/v1/connections/${conn.body.id}/pairing-code`, { number: "x" })).body.error,
    ).toBe("ERR_INVALID_NUMBER");
  });

  test("a connected phone has no QR: JSON says null, an image is 404", async () => {
    await using t = createTestApp();
    const s = await t.sandbox();
    expect((await t.get(`/api/v1/connections/${s.id}/qrcode`)).body).toEqual({
      status: "CONNECTED",
      qrcode: null,
    });
    const png = await t.request(`/api/v1/connections/${s.id}/qrcode`, { headers: { accept: "image/png" } });
    expect(png.status).toBe(404);
    expect(((await png.json()) as any).error).toBe("ERR_NOT_FOUND");
  });

  test("logout disconnects and restart reconnects", async () => {
    await using t = createTestApp();
    const s = await t.sandbox();
    const out = await t.post(`/api/v1/connections/${s.id}/logout`);
    expect(out.body).toEqual({ message: "Connection logged out", status: "DISCONNECTED" });
    expect((await t.post("/api/v1/send", { number: "595991234567", body: "x" })).body.error).toBe(
      "ERR_WAPP_NOT_CONNECTED",
    );
    const back = await t.post(`/api/v1/connections/${s.id}/restart`);
    expect(back.body).toEqual({ message: "Connection restarted", status: "CONNECTED" });
    expect((await t.post("/api/v1/send", { number: "595991234567", body: "x" })).status).toBe(201);
  });

  test("session routes need the admin scope and an existing connection", async () => {
    await using t = createTestApp();
    const s = await t.sandbox();
    for (const path of ["restart", "logout"]) {
      expect(
        (await t.post(`/api/v1/connections/${s.id}/${path}`, undefined, await t.apiToken())).status,
      ).toBe(403);
      expect((await t.post(`/api/v1/connections/99/${path}`)).status).toBe(404);
    }
    expect((await t.get(`/api/v1/connections/${s.id}/qrcode`, await t.apiToken())).status).toBe(403);
  });
});

describe("inbound media that failed to download", () => {
  test("is stored with hasMedia and no file, then attached by a later retry", async () => {
    let available = false;
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const factory = (_c: unknown, events: GatewayEvents): WhatsAppGateway => ({
      ...qrGateway(events),
      status: () => "CONNECTED",
      async start() {
        events.status("CONNECTED", { qrcode: null, number: "595981234567" });
      },
      async retryMediaDownload(ref: string) {
        if (!available) throw new Error("CDN still down");
        expect(ref).toBe("ref-1");
        return { bytes: png, mimeType: "image/png", filename: null };
      },
    });
    await using t = createTestApp({}, { factories: { baileys: factory } });
    const conn = await t.post("/api/v1/connections", { name: "Real" });
    const r = (await t.services.messages.receive(conn.body.id, {
      id: "3EB0MEDIAFAIL",
      from: "595991234567",
      fromMe: false,
      pushName: "Ana",
      body: "foto",
      mediaType: "image",
      media: "failed",
      mediaRef: "ref-1",
      quotedMsgId: null,
      timestampSec: 1,
    }))!;
    const first = (await t.get(`/api/v1/tickets/${r.ticketId}/messages`)).body.messages[0];
    expect(first).toMatchObject({
      id: "3EB0MEDIAFAIL",
      hasMedia: true,
      mediaUrl: null,
      mediaType: "image",
      body: "foto",
    });
    expect(await t.services.messages.retryPendingMedia()).toBe(0);
    available = true;
    expect(await t.services.messages.retryPendingMedia()).toBe(1);
    const after = (await t.get(`/api/v1/tickets/${r.ticketId}/messages`)).body.messages[0];
    expect(after.mediaUrl).toStartWith("http://chasqui.test/public/");
    expect(await t.services.messages.retryPendingMedia()).toBe(0);
  });
});

/**
 * A driver that counts the gateways alive (created and not stopped), with an async factory and start, like
 * the baileys driver (lazy import, socket set-up): the places where concurrent requests interleave.
 */
function countingDriver() {
  const live = new Set<number>();
  let created = 0;
  let maxLive = 0;
  const turn = () => new Promise<void>((r) => setImmediate(r));
  const factory = async (_c: { id: number }, events: GatewayEvents): Promise<WhatsAppGateway> => {
    await turn();
    const n = ++created;
    live.add(n);
    maxLive = Math.max(maxLive, live.size);
    const gw = qrGateway(events);
    return {
      ...gw,
      async start() {
        await turn();
        await gw.start();
      },
      async stop() {
        await turn();
        live.delete(n);
      },
    };
  };
  return { factory, live, maxLive: () => maxLive };
}

describe("session lifecycle under concurrent requests", () => {
  test("three concurrent restarts leave exactly one gateway running", async () => {
    const driver = countingDriver();
    await using t = createTestApp({}, { factories: { baileys: driver.factory } });
    const conn = await t.post("/api/v1/connections", { name: "Real" });
    const restarts = await Promise.all(
      [1, 2, 3].map(() => t.post(`/api/v1/connections/${conn.body.id}/restart`)),
    );
    expect(restarts.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(driver.live.size).toBe(1);
    expect(driver.maxLive()).toBe(1);
  });

  test("a delete racing restarts leaves no gateway running", async () => {
    const driver = countingDriver();
    await using t = createTestApp({}, { factories: { baileys: driver.factory } });
    const conn = await t.post("/api/v1/connections", { name: "Real" });
    const id = conn.body.id;
    const results = await Promise.all([
      t.post(`/api/v1/connections/${id}/restart`),
      t.del(`/api/v1/connections/${id}`),
      t.post(`/api/v1/connections/${id}/restart`),
      t.post(`/api/v1/connections/${id}/restart`),
    ]);
    expect(results[1]!.status).toBe(200);
    expect(driver.live.size).toBe(0);
    expect(driver.maxLive()).toBe(1);
    expect(t.sessions.ids()).toEqual([]);
  });

  test("stopping every session during a start leaves none running, and later starts do nothing", async () => {
    const driver = countingDriver();
    await using t = createTestApp({}, { factories: { baileys: driver.factory } });
    const conn = await t.post("/api/v1/connections", { name: "Real" });
    const restart = t.post(`/api/v1/connections/${conn.body.id}/restart`);
    await t.sessions.stopAll();
    await restart;
    expect(driver.live.size).toBe(0);
    await t.sessions.start({ id: conn.body.id, driver: "baileys", number: null });
    expect(driver.live.size).toBe(0);
  });
});
