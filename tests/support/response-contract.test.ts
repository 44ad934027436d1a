import { describe, expect, test } from "bun:test";
import { decodeData, EVENT_TYPE_CODES, encodeData } from "../../src/webhooks/event-codec";
import { createResponseContract } from "./response-contract";
import { createTestApp } from "./test-app";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** The checker createTestApp runs on every answer: it must catch what drifts, and only that. */
describe("the response contract of createTestApp", () => {
  test("passes a real answer, with fields the schema does not name", async () => {
    await using t = createTestApp();
    const contract = createResponseContract(t.app);
    const conn = await t.sandbox();
    const listed = await t.request("/api/v1/connections");
    const [first] = (await listed.json()) as object[];
    await contract.check("GET", "/api/v1/connections", json([{ ...first, extra: true }]));
    expect(first).toMatchObject({ id: conn.id });
  });

  test("rejects a body missing a documented field, naming the route, the status and the issue", async () => {
    await using t = createTestApp();
    const contract = createResponseContract(t.app);
    const err = await contract
      .check("GET", "/api/v1/queues/7", json({ id: 7, color: "#fff" }))
      .catch((e) => e);
    expect(String(err)).toContain("GET /api/v1/queues/{id} (/api/v1/queues/7) answered 200");
    expect(String(err)).toContain("  - name: Invalid input: expected string, received undefined");
  });

  test("rejects a status the route does not document, and an undocumented /api route answering JSON", async () => {
    await using t = createTestApp();
    const contract = createResponseContract(t.app);
    await expect(contract.check("GET", "/api/v1/connections", json([], 201))).rejects.toThrow(
      "a status it does not document (documented: 200,",
    );
    await expect(contract.check("GET", "/api/v1/nowhere", json({}))).rejects.toThrow("is not documented");
    // Outside /api (health, panel, docs) nothing is documented and nothing is checked.
    await contract.check("GET", "/health", json({ anything: 1 }));
  });

  test("rejects a stored event whose envelope breaks its documented event schema", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595991234567", body: "hola" });
    expect((await t.get("/api/v1/events")).status).toBe(200);
    // Rewrite the stored data (compact rows keep only `data`) without its contact.
    const rows = await t.rows<{ seq: number; data: Uint8Array }>(
      "select seq, data from events where type_code = ?",
      EVENT_TYPE_CODES.message_received,
    );
    for (const r of rows) {
      const { contact: _, ...data } = JSON.parse(decodeData(new Uint8Array(r.data)));
      await t.rows(
        "update events set data = ? where seq = ?",
        Buffer.from(encodeData(JSON.stringify(data))),
        r.seq,
      );
    }
    await expect(t.get("/api/v1/events")).rejects.toThrow(
      /events\.\d+\.payload \(message_received\)\.data\.contact: Invalid input: expected object/,
    );
  });
});
