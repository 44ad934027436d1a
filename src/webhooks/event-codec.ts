import { deflateRawSync, inflateRawSync } from "node:zlib";

/**
 * How an event is stored compactly (docs/PERFORMANCE.md, "Events storage").
 *
 * The envelope a webhook, an SSE stream and the catch-up feed carry is
 * `{"event","timestamp","connectionId","connectionName","connectionNumber","data"}`. Of that, only `data` is
 * stored per row, and compressed; the rest is rebuilt from columns the row has anyway (`type`, `created_at`,
 * `connection_id`) and from `event_origins` (the connection's name and number when the event happened, one
 * row per pair ever used). The rebuilt text is byte for byte what `JSON.stringify(envelope)` gave when the
 * event happened, so signatures, retries and the feed see the same body. Each event keeps its own copy of its
 * data as of the time it happened (an edited message does not change the `message_received` already stored).
 *
 * `data` is deflate-raw with a fixed preset dictionary of the keys and values events repeat, behind a one-byte
 * codec tag: 1 = deflate with DICTIONARY_V1, 0 = plain UTF-8 (when compressing does not pay). The dictionary is
 * part of the stored format: never edit it; a new one needs a new tag.
 */
const DICTIONARY_V1 = Buffer.from(
  [
    '{"connectionId":1,"status":"CONNECTED","previousStatus":"OPENING","reason":null,"qrcode":null}',
    '{"id":1,"name":"","number":"595","email":"","profilePicUrl":null,"isGroup":false,"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"}',
    '{"ticketId":1,"status":"closed","contact":{"id":1,"name":"","number":"595"},"queueId":null,"userId":null,"oldStatus":"open","newStatus":"closed"}',
    '{"messageId":"3EB0","ticketId":1,"body":"","previousBody":"","isEdited":true,"editedAt":"2026-01-01T00:00:00.000Z","fromMe":false,"isDeleted":true,"deletedAt":"2026-01-01T00:00:00.000Z","reaction":"","contact":{"id":1,"name":"","number":"595"}}',
    '"mediaType":"image","media":{"url":"/media/","mimeType":"image/jpeg","type":"image"},"participant":{"number":"595","name":null}',
    '{"messageId":"3EB0","ack":3,"ackName":"READ","ticketId":1}{"messageId":"3EB0","ack":2,"ackName":"DELIVERY_ACK","ticketId":1}',
    '{"messageId":"3EB0","ack":1,"ackName":"SERVER_ACK","ticketId":1}',
    '{"messageId":"3EB0","body":"","fromMe":true,"mediaType":"chat","hasMedia":false,"timestamp":17,"ticketId":1,"contact":{"id":1,"name":"","number":"595"},"media":null,"quotedMsgId":null}',
    '{"messageId":"3EB0","body":"","fromMe":false,"mediaType":"chat","hasMedia":false,"timestamp":17,"ticketId":1,"contact":{"id":1,"name":"","number":"595"},"media":null,"quotedMsgId":null}',
  ].join(""),
);

const PLAIN = 0;
const DEFLATE_V1 = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The stored form of an event's `data` JSON. */
export function encodeData(json: string): Uint8Array {
  const raw = encoder.encode(json);
  const packed = deflateRawSync(raw, { dictionary: DICTIONARY_V1 });
  const out = new Uint8Array(1 + Math.min(raw.length, packed.length));
  if (packed.length < raw.length) {
    out[0] = DEFLATE_V1;
    out.set(packed, 1);
  } else {
    out[0] = PLAIN;
    out.set(raw, 1);
  }
  return out;
}

/** The `data` JSON text back from its stored form. */
export function decodeData(stored: Uint8Array): string {
  const body = stored.subarray(1);
  switch (stored[0]) {
    case PLAIN:
      return decoder.decode(body);
    case DEFLATE_V1:
      return decoder.decode(inflateRawSync(body, { dictionary: DICTIONARY_V1 }));
    default:
      throw new Error(`unknown event data codec ${stored[0]}`);
  }
}

/** What a stored event row carries (compact or not) to rebuild its body. */
export type StoredEventRow = {
  type: string;
  connectionId: number | null;
  createdAt: number;
  /** Non-empty on rows stored before compact events: the body itself. */
  payload: string;
  data: Uint8Array | null;
  originName: string | null;
  originNumber: string | null;
};

/**
 * The exact body `JSON.stringify(envelope)` gives for this event: keys in the envelope's order, the data
 * text as it was stringified when the event happened.
 */
export function envelopeText(e: {
  type: string;
  createdAt: number;
  connectionId: number | null;
  connectionName: string | null;
  connectionNumber: string | null;
  dataJson: string;
}): string {
  return `{"event":${JSON.stringify(e.type)},"timestamp":"${new Date(e.createdAt).toISOString()}","connectionId":${
    e.connectionId === null ? "null" : JSON.stringify(e.connectionId)
  },"connectionName":${JSON.stringify(e.connectionName)},"connectionNumber":${JSON.stringify(e.connectionNumber)},"data":${e.dataJson}}`;
}

/** The body of a stored event, byte for byte as delivered. */
export function payloadOf(row: StoredEventRow): string {
  if (row.data === null || row.data === undefined) return row.payload;
  return envelopeText({
    type: row.type,
    createdAt: row.createdAt,
    connectionId: row.connectionId,
    connectionName: row.originName,
    connectionNumber: row.originNumber,
    dataJson: decodeData(row.data),
  });
}

/**
 * The columns `payloadOf` needs, for `SELECT … FROM events e LEFT JOIN event_origins o ON o.id = e.origin_id`.
 * `created_at` comes back as milliseconds.
 */
export const EVENT_BODY_COLUMNS =
  "e.type AS type, e.connection_id AS connectionId, e.created_at AS createdAt, e.payload AS payload, e.data AS data, o.name AS originName, o.number AS originNumber";
export const EVENT_BODY_JOIN = "events e LEFT JOIN event_origins o ON o.id = e.origin_id";
