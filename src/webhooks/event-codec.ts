import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { EventName } from "./event-names";

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
 * codec tag: 1 = deflate with DICTIONARY_V1, 0 = plain UTF-8 (when compressing does not pay), 2 = a row stored
 * before compact events whose whole body is kept as it was, 3 = a `message_ack` packed field by field (ACK_V1). The dictionary is part of the stored format: never
 * edit it; a new one needs a new tag.
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
/** A row stored before compact events (migration 0013 moved its text here): the whole body, as stored. */
const LEGACY_BODY = 2;
/**
 * A `message_ack` data packed field by field: tag, then one byte `(ack + 1) | 0x10 when the message id is
 * uppercase hex` (then stored as its bytes), the ticket id as a LEB128 varint, then the message id. Used only
 * when the JSON is exactly `{"messageId":"…","ack":n,"ackName":ACK_NAMES_V1[n],"ticketId":n}` and rebuilds
 * to the same text (checked at encode time); anything else is deflated.
 */
const ACK_V1 = 3;
/** The ack names of format ACK_V1 (src/domain/messages/acks.ts ACK_NAMES when it was made): never edit. */
const ACK_NAMES_V1: Record<number, string> = {
  [-1]: "error",
  0: "pending",
  1: "server",
  2: "delivered",
  3: "read",
  4: "played",
};
const ACK_JSON = /^\{"messageId":"([^"\\]*)","ack":(-?\d),"ackName":"([a-z]+)","ticketId":(\d{1,15})\}$/;
const HEX_ID = /^(?:[0-9A-F]{2})+$/;

function packAck(json: string): Uint8Array | undefined {
  const m = ACK_JSON.exec(json);
  if (!m) return undefined;
  const [, messageId = "", ackText = "", name, ticketText = ""] = m;
  const ack = Number(ackText);
  const ticketId = Number(ticketText);
  if (ACK_NAMES_V1[ack] !== name || String(ticketId) !== ticketText) return undefined;
  const hex = HEX_ID.test(messageId);
  const id = hex ? Buffer.from(messageId, "hex") : encoder.encode(messageId);
  const varint: number[] = [];
  for (let v = ticketId; ; ) {
    const low = v % 128;
    v = Math.floor(v / 128);
    if (v === 0) {
      varint.push(low);
      break;
    }
    varint.push(low | 0x80);
  }
  const out = new Uint8Array(2 + varint.length + id.length);
  out[0] = ACK_V1;
  out[1] = (ack + 1) | (hex ? 0x10 : 0);
  out.set(varint, 2);
  out.set(id, 2 + varint.length);
  // Byte-identical or not at all.
  return unpackAck(out) === json ? out : undefined;
}

function unpackAck(stored: Uint8Array): string {
  const ack = (stored[1]! & 0x0f) - 1;
  const hex = (stored[1]! & 0x10) !== 0;
  let ticketId = 0;
  let scale = 1;
  let i = 2;
  for (;;) {
    const b = stored[i++]!;
    ticketId += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 128;
  }
  const rest = stored.subarray(i);
  const messageId = hex ? Buffer.from(rest).toString("hex").toUpperCase() : decoder.decode(rest);
  return `{"messageId":"${messageId}","ack":${ack},"ackName":"${ACK_NAMES_V1[ack]}","ticketId":${ticketId}}`;
}
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The stored form of an event's `data` JSON. */
export function encodeData(json: string): Uint8Array {
  const ack = json.startsWith('{"messageId":') ? packAck(json) : undefined;
  if (ack) return ack;
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
    case ACK_V1:
      return unpackAck(stored);
    default:
      throw new Error(`unknown event data codec ${stored[0]}`);
  }
}

/** What a stored event row carries to rebuild its id, name and body (`EVENT_BODY_COLUMNS`). */
export type StoredEventRow = {
  seq: number;
  /** The random id of a row stored before migration 0013; null on newer rows. */
  legacyId: string | null;
  typeCode: number;
  connectionId: number | null;
  createdAt: number;
  data: Uint8Array;
  originName: string | null;
  originNumber: string | null;
};

