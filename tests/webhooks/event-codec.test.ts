import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ACK_NAMES } from "../../src/domain/message.service";
import {
  decodeData,
  EVENT_TYPE_CODES,
  encodeData,
  eventIdOf,
  eventTypeCode,
  eventTypeName,
  parseEventId,
} from "../../src/webhooks/event-codec";
import { EVENT_NAMES } from "../../src/webhooks/event-names";

describe("event data codec", () => {
  test("any JSON text comes back byte for byte", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = JSON.stringify(value);
        expect(decodeData(encodeData(json))).toBe(json);
      }),
      { numRuns: 500 },
    );
  });

  test("acks of any message id, state and ticket come back byte for byte; the usual ones take ~20 bytes", () => {
    const ack = fc.constantFrom(-1, 0, 1, 2, 3, 4, 5, 9);
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(/^3EB0[0-9A-F]{16,32}$/), fc.string({ unit: "binary", maxLength: 40 })),
        ack,
        fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constant(null)),
        fc.boolean(),
        (messageId, n, ticketId, documentedName) => {
          const json = JSON.stringify({
            messageId,
            ack: n,
            ackName: documentedName ? (ACK_NAMES[n] ?? String(n)) : "READ",
            ticketId,
          });
          expect(decodeData(encodeData(json))).toBe(json);
        },
      ),
      { numRuns: 1000 },
    );
    const usual = JSON.stringify({
      messageId: "3EB0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6",
      ack: 3,
      ackName: ACK_NAMES[3],
      ticketId: 12345,
    });
    expect(encodeData(usual).length).toBeLessThanOrEqual(22);
  });

  test("every event name has its own stored code, and back", () => {
    const codes = EVENT_NAMES.map((n) => EVENT_TYPE_CODES[n]);
    expect(new Set(codes).size).toBe(EVENT_NAMES.length);
    for (const name of EVENT_NAMES) expect(eventTypeName(eventTypeCode(name)!)).toBe(name);
    expect(eventTypeCode("ping")).toBeUndefined();
    expect(eventTypeCode("toString")).toBeUndefined();
  });

  test("an id names its seq and creation time, in the format of the random ids before", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 - 1 }),
        fc.integer({ min: 0, max: 2 ** 47 }),
        (seq, at) => {
          const id = eventIdOf(seq, at);
          expect(id).toMatch(/^evt_[0-9a-f]{22}$/);
          expect(parseEventId(id)).toEqual({ seq, createdAt: at });
        },
      ),
    );
    expect(eventIdOf(7, 1000, "evt_019ad4c1a800f3e2d1a0b9")).toBe("evt_019ad4c1a800f3e2d1a0b9");
    expect(parseEventId("evt_12")).toBeUndefined();
  });
});
