// The token service on both stores; the HTTP and CLI behaviour is in tests/api/auth.test.ts and tests/cli (SQLite).
import { expect, test } from "bun:test";
import { createTokenService } from "../../src/domain/token.service";
import { countReads, describeStores, openTestStore } from "../support/stores";

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

  test("with a principals version, a known token is answered without a read until the version moves or its last-used stamp is due", async () => {
    await using s = await openTestStore(dialect);
    let now = 1_700_000_000_000;
    let version: number | undefined = 1;
    const { store, reads } = countReads(s.store);
    const tokens = createTokenService(
      store,
      undefined,
      () => now,
      () => version,
    );
    const a = await tokens.create("n8n", "api");
    const first = await tokens.authenticate(a.token);
    expect(first).toEqual({ kind: "token", tokenId: a.record.id, name: "n8n", scope: "api" });
    // What is handed out to every request cannot be changed by one of them.
    expect(Object.isFrozen(first)).toBe(true);
    let before = reads();
    now += 60_000;
    expect(await tokens.authenticate(a.token)).toBe(first!);
    expect(reads()).toBe(before);
    // Anything changed (a token, session, user or queue): read again, once.
    version = 2;
    expect(await tokens.authenticate(a.token)).toEqual(first);
    expect(await tokens.authenticate(a.token)).toEqual(first);
    expect(reads()).toBe(before + 1);
    // Its last-used stamp is due: read, and stamped.
    now += 1;
    before = reads();
    await tokens.authenticate(a.token);
    expect(reads()).toBe(before + 1);
    expect((await tokens.list())[0]!.lastUsedAt).toEqual(new Date(now));
    // Revoked: seen once the version moves (the triggers of migration 0020 move it on SQLite).
    await tokens.revoke(a.record.id);
    version = 3;
    expect(await tokens.authenticate(a.token)).toBeNull();
    // Nothing tells (no version): every request reads.
    const b = await tokens.create("ops", "admin");
    version = undefined;
    before = reads();
    for (let i = 0; i < 3; i++) expect(await tokens.authenticate(b.token)).toMatchObject({ scope: "admin" });
    expect(reads()).toBe(before + 3);
  });
});
