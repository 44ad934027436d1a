import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

const CONTACT = "595991234567";

describe("GET /api/v1/contacts/:number", () => {
  test("returns the contact with every documented field", async () => {
    await using t = createTestApp();
    await t.post("/api/v1/contacts", { number: CONTACT, name: "Juan Pérez", email: "juan@example.com" });
    const r = await t.get(`/api/v1/contacts/${CONTACT}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: "Juan Pérez",
      number: CONTACT,
      email: "juan@example.com",
      profilePicUrl: null,
      isGroup: false,
    });
    expect(Object.keys(r.body).sort()).toEqual([
      "createdAt",
      "email",
      "id",
      "isGroup",
      "name",
      "number",
      "profilePicUrl",
      "updatedAt",
    ]);
  });

  test("returns 404 ERR_CONTACT_NOT_FOUND and 400 for a malformed number", async () => {
    await using t = createTestApp();
    expect((await t.get(`/api/v1/contacts/${CONTACT}`)).body).toEqual({
      error: "ERR_CONTACT_NOT_FOUND",
      message: "Contact not found",
    });
    expect((await t.get("/api/v1/contacts/abc")).body.error).toBe("ERR_INVALID_NUMBER");
  });
});

describe("POST /api/v1/contacts", () => {
  test("creates (201) then updates name and email (200)", async () => {
    await using t = createTestApp();
    const a = await t.post("/api/v1/contacts", {
      number: CONTACT,
      name: "María",
      email: "maria@example.com",
    });
    expect(a).toMatchObject({
      status: 201,
      body: { contact: { name: "María", email: "maria@example.com" } },
    });
    const b = await t.post("/api/v1/contacts", { number: CONTACT, name: "María García" });
    expect(b).toMatchObject({
      status: 200,
      body: { contact: { id: a.body.contact.id, name: "María García", email: "maria@example.com" } },
    });
  });

  test("checks the number on WhatsApp when a connection is up", async () => {
    await using t = createTestApp();
    await t.sandbox();
    const r = await t.post("/api/v1/contacts", { number: "595990000000", name: "Nadie" });
    expect(r).toMatchObject({ status: 400, body: { error: "ERR_WAPP_INVALID_CONTACT" } });
  });

  test("validates email and number", async () => {
    await using t = createTestApp();
    expect((await t.post("/api/v1/contacts", { number: CONTACT, email: "not-an-email" })).body.error).toBe(
      "ERR_VALIDATION",
    );
    expect((await t.post("/api/v1/contacts", { number: "12" })).body.error).toBe("ERR_INVALID_NUMBER");
  });
});

describe("POST /api/v1/contacts/validate", () => {
  test("answers valid and invalid numbers with 200", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    expect(
      (await t.post("/api/v1/contacts/validate", { number: CONTACT, whatsappId: conn.id })).body,
    ).toEqual({
      valid: true,
      number: CONTACT,
      profilePicUrl: null,
    });
    expect((await t.post("/api/v1/contacts/validate", { number: "595990000000" })).body).toEqual({
      valid: false,
      number: "595990000000",
      profilePicUrl: null,
    });
  });

  test("returns 409 when the connection cannot check and 404 for an unknown one", async () => {
    await using t = createTestApp();
    const conn = await t.sandbox();
    expect((await t.post("/api/v1/contacts/validate", { number: CONTACT, whatsappId: 99 })).status).toBe(404);
    await t.sessions.get(conn.id)!.logout();
    expect((await t.post("/api/v1/contacts/validate", { number: CONTACT })).body.error).toBe(
      "ERR_WAPP_NOT_CONNECTED",
    );
  });
});
