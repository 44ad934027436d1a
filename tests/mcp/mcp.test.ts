import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ADMIN_TOKEN, createTestApp, waitFor } from "../support/test-app";

const CONTACT = "595991234567";

/** The app behind a real Bun.serve on port 0, a sandbox connection and one inbound ticket. */
async function setup() {
  const t = createTestApp();
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
  const conn = await t.sandbox();
  const inbound = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
    number: CONTACT,
    body: "Hola, necesito ayuda",
    name: "Juan Pérez",
  });
  return {
    t,
    conn,
    ticketId: inbound.body.ticketId as number,
    url: new URL("/mcp", server.url),
    async [Symbol.asyncDispose]() {
      await server.stop(true);
      await t[Symbol.asyncDispose]();
    },
  };
}

/** The SDK's own client over Streamable HTTP with a bearer token. */
async function connect(url: URL, token: string | null) {
  const client = new Client({ name: "chasqui-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
  });
  await client.connect(transport);
  return {
    client,
    async call(name: string, args: Record<string, unknown> = {}) {
      const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const text = r.content[0]?.type === "text" ? r.content[0].text : "";
      return { isError: r.isError === true, text, data: r.structuredContent as any };
    },
    async [Symbol.asyncDispose]() {
      await client.close();
    },
  };
}

