import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

const NUMBER = "595991234567";

describe("/api/v1/contacts/{number}/notes", () => {
  test("adds notes with author and time, lists them newest first, edits and deletes", async () => {
    let now = Date.parse("2026-11-25T10:00:00Z");
    await using t = createTestApp({}, { clock: () => now });
    await t.post("/api/v1/contacts", { number: NUMBER, name: "Juan" });
    const ana = (await t.post("/api/v1/users", { name: "Ana", email: "ana@example.com" })).body.id;
    const first = await t.post(`/api/v1/contacts/${NUMBER}/notes`, {
      body: "Cliente mayorista",
      userId: ana,
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      body: "Cliente mayorista",
      userId: ana,
      user: { id: ana, name: "Ana" },
      createdAt: "2026-11-25T10:00:00.000Z",
    });
    now += 60_000;
    // Written through an API token: no author. The number may be written as people do.
    const second = await t.post("/api/v1/contacts/+595 991 234 567/notes", { body: "Llamar por la tarde" });
    expect(second.body).toMatchObject({ userId: null, user: null });

    const list = async () =>
      (await t.get(`/api/v1/contacts/${NUMBER}/notes`)).body.notes.map((n: any) => [
        n.body,
        n.user?.name ?? null,
      ]);
    expect(await list()).toEqual([
      ["Llamar por la tarde", null],
      ["Cliente mayorista", "Ana"],
    ]);

    now += 60_000;
    const edited = await t.put(`/api/v1/contacts/${NUMBER}/notes/${first.body.id}`, {
      body: "Mayorista (desde 2024)",
    });
    expect(edited.body).toMatchObject({
      body: "Mayorista (desde 2024)",
      userId: ana,
      createdAt: "2026-11-25T10:00:00.000Z",
      updatedAt: "2026-11-25T10:02:00.000Z",
    });
    expect((await t.del(`/api/v1/contacts/${NUMBER}/notes/${second.body.id}`)).body).toEqual({
      message: "Note deleted successfully",
    });
    expect(await list()).toEqual([["Mayorista (desde 2024)", "Ana"]]);

    // Deleting the author keeps the note, without author.
    await t.del(`/api/v1/users/${ana}`);
    expect(await list()).toEqual([["Mayorista (desde 2024)", null]]);
  });

  test("unknown contact, note, user or another contact's note are 404; bad bodies are 400", async () => {
    await using t = createTestApp();
    expect((await t.get(`/api/v1/contacts/${NUMBER}/notes`)).body.error).toBe("ERR_CONTACT_NOT_FOUND");
    await t.post("/api/v1/contacts", { number: NUMBER, name: "Juan" });
    await t.post("/api/v1/contacts", { number: "595991000002", name: "Otro" });
    const other = await t.post("/api/v1/contacts/595991000002/notes", { body: "del otro" });
    expect((await t.del(`/api/v1/contacts/${NUMBER}/notes/${other.body.id}`)).body.error).toBe(
      "ERR_NOTE_NOT_FOUND",
    );
    expect((await t.put(`/api/v1/contacts/${NUMBER}/notes/999`, { body: "x" })).body.error).toBe(
      "ERR_NOTE_NOT_FOUND",
    );
    expect((await t.post(`/api/v1/contacts/${NUMBER}/notes`, { body: "x", userId: 99 })).body.error).toBe(
      "ERR_USER_NOT_FOUND",
    );
    for (const body of [{}, { body: "   " }, { body: "x".repeat(10_001) }, { body: "x", userId: "ana" }]) {
      const r = await t.post(`/api/v1/contacts/${NUMBER}/notes`, body);
      expect([JSON.stringify(body).slice(0, 40), r.status]).toEqual([JSON.stringify(body).slice(0, 40), 400]);
    }
    expect((await t.get(`/api/v1/contacts/${NUMBER}/notes`)).body.notes).toEqual([]);
    expect((await t.get("/api/v1/contacts/595991000002/notes")).body.notes).toHaveLength(1);
    expect((await t.get(`/api/v1/contacts/${NUMBER}/notes`, null)).status).toBe(401);
  });

  test("purging the contact deletes its notes", async () => {
    await using t = createTestApp();
    await t.post("/api/v1/contacts", { number: NUMBER, name: "Juan" });
    await t.post(`/api/v1/contacts/${NUMBER}/notes`, { body: "nota" });
    expect((await t.del(`/api/v1/contacts/${NUMBER}`)).status).toBe(200);
    const n = t.db.$client.query("select count(*) as n from contact_notes").get() as { n: number };
    expect(n.n).toBe(0);
  });
});
