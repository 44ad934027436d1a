// The account service (users, sign-in checks, panel sessions) on both stores; the HTTP behaviour is in
// tests/api/accounts.test.ts and tests/api/team-visibility.test.ts, the CLI's in tests/cli/user-create.test.ts.
import { expect, test } from "bun:test";
import { createAccountService } from "../../src/domain/account.service";
import { createCatalogServices } from "../../src/domain/catalog.service";
import { countReads, describeStores, openTestStore } from "../support/stores";

const MINUTE = 60_000;
const policy = { idleMs: 30 * MINUTE, absoluteMs: 24 * 60 * MINUTE };
const meta = { userAgent: "test", address: "127.0.0.1" };

describeStores("account service", (dialect) => {
  test("create, list, page, get, update and remove users, with their queues", async () => {
    await using s = await openTestStore(dialect);
    let now = 1_700_000_000_000;
    const accounts = createAccountService(s.store, policy, () => now);
    const { queues } = createCatalogServices(s.store);
    const sales = await queues.create({ name: "Sales", color: "#ff0000" });
    const support = await queues.create({ name: "Support", color: "#00ff00" });

    const ana = await accounts.create({
      name: "Ana",
      email: "  Ana@Example.com ",
      queueIds: [support.id, sales.id, support.id],
      password: "a long password",
    });
    expect(ana).toMatchObject({
      name: "Ana",
      email: "ana@example.com",
      role: "agent",
      signature: true,
      notifications: true,
      disabled: false,
      hasPassword: true,
      queueIds: [sales.id, support.id].sort((a, b) => a - b),
    });
    expect(ana).not.toHaveProperty("passwordHash");
    const bea = await accounts.create({ name: "Bea", email: "bea@example.com", role: "admin" });
    expect(bea).toMatchObject({ role: "admin", hasPassword: false, queueIds: [] });
    const cai = await accounts.create({ name: "Cai", email: "cai@example.com", queueIds: [sales.id] });

    // Refused: a taken email (any case), a queue that does not exist, a password out of bounds; nothing stored.
    await expect(accounts.create({ name: "Other", email: "ANA@example.com" })).rejects.toMatchObject({
      code: "ERR_CONFLICT",
      message: "A user with this email already exists",
    });
    await expect(
      accounts.create({ name: "Dan", email: "dan@example.com", queueIds: [sales.id, 9999] }),
    ).rejects.toMatchObject({ code: "ERR_QUEUE_NOT_FOUND", message: "Queue #9999 not found" });
    await expect(
      accounts.create({ name: "Eve", email: "eve@example.com", password: "short" }),
    ).rejects.toMatchObject({ code: "ERR_VALIDATION" });
    expect((await accounts.list()).map((u) => [u.name, u.queueIds])).toEqual([
      ["Ana", ana.queueIds],
      ["Bea", []],
      ["Cai", [sales.id]],
    ]);

    const first = await accounts.listPage({ limit: 2 });
    expect(first.hasMore).toBe(true);
    expect(first.rows.map((u) => u.name)).toEqual(["Ana", "Bea"]);
    const rest = await accounts.listPage({ limit: 2, after: ["Bea", bea.id] });
    expect(rest).toMatchObject({ hasMore: false, rows: [{ name: "Cai", queueIds: [sales.id] }] });
    expect(await accounts.get(cai.id)).toEqual(cai);
    await expect(accounts.get(9999)).rejects.toMatchObject({ code: "ERR_USER_NOT_FOUND" });

    now += MINUTE;
    const updated = await accounts.update(cai.id, {
      role: "supervisor",
      email: "CAI2@example.com",
      queueIds: [support.id],
      signature: false,
    });
    expect(updated).toMatchObject({
      role: "supervisor",
      email: "cai2@example.com",
      queueIds: [support.id],
      signature: false,
      hasPassword: false,
    });
    expect(updated.updatedAt).toEqual(new Date(now));
    await expect(accounts.update(cai.id, { email: "ana@example.com" })).rejects.toMatchObject({
      code: "ERR_CONFLICT",
    });
    // A failed update changes nothing: the queue check rolls back the role change of the same call.
    await expect(accounts.update(cai.id, { role: "admin", queueIds: [9999] })).rejects.toMatchObject({
      code: "ERR_QUEUE_NOT_FOUND",
    });
    expect(await accounts.get(cai.id)).toEqual(updated);
    await expect(accounts.update(9999, { name: "x" })).rejects.toMatchObject({ code: "ERR_USER_NOT_FOUND" });

    await accounts.remove(cai.id);
    await expect(accounts.get(cai.id)).rejects.toMatchObject({ code: "ERR_USER_NOT_FOUND" });
    await expect(accounts.remove(cai.id)).rejects.toMatchObject({ code: "ERR_USER_NOT_FOUND" });
    expect((await accounts.list()).map((u) => u.name)).toEqual(["Ana", "Bea"]);
  }, 30_000); // argon2 hashes several passwords: seconds on a loaded 2-core machine

  test("sign-in checks: a wrong password, an unknown email, no password and a disabled user are all null", async () => {
    await using s = await openTestStore(dialect);
    const accounts = createAccountService(s.store, policy);
    const ana = await accounts.create({ name: "Ana", email: "ana@example.com", password: "a long password" });
    await accounts.create({ name: "Bea", email: "bea@example.com" });

    expect(await accounts.verifyLogin(" ANA@example.com", "a long password")).toMatchObject({ id: ana.id });
    expect(await accounts.verifyLogin("ana@example.com", "a wrong password")).toBeNull();
    expect(await accounts.verifyLogin("nobody@example.com", "a long password")).toBeNull();
    expect(await accounts.verifyLogin("bea@example.com", "")).toBeNull();
    await accounts.update(ana.id, { disabled: true });
    expect(await accounts.verifyLogin("ana@example.com", "a long password")).toBeNull();
  }, 30_000); // argon2 hashes several passwords: seconds on a loaded 2-core machine

  test("sessions: the principal, lastSeenAt touched once a minute, idle and absolute expiry, revocation", async () => {
    await using s = await openTestStore(dialect);
    let now = 1_700_000_000_000;
    const accounts = createAccountService(s.store, policy, () => now);
    const { queues } = createCatalogServices(s.store);
    const sales = await queues.create({ name: "Sales", color: "#ff0000" });
    const ana = await accounts.create({
      name: "Ana",
      email: "ana@example.com",
      queueIds: [sales.id],
      password: "a long password",
    });

    const a = await accounts.createSession(ana.id, { userAgent: "x".repeat(400), address: null });
    expect(a.secret).toMatch(/^[\w-]{43}$/);
    expect(a.session).toMatchObject({ userId: ana.id, userAgent: "x".repeat(300), address: null });
    expect(a.session.createdAt).toEqual(new Date(now));
    expect(a.session.expiresAt).toEqual(new Date(now + policy.absoluteMs));
    expect(a.session).not.toHaveProperty("secret");
    expect(a.session.secretHash).not.toContain(a.secret);

    expect(await accounts.authenticateSession(a.secret)).toEqual({
      kind: "user",
      id: ana.id,
      name: "Ana",
      email: "ana@example.com",
      role: "agent",
      queueIds: [sales.id],
      signature: true,
      sessionId: a.session.id,
    });
    expect(await accounts.authenticateSession(`${a.secret}x`)).toBeNull();

    const lastSeen = async () => (await accounts.session(a.session.id))!.lastSeenAt.getTime();
    const created = now;
    now += 30_000;
    await accounts.authenticateSession(a.secret);
    expect(await lastSeen()).toBe(created);
    now += 30_000;
    await accounts.authenticateSession(a.secret);
    expect(await lastSeen()).toBe(now);

    // Idle too long: null, and the row is gone.
    now += policy.idleMs;
    expect((await accounts.sessions(ana.id)).map((x) => x.id)).toEqual([]);
    expect(await accounts.authenticateSession(a.secret)).toBeNull();
    expect(await accounts.session(a.session.id)).toBeUndefined();

    // Past the absolute expiry while active: null; the next sign-in drops expired rows of anyone.
    const b = await accounts.createSession(ana.id, meta);
    for (let t = 0; t < policy.absoluteMs; t += policy.idleMs / 2) {
      now += policy.idleMs / 2;
      if (now < b.session.expiresAt.getTime())
        expect(await accounts.authenticateSession(b.secret)).not.toBeNull();
    }
    now += 1;
    expect(await accounts.sessions()).toEqual([]);
    expect(await accounts.session(b.session.id)).toBeDefined();
    const c = await accounts.createSession(ana.id, meta);
    expect(await accounts.session(b.session.id)).toBeUndefined();
    expect(await accounts.authenticateSession(b.secret)).toBeNull();

    // Valid sessions, newest first; of one user or of everyone.
    const bea = await accounts.create({ name: "Bea", email: "bea@example.com", password: "a long password" });
    const d = await accounts.createSession(ana.id, meta);
    const e = await accounts.createSession(bea.id, meta);
    expect((await accounts.sessions(ana.id)).map((x) => x.id)).toEqual([d.session.id, c.session.id]);
    expect((await accounts.sessions()).map((x) => x.id)).toEqual([e.session.id, d.session.id, c.session.id]);

    await accounts.revokeSession(d.session.id);
    expect(await accounts.authenticateSession(d.secret)).toBeNull();
    expect((await accounts.sessions(ana.id)).map((x) => x.id)).toEqual([c.session.id]);

    // A disabled user's sessions end; a user removed has none left.
    await accounts.update(bea.id, { disabled: true });
    expect(await accounts.sessions(bea.id)).toEqual([]);
    expect(await accounts.authenticateSession(e.secret)).toBeNull();
    await accounts.remove(ana.id);
    expect(await accounts.authenticateSession(c.secret)).toBeNull();
  }, 30_000); // argon2 hashes several passwords: seconds on a loaded 2-core machine

  test("passwords: the user's change keeps their session and ends the others; an admin's reset ends all", async () => {
    await using s = await openTestStore(dialect);
    const accounts = createAccountService(s.store, policy);
    const ana = await accounts.create({ name: "Ana", email: "ana@example.com", password: "a long password" });
    const kept = await accounts.createSession(ana.id, meta);
    const other = await accounts.createSession(ana.id, meta);

    await expect(
      accounts.changePassword(ana.id, "not my password", "a new long password", kept.session.id),
    ).rejects.toMatchObject({ code: "ERR_WRONG_PASSWORD", message: "The current password is wrong" });
    await expect(
      accounts.changePassword(ana.id, "a long password", "short", kept.session.id),
    ).rejects.toMatchObject({ code: "ERR_VALIDATION" });
    expect(await accounts.authenticateSession(other.secret)).not.toBeNull();

    await accounts.changePassword(ana.id, "a long password", "a new long password", kept.session.id);
    expect(await accounts.authenticateSession(kept.secret)).toMatchObject({ sessionId: kept.session.id });
    expect(await accounts.authenticateSession(other.secret)).toBeNull();
    expect(await accounts.verifyLogin("ana@example.com", "a long password")).toBeNull();
    expect(await accounts.verifyLogin("ana@example.com", "a new long password")).toMatchObject({
      id: ana.id,
    });

    const { user, password } = await accounts.resetPassword(ana.id);
    expect(user).toMatchObject({ id: ana.id, hasPassword: true });
    expect(password).toMatch(/^[a-zA-Z2-9]{16}$/);
    expect(await accounts.authenticateSession(kept.secret)).toBeNull();
    expect(await accounts.verifyLogin("ana@example.com", password)).toMatchObject({ id: ana.id });
    await expect(accounts.resetPassword(9999)).rejects.toMatchObject({ code: "ERR_USER_NOT_FOUND" });
  }, 30_000); // argon2 hashes several passwords: seconds on a loaded 2-core machine

  test("with a principals version, a known session is answered without a read until the version moves, its stamp is due or it may have ended", async () => {
    await using s = await openTestStore(dialect);
    let now = 1_700_000_000_000;
    let version: number | undefined = 1;
    const { store, reads } = countReads(s.store);
    const short = { idleMs: 90_000, absoluteMs: 100_000 };
    const accounts = createAccountService(
      store,
      short,
      () => now,
      () => version,
    );
    const ana = await accounts.create({ name: "Ana", email: "ana@example.com", password: "a long password" });
    const lastSeen = async (id: number) => (await accounts.session(id))!.lastSeenAt.getTime();
    const a = await accounts.createSession(ana.id, meta);
    const first = await accounts.authenticateSession(a.secret);
    expect(first).toMatchObject({ kind: "user", id: ana.id, role: "agent", queueIds: [] });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first!.queueIds)).toBe(true);
    let before = reads();
    now += 59_999;
    expect(await accounts.authenticateSession(a.secret)).toBe(first!);
    expect(reads()).toBe(before);
    // Its last-seen stamp is due: read, and stamped.
    now += 1;
    expect(await accounts.authenticateSession(a.secret)).toEqual(first);
    expect(reads()).toBeGreaterThan(before);
    expect(await lastSeen(a.session.id)).toBe(now);
    // Idle for its whole idle time: read, ended.
    now += short.idleMs;
    expect(await accounts.authenticateSession(a.secret)).toBeNull();
    expect(await accounts.session(a.session.id)).toBeUndefined();

    // Stamped 40 s before its absolute expiry: a hit until then, none from then on.
    version = 2;
    const b = await accounts.createSession(ana.id, meta);
    const started = now;
    now = started + 60_000;
    expect(await accounts.authenticateSession(b.secret)).not.toBeNull();
    expect(await lastSeen(b.session.id)).toBe(now);
    before = reads();
    now = started + short.absoluteMs - 1;
    expect(await accounts.authenticateSession(b.secret)).not.toBeNull();
    expect(reads()).toBe(before);
    now = started + short.absoluteMs;
    expect(await accounts.authenticateSession(b.secret)).toBeNull();

    // A version that moves: read again, once; none: read every time.
    const c = await accounts.createSession(ana.id, meta);
    await accounts.authenticateSession(c.secret);
    before = reads();
    await accounts.authenticateSession(c.secret);
    expect(reads()).toBe(before);
    version = 3;
    await accounts.authenticateSession(c.secret);
    const after = reads();
    expect(after).toBeGreaterThan(before);
    await accounts.authenticateSession(c.secret);
    expect(reads()).toBe(after);
    version = undefined;
    await accounts.authenticateSession(c.secret);
    await accounts.authenticateSession(c.secret);
    expect(reads()).toBe(after + 2 * (after - before));
  });
});
