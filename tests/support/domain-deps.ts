// The DomainDeps of one test store. On SQLite everything shares the store's writer connection, as in the server.
// On PostgreSQL the event sink is the PostgreSQL one (events and deliveries in the write's own transaction,
// listeners fed from the event feed: `await settled()` before looking at `events`), and the parts still written as
// synchronous SQLite (`deps.db`, the sink's synchronous `emit`) run on a migrated in-memory SQLite of
// their own, so what the tests assert of the PostgreSQL store is the store's own data.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresEventSink } from "../../src/cluster/pg-event-sink";
import { loadConfig } from "../../src/config";
import { type Db, openDatabase } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { createSqliteStore, type SqliteStore } from "../../src/db/store";
import type { DomainDeps } from "../../src/domain/deps";
import { createLogger } from "../../src/logger";
import { createMediaFetcher } from "../../src/media/safe-fetch";
import { createMediaStore } from "../../src/server";
import { createEventSink, type EventSink, type StoredEvent } from "../../src/webhooks/events";
import { createReceiverPolicy } from "../../src/webhooks/receiver-policy";
import type { TestStore } from "./stores";

export function domainDeps(
  s: TestStore,
  clock: () => number,
): {
  deps: DomainDeps;
  events: StoredEvent[];
  /** Resolves once `events` holds every event committed so far (PostgreSQL reads them from the feed). */
  settled(): Promise<void>;
  [Symbol.dispose](): void;
} {
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
  const sqliteSink = createEventSink(db, clock, writer.afterCommit);
  const pg = s.sql ? createPostgresEventSink(s.sql, { clock }) : undefined;
  const started = pg?.start();
  const sink: EventSink = pg
    ? {
        emit: sqliteSink.emit,
        emitIn: pg.emitIn,
        subscribe(listener) {
          const offSide = sqliteSink.subscribe(listener);
          const offPg = pg.subscribe(listener);
          return () => {
            offSide();
            offPg();
          };
        },
        wake: pg.wake,
        onWake: pg.onWake,
      }
    : sqliteSink;
  const events: StoredEvent[] = [];
  sink.subscribe((e) => events.push(e));
  const deps: DomainDeps = {
    db,
    store: s.store,
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
    async settled() {
      await started;
      await pg?.drain();
    },
    [Symbol.dispose]() {
      // The store's disposal drops the database next; the sink only stops listening.
      void pg?.close().catch(() => {});
      side?.$client.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
