import { and, asc, eq, ne, sql } from "drizzle-orm";
import type { Tx } from "../db/client";
import { connectionQueues, connections, queues } from "../db/schema";
import { AppError } from "../errors";
import type { ConnectionStatus, WhatsAppGateway } from "../whatsapp/gateway";
import type { DomainDeps } from "./deps";
import { normalizeNumber } from "./numbers";

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

export function createConnectionService(deps: DomainDeps) {
  const { db, events, sessions, clock } = deps;
  const lastSeen = new Map<number, Date>();
  const persisted = new Map<number, number>();

  const byId = db
    .select()
    .from(connections)
    .where(eq(connections.id, sql.placeholder("id")))
    .prepare();
  const find = (id: number) => byId.get({ id });
  // Compiled once: every send without a whatsappId resolves the default connection.
  const byDefault = db.select().from(connections).where(eq(connections.isDefault, true)).prepare();

  function get(id: number): Connection {
    const c = find(id);
    if (!c) throw new AppError("ERR_CONNECTION_NOT_FOUND", "Connection not found");
    return c;
  }

  /** Replaces the connection's queue list (positions follow the given order); unknown ids are a 404. */
  function setQueues(tx: Tx, connectionId: number, queueIds: number[]) {
    if (new Set(queueIds).size !== queueIds.length)
      throw new AppError("ERR_VALIDATION", "queueIds lists a queue twice", [
        { path: "queueIds", message: "Each queue at most once" },
      ]);
    for (const queueId of queueIds) {
      if (!tx.select({ id: queues.id }).from(queues).where(eq(queues.id, queueId)).get())
        throw new AppError("ERR_QUEUE_NOT_FOUND", `Queue #${queueId} not found`);
    }
    tx.delete(connectionQueues).where(eq(connectionQueues.connectionId, connectionId)).run();
    if (queueIds.length > 0)
      tx.insert(connectionQueues)
        .values(queueIds.map((queueId, position) => ({ connectionId, queueId, position })))
        .run();
  }

  const queuesStmt = db
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
    .orderBy(asc(connectionQueues.position))
    .prepare();
  /** The queues a connection offers, in menu order. */
  const queuesOf = (id: number) => queuesStmt.all({ id });

  function nameTaken(tx: Tx, name: string, exceptId?: number) {
    const where =
      exceptId === undefined
        ? eq(connections.name, name)
        : and(eq(connections.name, name), ne(connections.id, exceptId));
    return tx.select({ id: connections.id }).from(connections).where(where).get() !== undefined;
  }

  return {
    get,
    find,
    queuesOf,
    /** The connection with its ordered queue ids, as the API shows it. */
    withQueues: (c: Connection) => ({ ...c, queueIds: queuesOf(c.id).map((q) => q.id) }),
    list: (): Connection[] =>
      db.select().from(connections).orderBy(asc(connections.name), asc(connections.id)).all(),

    create(input: ConnectionInput): Connection {
      const driver = input.driver ?? "baileys";
      if (input.number != null && driver !== "sandbox") {
        throw new AppError("ERR_VALIDATION", "number can only be set on sandbox connections", [
          { path: "number", message: "The number of a baileys connection comes from the linked phone" },
        ]);
      }
      const number = input.number != null ? normalizeNumber(input.number) : null;
      const now = new Date(clock());
      return db.transaction((tx) => {
        if (nameTaken(tx, input.name))
          throw new AppError("ERR_CONFLICT", `A connection named "${input.name}" already exists`);
        const first = tx.select({ id: connections.id }).from(connections).limit(1).get() === undefined;
        const isDefault = first || input.isDefault === true;
        if (isDefault)
          tx.update(connections).set({ isDefault: false }).where(eq(connections.isDefault, true)).run();
        const created = tx
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
          .returning()
          .get();
        if (input.queueIds) setQueues(tx, created.id, input.queueIds);
        return created;
      });
    },

    update(id: number, input: Partial<ConnectionInput>): Connection {
      const current = get(id);
      if (input.driver !== undefined && input.driver !== current.driver) {
        throw new AppError("ERR_VALIDATION", "The driver of a connection cannot be changed", [
          { path: "driver", message: "Create a new connection instead" },
        ]);
      }
      if (input.number != null && current.driver !== "sandbox") {
        throw new AppError("ERR_VALIDATION", "number can only be set on sandbox connections", [
          { path: "number", message: "The number of a baileys connection comes from the linked phone" },
        ]);
      }
      const number = input.number != null ? normalizeNumber(input.number) : undefined;
      return db.transaction((tx) => {
        if (input.name !== undefined && nameTaken(tx, input.name, id)) {
          throw new AppError("ERR_CONFLICT", `A connection named "${input.name}" already exists`);
        }
        if (input.isDefault === true) {
          tx.update(connections)
            .set({ isDefault: false })
            .where(and(eq(connections.isDefault, true), ne(connections.id, id)))
            .run();
        }
        // Unsetting the only default would leave sends without a connection: keep it.
        const isDefault = input.isDefault === false && current.isDefault ? true : input.isDefault;
        if (input.queueIds) setQueues(tx, id, input.queueIds);
        return tx
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
          .returning()
          .get()!;
      });
    },

    remove(id: number): Connection {
      const current = get(id);
      db.transaction((tx) => {
        tx.delete(connections).where(eq(connections.id, id)).run();
        if (current.isDefault) {
          const next = tx
            .select({ id: connections.id })
            .from(connections)
            .orderBy(asc(connections.id))
            .limit(1)
            .get();
          if (next) tx.update(connections).set({ isDefault: true }).where(eq(connections.id, next.id)).run();
        }
      });
      return current;
    },

    /** The connection to use when a request names none: the given id, else the default. */
    resolve(id: number | null | undefined): Connection {
      if (id != null) return get(id);
      const def = byDefault.get();
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

    /** Applies a status reported by the driver and emits connection_update when it changed. */
    applyStatus(
      id: number,
      status: ConnectionStatus,
      info: { qrcode: string | null; number?: string | null; reason?: string },
    ): void {
      db.transaction((tx) => {
        const current = tx.select().from(connections).where(eq(connections.id, id)).get();
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
        tx.update(connections)
          .set({ status, qrcode: info.qrcode, number, statusReason: reason, updatedAt: new Date(clock()) })
          .where(eq(connections.id, id))
          .run();
        const data: Record<string, unknown> = { status, qrcode: info.qrcode };
        if (info.reason) data.reason = info.reason;
        events.emit(tx, "connection_update", id, data);
      });
    },

    /**
     * Records the last frame received. Kept in memory (a socket sees many frames a minute) and written to
     * the database at most once a minute, so a restart still shows roughly when the session was last alive.
     */
    touchSeen(id: number, at: Date): void {
      const previous = lastSeen.get(id);
      lastSeen.set(id, at);
      if (!previous || at.getTime() - (persisted.get(id) ?? 0) > SEEN_PERSIST_MS) {
        persisted.set(id, at.getTime());
        db.update(connections).set({ lastSeenAt: at }).where(eq(connections.id, id)).run();
      }
    },

    lastSeenAt(id: number): Date | null {
      return lastSeen.get(id) ?? find(id)?.lastSeenAt ?? null;
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;

function randomSandboxNumber(): string {
  return `5599${Math.floor(Math.random() * 1e9)
    .toString()
    .padStart(9, "0")}`;
}
