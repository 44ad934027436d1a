import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { and, asc, eq, inArray, lt, ne, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/client";
import { queues, type UserRole, userQueues, userSessions, users } from "../db/schema";
import { AppError } from "../errors";
import { type KeyPage, takePage } from "./paging";
import type { TokenScope } from "./token.service";

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

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
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
export function createAccountService(db: Db, policy: SessionPolicy, clock: () => number = Date.now) {
  const queueIdsOf = (tx: DbOrTx, userId: number) =>
    tx
      .select({ queueId: userQueues.queueId })
      .from(userQueues)
      .where(eq(userQueues.userId, userId))
      .orderBy(asc(userQueues.queueId))
      .all()
      .map((r) => r.queueId);

  const toUser = (tx: DbOrTx, row: UserRow): User => {
    const { passwordHash, ...rest } = row;
    return { ...rest, queueIds: queueIdsOf(tx, row.id), hasPassword: passwordHash !== null };
  };

  const rowOf = (tx: DbOrTx, id: number): UserRow => {
    const row = tx.select().from(users).where(eq(users.id, id)).get();
    if (!row) throw new AppError("ERR_USER_NOT_FOUND", "User not found");
    return row;
  };

  function setQueues(tx: DbOrTx, userId: number, queueIds: number[]) {
    const unique = [...new Set(queueIds)];
    if (unique.length > 0) {
      const found = tx.select({ id: queues.id }).from(queues).where(inArray(queues.id, unique)).all();
      const missing = unique.filter((q) => !found.some((f) => f.id === q));
      if (missing.length > 0) throw new AppError("ERR_QUEUE_NOT_FOUND", `Queue #${missing[0]} not found`);
    }
    tx.delete(userQueues).where(eq(userQueues.userId, userId)).run();
    for (const queueId of unique) tx.insert(userQueues).values({ userId, queueId }).run();
  }

  const conflict = (err: unknown): never => {
    if (err instanceof Error && /UNIQUE constraint failed: users\.email/.test(err.message))
      throw new AppError("ERR_CONFLICT", "A user with this email already exists");
    throw err;
  };

  const revokeAllOf = (tx: DbOrTx, userId: number, exceptSessionId?: number) =>
    tx
      .delete(userSessions)
      .where(
        exceptSessionId === undefined
          ? eq(userSessions.userId, userId)
          : and(eq(userSessions.userId, userId), ne(userSessions.id, exceptSessionId)),
      )
      .run();

  const normalizeEmail = (email: string) => email.trim().toLowerCase();

  return {
    list: (): User[] =>
      db
        .select()
        .from(users)
        .orderBy(asc(users.name), asc(users.id))
        .all()
        .map((r) => toUser(db, r)),
    /** One page by (name, id), past a keyset cursor: limit + 1 rows tell whether more follow. */
    listPage(at: KeyPage<readonly [string, number]>): { rows: User[]; hasMore: boolean } {
      const after = at.after
        ? sql`(${users.name}, ${users.id}) > (${at.after[0]}, ${at.after[1]})`
        : undefined;
      const rows = db
        .select()
        .from(users)
        .where(after)
        .orderBy(asc(users.name), asc(users.id))
        .limit(at.limit + 1)
        .all();
      const page = takePage(rows, at.limit);
      return { rows: page.rows.map((r) => toUser(db, r)), hasMore: page.hasMore };
    },
    get: (id: number): User => toUser(db, rowOf(db, id)),

    async create(input: UserInput): Promise<User> {
      if (input.password !== undefined) checkPassword(input.password);
      const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
      try {
        return db.transaction((tx) => {
          const row = tx
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
            .returning()
            .get();
          if (input.queueIds) setQueues(tx, row.id, input.queueIds);
          return toUser(tx, row);
        });
      } catch (err) {
        return conflict(err);
      }
    },

    /** Setting a password or disabling a user ends their sessions. */
    async update(id: number, input: Partial<UserInput>): Promise<User> {
      rowOf(db, id);
      if (input.password !== undefined) checkPassword(input.password);
      const passwordHash = input.password !== undefined ? await hashPassword(input.password) : undefined;
      try {
        return db.transaction((tx) => {
          const { queueIds, password: _password, email, ...rest } = input;
          const row = tx
            .update(users)
            .set({
              ...rest,
              ...(email !== undefined ? { email: normalizeEmail(email) } : {}),
              ...(passwordHash !== undefined ? { passwordHash } : {}),
              updatedAt: new Date(clock()),
            })
            .where(eq(users.id, id))
            .returning()
            .get()!;
          if (queueIds) setQueues(tx, id, queueIds);
          if (passwordHash !== undefined || input.disabled === true) revokeAllOf(tx, id);
          return toUser(tx, row);
        });
      } catch (err) {
        return conflict(err);
      }
    },

    remove(id: number): void {
      rowOf(db, id);
      db.delete(users).where(eq(users.id, id)).run();
    },

    /** An admin's reset: a generated password, shown once; every session of the user ends. */
    async resetPassword(id: number): Promise<{ user: User; password: string }> {
      const password = generatePassword();
      const user = await this.update(id, { password });
      return { user, password };
    },

    /** The user's own change: needs the current password; ends every other session of theirs. */
    async changePassword(
      userId: number,
      currentPassword: string,
      newPassword: string,
      keepSessionId: number,
    ): Promise<void> {
      const row = rowOf(db, userId);
      if (!row.passwordHash || !(await Bun.password.verify(currentPassword, row.passwordHash)))
        throw new AppError("ERR_WRONG_PASSWORD", "The current password is wrong");
      checkPassword(newPassword);
      const passwordHash = await hashPassword(newPassword);
      db.transaction((tx) => {
        tx.update(users)
          .set({ passwordHash, updatedAt: new Date(clock()) })
          .where(eq(users.id, userId))
          .run();
        revokeAllOf(tx, userId, keepSessionId);
      });
    },

    /**
     * Checks an email and password; null for an unknown email, a wrong password, a user without a password
     * or a disabled one (the caller answers all of them the same way). An unknown email still costs one
     * argon2 verification.
     */
    async verifyLogin(email: string, password: string): Promise<UserRow | null> {
      const row = db
        .select()
        .from(users)
        .where(eq(users.email, normalizeEmail(email)))
        .get();
      if (!row?.passwordHash) {
        dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
        await Bun.password.verify(password, await dummyHash);
        return null;
      }
      const ok = await Bun.password.verify(password, row.passwordHash);
      return ok && !row.disabled ? row : null;
    },

    /** A new session; the secret goes in the cookie and is never stored. */
    createSession(userId: number, meta: { userAgent: string | null; address: string | null }) {
      const now = clock();
      const secret = randomBytes(32).toString("base64url");
      // Expired sessions are dropped here, on the index of their absolute expiry.
      db.delete(userSessions)
        .where(lt(userSessions.expiresAt, new Date(now)))
        .run();
      const session = db
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
        .returning()
        .get();
      return { secret, session };
    },

    /** The principal of a session cookie, or null (unknown, revoked, idle too long, past its expiry). */
    authenticateSession(secret: string): UserPrincipal | null {
      const h = sha256(secret);
      const session = db.select().from(userSessions).where(eq(userSessions.secretHash, h)).get();
      if (!session || !timingSafeEqual(Buffer.from(session.secretHash), Buffer.from(h))) return null;
      const now = clock();
      if (now >= session.expiresAt.getTime() || now - session.lastSeenAt.getTime() >= policy.idleMs) {
        db.delete(userSessions).where(eq(userSessions.id, session.id)).run();
        return null;
      }
      const user = db.select().from(users).where(eq(users.id, session.userId)).get();
      if (!user || user.disabled) return null;
      if (now - session.lastSeenAt.getTime() >= TOUCH_RESOLUTION_MS)
        db.update(userSessions)
          .set({ lastSeenAt: new Date(now) })
          .where(eq(userSessions.id, session.id))
          .run();
      return {
        kind: "user",
        id: user.id,
        name: user.name,
        email: user.email,
        role: user.role,
        queueIds: queueIdsOf(db, user.id),
        signature: user.signature,
        sessionId: session.id,
      };
    },

    /** Sessions still valid, newest first; of one user, or of everyone. */
    sessions(userId?: number): SessionRow[] {
      const now = clock();
      const rows = db
        .select()
        .from(userSessions)
        .where(userId === undefined ? undefined : eq(userSessions.userId, userId))
        .orderBy(asc(userSessions.id))
        .all();
      return rows
        .filter((s) => now < s.expiresAt.getTime() && now - s.lastSeenAt.getTime() < policy.idleMs)
        .reverse();
    },

    session(id: number): SessionRow | undefined {
      return db.select().from(userSessions).where(eq(userSessions.id, id)).get();
    },

    revokeSession(id: number): void {
      db.delete(userSessions).where(eq(userSessions.id, id)).run();
    },

    policy,
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
