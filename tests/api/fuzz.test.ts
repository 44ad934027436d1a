import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createTestApp } from "../support/test-app";

/**
 * Malformed input of any shape must give a 4xx with `{error, message}`: never a 5xx, never a crash,
 * and nothing already stored is lost.
 */
describe("malformed bodies never give a 5xx", async () => {
  await using probe = createTestApp();
  const doc: any = await (await probe.request("/openapi.json", { token: null })).json();
  const writeOps: { method: string; path: string }[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of Object.keys(item)) {
      if (method === "post" || method === "put") writeOps.push({ method: method.toUpperCase(), path });
    }
  }

  const jsonValue = fc.jsonValue({ maxDepth: 3 });
  const fieldNames = fc.constantFrom(
    "number",
    "body",
    "whatsappId",
    "queueId",
    "userId",
    "tagsId",
    "quotedMsgId",
    "quotedMsg",
    "closeTicket",
    "medias",
    "mediaUrl",
    "filename",
    "status",
    "name",
    "email",
    "color",
    "url",
    "events",
    "enabled",
    "secret",
    "driver",
    "isDefault",
    "scope",
    "fromMe",
    "__proto__",
    "constructor",
  );
  const objectBody = fc.dictionary(fieldNames, jsonValue, { maxKeys: 6 }).map((o) => JSON.stringify(o));
  const rawBody = fc.oneof(
    objectBody,
    fc.string({ maxLength: 200 }),
    jsonValue.map((v) => JSON.stringify(v)),
  );
  const contentType = fc.constantFrom(
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "text/plain",
    "application/xml",
    "",
  );

  for (const op of writeOps) {
    test(`${op.method} ${op.path}`, async () => {
      await using t = createTestApp({ MEDIA_FETCH_TIMEOUT_MS: "200" });
      const conn = await t.sandbox();
      const seeded = await t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, {
        number: "595991234567",
        body: "keep me",
      });
      const path = op.path
        .replace("{connectionId}", String(conn.id))
        .replace("{ticketId}", String(seeded.body.ticketId))
        .replace("{messageId}", seeded.body.messageId)
        .replace(/\{[^}]+\}/g, "1");
      await fc.assert(
        fc.asyncProperty(rawBody, contentType, async (body, type) => {
          const headers: Record<string, string> = {};
          if (type) headers["content-type"] = type;
          const res = await t.request(path, { method: op.method, body, headers });
          const text = await res.text();
          if (res.status >= 500) throw new Error(`${res.status} for ${type} ${body}: ${text}`);
          if (res.status >= 400) {
            const parsed = JSON.parse(text);
            expect(typeof parsed.error).toBe("string");
            expect(typeof parsed.message).toBe("string");
          }
        }),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
      );
      // Whatever was thrown at it, the seeded message is still there.
      const msgs = await t.get(`/api/v1/tickets/${seeded.body.ticketId}/messages?limit=100`);
      expect(msgs.status).toBe(200);
      expect(msgs.body.messages.find((m: any) => m.id === seeded.body.messageId)).toMatchObject({
        body: "keep me",
      });
    });
  }
});
