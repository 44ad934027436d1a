import { randomBytes } from "node:crypto";
import { and, asc, eq, gt } from "drizzle-orm";
import type { webhooks } from "../db/schema";
import type { Query, Store } from "../db/store";
import { AppError } from "../errors";
import { EVENT_NAMES } from "../webhooks/events";
import type { ReceiverPolicy } from "../webhooks/receiver-policy";
import { type KeyPage, takePage } from "./paging";

export type Webhook = typeof webhooks.$inferSelect;

export type WebhookInput = { url: string; enabled?: boolean; events?: string[]; secret?: string | null };

/** A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export const generateWebhookSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

function checkEvents(events: string[] | undefined) {
  const bad = (events ?? []).filter((e) => !(EVENT_NAMES as readonly string[]).includes(e));
  if (bad.length > 0) {
    throw new AppError("ERR_VALIDATION", `Unknown event(s): ${bad.join(", ")}`, [
      { path: "events", message: `Allowed: ${EVENT_NAMES.join(", ")}` },
    ]);
  }
}

function checkUrl(url: string) {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError("ERR_VALIDATION", "url must be an absolute http(s) URL", [
      { path: "url", message: "Invalid URL" },
    ]);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new AppError("ERR_VALIDATION", "url must use http or https", [
      { path: "url", message: "Invalid scheme" },
    ]);
  }
}

/**
 * Webhooks of a connection. A URL is checked against the receiver address policy when it is set (400
 * ERR_INVALID_WEBHOOK_URL); deliveries check it again, since DNS may change.
 */
export function createWebhookConfigService(
  store: Store,
  receivers: ReceiverPolicy,
  clock: () => number = Date.now,
) {
  const { connections, webhooks } = store.t;

  const requireConnection = async (q: Query, connectionId: number) => {
    const [row] = await q
      .select({ id: connections.id })
      .from(connections)
      .where(eq(connections.id, connectionId));
    if (!row) throw new AppError("ERR_CONNECTION_NOT_FOUND", "Connection not found");
  };

  const find = async (q: Query, connectionId: number, id: number): Promise<Webhook> => {
    await requireConnection(q, connectionId);
    const [row] = await q
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.id, id), eq(webhooks.connectionId, connectionId)));
    if (!row) throw new AppError("ERR_WEBHOOK_NOT_FOUND", "Webhook not found");
    return row;
  };

  return {
    /** The address policy URLs are checked against; the test endpoint applies it too. */
    receivers,
    get: (connectionId: number, id: number): Promise<Webhook> => store.read((q) => find(q, connectionId, id)),
    list(connectionId: number): Promise<Webhook[]> {
      return store.read(async (q) => {
        await requireConnection(q, connectionId);
        return q
          .select()
          .from(webhooks)
          .where(eq(webhooks.connectionId, connectionId))
          .orderBy(asc(webhooks.id));
      });
    },

    /** One page of a connection's webhooks by id, after the cursor's id. */
    async listPage(
      connectionId: number,
      at: KeyPage<readonly [number]>,
    ): Promise<{ rows: Webhook[]; hasMore: boolean }> {
      const after = at.after ? gt(webhooks.id, at.after[0]) : undefined;
      const rows = await store.read(async (q) => {
        await requireConnection(q, connectionId);
        return q
          .select()
          .from(webhooks)
          .where(and(eq(webhooks.connectionId, connectionId), after))
          .orderBy(asc(webhooks.id))
          .limit(at.limit + 1);
      });
      return takePage(rows, at.limit);
    },
    async create(connectionId: number, input: WebhookInput): Promise<Webhook> {
      await store.read((q) => requireConnection(q, connectionId));
      checkUrl(input.url);
      checkEvents(input.events);
      // Outside any transaction: a DNS lookup.
      await receivers.checkUrl(input.url);
      const now = new Date(clock());
      return store.write(async (q) => {
        // The connection may have been deleted during the lookup; the insert's foreign key would fail obscurely.
        await requireConnection(q, connectionId);
        const [row] = await q
          .insert(webhooks)
          .values({
            connectionId,
            url: input.url,
            enabled: input.enabled ?? true,
            events: [...new Set(input.events ?? [])],
            secret: input.secret || generateWebhookSecret(),
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        return row!;
      });
    },
    async update(connectionId: number, id: number, input: Partial<WebhookInput>): Promise<Webhook> {
      await store.read((q) => find(q, connectionId, id));
      if (input.url !== undefined) checkUrl(input.url);
      checkEvents(input.events);
      if (input.url !== undefined) await receivers.checkUrl(input.url);
      return store.write(async (q) => {
        await find(q, connectionId, id);
        const [row] = await q
          .update(webhooks)
          .set({
            url: input.url,
            enabled: input.enabled,
            events: input.events ? [...new Set(input.events)] : undefined,
            secret: input.secret || undefined,
            // Re-enabling clears why it was disabled (e.g. a 410 from the receiver).
            disabledReason: input.enabled === true ? null : undefined,
            updatedAt: new Date(clock()),
          })
          .where(eq(webhooks.id, id))
          .returning();
        return row!;
      });
    },
    remove(connectionId: number, id: number): Promise<void> {
      return store.write(async (q) => {
        await find(q, connectionId, id);
        await q.delete(webhooks).where(eq(webhooks.id, id));
      });
    },
  };
}

export type WebhookConfigService = ReturnType<typeof createWebhookConfigService>;
