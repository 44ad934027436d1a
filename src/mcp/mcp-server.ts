import { z } from "@hono/zod-openapi";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { API_VERSION } from "../app";
import { AppError } from "../errors";
import type { AppDeps } from "../http/context";
import { TextBody } from "../http/routes/messages/messages.routes";
import { TicketListQuery, TicketParam, TicketUpdateBody } from "../http/routes/tickets/tickets.routes";
import { connectionSummaryWire, PageQuery, ticketWire } from "../http/wire";
import { toolArguments } from "./arguments";
import { searchInbox, sendOnTicket, ticketMessages } from "./inbox";

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A tool's answer: the JSON as text (what every MCP client shows the model) and as structured content. */
const ok = (value: Record<string, unknown>): CallToolResult => ({
  content: [{ type: "text", text: json(value) }],
  structuredContent: value,
});

/**
 * What the REST API would answer as `{error, message}` becomes a tool error with the same code and text,
 * so the model can read why and correct itself; anything unexpected is logged and reported as ERR_INTERNAL
 * without its details, never a crash of the request.
 */
function toolError(deps: AppDeps, tool: string, err: unknown): CallToolResult {
  // The same answers as renderError (src/http/on-error.ts) gives the REST API.
  const sqliteCode = (err as { code?: unknown } | null)?.code;
  const body =
    err instanceof AppError
      ? { error: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) }
      : sqliteCode === "SQLITE_FULL"
        ? { error: "ERR_SERVICE_UNAVAILABLE", message: "The database disk is full" }
        : sqliteCode === "SQLITE_BUSY"
          ? { error: "ERR_SERVICE_UNAVAILABLE", message: "The database is busy, retry shortly" }
          : { error: "ERR_INTERNAL", message: "Internal server error" };
  if (body.error === "ERR_INTERNAL") deps.logger.error({ err, tool }, "mcp tool failed");
  return {
    isError: true,
    content: [{ type: "text", text: `${body.error}: ${body.message}` }],
    structuredContent: body,
  };
}

/**
 * One MCP server per request (stateless Streamable HTTP): tools and resources over the domain services,
 * in-process. Arguments are the REST routes' own zod schemas (see arguments.ts), so a tool accepts and
 * refuses exactly what the matching endpoint does.
 */
