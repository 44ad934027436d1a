import { randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { and, asc, eq, inArray, lt, ne, sql } from "drizzle-orm";
import type { UserRole, userSessions, users } from "../db/schema";
import { type Query, type Store, uniqueViolation } from "../db/store";
import { AppError } from "../errors";
import { type KeyPage, takePage } from "./paging";
import type { TokenScope } from "./token.service";
import { createVersionMemo } from "./version-memo";

export type TokenPrincipal = { kind: "token"; tokenId: number; name: string; scope: TokenScope };
export type UserPrincipal = {
  kind: "user";
  id: number;
  name: string;
  email: string;
  role: UserRole;
  queueIds: number[];
  signature: boolean;
  /** The session this request came with. */
  sessionId: number;
};
/** Who makes a request: an API token (integrations, and the panel opened with a token) or a signed-in user. */
export type Principal = TokenPrincipal | UserPrincipal;

export type UserRow = typeof users.$inferSelect;
export type User = Omit<UserRow, "passwordHash"> & { queueIds: number[]; hasPassword: boolean };
export type SessionRow = typeof userSessions.$inferSelect;

/** Admin routes: an admin-scoped token or a user with role admin. */
export const isAdmin = (p: Principal) => (p.kind === "token" ? p.scope === "admin" : p.role === "admin");

/** The key an Idempotency-Key is stored under: token ids as they are, users as negative ids. */
export const principalKey = (p: Principal) => (p.kind === "token" ? p.tokenId : -p.id);

/**
 * The queues a principal is limited to, or null when it sees every ticket (tokens, supervisors, admins).
 * An agent sees the tickets of its queues and those with no queue (0 in the list stands for "no queue").
 */
export const visibleQueues = (p: Principal): number[] | null =>
  p.kind === "user" && p.role === "agent" ? [0, ...p.queueIds] : null;

export const canSeeTicket = (p: Principal, t: { queueId: number | null }) => {
  const qs = visibleQueues(p);
  return qs === null || qs.includes(t.queueId ?? 0);
};

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

const sha256 = (s: string) => Bun.SHA256.hash(s, "hex");
/** What `chasqui user create` prints and a reset answers: 16 characters from an unambiguous alphabet. */
export function generatePassword(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  let out = "";
  for (let i = 0; i < 16; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: "argon2id" });
/** Verified against when the email is unknown, so a miss costs the same time as a wrong password. */
let dummyHash: Promise<string> | undefined;

/** lastSeenAt is written at most this often per session, so auth does not write on every request. */
const TOUCH_RESOLUTION_MS = 60_000;

export type SessionPolicy = { idleMs: number; absoluteMs: number };

export type UserInput = {
  name: string;
  email: string;
  role?: UserRole;
  queueIds?: number[];
  signature?: boolean;
  notifications?: boolean;
  disabled?: boolean;
  password?: string;
};

function checkPassword(password: string) {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX)
    throw new AppError(
      "ERR_VALIDATION",
      `The password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long`,
      [{ path: "password", message: `${PASSWORD_MIN} to ${PASSWORD_MAX} characters` }],
    );
}

