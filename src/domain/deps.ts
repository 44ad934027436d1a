import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Store } from "../db/store";
import type { Logger } from "../logger";
import type { MediaStore } from "../media/media-store";
import type { EventSink } from "../webhooks/events";
import type { ReceiverPolicy } from "../webhooks/receiver-policy";
import type { WhatsAppGateway } from "../whatsapp/gateway";
import type { IdempotencyOwners } from "./idempotency";

export type MediaFetcher = {
  fetch(url: string): Promise<{ bytes: Uint8Array; mimeType: string | null; filename: string | null }>;
};

/** The domain's view of live WhatsApp sessions. */
export type Sessions = {
  /** The connection's gateway: running here, or forwarding to the node that runs it (PostgreSQL cluster). */
  get(connectionId: number): WhatsAppGateway | undefined;
  /** The gateway running on this node only (absent: `get` is local, one node). */
  local?(connectionId: number): WhatsAppGateway | undefined;
};

/** The connection's gateway running on this node (the owner's own work: the send queue, media retries). */
export const localGateway = (sessions: Sessions, connectionId: number): WhatsAppGateway | undefined =>
  sessions.local ? sessions.local(connectionId) : sessions.get(connectionId);

export type DomainDeps = {
  db: Db;
  /**
   * The asynchronous store (src/db/store) the converted services run on; the others still use `db`. On
   * SQLite it shares `db`'s connection as its writer (docs/CLUSTER.md §3).
   */
  store: Store;
  /**
   * Events up to this seq are on disk (the SQLite store's `durableMark`, DB_ASYNC_FSYNC): the event feed and the
   * live streams show no further. Unset: every committed event.
   */
  durableMark?: () => number;
  events: EventSink;
  sessions: Sessions;
  media: MediaStore;
  fetcher: MediaFetcher;
  /** The address policy webhook URLs are checked against. */
  webhookReceivers: ReceiverPolicy;
  config: Config;
  logger: Logger;
  clock: () => number;
  /**
   * Moves whenever a token, panel session, user or user's queue changes (the read cache's `principalsVersion`):
   * the token and account services keep the principals they authenticated while it holds. Absent or undefined:
   * every request reads its credential.
   */
  principalsVersion?: () => number | undefined;
  /**
   * Moves whenever a connection's row, a queue or the queues a connection offers change (the read cache's
   * `configVersion`): the connection service keeps what the message path reads of them while it holds. Absent or
   * undefined: every message reads its connection.
   */
  configVersion?: () => number | undefined;
  /** Who holds an Idempotency-Key in flight, and whether another holder is alive (a cluster's nodes). */
  idempotencyOwners?: IdempotencyOwners;
};
