// The webhook configuration service on both stores; the HTTP behaviour is tests/api (SQLite).
import { expect, test } from "bun:test";
import { createWebhookConfigService } from "../../src/domain/webhook-config.service";
import { createReceiverPolicy } from "../../src/webhooks/receiver-policy";
import { describeStores, openTestStore } from "../support/stores";

const receivers = createReceiverPolicy({
  allowPrivate: false,
  allowedHosts: [],
  lookupTimeoutMs: 1000,
  // Names resolve to a public address or a private one, without DNS.
  resolve: async (host) => [host.startsWith("internal.") ? "10.0.0.1" : "93.184.215.14"],
});

describeStores("webhook config service", (dialect) => {
  test("create, list, page, get, update and remove the webhooks of a connection", async () => {
    await using s = await openTestStore(dialect);
    let now = 1_700_000_000_000;
    const { connections } = s.store.t;
    const [conn, other] = await s.store.write((q) =>
      q
        .insert(connections)
        .values([
          { name: "A", driver: "sandbox" },
          { name: "B", driver: "sandbox" },
        ])
        .returning(),
    );
    const hooks = createWebhookConfigService(s.store, receivers, () => now);
    const a = await hooks.create(conn!.id, { url: "https://example.com/a", events: ["message_received"] });
    expect(a).toMatchObject({
      connectionId: conn!.id,
      url: "https://example.com/a",
      enabled: true,
      events: ["message_received"],
      disabledReason: null,
    });
    expect(a.secret).toMatch(/^whsec_/);
    expect(a.createdAt).toEqual(new Date(now));
    const b = await hooks.create(conn!.id, {
      url: "https://example.com/b",
      secret: "whsec_mine",
      enabled: false,
    });
    await hooks.create(other!.id, { url: "https://example.com/other" });

    expect((await hooks.list(conn!.id)).map((h) => h.url)).toEqual([
      "https://example.com/a",
      "https://example.com/b",
    ]);
    expect(await hooks.listPage(conn!.id, { limit: 1 })).toMatchObject({
      rows: [{ id: a.id }],
      hasMore: true,
    });
    expect(await hooks.listPage(conn!.id, { limit: 1, after: [a.id] })).toMatchObject({
      rows: [{ id: b.id, secret: "whsec_mine", enabled: false }],
      hasMore: false,
    });

    now += 1000;
    const updated = await hooks.update(conn!.id, b.id, {
      enabled: true,
      events: ["message_sent", "message_sent"],
    });
    expect(updated).toMatchObject({ enabled: true, events: ["message_sent"], secret: "whsec_mine" });
    expect(updated.updatedAt).toEqual(new Date(now));
    expect(await hooks.get(conn!.id, b.id)).toEqual(updated);

    await hooks.remove(conn!.id, a.id);
    expect((await hooks.list(conn!.id)).map((h) => h.id)).toEqual([b.id]);
  });

  test("unknown connection or webhook, bad events and refused URLs are errors that store nothing", async () => {
    await using s = await openTestStore(dialect);
    const { connections } = s.store.t;
    const [conn] = await s.store.write((q) =>
      q.insert(connections).values({ name: "A", driver: "sandbox" }).returning(),
    );
    const hooks = createWebhookConfigService(s.store, receivers);
    const url = "https://example.com/h";
    await expect(hooks.create(conn!.id + 1, { url })).rejects.toMatchObject({
      code: "ERR_CONNECTION_NOT_FOUND",
    });
    await expect(hooks.list(conn!.id + 1)).rejects.toMatchObject({ code: "ERR_CONNECTION_NOT_FOUND" });
    await expect(hooks.get(conn!.id, 1)).rejects.toMatchObject({ code: "ERR_WEBHOOK_NOT_FOUND" });
    await expect(hooks.remove(conn!.id, 1)).rejects.toMatchObject({ code: "ERR_WEBHOOK_NOT_FOUND" });
    await expect(hooks.create(conn!.id, { url, events: ["nope"] })).rejects.toMatchObject({
      code: "ERR_VALIDATION",
    });
    await expect(hooks.create(conn!.id, { url: "ftp://example.com" })).rejects.toMatchObject({
      code: "ERR_VALIDATION",
    });
    await expect(hooks.create(conn!.id, { url: "https://internal.example.com/h" })).rejects.toMatchObject({
      code: "ERR_INVALID_WEBHOOK_URL",
    });
    const h = await hooks.create(conn!.id, { url });
    await expect(
      hooks.update(conn!.id, h.id, { url: "https://internal.example.com/h" }),
    ).rejects.toMatchObject({
      code: "ERR_INVALID_WEBHOOK_URL",
    });
    await expect(hooks.update(conn!.id + 1, h.id, { enabled: false })).rejects.toMatchObject({
      code: "ERR_CONNECTION_NOT_FOUND",
    });
    expect((await hooks.list(conn!.id)).map((w) => [w.url, w.enabled])).toEqual([[url, true]]);
  });
});
