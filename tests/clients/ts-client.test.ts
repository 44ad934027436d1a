import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createChasquiClient } from "../../clients/ts/index";
import { currentOpenApiDocument, renderSchema, SCHEMA_PATH } from "../../scripts/generate-client";
import { createTestApp } from "../support/test-app";

const ROOT = join(import.meta.dir, "../..");
const CONTACT = "595991234567";

describe("clients/ts", () => {
  // Bundling openapi-typescript with the TypeScript 5 compiler takes a few seconds on a busy machine.
  test(
    "schema.d.ts is what the server's current OpenAPI document generates",
    async () => {
      const expected = await renderSchema(await currentOpenApiDocument());
      const committed = await Bun.file(SCHEMA_PATH).text();
      if (committed !== expected) {
        const a = committed.split("\n");
        const b = expected.split("\n");
        const line = a.findIndex((l, i) => l !== b[i]);
        throw new Error(
          `clients/ts/schema.d.ts is out of date with /openapi.json (first difference at line ${line + 1}: ` +
            `committed ${JSON.stringify(a[line])}, generated ${JSON.stringify(b[line])}). ` +
            "Regenerate it with `bun run client:generate` and commit the result.",
        );
      }
      expect(committed).toBe(expected);
    },
    { timeout: 120_000 },
  );

  test("the typed client talks to a real server", async () => {
    await using t = createTestApp();
    using server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
    const conn = await t.sandbox();
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "Hola",
      name: "Juan Pérez",
    });
    const ticketId = inbound.body.ticketId as number;
    const chasqui = createChasquiClient({ baseUrl: `${server.url}`, token: await t.apiToken() });

    const list = await chasqui.GET("/api/v1/tickets", { params: { query: { status: "pending" } } });
    expect(list.response.status).toBe(200);
    expect(list.data).toEqual((await t.get("/api/v1/tickets?status=pending")).body);

    const sent = await chasqui.POST("/api/v1/tickets/{ticketId}/messages", {
      params: { path: { ticketId } },
      body: { body: "Hola Juan" },
    });
    expect(sent.response.status).toBe(201);
    expect(sent.data?.data).toMatchObject({ ticketId, body: "Hola Juan", fromMe: true });

    const missing = await chasqui.GET("/api/v1/tickets/{ticketId}", { params: { path: { ticketId: 999 } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toEqual({ error: "ERR_TICKET_NOT_FOUND", message: "Ticket not found" });

    const anonymous = createChasquiClient({ baseUrl: `${server.url}`, token: "wrong" });
    expect((await anonymous.GET("/api/v1/connections")).error).toMatchObject({ error: "ERR_UNAUTHORIZED" });
  });

  test("the example script runs against a real server and answers the pending ticket", async () => {
    await using t = createTestApp();
    using server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
    const conn = await t.sandbox();
    const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
      number: CONTACT,
      body: "Hola",
      name: "Juan Pérez",
    });
    const ticketId = inbound.body.ticketId as number;
    const proc = Bun.spawn([process.execPath, "clients/ts/example.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        CHASQUI_URL: `${server.url}`,
        CHASQUI_TOKEN: await t.apiToken(),
        CHASQUI_REPLY: "Ya te atendemos",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain(`connection #${conn.id} Principal: CONNECTED`);
    expect(stdout).toContain("1 pending ticket(s)");
    expect(stdout).toContain(`replied to Juan Pérez on ticket #${ticketId}`);
    const messages = await t.get(`/api/v1/tickets/${ticketId}/messages`);
    expect(messages.body.messages[0]).toMatchObject({ body: "Ya te atendemos", fromMe: true });
  });
});