/** Users with their role, queues and password, and the sessions they sign in with. */
export function createAccountService(
  store: Store,
  policy: SessionPolicy,
  clock: () => number = Date.now,
  /** Moves when any session, user or user's queue changes (see version-memo.ts); absent: read every time. */
  principalsVersion?: () => number | undefined,
) {
  const { users, userQueues, userSessions, queues } = store.t;
  /** Session secret hash → its principal, with the times a hit must still check. */
  const known = createVersionMemo<{ principal: UserPrincipal; lastSeenAt: number; expiresAt: number }>(
    principalsVersion,
  );
  /** A kept session is good without a read until its idle expiry or its next last-seen stamp is near. */
  const readAgainAfterMs = Math.min(policy.idleMs, TOUCH_RESOLUTION_MS);

  /** The queue ids of each user, ascending; users without queues get []. */
  async function queueIdsOf(q: Query, userIds: number[]): Promise<Map<number, number[]>> {
    const byUser = new Map<number, number[]>(userIds.map((id) => [id, []]));
    // In chunks, so a long list stays under SQLite's bound-parameter limit.
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = await q
        .select({ userId: userQueues.userId, queueId: userQueues.queueId })
        .from(userQueues)
        .where(inArray(userQueues.userId, userIds.slice(i, i + 500)))
        .orderBy(asc(userQueues.userId), asc(userQueues.queueId));
      for (const r of rows) byUser.get(r.userId)!.push(r.queueId);
    }
    return byUser;
  }

  const withoutHash = (row: UserRow, queueIds: number[]): User => {
    const { passwordHash, ...rest } = row;
    return { ...rest, queueIds, hasPassword: passwordHash !== null };
  };

  async function toUsers(q: Query, rows: UserRow[]): Promise<User[]> {
    const ids = await queueIdsOf(
      q,
      rows.map((r) => r.id),
    );
    return rows.map((r) => withoutHash(r, ids.get(r.id)!));
  }
  const toUser = async (q: Query, row: UserRow): Promise<User> => (await toUsers(q, [row]))[0]!;

  const notFound = () => new AppError("ERR_USER_NOT_FOUND", "User not found");

  async function rowOf(q: Query, id: number): Promise<UserRow> {
    const [row] = await q.select().from(users).where(eq(users.id, id));
    if (!row) throw notFound();
    return row;
  }

  async function setQueues(q: Query, userId: number, queueIds: number[]) {
    const unique = [...new Set(queueIds)];
    if (unique.length > 0) {
      const found = await q.select({ id: queues.id }).from(queues).where(inArray(queues.id, unique));
      const missing = unique.filter((id) => !found.some((f) => f.id === id));
      if (missing.length > 0) throw new AppError("ERR_QUEUE_NOT_FOUND", `Queue #${missing[0]} not found`);
    }
    await q.delete(userQueues).where(eq(userQueues.userId, userId));
    if (unique.length > 0) await q.insert(userQueues).values(unique.map((queueId) => ({ userId, queueId })));
  }

  const conflict = (err: unknown): never => {
    if (uniqueViolation(err) === "email")
      throw new AppError("ERR_CONFLICT", "A user with this email already exists");
    throw err;
  };

  const revokeAllOf = (q: Query, userId: number, exceptSessionId?: number) =>
    q
      .delete(userSessions)
      .where(
        exceptSessionId === undefined
          ? eq(userSessions.userId, userId)
          : and(eq(userSessions.userId, userId), ne(userSessions.id, exceptSessionId)),
      );

  const normalizeEmail = (email: string) => email.trim().toLowerCase();

  /** Setting a password or disabling a user ends their sessions. */
  async function update(id: number, input: Partial<UserInput>): Promise<User> {
    await store.read((q) => rowOf(q, id));
    if (input.password !== undefined) checkPassword(input.password);
    const passwordHash = input.password !== undefined ? await hashPassword(input.password) : undefined;
    return store
      .write(async (q) => {
        const { queueIds, password: _password, email, ...rest } = input;
        const [row] = await q
          .update(users)
          .set({
            ...rest,
            ...(email !== undefined ? { email: normalizeEmail(email) } : {}),
            ...(passwordHash !== undefined ? { passwordHash } : {}),
            updatedAt: new Date(clock()),
          })
          .where(eq(users.id, id))
          .returning();
        // Removed while the password was being hashed.
        if (!row) throw notFound();
        if (queueIds) await setQueues(q, id, queueIds);
        if (passwordHash !== undefined || input.disabled === true) await revokeAllOf(q, id);
        return toUser(q, row);
      })
      .catch(conflict);
  }

  return {
    list: (): Promise<User[]> =>
      store.read(async (q) =>
        toUsers(q, await q.select().from(users).orderBy(asc(users.name), asc(users.id))),
      ),
    /** One page by (name, id), past a keyset cursor: limit + 1 rows tell whether more follow. */
    listPage(at: KeyPage<readonly [string, number]>): Promise<{ rows: User[]; hasMore: boolean }> {
      const after = at.after
        ? sql`(${users.name}, ${users.id}) > (${at.after[0]}, ${at.after[1]})`
        : undefined;
      return store.read(async (q) => {
        const rows = await q
          .select()
          .from(users)
          .where(after)
          .orderBy(asc(users.name), asc(users.id))
          .limit(at.limit + 1);
        const page = takePage(rows, at.limit);
        return { rows: await toUsers(q, page.rows), hasMore: page.hasMore };
      });
    },
    get: (id: number): Promise<User> => store.read(async (q) => toUser(q, await rowOf(q, id))),

    async create(input: UserInput): Promise<User> {
      if (input.password !== undefined) checkPassword(input.password);
      const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
      return store
        .write(async (q) => {
          const [row] = await q
            .insert(users)
            .values({
              name: input.name,
              email: normalizeEmail(input.email),
              role: input.role ?? "agent",
              signature: input.signature ?? true,
              notifications: input.notifications ?? true,
              disabled: input.disabled ?? false,
              passwordHash,
            })
            .returning();
          if (input.queueIds) await setQueues(q, row!.id, input.queueIds);
          return toUser(q, row!);
        })
        .catch(conflict);
    },

    update,

    async remove(id: number): Promise<void> {
      const [row] = await store.write((q) =>
        q.delete(users).where(eq(users.id, id)).returning({ id: users.id }),
      );
      if (!row) throw notFound();
    },

    /** An admin's reset: a generated password, shown once; every session of the user ends. */
    async resetPassword(id: number): Promise<{ user: User; password: string }> {
      const password = generatePassword();
      const user = await update(id, { password });
      return { user, password };
    },

    /** The user's own change: needs the current password; ends every other session of theirs. */
    async changePassword(
      userId: number,
      currentPassword: string,
      newPassword: string,
      keepSessionId: number,
    ): Promise<void> {
      const row = await store.read((q) => rowOf(q, userId));
      if (!row.passwordHash || !(await Bun.password.verify(currentPassword, row.passwordHash)))
        throw new AppError("ERR_WRONG_PASSWORD", "The current password is wrong");
      checkPassword(newPassword);
      const passwordHash = await hashPassword(newPassword);
      await store.write(async (q) => {
        await q
          .update(users)
          .set({ passwordHash, updatedAt: new Date(clock()) })
          .where(eq(users.id, userId));
        await revokeAllOf(q, userId, keepSessionId);
      });
    },

    /**
     * Checks an email and password; null for an unknown email, a wrong password, a user without a password
     * or a disabled one (the caller answers all of them the same way). An unknown email still costs one
     * argon2 verification.
     */
    async verifyLogin(email: string, password: string): Promise<UserRow | null> {
      const [row] = await store.read((q) =>
        q
          .select()
          .from(users)
          .where(eq(users.email, normalizeEmail(email))),
      );
      if (!row?.passwordHash) {
        dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
        await Bun.password.verify(password, await dummyHash);
        return null;
      }
      const ok = await Bun.password.verify(password, row.passwordHash);
      return ok && !row.disabled ? row : null;
    },

    /** A new session; the secret goes in the cookie and is never stored. */
    async createSession(
      userId: number,
      meta: { userAgent: string | null; address: string | null },
    ): Promise<{ secret: string; session: SessionRow }> {
      const now = clock();
      const secret = randomBytes(32).toString("base64url");
      const session = await store.write(async (q) => {
        // Expired sessions are dropped here, on the index of their absolute expiry.
        await q.delete(userSessions).where(lt(userSessions.expiresAt, new Date(now)));
        const [row] = await q
          .insert(userSessions)
          .values({
            userId,
            secretHash: sha256(secret),
            createdAt: new Date(now),
            lastSeenAt: new Date(now),
            expiresAt: new Date(now + policy.absoluteMs),
            userAgent: meta.userAgent?.slice(0, 300) ?? null,
            address: meta.address,
          })
          .returning();
        return row!;
      });
      return { secret, session };
    },

    /**
     * The principal of a session cookie, or null (unknown, revoked, idle too long, past its expiry). Writes
     * only to drop an ended session or to touch lastSeenAt (at most once a minute): on a read-only connection
     * (the read front) those fail, and the request goes to the writer.
     */
    async authenticateSession(secret: string): Promise<UserPrincipal | null> {
      const h = sha256(secret);
      const kept = known.get(h);
      if (kept) {
        const now = clock();
        if (now < kept.expiresAt && now - kept.lastSeenAt < readAgainAfterMs) return kept.principal;
      }
      const at = known.version();
      const [session] = await store.read((q) =>
        q.select().from(userSessions).where(eq(userSessions.secretHash, h)),
      );
      if (!session || !timingSafeEqual(Buffer.from(session.secretHash), Buffer.from(h))) return null;
      const now = clock();
      if (now >= session.expiresAt.getTime() || now - session.lastSeenAt.getTime() >= policy.idleMs) {
        await store.write((q) => q.delete(userSessions).where(eq(userSessions.id, session.id)));
        return null;
      }
      const found = await store.read(async (q) => {
        const [user] = await q.select().from(users).where(eq(users.id, session.userId));
        return user && !user.disabled
          ? { user, queueIds: (await queueIdsOf(q, [user.id])).get(user.id)! }
          : null;
      });
      if (!found) return null;
      let lastSeenAt = session.lastSeenAt.getTime();
      if (now - lastSeenAt >= TOUCH_RESOLUTION_MS) {
        await store.write((q) =>
          q
            .update(userSessions)
            .set({ lastSeenAt: new Date(now) })
            .where(eq(userSessions.id, session.id)),
        );
        lastSeenAt = now;
      }
      const { user, queueIds } = found;
      const principal: UserPrincipal = Object.freeze({
        kind: "user",
        id: user.id,
        name: user.name,
        email: user.email,
        role: user.role,
        queueIds: Object.freeze(queueIds) as number[],
        signature: user.signature,
        sessionId: session.id,
      });
      known.set(h, at, { principal, lastSeenAt, expiresAt: session.expiresAt.getTime() });
      return principal;
    },

    /** Sessions still valid, newest first; of one user, or of everyone. */
    async sessions(userId?: number): Promise<SessionRow[]> {
      const now = clock();
      const rows = await store.read((q) =>
        q
          .select()
          .from(userSessions)
          .where(userId === undefined ? undefined : eq(userSessions.userId, userId))
          .orderBy(asc(userSessions.id)),
      );
      return rows
        .filter((s) => now < s.expiresAt.getTime() && now - s.lastSeenAt.getTime() < policy.idleMs)
        .reverse();
    },

    async session(id: number): Promise<SessionRow | undefined> {
      const [row] = await store.read((q) => q.select().from(userSessions).where(eq(userSessions.id, id)));
      return row;
    },

    async revokeSession(id: number): Promise<void> {
      await store.write((q) => q.delete(userSessions).where(eq(userSessions.id, id)));
    },

    policy,
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
