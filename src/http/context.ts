import type { SQL } from "bun";
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Services } from "../domain";
import type { Principal } from "../domain/account.service";
import type { MediaFetcher } from "../domain/deps";
import type { Logger, ProcessHealth } from "../logger";
import type { MediaStore } from "../media/media-store";
import type { Metrics } from "../metrics/metrics";
import type { ReadinessCheck } from "../metrics/readiness";
import type { EventSink } from "../webhooks/events";
import type { SessionManager } from "../whatsapp/session-manager";
import type { AuthThrottle } from "./auth-throttle";
import type { EventStreams } from "./event-streams";
import type { IdempotencyHandle } from "./idempotency";
import type { ReadCache } from "./read-cache";

/** Everything a handler may reach, carried on the request context rather than module singletons. */
export type AppDeps = {
  config: Config;
  db: Db;
  logger: Logger;
  services: Services;
  sessions: SessionManager;
  media: MediaStore;
  events: EventSink;
  fetcher: MediaFetcher;
  readCache: ReadCache;
  /** Created by createApp unless given, so each app (and each test) has its own. */
  authThrottle: AuthThrottle;
  /** Failed sign-ins per account (the email as typed, lowercased), like authThrottle per address. */
  loginThrottle: AuthThrottle;
  /** Counters of survived failures (dropped log lines, unhandled errors) for `GET /health`. */
  health: ProcessHealth;
  /** The open event streams, ended by a graceful stop. */
  streams: EventStreams;
  /** The Prometheus registry `GET /metrics` renders; the request observer counts into it. */
  metrics: Metrics;
  /** What `GET /health/ready` answers. */
  readiness: ReadinessCheck;
  /**
   * On PostgreSQL (DATABASE_URL): the part a request would reach that does not run there yet, or null; such a
   * request is answered 503 (src/cluster/postgres-mode.ts). Unset on SQLite.
   */
  notYet?: (method: string, path: string, json: () => Promise<unknown>) => Promise<{ area: string } | null>;
  /** On PostgreSQL (DATABASE_URL): this node in the cluster. Unset on SQLite (one node). */
  cluster?: ClusterDeps;
};

/** A node of a PostgreSQL cluster (docs/CLUSTER.md §4). */
export type ClusterDeps = {
  sql: SQL;
  nodeId: string;
  /** CLUSTER_LEASE_TTL_MS: liveness of a node. */
  ttlMs: number;
  /** Answers another node's internal call for a connection this node runs (src/cluster/remote-gateway.ts). */
  rpc: (req: Request, connectionId: number, op: string) => Promise<Response>;
  /** After an admin's move request: the owner lets go and the target takes the lease now, not at their next rounds. */
  nudgeMove: (connectionId: number, from: string | null, to: string) => Promise<void>;
};

export type AppEnv = {
  Variables: {
    deps: AppDeps;
    principal: Principal;
    /** Set by the `idempotent` middleware when the request carries an Idempotency-Key. */
    idempotency?: IdempotencyHandle;
    /** The `error` code `renderError` answered with, for the request log and metrics. */
    errorCode?: string;
    /** Set by an HTTP read thread that hands this request back to the main thread (logged and counted there). */
    forwarded?: boolean;
  };
};
