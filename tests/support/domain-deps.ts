// The DomainDeps of one test store, for the domain tests of services that still carry synchronous SQLite parts
// (the event sink, the message path's helpers): on SQLite they share the store's writer connection, as in the
// server; on PostgreSQL they run on a migrated in-memory SQLite of their own (the event sink has not moved onto
// the store yet), so what the tests assert of the PostgreSQL store is the store's own data.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { type Db, openDatabase } from "../../src/db/client";
import { createCommitQueue } from "../../src/db/commit-queue";
import { migrate } from "../../src/db/migrate";
import { createSqliteStore, type SqliteStore } from "../../src/db/store";
import type { DomainDeps } from "../../src/domain/deps";
import { createLogger } from "../../src/logger";
import { createMediaFetcher } from "../../src/media/safe-fetch";
import { createMediaStore } from "../../src/server";
import { createEventSink, type StoredEvent } from "../../src/webhooks/events";
import { createReceiverPolicy } from "../../src/webhooks/receiver-policy";
import type { TestStore } from "./stores";

export function domainDeps(
  s: TestStore,
  clock: () => number,
): { deps: DomainDeps; events: StoredEvent[]; [Symbol.dispose](): void } {
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-domain-"));
  let side: Db | undefined;
  const db =
    s.db ??
    (() => {
      side = openDatabase(":memory:");
      migrate(side);
      return side;
    })();
  // The synchronous parts' writer: the test store itself on SQLite, a store over the side database on PostgreSQL.
  const writer = s.db ? (s.store as SqliteStore) : createSqliteStore(db, { path: ":memory:" });
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_TOKEN: "domain-test-token-0123456789",
    PUBLIC_URL: "http://chasqui.test",
    LOG_LEVEL: "silent",
    WA_WS_URL: "ws://127.0.0.1:9/ws/chat",
  });
  const sink = createEventSink(db, clock, writer.afterCommit);
  const events: StoredEvent[] = [];
  sink.subscribe((e) => events.push(e));
  const deps: DomainDeps = {
    db,
    store: s.store,
    commits: createCommitQueue(writer),
    events: sink,
    // No WhatsApp session runs in these tests.
    sessions: { get: () => undefined },
    media: createMediaStore(config),
    fetcher: createMediaFetcher({ allowPrivate: false, timeoutMs: 1000, maxBytes: 1024 }),
    webhookReceivers: createReceiverPolicy({ allowPrivate: true, allowedHosts: [], lookupTimeoutMs: 1000 }),
    config,
    logger: createLogger("silent"),
    clock,
  };
  return {
    deps,
    events,
    [Symbol.dispose]() {
      side?.$client.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