export function createMcpServer(deps: AppDeps): McpServer {
  const server = new McpServer(
    { name: "chasqui", version: API_VERSION },
    {
      instructions:
        "Chasqui is a WhatsApp helpdesk. Customers write in; each conversation is a ticket (pending → open → closed). Find work with list_tickets (status pending = waiting for an agent), read it with list_messages, answer with send_message, then update_ticket (close it, assign a queue/user, tag it).",
    },
  );
  const { services } = deps;

  const tool = <S extends z.ZodObject>(
    name: string,
    config: { title: string; description: string; inputSchema: S; readOnly: boolean },
    run: (args: z.output<S>) => Record<string, unknown> | Promise<Record<string, unknown>>,
  ) =>
    server.registerTool(
      name,
      {
        title: config.title,
        description: config.description,
        inputSchema: config.inputSchema,
        annotations: { readOnlyHint: config.readOnly, openWorldHint: !config.readOnly },
      },
      (async (args: z.output<S>) => {
        try {
          return ok(await run(args));
        } catch (err) {
          return toolError(deps, name, err);
        }
      }) as never,
    );

  tool(
    "list_tickets",
    {
      title: "List tickets",
      description:
        "Tickets with newest activity first, like GET /api/v1/tickets. Filter by status (pending, open, closed), whatsappId (connection) or queueId; page from 1, limit up to 100.",
      // Paged by `page` only: a keyset cursor is for REST clients walking a long list.
      inputSchema: toolArguments(TicketListQuery.omit({ after: true })),
      readOnly: true,
    },
    async (q) => {
      const { page, limit, ...filter } = q as { page: number; limit: number } & Omit<
        Parameters<typeof services.tickets.list>[0],
        "limit" | "offset" | "after"
      >;
      const { rows, count, hasMore } = await services.tickets.list({
        ...filter,
        limit,
        offset: (page - 1) * limit,
      });
      return { tickets: rows.map(ticketWire), count, hasMore, page: q.page, limit: q.limit };
    },
  );

  tool(
    "get_ticket",
    {
      title: "Get a ticket",
      description: "One ticket with its contact, connection, queue, user and tags.",
      inputSchema: toolArguments(TicketParam),
      readOnly: true,
    },
    async (a) => ticketWire(await services.tickets.get(a.ticketId as number)),
  );

  tool(
    "list_messages",
    {
      title: "List a ticket's messages",
      description:
        "The conversation of a ticket, newest first (page from 1, limit up to 100). Does not mark it read.",
      inputSchema: toolArguments(TicketParam, PageQuery),
      readOnly: true,
    },
    (a) => ticketMessages(deps, a.ticketId as number, a.page as number, a.limit as number),
  );

  tool(
    "search",
    {
      title: "Search tickets and messages",
      description:
        "Tickets whose contact name or number contains `search`, or that hold a message with all its words (any case, diacritics ignored, the last word as a prefix), newest activity first; plus the newest matching messages (up to 20) with their ticket.",
      inputSchema: toolArguments(PageQuery).extend({ search: TicketListQuery.shape.search.unwrap().min(1) }),
      readOnly: true,
    },
    (a) => searchInbox(deps, { query: a.search as string, page: a.page as number, limit: a.limit as number }),
  );

  tool(
    "send_message",
    {
      title: "Send a WhatsApp message on a ticket",
      description:
        "Sends a text to the ticket's customer, like POST /api/v1/tickets/{ticketId}/messages. Queued by default: stored at once with status queued and sent by the connection's paced send queue when it is connected (sendAt schedules it, expiresAt bounds it). queue=false sends now and answers when WhatsApp accepted it. quotedMsgId quotes a message of the ticket.",
      inputSchema: toolArguments(TicketParam, TextBody).extend({
        queue: z
          .boolean()
          .default(true)
          .describe("Queue the message (default) instead of sending now and waiting for WhatsApp"),
      }),
      readOnly: false,
    },
    async (a) => {
      return sendOnTicket(deps, {
        ticketId: a.ticketId as number,
        body: a.body as string,
        quotedMsgId: a.quotedMsgId as string | null | undefined,
        queue: a.queue !== false || a.sendAt !== undefined,
        sendAt: a.sendAt as string | undefined,
        expiresAt: a.expiresAt as string | undefined,
      });
    },
  );

  tool(
    "update_ticket",
    {
      title: "Update a ticket",
      description:
        "Change status (pending, open, closed), queueId or userId (null clears them), like PUT /api/v1/tickets/{ticketId}; tagIds replaces the ticket's tags. Marks the ticket read.",
      inputSchema: toolArguments(TicketParam, TicketUpdateBody).extend({
        tagIds: z
          .array(z.number().int().positive())
          .max(50)
          .optional()
          .describe("The ticket's tags after the update (replaces them; [] removes all)"),
      }),
      readOnly: false,
    },
    async (a) => {
      const { ticketId, tagIds, ...update } = a as {
        ticketId: number;
        tagIds?: number[];
        status?: "pending" | "open" | "closed";
        queueId?: number | null;
        userId?: number | null;
      };
      // One update, as PUT /tickets/{ticketId} does it: a missing tag refuses it whole, a change emits ticket_updated.
      return ticketWire(await services.lifecycle.updateTicket(ticketId, { ...update, tagIds }));
    },
  );

  tool(
    "list_connections",
    {
      title: "List WhatsApp connections",
      description: "Every WhatsApp number of this server with its status (CONNECTED can send).",
      inputSchema: z.object({}),
      readOnly: true,
    },
    async () => ({ connections: (await services.connections.list()).map(connectionSummaryWire) }),
  );

  server.registerResource(
    "ticket-messages",
    new ResourceTemplate("chasqui://tickets/{ticketId}/messages", { list: undefined }),
    {
      title: "A ticket's conversation",
      description: "The latest 100 messages of a ticket, newest first, as JSON.",
      mimeType: "application/json",
    },
    async (uri, vars) => {
      const ticketId = Number(vars.ticketId);
      if (!/^[1-9][0-9]{0,15}$/.test(String(vars.ticketId)))
        throw new AppError("ERR_VALIDATION", "ticketId must be a positive integer");
      const page = await ticketMessages(deps, ticketId, 1, 100);
      return {
        contents: [{ uri: uri.href, mimeType: "application/json", text: json(page) }],
      };
    },
  );

  return server;
}
