import { expect, test } from "bun:test";
import { EVENT_DOCS } from "../../src/http/event-docs";
import { EVENT_NAMES } from "../../src/webhooks/event-names";
import { createTestApp } from "../support/test-app";

test("every operation in /openapi.json documents an example answer and its error responses", async () => {
  await using t = createTestApp();
  const doc: any = await (await t.request("/openapi.json", { token: null })).json();
  // Inline the component schemas, so an example given on a component counts for every use of it.
  const inline = (o: unknown): string =>
    JSON.stringify(o).replace(/\{"\$ref":"#\/components\/schemas\/(\w+)"\}/g, (_m, name: string) =>
      inline(doc.components.schemas[name]),
    );
  const problems: string[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const name = `${method.toUpperCase()} ${path}`;
      const codes = Object.keys(op.responses);
      const ok = codes.filter((c) => c.startsWith("2"));
      if (ok.length === 0) problems.push(`${name}: no 2xx response`);
      if (!ok.some((c) => inline(op.responses[c]).includes('"example"')))
        problems.push(`${name}: no example`);
      if (path.startsWith("/api") && !codes.includes("401")) problems.push(`${name}: 401 not documented`);
      // /health/ready has no client error to give: it takes no input and no token.
      if (path.startsWith("/api") && !codes.some((c) => c.startsWith("4") && c !== "401"))
        problems.push(`${name}: no other 4xx documented`);
      if (!op.summary) problems.push(`${name}: no summary`);
    }
  }
  expect(problems).toEqual([]);
});

test("/openapi.json documents every event's payload under webhooks, with an example", async () => {
  await using t = createTestApp();
  const doc: any = await (await t.request("/openapi.json", { token: null })).json();
  expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_NAMES].sort());
  for (const name of EVENT_NAMES) {
    const body = doc.webhooks[name].post.requestBody.content["application/json"];
    expect(body.example.event).toBe(name);
    // Each documented example satisfies its own documented schema.
    expect(EVENT_DOCS[name].data.safeParse(body.example.data).success).toBe(true);
  }
});
