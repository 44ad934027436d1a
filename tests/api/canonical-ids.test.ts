import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

/** Spellings that JavaScript's Number() reads as a positive integer, but that are not one written plainly. */
const NON_CANONICAL = [
  "0x1",
  "0x10",
  "1e0",
  "1e1",
  "+1",
  "01",
  "1.0",
  "1.",
  " 1",
  "1 ",
  "0b1",
  "0o1",
  "0",
  "-1",
  "9007199254740992",
  "12345678901234567",
];

type IntParam = { method: string; path: string; name: string; in: "path" | "query" };

/** Every integer path or query parameter of every operation in /openapi.json. */
async function integerParams() {
  await using t = createTestApp();
  const doc: any = await (await t.request("/openapi.json", { token: null })).json();
  const out: IntParam[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      for (const p of op.parameters ?? []) {
        if ((p.in === "path" || p.in === "query") && p.schema?.type === "integer")
          out.push({ method: method.toUpperCase(), path, name: p.name, in: p.in });
      }
    }
  }
  return out;
}

function urlWith(p: IntParam, value: string) {
  const path = p.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
    name === p.name && p.in === "path" ? encodeURIComponent(value) : "1",
  );
  return p.in === "query" ? `${path}?${p.name}=${encodeURIComponent(value)}` : path;
}

describe("integer ids and numbers in paths and queries", async () => {
  const params = await integerParams();

  test("the OpenAPI document has integer path and query parameters to check", () => {
    expect(params.filter((p) => p.in === "path").length).toBeGreaterThan(30);
    expect(params.filter((p) => p.in === "query").map((p) => p.name)).toEqual(
      expect.arrayContaining(["page", "limit", "whatsappId", "queueId", "connectionId", "webhookId"]),
    );
  });

  for (const p of params) {
    test(`${p.method} ${p.path} refuses a non-canonical ${p.in} ${p.name} with 400 ERR_VALIDATION`, async () => {
      await using t = createTestApp();
      const wrong: string[] = [];
      for (const value of NON_CANONICAL) {
        const res = await t.call(p.method, urlWith(p, value));
        const ok =
          res.status === 400 &&
          res.body.error === "ERR_VALIDATION" &&
          typeof res.body.message === "string" &&
          res.body.details?.[0]?.path === p.name;
        if (!ok) wrong.push(`${JSON.stringify(value)} → ${res.status} ${JSON.stringify(res.body)}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  test("a canonical id still reaches its record, and a hex spelling no longer deletes another one", async () => {
    await using t = createTestApp();
    const tags = [];
    for (let i = 1; i <= 16; i++)
      tags.push((await t.post("/api/v1/tags", { name: `t${i}`, color: "#000" })).body);
    expect(tags[15].id).toBe(16);
    expect((await t.del("/api/v1/tags/0x10")).status).toBe(400);
    expect((await t.get("/api/v1/tags/16")).body).toMatchObject({ id: 16, name: "t16" });
    expect((await t.get("/api/v1/tickets?page=1&limit=100")).status).toBe(200);
    expect((await t.get("/api/v1/tickets?page=1e1")).status).toBe(400);
  });
});