describe("MCP server at /mcp", () => {
  test("initializes and lists the seven tools with JSON schemas from the REST schemas", async () => {
    await using s = await setup();
    await using mcp = await connect(s.url, await s.t.apiToken());
    expect(mcp.client.getServerVersion()).toMatchObject({ name: "chasqui" });
    const { tools } = await mcp.client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual([
      "get_ticket",
      "list_connections",
      "list_messages",
      "list_tickets",
      "search",
      "send_message",
      "update_ticket",
    ]);
    const byName = Object.fromEntries(tools.map((x) => [x.name, x.inputSchema]));
    // Path and query integers (strings on the REST wire) are JSON integers with the same bounds here.
    expect(byName.list_tickets).toMatchObject({
      type: "object",
      properties: {
        status: { type: "string", enum: ["pending", "open", "closed"] },
        page: { type: "integer", minimum: 1, default: 1 },
        limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
        whatsappId: { type: "integer", minimum: 1 },
      },
    });
    expect(byName.send_message).toMatchObject({
      properties: { ticketId: { type: "integer" }, body: { type: "string", minLength: 1 } },
      required: expect.arrayContaining(["ticketId", "body"]),
    });
    expect(byName.update_ticket?.properties).toHaveProperty("tagIds");
    expect(byName.search?.required).toEqual(["search"]);
  });

  test("every tool answers with the data the REST API shows", async () => {
    await using s = await setup();
    const { t, ticketId, conn } = s;
    await using mcp = await connect(s.url, await t.apiToken());

    const list = await mcp.call("list_tickets", { status: "pending" });
    expect(list.isError).toBe(false);
    expect(list.data).toMatchObject({ count: 1, hasMore: false, page: 1, limit: 20 });
    expect(list.data.tickets[0]).toEqual((await t.get(`/api/v1/tickets/${ticketId}`)).body);
    expect(JSON.parse(list.text)).toEqual(list.data);

    const one = await mcp.call("get_ticket", { ticketId });
    expect(one.data).toMatchObject({ id: ticketId, status: "pending", contact: { number: CONTACT } });

    const sent = await mcp.call("send_message", {
      ticketId,
      body: "Hola Juan, ¿en qué te ayudo?",
      queue: false,
    });
    expect(sent.isError).toBe(false);
    expect(sent.data).toMatchObject({
      queued: false,
      ticketId,
      data: [{ body: "Hola Juan, ¿en qué te ayudo?" }],
    });

    // The sandbox acks the send 1 → 2 → 3 within a second: both reads after the last one, so they see the same row.
    await waitFor(
      async () => (await t.get(`/api/v1/tickets/${ticketId}/messages?limit=1`)).body.messages[0]?.ack === 3,
    );
    const messages = await mcp.call("list_messages", { ticketId, limit: 1 });
    expect(messages.data).toMatchObject({ ticketId, count: 2, hasMore: true, page: 1, limit: 1 });
    expect(messages.data.messages).toEqual(
      (await t.get(`/api/v1/tickets/${ticketId}/messages?limit=1`)).body.messages,
    );

    const found = await mcp.call("search", { search: "juan" });
    expect(found.data).toMatchObject({ count: 1, tickets: [{ id: ticketId, contact: { number: CONTACT } }] });
    const byWord = await mcp.call("search", { search: "ayudo" });
    expect(byWord.data).toMatchObject({
      count: 1,
      tickets: [{ id: ticketId }],
      messages: [{ body: "Hola Juan, ¿en qué te ayudo?", ticket: { id: ticketId } }],
    });
    expect((await mcp.call("search", { search: "nadie" })).data).toMatchObject({
      count: 0,
      tickets: [],
      messages: [],
    });

    const queue = (await t.post("/api/v1/queues", { name: "Ventas", color: "#00FF00" })).body;
    const vip = (await t.post("/api/v1/tags", { name: "VIP", color: "#FFC107" })).body;
    const updated = await mcp.call("update_ticket", {
      ticketId,
      status: "closed",
      queueId: queue.id,
      tagIds: [vip.id],
    });
    expect(updated.isError).toBe(false);
    expect(updated.data).toMatchObject({
      id: ticketId,
      status: "closed",
      queueId: queue.id,
      tags: [{ id: vip.id, name: "VIP" }],
    });
    expect((await t.get(`/api/v1/tickets/${ticketId}`)).body).toEqual(updated.data);
    const untagged = await mcp.call("update_ticket", { ticketId, tagIds: [] });
    expect(untagged.data).toMatchObject({ status: "closed", tags: [] });

    const connections = await mcp.call("list_connections");
    expect(connections.data).toEqual({
      connections: [expect.objectContaining({ id: conn.id, status: "CONNECTED" })],
    });
  });

  test("a ticket's conversation is a resource", async () => {
    await using s = await setup();
    await using mcp = await connect(s.url, await s.t.apiToken());
    const { resourceTemplates } = await mcp.client.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate)).toEqual(["chasqui://tickets/{ticketId}/messages"]);
    const uri = `chasqui://tickets/${s.ticketId}/messages`;
    const read = await mcp.client.readResource({ uri });
    expect(read.contents).toHaveLength(1);
    const content = read.contents[0] as { uri: string; mimeType: string; text: string };
    expect(content).toMatchObject({ uri, mimeType: "application/json" });
    expect(JSON.parse(content.text)).toMatchObject({
      ticketId: s.ticketId,
      count: 1,
      messages: [{ body: "Hola, necesito ayuda", fromMe: false }],
    });
    await expect(mcp.client.readResource({ uri: "chasqui://tickets/999/messages" })).rejects.toThrow(
      /Ticket not found/,
    );
  });

  test("refuses without a valid token: 401 before any MCP traffic", async () => {
    await using s = await setup();
    // The SDK client reports the HTTP status as the error's code.
    const refusal = (token: string | null) =>
      connect(s.url, token).then(
        () => ({ code: 0, message: "connected" }),
        (err: { code: number; message: string }) => ({ code: err.code, message: err.message }),
      );
    expect(await refusal(null)).toEqual({
      code: 401,
      message: expect.stringContaining("Missing bearer token"),
    });
    expect(await refusal("not-a-token")).toEqual({
      code: 401,
      message: expect.stringContaining("Invalid or revoked token"),
    });
    const res = await fetch(s.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "ERR_UNAUTHORIZED", message: expect.any(String) });
    // The admin token from API_TOKEN works too: same tokens as the REST API.
    await using mcp = await connect(s.url, ADMIN_TOKEN);
    expect((await mcp.call("list_connections")).isError).toBe(false);
  });

  test("bad arguments and domain errors are tool errors with the REST error code, and the server goes on", async () => {
    await using s = await setup();
    await using mcp = await connect(s.url, await s.t.apiToken());
    const badStatus = await mcp.call("list_tickets", { status: "archived" });
    expect(badStatus.isError).toBe(true);
    expect(badStatus.text).toMatch(/status/);
    const badId = await mcp.call("get_ticket", { ticketId: 0 });
    expect(badId.isError).toBe(true);
    const missing = await mcp.call("get_ticket", { ticketId: 999 });
    expect(missing).toMatchObject({
      isError: true,
      text: "ERR_TICKET_NOT_FOUND: Ticket not found",
      data: { error: "ERR_TICKET_NOT_FOUND", message: "Ticket not found" },
    });
    const empty = await mcp.call("send_message", { ticketId: s.ticketId, body: "   " });
    expect(empty.isError).toBe(true);
    expect(empty.text).toMatch(/Message body is required/);
    // Queued by default: stored at once as `queued`, listed in the queue until the worker sends it.
    const queued = await mcp.call("send_message", { ticketId: s.ticketId, body: "luego" });
    expect(queued).toMatchObject({
      isError: false,
      data: { queued: true, data: [{ body: "luego", status: "queued" }] },
    });
    const waiting = await s.t.get("/api/v1/messages?status=queued");
    expect(waiting.body.messages.map((m: { id: string }) => m.id)).toContain(queued.data.data[0].messageId);
    const late = await mcp.call("send_message", {
      ticketId: s.ticketId,
      body: "x",
      queue: false,
      expiresAt: "2030-01-01T00:00:00Z",
    });
    expect(late).toMatchObject({ isError: true, data: { error: "ERR_VALIDATION" } });
    const noTag = await mcp.call("update_ticket", { ticketId: s.ticketId, status: "closed", tagIds: [42] });
    expect(noTag).toMatchObject({ isError: true, data: { error: "ERR_TAG_NOT_FOUND" } });
    // Refused as a whole: the status did not change either.
    expect((await s.t.get(`/api/v1/tickets/${s.ticketId}`)).body.status).toBe("pending");
    // Nothing was stored by the refused calls: the first message and the queued one.
    expect((await s.t.get(`/api/v1/tickets/${s.ticketId}/messages`)).body.count).toBe(2);
    expect((await mcp.call("get_ticket", { ticketId: s.ticketId })).isError).toBe(false);
  });

  test("GET and DELETE answer 405: the server is stateless", async () => {
    await using s = await setup();
    const res = await fetch(s.url, {
      headers: { authorization: `Bearer ${await s.t.apiToken()}`, accept: "text/event-stream" },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    const del = await fetch(s.url, {
      method: "DELETE",
      headers: { authorization: `Bearer ${await s.t.apiToken()}` },
    });
    expect(del.status).toBe(405);
  });
});
