import { describe, expect, test } from "bun:test";
import type { GatewayFactory, SentMessage } from "../../src/whatsapp/gateway";
import { createSandboxGateway } from "../../src/whatsapp/sandbox/sandbox-gateway";
import { createTestApp, type TestApp, waitFor } from "../support/test-app";

const CONTACT = "595991234567";

describe("Idempotency-Key", () => {
  test("a repeat returns the stored response and sends nothing", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const send = () =>
      t.request("/api/v1/send", {
        method: "POST",
        json: { number: CONTACT, body: "una vez" },
        headers: { "idempotency-key": "order-42" },
      });
    const a = await send();
    const b = await send();
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    const [ja, jb]: any[] = [await a.json(), await b.json()];
    expect(jb).toEqual(ja);
    expect((await t.get(`/api/v1/tickets/${ja.ticketId}/messages`)).body.count).toBe(1);
  });

  test("the same key with a different body is 409", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const h = { "idempotency-key": "k1" };
    expect(
      (await t.request("/api/v1/send", { method: "POST", json: { number: CONTACT, body: "a" }, headers: h }))
        .status,
    ).toBe(201);
    const r = await t.request("/api/v1/send", {
      method: "POST",
      json: { number: CONTACT, body: "b" },
      headers: h,
    });
    expect(r.status).toBe(409);
    expect(((await r.json()) as any).error).toBe("ERR_IDEMPOTENCY_KEY_REUSED");
  });

  test("multipart repeats match even though each client picks a new boundary", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const send = () => {
      const fd = new FormData();
      fd.set("number", CONTACT);
      fd.set("body", "con archivo");
      fd.set("medias", new File(["%PDF-1.4 x"], "a.pdf"));
      return t.request("/api/send", { method: "POST", body: fd, headers: { "idempotency-key": "mp-1" } });
    };
    const a: any = await (await send()).json();
    const b = await send();
    expect(b.status).toBe(200);
    expect(((await b.json()) as any).data[0].messageId).toBe(a.data[0].messageId);
  });

  test("a failed request is not stored, so the same key can be retried", async () => {
    await using t = createTestApp();
    const h = { "idempotency-key": "retry-me" };
    const first = await t.request("/api/v1/send", {
      method: "POST",
      json: { number: CONTACT, body: "x" },
      headers: h,
    });
    expect(first.status).toBe(400);
    await t.sandbox();
    const second = await t.request("/api/v1/send", {
      method: "POST",
      json: { number: CONTACT, body: "x" },
      headers: h,
    });
    expect(second.status).toBe(201);
  });

  test("keys are scoped per token", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const h = { "idempotency-key": "shared" };
    await t.request("/api/v1/send", { method: "POST", json: { number: CONTACT, body: "admin" }, headers: h });
    const other = await t.request("/api/v1/send", {
      method: "POST",
      json: { number: CONTACT, body: "api" },
      headers: h,
      token: await t.apiToken(),
    });
    expect(other.status).toBe(201);
  });
});

test("keys older than 24 h are pruned, newer ones kept", async () => {
  let now = Date.parse("2026-01-01T00:00:00Z");
  await using t = createTestApp({}, { clock: () => now });
  await t.sandbox();
  const send = (key: string) =>
    t.request("/api/v1/send", {
      method: "POST",
      json: { number: CONTACT, body: key },
      headers: { "idempotency-key": key },
    });
  await send("old");
  now += 23 * 60 * 60 * 1000;
  await send("recent");
  now += 2 * 60 * 60 * 1000;
  expect(await t.services.idempotency.prune()).toBe(1);
  expect(await t.rows("select key from idempotency_keys order by key")).toEqual([{ key: "recent" }]);
});

/** A sandbox whose sends can be held open or made to fail, to look at a key while its send runs. */
function controlledSandbox() {
  const state = {
    sends: 0,
    /** Called before each send; may throw to fail it or wait to hold it. */
    beforeSend: async (_n: number) => {},
  };
  const factory: GatewayFactory = (conn, ev) => {
    const gw = createSandboxGateway(conn, ev);
    const wrap =
      <A extends unknown[]>(fn: (...a: A) => Promise<SentMessage>) =>
      async (...a: A) => {
        await state.beforeSend(++state.sends);
        return fn(...a);
      };
    return { ...gw, sendText: wrap(gw.sendText), sendMedia: wrap(gw.sendMedia) };
  };
  return { state, factory };
}

const keyRows = (t: TestApp) =>
  t.rows(`select key, state, status_code as "statusCode" from idempotency_keys`);

