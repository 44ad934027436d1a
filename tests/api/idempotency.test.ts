import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

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
      token: t.apiToken(),
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
  expect(t.services.idempotency.prune()).toBe(1);
  const keys = t.db.$client.query("select key from idempotency_keys order by key").all();
  expect(keys).toEqual([{ key: "recent" }]);
});
