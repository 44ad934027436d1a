import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

describe("GET /api/v1/contacts", () => {
  test("lists contacts by name, searches by part of the name or number, and pages", async () => {
    await using t = createTestApp();
    for (const [number, name] of [
      ["595991000001", "Zoe Ruiz"],
      ["595991000002", "ana López"],
      ["595992000003", "Carlos 100%"],
    ])
      expect((await t.post("/api/v1/contacts", { number, name })).status).toBe(201);

    const all = await t.get("/api/v1/contacts");
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ count: 3, hasMore: false, page: 1, limit: 20 });
    expect(all.body.contacts.map((c: any) => c.name)).toEqual(["Carlos 100%", "Zoe Ruiz", "ana López"]);
    expect(Object.keys(all.body.contacts[0]).sort()).toEqual(
      ["createdAt", "email", "id", "isGroup", "name", "number", "profilePicUrl", "updatedAt"].sort(),
    );

    const byName = await t.get("/api/v1/contacts?search=ANA");
    expect(byName.body.contacts.map((c: any) => c.number)).toEqual(["595991000002"]);
    const byNumber = await t.get(`/api/v1/contacts?search=${encodeURIComponent("+595 992")}`);
    expect(byNumber.body.contacts.map((c: any) => c.name)).toEqual(["Carlos 100%"]);
    // `%` is a literal character, not a wildcard.
    expect((await t.get("/api/v1/contacts?search=%25")).body.count).toBe(1);

    const page2 = await t.get("/api/v1/contacts?limit=2&page=2");
    expect(page2.body).toMatchObject({ count: 3, hasMore: false, page: 2, limit: 2 });
    expect(page2.body.contacts).toHaveLength(1);
    expect((await t.get("/api/v1/contacts?limit=2")).body.hasMore).toBe(true);
  });

  test("needs a token and validates the page", async () => {
    await using t = createTestApp();
    expect((await t.get("/api/v1/contacts", null)).status).toBe(401);
    expect((await t.get("/api/v1/contacts?limit=0")).body.error).toBe("ERR_VALIDATION");
    // The number route behind it still answers.
    expect((await t.get("/api/v1/contacts/595991000001")).body.error).toBe("ERR_CONTACT_NOT_FOUND");
  });
});

describe("GET /api/v1/me", () => {
  test("tells the token's name and scope", async () => {
    await using t = createTestApp();
    expect((await t.get("/api/v1/me")).body).toEqual({ tokenId: null, name: "API_TOKEN", scope: "admin" });
    const created = await t.post("/api/v1/tokens", { name: "operadora", scope: "api" });
    expect((await t.get("/api/v1/me", created.body.token)).body).toEqual({
      tokenId: created.body.id,
      name: "operadora",
      scope: "api",
    });
    expect((await t.get("/api/v1/me", null)).status).toBe(401);
  });
});