describe("Idempotency-Key across failures", () => {
  test("the key is reserved durably (in_progress) before WhatsApp is asked, and completed with the message", async () => {
    const wa = controlledSandbox();
    await using t = createTestApp({}, { factories: { sandbox: wa.factory } });
    await t.sandbox();
    let seen: unknown[] = [];
    wa.state.beforeSend = async () => {
      seen = await keyRows(t);
    };
    const r = await t.request("/api/v1/send", {
      method: "POST",
      json: { number: CONTACT, body: "hola" },
      headers: { "idempotency-key": "reserved-first" },
    });
    expect(r.status).toBe(201);
    expect(seen).toEqual([{ key: "reserved-first", state: "in_progress", statusCode: null }]);
    expect(await keyRows(t)).toEqual([{ key: "reserved-first", state: "completed", statusCode: 201 }]);
  });

  test("a key reserved by a process that died answers 409 ERR_IDEMPOTENCY_OUTCOME_UNKNOWN and sends nothing", async () => {
    const wa = controlledSandbox();
    await using t = createTestApp({}, { factories: { sandbox: wa.factory } });
    await t.sandbox();
    const json = { number: CONTACT, body: "cortado" };
    const h = { "idempotency-key": "cut-off" };
    // The first attempt is reserved, then the process "dies" mid-send: the row stays in_progress with
    // the old process as owner.
    wa.state.beforeSend = () => new Promise(() => {});
    void t.request("/api/v1/send", { method: "POST", json, headers: h });
    await waitFor(() => wa.state.sends === 1);
    await t.rows("update idempotency_keys set owner = 'a-process-that-died'");
    wa.state.beforeSend = async () => {};
    const r = await t.request("/api/v1/send", { method: "POST", json, headers: h });
    expect(r.status).toBe(409);
    const body = (await r.json()) as any;
    expect(body.error).toBe("ERR_IDEMPOTENCY_OUTCOME_UNKNOWN");
    expect(body.message).toContain("check the ticket's messages");
    expect(wa.state.sends).toBe(1);
  });

  test("a duplicate while the first is still sending is 409, and the first completes", async () => {
    const wa = controlledSandbox();
    await using t = createTestApp({}, { factories: { sandbox: wa.factory } });
    await t.sandbox();
    let release = () => {};
    wa.state.beforeSend = () => new Promise<void>((r) => (release = r));
    const send = () =>
      t.request("/api/v1/send", {
        method: "POST",
        json: { number: CONTACT, body: "doble" },
        headers: { "idempotency-key": "in-flight" },
      });
    const first = send();
    await waitFor(() => wa.state.sends === 1);
    const second = await send();
    expect(second.status).toBe(409);
    expect(((await second.json()) as any).error).toBe("ERR_IDEMPOTENCY_KEY_REUSED");
    release();
    expect((await first).status).toBe(201);
    expect(wa.state.sends).toBe(1);
  });

  test("a request that fails before anything is sent releases its key", async () => {
    const wa = controlledSandbox();
    await using t = createTestApp({}, { factories: { sandbox: wa.factory } });
    await t.sandbox();
    wa.state.beforeSend = async () => {
      throw new Error("socket closed");
    };
    const send = () =>
      t.request("/api/v1/send", {
        method: "POST",
        json: { number: CONTACT, body: "reintento" },
        headers: { "idempotency-key": "fails-cleanly" },
      });
    expect((await send()).status).toBe(502);
    expect(await keyRows(t)).toEqual([]);
    wa.state.beforeSend = async () => {};
    expect((await send()).status).toBe(201);
  });

  test("a media list that fails after its first file left is 502, and a retry with the key is outcome unknown", async () => {
    const wa = controlledSandbox();
    await using t = createTestApp({}, { factories: { sandbox: wa.factory } });
    await t.sandbox();
    wa.state.beforeSend = async (n) => {
      if (n === 2) throw new Error("socket closed");
    };
    const send = () => {
      const fd = new FormData();
      fd.set("number", CONTACT);
      fd.append("medias", new File(["%PDF-1.4 a"], "a.pdf"));
      fd.append("medias", new File(["%PDF-1.4 b"], "b.pdf"));
      return t.request("/api/v1/send", { method: "POST", body: fd, headers: { "idempotency-key": "half" } });
    };
    expect((await send()).status).toBe(502);
    const retry = await send();
    expect(retry.status).toBe(409);
    expect(((await retry.json()) as any).error).toBe("ERR_IDEMPOTENCY_OUTCOME_UNKNOWN");
    expect(wa.state.sends).toBe(2);
  });

  test("a media list's whole answer is replayed: every message it created", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "hola",
    });
    const send = () => {
      const fd = new FormData();
      fd.set("body", "dos archivos");
      fd.append("medias", new File(["%PDF-1.4 a"], "a.pdf"));
      fd.append("medias", new File(["%PDF-1.4 b"], "b.pdf"));
      return t.request(`/api/v1/tickets/${inbound.body.ticketId}/messages/media`, {
        method: "POST",
        body: fd,
        headers: { "idempotency-key": "two-files" },
      });
    };
    const a: any = await (await send()).json();
    const b = await send();
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(await b.json()).toEqual(a);
    expect(a.data).toHaveLength(2);
  });
});

test("pruning many expired keys takes them in batches until none is left, and keeps the fresh ones", async () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  await using t = createTestApp({}, { clock: () => now });
  const day = 24 * 60 * 60 * 1000;
  // More than two batches of expired keys, spread over the hour before the cutoff, and some fresh ones.
  const keys: [string, number][] = [];
  for (let i = 0; i < 1_234; i++) keys.push([`old-${i}`, now - day - 1 - (i % 3_600_000)]);
  for (let i = 0; i < 10; i++) keys.push([`new-${i}`, now - day + 1 + i]);
  // created_at: ms on SQLite, a timestamptz on PostgreSQL.
  const at = t.postgres ? "to_timestamp(? / 1000.0)" : "?";
  await t.rows(
    `insert into idempotency_keys (principal, key, request_hash, state, created_at) values ${keys
      .map(() => `(0, ?, 'h', 'completed', ${at})`)
      .join(", ")}`,
    ...keys.flat(),
  );
  expect(await t.services.idempotency.prune()).toBe(1_234);
  expect(await t.rows("select count(*) as n from idempotency_keys")).toEqual([{ n: 10 }]);
  expect(await t.services.idempotency.prune()).toBe(0);
});