/**
 * Event names as stored: a fixed small code per name. Part of the stored format: never renumber; a new event
 * name takes the next free code (the `satisfies` makes the build fail until it has one). The most frequent
 * events have 0 and 1, which SQLite stores in no bytes at all.
 */
export const EVENT_TYPE_CODES = {
  message_ack: 0,
  message_received: 1,
  message_sent: 2,
  connection_update: 3,
  ticket_created: 4,
  ticket_updated: 5,
  ticket_closed: 6,
  contact_created: 7,
  contact_updated: 8,
  message_updated: 9,
  message_deleted: 10,
  message_reaction: 11,
  message_failed: 12,
} as const satisfies Record<EventName, number>;

const TYPE_NAMES: string[] = [];
for (const [name, code] of Object.entries(EVENT_TYPE_CODES)) TYPE_NAMES[code] = name;

/** The stored code of an event name; undefined for a name that is not an event. */
export function eventTypeCode(name: string): number | undefined {
  return Object.hasOwn(EVENT_TYPE_CODES, name) ? EVENT_TYPE_CODES[name as EventName] : undefined;
}

/** The event name of a stored code. */
export function eventTypeName(code: number): string {
  const name = TYPE_NAMES[code];
  if (name === undefined) throw new Error(`unknown event type code ${code}`);
  return name;
}

/**
 * The wire id of an event: `evt_` + its creation time in ms as 12 hex digits + its `seq` as 10 hex digits
 * (the format of the random ids before migration 0013, whose last 10 digits were random). Stable, unique
 * (seq is), and in creation order when compared as text, like before. Rows stored before 0013 keep their
 * random id (`legacy_id`).
 */
export function eventIdOf(seq: number, createdAt: number, legacyId: string | null = null): string {
  return legacyId ?? `evt_${createdAt.toString(16).padStart(12, "0")}${seq.toString(16).padStart(10, "0")}`;
}

/** The same id computed by SQLite, for statements that return it (`e` is the events alias). */
export const EVENT_ID_SQL = "coalesce(e.legacy_id, printf('evt_%012x%010x', e.created_at, e.seq))";

/** The creation time and seq an id of the current format names; undefined when it cannot be one. */
export function parseEventId(id: string): { createdAt: number; seq: number } | undefined {
  const m = /^evt_([0-9a-f]{12})([0-9a-f]{10})$/.exec(id);
  if (!m) return undefined;
  return { createdAt: Number.parseInt(m[1]!, 16), seq: Number.parseInt(m[2]!, 16) };
}

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
  if (row.data[0] === LEGACY_BODY) return decoder.decode(row.data.subarray(1));
  return envelopeText({
    type: eventTypeName(row.typeCode),
    createdAt: row.createdAt,
    connectionId: row.connectionId,
    connectionName: row.originName,
    connectionNumber: row.originNumber,
    dataJson: decodeData(row.data),
  });
}

/** A stored event as its readers use it: wire id, name and exact body. */
export type ReadEvent = {
  seq: number;
  id: string;
  type: string;
  connectionId: number | null;
  createdAt: number;
  payload: string;
};

export function readEvent(row: StoredEventRow): ReadEvent {
  return {
    seq: row.seq,
    id: eventIdOf(row.seq, row.createdAt, row.legacyId),
    type: eventTypeName(row.typeCode),
    connectionId: row.connectionId,
    createdAt: row.createdAt,
    payload: payloadOf(row),
  };
}

/**
 * The columns `readEvent` needs, for `SELECT … FROM events e LEFT JOIN event_origins o ON o.id = e.origin_id`.
 * `created_at` comes back as milliseconds.
 */
export const EVENT_BODY_COLUMNS =
  "e.seq AS seq, e.legacy_id AS legacyId, e.type_code AS typeCode, e.connection_id AS connectionId, e.created_at AS createdAt, e.data AS data, o.name AS originName, o.number AS originNumber";
export const EVENT_BODY_JOIN = "events e LEFT JOIN event_origins o ON o.id = e.origin_id";
