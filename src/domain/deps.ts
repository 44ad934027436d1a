import type { Config } from "../config";
import type { Db } from "../db/client";
import type { CommitQueue } from "../db/commit-queue";
import type { Logger } from "../logger";
import type { MediaStore } from "../media/media-store";
import type { EventSink } from "../webhooks/events";
import type { ReceiverPolicy } from "../webhooks/receiver-policy";
import type { WhatsAppGateway } from "../whatsapp/gateway";

export type MediaFetcher = {
  fetch(url: string): Promise<{ bytes: Uint8Array; mimeType: string | null; filename: string | null }>;
};

/** The domain's view of live WhatsApp sessions. */
export type Sessions = { get(connectionId: number): WhatsAppGateway | undefined };

export type DomainDeps = {
  db: Db;
  /** Group commit for writes on the request path (one fsync per batch, answers after commit). */
  commits: CommitQueue;
  events: EventSink;
  sessions: Sessions;
  media: MediaStore;
  fetcher: MediaFetcher;
  /** The address policy webhook URLs are checked against. */
  webhookReceivers: ReceiverPolicy;
  config: Config;
  logger: Logger;
  clock: () => number;
};
