// The token service on both stores; the HTTP and CLI behaviour is in tests/api/auth.test.ts and tests/cli (SQLite).
import { expect, test } from "bun:test";
import { createTokenService } from "../../src/domain/token.service";
import { describeStores, openTestStore } from "../support/stores";

describeStores("token service", (dialect) => {
  test("create, authenticate, touch lastUsedAt once a minute, list, page and revoke", async () => {
    await using s = await openTestStore(dialect);
    let now = 1_700_000_000_000;
    const tokens = createTokenService(s.store, "env-secret", () => now);
    expect(await tokens.hasAnyActive()).toBe(false);
    const a = await tokens.create("n8n", "api");
    const b = await tokens.create("ops", "admin");
    expect(a.token).toMatch(/^chq_[\w-]{43}$/);
    expect(a.record).toMatchObject({ name: "n8n", scope: "api", hint: a.token.slice(-4), revokedAt: null });
    expect(a.record.createdAt).toEqual(new Date(now));
    expect(await tokens.hasAnyActive()).toBe(true);

    expect(await tokens.authenticate(a.token)).toEqual({
      kind: "token",
      tokenId: a.record.id,
      name: "n8n",
      scope: "api",
    });
    expect(await tokens.authenticate("env-secret")).toMatchObject({ tokenId: 0, scope: "admin" });
    expect(await tokens.authenticate(`${a.token}x`)).toBeNull();
    const lastUsed = async () => (await tokens.list()).find((t) => t.id === a.record.id)!.lastUsedAt;
    expect(await lastUsed()).toEqual(new Date(now));
    const first = now;
    now += 30_000;
    await tokens.authenticate(a.token);
    expect(await lastUsed()).toEqual(new Date(first));
    now += 31_000;
    await tokens.authenticate(a.token);
    expect(await lastUsed()).toEqual(new Date(now));

    expect((await tokens.list()).map((t) => t.name)).toEqual(["n8n", "ops"]);
    const page = await tokens.listPage({ limit: 1 });
    expect(page).toMatchObject({ rows: [{ name: "n8n" }], hasMore: true });
    expect(await tokens.listPage({ limit: 1, after: [a.record.id] })).toMatchObject({
      rows: [{ name: "ops" }],
      hasMore: false,
    });

    now += 1000;
    const revoked = await tokens.revoke(a.record.id);
    expect(revoked.revokedAt).toEqual(new Date(now));
    // Revoking again keeps the first time.
    now += 1000;
    expect((await tokens.revoke(a.record.id)).revokedAt).toEqual(revoked.revokedAt);
    expect(await tokens.authenticate(a.token)).toBeNull();
    await tokens.revoke(b.record.id);
    expect(await tokens.hasAnyActive()).toBe(false);
    await expect(tokens.revoke(b.record.id + 1)).rejects.toMatchObject({
      code: "ERR_TOKEN_NOT_FOUND",
      message: "Token not found",
    });
  });
});
