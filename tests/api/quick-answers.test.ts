import { describe, expect, test } from "bun:test";
import { createTestApp } from "../support/test-app";

describe("/api/v1/quick-answers", () => {
  test("creates, reads, updates, lists by shortcut prefix and deletes", async () => {
    await using t = createTestApp();
    const a = await t.post("/api/v1/quick-answers", {
      shortcut: "Gracias",
      message: "¡Gracias por escribirnos!",
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      shortcut: "gracias",
      message: "¡Gracias por escribirnos!",
      mediaUrl: null,
    });
    const b = await t.post("/api/v1/quick-answers", {
      shortcut: "catalogo",
      message: "Le envío el catálogo",
      mediaUrl: "https://example.com/catalogo.pdf",
    });
    await t.post("/api/v1/quick-answers", { shortcut: "gracias-2", message: "Gracias, hasta pronto" });
    const shortcuts = async (q: string) =>
      (await t.get(`/api/v1/quick-answers${q}`)).body.quickAnswers.map((x: any) => x.shortcut);
    expect(await shortcuts("")).toEqual(["catalogo", "gracias", "gracias-2"]);
    expect(await shortcuts("?search=GRA")).toEqual(["gracias", "gracias-2"]);
    expect(await shortcuts("?search=cat")).toEqual(["catalogo"]);
    expect(await shortcuts("?search=%25")).toEqual([]);
    expect(await shortcuts("?search=atal")).toEqual([]);

    expect((await t.get(`/api/v1/quick-answers/${b.body.id}`)).body.mediaUrl).toBe(
      "https://example.com/catalogo.pdf",
    );
    const u = await t.put(`/api/v1/quick-answers/${b.body.id}`, { mediaUrl: null, message: "Catálogo 2025" });
    expect(u.body).toMatchObject({ shortcut: "catalogo", message: "Catálogo 2025", mediaUrl: null });
    expect((await t.del(`/api/v1/quick-answers/${a.body.id}`)).body).toEqual({
      message: "Quick answer deleted successfully",
    });
    expect(await shortcuts("")).toEqual(["catalogo", "gracias-2"]);
    expect((await t.get(`/api/v1/quick-answers/${a.body.id}`)).body).toEqual({
      error: "ERR_QUICK_ANSWER_NOT_FOUND",
      message: "Quick answer not found",
    });
  });

  test("a taken shortcut (any case) is 409 ERR_CONFLICT on create and update, and nothing changes", async () => {
    await using t = createTestApp();
    const a = await t.post("/api/v1/quick-answers", { shortcut: "hola", message: "Hola" });
    const b = await t.post("/api/v1/quick-answers", { shortcut: "chau", message: "Chau" });
    const dup = await t.post("/api/v1/quick-answers", { shortcut: "HOLA", message: "otro" });
    expect(dup).toMatchObject({ status: 409, body: { error: "ERR_CONFLICT" } });
    const upd = await t.put(`/api/v1/quick-answers/${b.body.id}`, { shortcut: "Hola" });
    expect(upd).toMatchObject({ status: 409, body: { error: "ERR_CONFLICT" } });
    // Its own shortcut is not a conflict.
    expect((await t.put(`/api/v1/quick-answers/${a.body.id}`, { shortcut: "HOLA" })).status).toBe(200);
    expect(
      (await t.get("/api/v1/quick-answers")).body.quickAnswers.map((x: any) => [x.shortcut, x.message]),
    ).toEqual([
      ["chau", "Chau"],
      ["hola", "Hola"],
    ]);
  });

  test("rejects bad input with 400 and unknown ids with 404", async () => {
    await using t = createTestApp();
    for (const body of [
      {},
      { shortcut: "", message: "x" },
      { shortcut: "con espacio", message: "x" },
      { shortcut: "ok", message: "" },
      { shortcut: "ok", message: "x", mediaUrl: "ftp://example.com/a" },
      { shortcut: "ok", message: "x", mediaUrl: "no es url" },
      { shortcut: "x".repeat(51), message: "x" },
    ]) {
      const r = await t.post("/api/v1/quick-answers", body);
      expect([JSON.stringify(body), r.status, r.body.error]).toEqual([
        JSON.stringify(body),
        400,
        "ERR_VALIDATION",
      ]);
    }
    expect((await t.put("/api/v1/quick-answers/99", { message: "x" })).status).toBe(404);
    expect((await t.del("/api/v1/quick-answers/99")).status).toBe(404);
    expect((await t.get("/api/v1/quick-answers")).body.quickAnswers).toEqual([]);
  });

  test("any token reads them; only admin tokens write them", async () => {
    await using t = createTestApp();
    const api = await t.apiToken();
    await t.post("/api/v1/quick-answers", { shortcut: "hola", message: "Hola" });
    expect((await t.get("/api/v1/quick-answers", api)).body.quickAnswers).toHaveLength(1);
    const denied = await t.post("/api/v1/quick-answers", { shortcut: "x", message: "x" }, api);
    expect(denied).toMatchObject({ status: 403, body: { error: "ERR_FORBIDDEN" } });
    expect((await t.get("/api/v1/quick-answers", null)).status).toBe(401);
  });

  test("used through the normal send route: its message and mediaUrl go out as one media message", async () => {
    await using t = createTestApp({ MEDIA_FETCH_ALLOW_PRIVATE: "true" });
    const png = Uint8Array.from(
      atob(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      ),
      (c) => c.charCodeAt(0),
    );
    using files = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response(png, { headers: { "content-type": "image/png" } }),
    });
    const conn = await t.sandbox();
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: "595991000001",
      body: "¿Tienen catálogo?",
    });
    const qa = await t.post("/api/v1/quick-answers", {
      shortcut: "catalogo",
      message: "Aquí está el catálogo",
      mediaUrl: `http://127.0.0.1:${files.port}/catalogo.png`,
    });
    // What the panel does when the agent picks /catalogo: the normal send route with body and mediaUrl.
    const sent = await t.post(`/api/v1/tickets/${inbound.body.ticketId}/messages/media-url`, {
      body: qa.body.message,
      mediaUrl: qa.body.mediaUrl,
    });
    expect(sent.status).toBe(201);
    const messages = (await t.get(`/api/v1/tickets/${inbound.body.ticketId}/messages`)).body.messages;
    expect(messages[0]).toMatchObject({ fromMe: true, body: "Aquí está el catálogo", mediaType: "image" });
  });
});
