import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { AppError } from "../errors";
import { requireAuth } from "../http/auth";
import { createRouter } from "../http/create-router";
import { createMcpServer } from "./mcp-server";

/**
 * The MCP endpoint (Streamable HTTP, stateless): every POST carries its own JSON-RPC request and gets a JSON
 * answer, so there are no sessions to keep, share between processes or lose on restart. GET (a
 * server-to-client event stream) and DELETE (ending a session) have nothing to offer without sessions and
 * answer 405, which MCP clients accept. The bearer token and its scope are the REST API's.
 */
export const mcpRouter = createRouter()
  .use("/mcp", requireAuth)
  .post("/mcp", async (c) => {
    const deps = c.get("deps");
    const principal = c.get("principal");
    // The MCP tools are not filtered by an agent's queues: they are for integrations, with a token.
    if (principal.kind !== "token")
      throw new AppError("ERR_FORBIDDEN", "The MCP endpoint needs an API token (Authorization: Bearer)");
    const server = createMcpServer(deps);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: deps.config.maxJsonBodyBytes,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw, {
        authInfo: { token: "", clientId: String(principal.tokenId), scopes: [principal.scope] },
      });
    } finally {
      await server.close();
    }
  })
  .on(["GET", "DELETE"], "/mcp", (c) =>
    c.json(
      {
        jsonrpc: "2.0",
        error: { code: -32000, message: "Method not allowed: this MCP server is stateless, use POST" },
        id: null,
      },
      405,
      { allow: "POST" },
    ),
  );
