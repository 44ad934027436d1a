import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { connections, queues } from "../db/schema";
import { lockFor } from "../db/sql/locks";
import { type Query, uniqueViolation } from "../db/store";
import { preparedQuery } from "../db/store/prepared";
import { AppError } from "../errors";
import type { ConnectionStatus, WhatsAppGateway } from "../whatsapp/gateway";
import type { DomainDeps } from "./deps";
import { normalizeNumber } from "./numbers";
import { createVersionMemo } from "./version-memo";

export type Connection = typeof connections.$inferSelect;

const SEEN_PERSIST_MS = 60_000;

export type ConnectionInput = {
  name: string;
  driver?: "baileys" | "sandbox";
  number?: string | null;
  isDefault?: boolean;
  greetingMessage?: string | null;
  farewellMessage?: string | null;
  groups?: "ignore" | "tickets";
  sendReadReceipts?: boolean;
  historyImportDays?: number;
  agentSignature?: boolean;
  ratingMessage?: string | null;
  /** The queues the connection offers, in menu order; replaces the whole list. */
  queueIds?: number[];
  pacingMinIntervalMs?: number;
  pacingJitterMs?: number;
  pacingTyping?: boolean;
  pacingDailyCap?: number;
};

/** A queue a connection offers, as the queue menu and out-of-hours reply need it. */
export type OfferedQueue = Pick<
  typeof queues.$inferSelect,
  "id" | "name" | "greetingMessage" | "schedule" | "timeZone" | "outOfHoursMessage"
>;

const notFound = () => new AppError("ERR_CONNECTION_NOT_FOUND", "Connection not found");
const nameConflict = (name: string) =>
  new AppError("ERR_CONFLICT", `A connection named "${name}" already exists`);

/** What a connection is configured to do with a customer's message: its row and the queues it offers, in menu order. */
export type ConnectionSetup = { conn: Connection; offered: OfferedQueue[] };

/**
 * Connections on the Store (docs/CLUSTER.md §3, "Connections (session 6)"): a read-front thread or another node sees
 * a change as soon as it commits. The message path awaits `find`/`get`/`queuesOf`/`setup` outside its transactions:
 * on SQLite these keep what they read while `configVersion` holds (migration 0023's triggers move it on any change
 * of a connection, a queue or a connection's queues, from any connection), so a message does not read its
 * connection again; on PostgreSQL every call reads. A `store.write` body reads through `findIn(q, id)`/`queuesIn(q,
 * id)` with its own `q`, always from the database.
 */
