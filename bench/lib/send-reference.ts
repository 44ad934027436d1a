/**
 * The reference for `POST /api/v1/send`: SQLite's own rate at storing what one send stores, one transaction
 * (and so one fsync) per send, in a plain loop on bun:sqlite with no HTTP, no JSON, no validation.
 *
 * Per send, in one `BEGIN IMMEDIATE … COMMIT` on a copy of the seeded database (the server's schema, its
 * triggers and indexes, opened by the server's own `openDatabase`, so `synchronous = FULL` and WAL as in
 * the server):
 * 1. the message row (`INSERT INTO messages`, every column the server's insert sets; the full-text trigger
 *    fires as it does for the server);
 * 2. its ticket update (the server's `last_message` / `unread_messages` / `updated_at` statement);
 * 3. the `message_sent` event row;
 * 4. the three sandbox acks (server, delivered, read): each an `UPDATE messages SET ack` and a `message_ack`
 *    event row.
 * Event rows carry the compact `data` blob a real event of that kind has (encoded once, outside the loop),
 * with a fresh id each. The ticket is an open ticket of the seed, a different one each send.
 */
import { Database } from "bun:sqlite";
import { EVENT_TYPE_CODES, encodeData } from "../../src/webhooks/event-codec";

export type ReferenceResult = { sends: number; seconds: number; rate: number };

export function openReference(path: string) {
  // openDatabase's pragmas, copied here so the reference does not depend on the code under test.
  const sqlite = new Database(path, { strict: true });
  sqlite.exec("PRAGMA busy_timeout = 5000;");
  sqlite.exec("PRAGMA journal_mode = WAL;");
  sqlite.exec("PRAGMA synchronous = FULL;");
  sqlite.exec("PRAGMA foreign_keys = ON;");
  sqlite.exec("PRAGMA temp_store = MEMORY;");
  sqlite.exec("PRAGMA cache_size = -16000;");
  const tickets = (
    sqlite.query("SELECT id FROM tickets WHERE status = 'open' ORDER BY id LIMIT 20000").all() as {
      id: number;
    }[]
  ).map((r) => r.id);
  const conn = sqlite.query("SELECT id, name, number FROM connections ORDER BY id LIMIT 1").get() as {
    id: number;
    name: string;
    number: string | null;
  };
  const origin = (
    sqlite
      .query("INSERT INTO event_origins (connection_id, name, number) VALUES (?, ?, ?) RETURNING id")
      .get(conn.id, conn.name, conn.number) as { id: number }
  ).id;
  const q = {
    begin: sqlite.query("BEGIN IMMEDIATE"),
    commit: sqlite.query("COMMIT"),
    message: sqlite.query(
      `INSERT INTO messages (id, connection_id, ticket_id, contact_id, body, from_me, ack, media_type, media_file,
         mime_type, filename, has_media, quoted_msg_id, remote_key, media_ref, timestamp, participant,
         participant_name, is_imported, user_id, is_system, system_data, is_automated, status, send_at,
         expires_at, outbound, created_at, updated_at)
       VALUES (?, ?, ?, NULL, ?, 1, 0, 'chat', NULL, NULL, NULL, 0, NULL, NULL, NULL, ?, NULL, NULL, 0, NULL,
         0, NULL, 0, 'sent', NULL, NULL, NULL, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
    ),
    ticket: sqlite.query(
      `update tickets set last_message = ?1,
         unread_messages = case ?2 when 1 then 0 when 2 then unread_messages else unread_messages + 1 end,
         updated_at = ?3,
         first_inbound_at = case when ?2 = 0 and first_inbound_at is null then ?3 else first_inbound_at end,
         first_response_at = case when ?2 = 1 and first_response_at is null and first_inbound_at is not null then ?3
           else first_response_at end
       where id = ?4`,
    ),
    event: sqlite.query(
      "insert into events (connection_id, type_code, data, origin_id, created_at) values (?, ?, ?, ?, ?) returning seq",
    ),
    ack: sqlite.query(
      "update messages set ack = ?, updated_at = ? where connection_id = ? and id = ? and ack < ? returning ticket_id",
    ),
  };
  const sentData = encodeData(
    JSON.stringify({
      messageId: "3EB0A1B2C3D4E5F6A7B8C9D0",
      body: "Hola, su pedido #123456 está en camino",
      fromMe: true,
      mediaType: "chat",
      hasMedia: false,
      timestamp: 1_764_000_000,
      ticketId: 123_456,
      contact: { id: 12_345, name: "Cliente 12345", number: "595971012345" },
      media: null,
      quotedMsgId: null,
      userId: null,
    }),
  );
  const ackData = [1, 2, 3].map((ack) =>
    encodeData(
      JSON.stringify({
        messageId: "3EB0A1B2C3D4E5F6A7B8C9D0",
        ack,
        ackName: ["", "server", "delivered", "read"][ack],
        ticketId: 123_456,
      }),
    ),
  );
  let seq = 0;
  const body = "Hola, su pedido #123456 está en camino";

  /** One send's rows, one transaction. */
  function sendOnce() {
    seq++;
    const now = Date.now();
    const id = `3EB0REF${process.pid.toString(16)}${seq.toString(16).padStart(12, "0")}`.toUpperCase();
    const ticketId = tickets[seq % tickets.length]!;
    q.begin.run();
    q.message.get(id, conn.id, ticketId, `${body} ${seq}`, Math.floor(now / 1000), now, now);
    q.ticket.run(body, 1, now, ticketId);
    q.event.get(conn.id, EVENT_TYPE_CODES.message_sent, sentData, origin, now);
    for (let ack = 1; ack <= 3; ack++) {
      q.ack.get(ack, now, conn.id, id, ack);
      q.event.get(conn.id, EVENT_TYPE_CODES.message_ack, ackData[ack - 1]!, origin, now);
    }
    q.commit.run();
  }

  return {
    /** Sends for `seconds`, one transaction each; the rate is sends per second. */
    run(seconds: number): ReferenceResult {
      for (let i = 0; i < 50; i++) sendOnce(); // warm the statements and the cache
      const started = performance.now();
      const until = started + seconds * 1000;
      let sends = 0;
      while (performance.now() < until) {
        sendOnce();
        sends++;
      }
      const s = (performance.now() - started) / 1000;
      return { sends, seconds: s, rate: sends / s };
    },
    close: () => sqlite.close(),
  };
}
