import { expect, test } from "bun:test";
import dashboard from "../../docs/grafana-dashboard.json";
import { parseMetrics } from "../support/prometheus";
import { createTestApp } from "../support/test-app";

test("the Grafana dashboard queries only metrics the server exports", async () => {
  await using t = createTestApp();
  const exported = new Set(
    parseMetrics(await (await t.request("/metrics")).text()).families.map((f) => f.name),
  );
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((q) => q.expr));
  const used = new Set(
    exprs.flatMap((e) =>
      [...e.matchAll(/\b((?:chasqui|process|nodejs)_\w+?)(?:_bucket|_sum|_count)?\{/g)].map((m) => m[1]!),
    ),
  );
  expect(used.size).toBeGreaterThan(10);
  expect([...used].filter((name) => !exported.has(name))).toEqual([]);
});