export function createConnectionService(
  deps: Pick<DomainDeps, "store" | "events" | "sessions" | "clock" | "configVersion">,
) {
  const { store, events, sessions, clock } = deps;
  const { connections, connectionQueues, queues } = store.t;
  const lastSeen = new Map<number, Date>();
  const persisted = new Map<number, number>();

  // Prepared once per connection: every message reads its connection (bench/connection-lookup.bench.ts). No
  // `.limit(1)` (a key has one row; there is one default): a bound LIMIT doubled the lookup's time there.
  const byId = preparedQuery<{ id: number }, Connection[]>((q) =>
    q
      .select()
      .from(connections)
      .where(eq(connections.id, sql.placeholder("id"))),
  );
  const byDefault = preparedQuery<Record<string, never>, Connection[]>((q) =>
    q.select().from(connections).where(eq(connections.isDefault, true)),
  );
  const offered = preparedQuery<{ id: number }, OfferedQueue[]>((q) =>
    q
      .select({
        id: queues.id,
        name: queues.name,
        greetingMessage: queues.greetingMessage,
        schedule: queues.schedule,
        timeZone: queues.timeZone,
        outOfHoursMessage: queues.outOfHoursMessage,
      })
      .from(connectionQueues)
      .innerJoin(queues, eq(queues.id, connectionQueues.queueId))
      .where(eq(connectionQueues.connectionId, sql.placeholder("id")))
      .orderBy(asc(connectionQueues.position)),
  );

  /** The connection row, read with the caller's `q` (a read, or inside a write's transaction). */
  async function findIn(q: Query, id: number): Promise<Connection | undefined> {
    return (await byId(q, { id }))[0];
  }

  /** The queues a connection offers, in menu order, read with the caller's `q`. */
  const queuesIn = (q: Query, id: number): Promise<OfferedQueue[]> => offered(q, { id });

  const kept = createVersionMemo<ConnectionSetup>(deps.configVersion);
  const keptOutOfHours = createVersionMemo<boolean>(deps.configVersion, 1);

  /** The connection and the queues it offers, kept while nothing they are made of changed (see above). */
  const setup = (id: number): Promise<ConnectionSetup | undefined> =>
    kept.keep(String(id), () =>
      store.read(async (q) => {
        const conn = await findIn(q, id);
        return conn ? { conn, offered: await queuesIn(q, id) } : undefined;
      }),
    );

  const find = async (id: number) => (await setup(id))?.conn;

  const keptDefault = createVersionMemo<Connection>(deps.configVersion, 1);
  /** The default connection (a send without `connectionId`), kept like `setup`. */
  const defaultConnection = (): Promise<Connection | undefined> =>
    keptDefault.keep("", async () => (await store.read((q) => byDefault(q, {})))[0]);

  async function get(id: number): Promise<Connection> {
    const c = await find(id);
    if (!c) throw notFound();
    return c;
  }

  /** Queue ids given twice are a 400 before any transaction starts. */
  function checkQueueIds(queueIds: number[] | undefined) {
    if (queueIds && new Set(queueIds).size !== queueIds.length)
      throw new AppError("ERR_VALIDATION", "queueIds lists a queue twice", [
        { path: "queueIds", message: "Each queue at most once" },
      ]);
  }

  /** Replaces the connection's queue list (positions follow the given order); an unknown id is a 404. */
  async function setQueues(q: Query, connectionId: number, queueIds: number[]) {
    if (queueIds.length > 0) {
      const found = new Set(
        (await q.select({ id: queues.id }).from(queues).where(inArray(queues.id, queueIds))).map((r) => r.id),
      );
      const missing = queueIds.find((id) => !found.has(id));
      if (missing !== undefined) throw new AppError("ERR_QUEUE_NOT_FOUND", `Queue #${missing} not found`);
    }
    await q.delete(connectionQueues).where(eq(connectionQueues.connectionId, connectionId));
    if (queueIds.length > 0)
      await q
        .insert(connectionQueues)
        .values(queueIds.map((queueId, position) => ({ connectionId, queueId, position })));
  }

  async function nameTaken(q: Query, name: string, exceptId?: number) {
    const where =
      exceptId === undefined
        ? eq(connections.name, name)
        : and(eq(connections.name, name), ne(connections.id, exceptId));
    const [row] = await q.select({ id: connections.id }).from(connections).where(where).limit(1);
    return row !== undefined;
  }

  /** A concurrent write that slipped past the name check (PostgreSQL, READ COMMITTED) is the same 409. */
  const conflictOn = (name: string | undefined) => (err: unknown) => {
    if (name !== undefined && uniqueViolation(err) === "name") throw nameConflict(name);
    throw err;
  };

  const sandboxOnly = () =>
    new AppError("ERR_VALIDATION", "number can only be set on sandbox connections", [
      { path: "number", message: "The number of a baileys connection comes from the linked phone" },
    ]);

  return {
    get,
    find,
    findIn,
    /** The queues a connection offers, in menu order. */
    queuesOf: async (id: number): Promise<OfferedQueue[]> => (await setup(id))?.offered ?? [],
    setup,
    /** Whether `setup` and the others keep what they read between calls (SQLite), so asking them again is free. */
    keepsSetup: (): boolean => kept.version() !== undefined,
    /**
     * Whether any queue has an out-of-hours reply (a schedule and a message): when none has, no ticket's queue
     * makes the automation answer outside hours. Kept like `setup`.
     */
    async anyOutOfHours(): Promise<boolean> {
      const any = await keptOutOfHours.keep("", async () =>
        (
          await store.read((q) =>
            q.select({ schedule: queues.schedule, message: queues.outOfHoursMessage }).from(queues),
          )
        ).some((r) => r.schedule !== null && !!r.message?.trim()),
      );
      return any === true;
    },
    queuesIn,
    /** The connection with its ordered queue ids, as the API shows it; 404 when it does not exist. */
    view: (id: number) =>
      store.read(async (q) => {
        const c = await findIn(q, id);
        if (!c) throw notFound();
        return { ...c, queueIds: (await queuesIn(q, id)).map((r) => r.id) };
      }),
    list: (): Promise<Connection[]> =>
      store.read((q) => q.select().from(connections).orderBy(asc(connections.name), asc(connections.id))),

    async create(input: ConnectionInput): Promise<Connection> {
      const driver = input.driver ?? "baileys";
      if (input.number != null && driver !== "sandbox") throw sandboxOnly();
      checkQueueIds(input.queueIds);
      const number = input.number != null ? normalizeNumber(input.number) : null;
      const now = new Date(clock());
      return store
        .write(async (q) => {
          await lockFor(q, store.dialect, "defaultConnection");
          if (await nameTaken(q, input.name)) throw nameConflict(input.name);
          const [any] = await q.select({ id: connections.id }).from(connections).limit(1);
          const isDefault = any === undefined || input.isDefault === true;
          if (isDefault)
            await q.update(connections).set({ isDefault: false }).where(eq(connections.isDefault, true));
          const [created] = await q
            .insert(connections)
            .values({
              name: input.name,
              driver,
              number: driver === "sandbox" ? (number ?? randomSandboxNumber()) : null,
              status: "OPENING",
              isDefault,
              greetingMessage: input.greetingMessage ?? null,
              farewellMessage: input.farewellMessage ?? null,
              groups: input.groups ?? "ignore",
              sendReadReceipts: input.sendReadReceipts ?? true,
              historyImportDays: input.historyImportDays ?? 0,
              agentSignature: input.agentSignature ?? false,
              ratingMessage: input.ratingMessage ?? null,
              // Unset: the column defaults (the conservative pacing documented in the README).
              pacingMinIntervalMs: input.pacingMinIntervalMs,
              pacingJitterMs: input.pacingJitterMs,
              pacingTyping: input.pacingTyping,
              pacingDailyCap: input.pacingDailyCap,
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          if (input.queueIds) await setQueues(q, created!.id, input.queueIds);
          return created!;
        })
        .catch(conflictOn(input.name));
    },

    async update(id: number, input: Partial<ConnectionInput>): Promise<Connection> {
      checkQueueIds(input.queueIds);
      const number = input.number != null ? normalizeNumber(input.number) : undefined;
      return store
        .write(async (q) => {
          if (input.isDefault !== undefined) await lockFor(q, store.dialect, "defaultConnection");
          const current = await findIn(q, id);
          if (!current) throw notFound();
          if (input.driver !== undefined && input.driver !== current.driver) {
            throw new AppError("ERR_VALIDATION", "The driver of a connection cannot be changed", [
              { path: "driver", message: "Create a new connection instead" },
            ]);
          }
          if (input.number != null && current.driver !== "sandbox") throw sandboxOnly();
          if (input.name !== undefined && (await nameTaken(q, input.name, id)))
            throw nameConflict(input.name);
          if (input.isDefault === true) {
            await q
              .update(connections)
              .set({ isDefault: false })
              .where(and(eq(connections.isDefault, true), ne(connections.id, id)));
          }
          // Unsetting the only default would leave sends without a connection: keep it.
          const isDefault = input.isDefault === false && current.isDefault ? true : input.isDefault;
          if (input.queueIds) await setQueues(q, id, input.queueIds);
          const [updated] = await q
            .update(connections)
            .set({
              name: input.name,
              number,
              isDefault,
              greetingMessage: input.greetingMessage,
              farewellMessage: input.farewellMessage,
              groups: input.groups,
              sendReadReceipts: input.sendReadReceipts,
              historyImportDays: input.historyImportDays,
              agentSignature: input.agentSignature,
              ratingMessage: input.ratingMessage,
              pacingMinIntervalMs: input.pacingMinIntervalMs,
              pacingJitterMs: input.pacingJitterMs,
              pacingTyping: input.pacingTyping,
              pacingDailyCap: input.pacingDailyCap,
              updatedAt: new Date(clock()),
            })
            .where(eq(connections.id, id))
            .returning();
          return updated!;
        })
        .catch(conflictOn(input.name));
    },

    /** Deletes the connection (its tickets, messages and webhooks cascade); the oldest left becomes the default. */
    remove(id: number): Promise<Connection> {
      return store.write(async (q) => {
        await lockFor(q, store.dialect, "defaultConnection");
        const [removed] = await q.delete(connections).where(eq(connections.id, id)).returning();
        if (!removed) throw notFound();
        if (removed.isDefault) {
          const [next] = await q
            .select({ id: connections.id })
            .from(connections)
            .orderBy(asc(connections.id))
            .limit(1);
          if (next) await q.update(connections).set({ isDefault: true }).where(eq(connections.id, next.id));
        }
        return removed;
      });
    },

    /** The connection to use when a request names none: the given id, else the default. */
    async resolve(id: number | null | undefined): Promise<Connection> {
      if (id != null) return get(id);
      const def = await defaultConnection();
      if (!def)
        throw new AppError("ERR_NO_DEF_WAPP_FOUND", "No default WhatsApp connection: create one first");
      return def;
    },

    /** The live gateway of a connected connection, or 409 ERR_WAPP_NOT_CONNECTED. */
    requireConnected(connection: Connection): WhatsAppGateway {
      const gw = sessions.get(connection.id);
      if (gw?.status() === "CONNECTED") return gw;
      throw new AppError(
        "ERR_WAPP_NOT_CONNECTED",
        `Connection "${connection.name}" is not connected (status ${gw?.status() ?? connection.status})`,
      );
    },

    isConnected(connectionId: number): boolean {
      return sessions.get(connectionId)?.status() === "CONNECTED";
    },

    /**
     * Applies a status reported by the driver and emits connection_update when it changed; resolves once
     * committed. The comparison runs inside the write, so reports of one connection apply in the order given.
     */
    async applyStatus(
      id: number,
      status: ConnectionStatus,
      info: { qrcode: string | null; number?: string | null; reason?: string },
    ): Promise<void> {
      await store.write(async (q) => {
        const current = await findIn(q, id);
        if (!current) return;
        const number = info.number === undefined ? current.number : info.number;
        const reason = info.reason ?? null;
        if (
          current.status === status &&
          current.qrcode === info.qrcode &&
          current.number === number &&
          current.statusReason === reason
        )
          return;
        await q
          .update(connections)
          .set({ status, qrcode: info.qrcode, number, statusReason: reason, updatedAt: new Date(clock()) })
          .where(eq(connections.id, id));
        const data: Record<string, unknown> = { status, qrcode: info.qrcode };
        if (info.reason) data.reason = info.reason;
        // In the body's transaction: the event commits with the status.
        await events.emitIn(q, "connection_update", id, data);
      });
    },

    /**
     * Records the last frame received. Kept in memory (a socket sees many frames a minute) and written to
     * the database at most once a minute, so a restart still shows roughly when the session was last alive.
     * Resolves at once when nothing is written.
     */
    async touchSeen(id: number, at: Date): Promise<void> {
      const previous = lastSeen.get(id);
      lastSeen.set(id, at);
      if (!previous || at.getTime() - (persisted.get(id) ?? 0) > SEEN_PERSIST_MS) {
        persisted.set(id, at.getTime());
        await store.write((q) => q.update(connections).set({ lastSeenAt: at }).where(eq(connections.id, id)));
      }
    },

    /** The last frame seen: this process's memory, else what the row kept. */
    lastSeenAt(c: Connection): Date | null {
      return lastSeen.get(c.id) ?? c.lastSeenAt ?? null;
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;

function randomSandboxNumber(): string {
  return `5599${Math.floor(Math.random() * 1e9)
    .toString()
    .padStart(9, "0")}`;
}
