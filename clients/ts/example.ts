/**
 * Lists the connections and the tickets waiting for an agent, and answers the oldest one.
 *
 *   CHASQUI_URL=http://localhost:8080 CHASQUI_TOKEN=chq_… bun example.ts
 *
 * Set CHASQUI_REPLY to the text to send; without it nothing is sent.
 */
import { createChasquiClient } from "./index";

const chasqui = createChasquiClient({
  baseUrl: process.env.CHASQUI_URL ?? "http://localhost:8080",
  token: process.env.CHASQUI_TOKEN ?? "",
});

const connections = await chasqui.GET("/api/v1/connections");
if (connections.error) throw new Error(`${connections.error.error}: ${connections.error.message}`);
for (const c of connections.data) console.log(`connection #${c.id} ${c.name}: ${c.status}`);

const pending = await chasqui.GET("/api/v1/tickets", {
  params: { query: { status: "pending", limit: 100 } },
});
if (pending.error) throw new Error(`${pending.error.error}: ${pending.error.message}`);
console.log(`${pending.data.count} pending ticket(s)`);

const oldest = pending.data.tickets.at(-1);
const reply = process.env.CHASQUI_REPLY;
if (oldest && reply) {
  const sent = await chasqui.POST("/api/v1/tickets/{ticketId}/messages", {
    params: { path: { ticketId: oldest.id } },
    body: { body: reply },
  });
  if (sent.error) throw new Error(`${sent.error.error}: ${sent.error.message}`);
  console.log(
    `replied to ${oldest.contact.name} on ticket #${oldest.id}: message ${sent.data.data.messageId}`,
  );
}
