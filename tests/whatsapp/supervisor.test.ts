import { afterEach, beforeEach, describe, expect, jest, test } from "bun:test";
import pino from "pino";
import { createSupervisor, type SupervisorOptions } from "../../src/whatsapp/baileys/supervisor";
import type { ConnectionStatus } from "../../src/whatsapp/gateway";

/** Lets the promise callbacks of a connect attempt run (fake timers do not touch microtasks). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function supervised(opts: Partial<SupervisorOptions> & { failConnects?: number } = {}) {
  const statuses: {
    status: ConnectionStatus;
    reason?: string;
    qrcode: string | null;
    number?: string | null;
  }[] = [];
  const backoffs: number[] = [];
  let connects = 0;
  let loggedOut = 0;
  let failConnects = opts.failConnects ?? 0;
  const supervisor = createSupervisor({
    log: pino({ level: "silent" }),
    number: "595981000000",
    onStatus: (status, info) => {
      statuses.push({ status, ...info });
    },
    connect: async () => {
      connects++;
      if (failConnects-- > 0) throw new Error("database is locked");
    },
    onLoggedOut: () => loggedOut++,
    // 100 ms, 200 ms, 300 ms…: distinct, so a test can tell which failure a wait belongs to.
    retryDelayMs: (failures) => {
      backoffs.push(failures);
      return 100 * (failures + 1);
    },
    loopWindowMs: 60_000,
    loopMaxCloses: 8,
    loopPauseMs: 5_000,
    ...opts,
  });
  return {
    supervisor,
    statuses,
    backoffs,
    connects: () => connects,
    loggedOut: () => loggedOut,
    /** The statuses reported since the last call. */
    newStatuses: () => statuses.splice(0).map((s) => [s.status, s.reason]),
  };
}

const dropped = { kind: "dropped", code: 428, message: "Connection Terminated" } as const;

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe("Baileys supervisor", () => {
  test("start reports OPENING and opens a socket; opening reports CONNECTED with WhatsApp's number", async () => {
    const s = supervised();
    await s.supervisor.start();
    expect(s.connects()).toBe(1);
    s.supervisor.opened("595981000001");
    expect({ status: s.supervisor.status(), statuses: s.statuses }).toEqual({
      status: "CONNECTED",
      statuses: [
        { status: "OPENING", qrcode: null, number: "595981000000", reason: undefined },
        { status: "CONNECTED", qrcode: null, number: "595981000001", reason: undefined },
      ],
    });
  });

  test("a dropped socket reports OPENING with the reason and reconnects after a backoff that grows until a socket opens", async () => {
    const s = supervised();
    await s.supervisor.start();
    s.supervisor.opened(null);
    s.newStatuses();

    s.supervisor.closed(dropped);
    expect(s.newStatuses()).toEqual([["OPENING", "connection closed (428): Connection Terminated"]]);
    jest.advanceTimersByTime(99);
    expect(s.connects()).toBe(1);
    jest.advanceTimersByTime(1);
    expect(s.connects()).toBe(2);

    s.supervisor.closed({ kind: "dropped", code: undefined, message: "connection closed" });
    expect(s.newStatuses()).toEqual([["OPENING", "connection closed (unknown): connection closed"]]);
    jest.advanceTimersByTime(199);
    expect(s.connects()).toBe(2);
    jest.advanceTimersByTime(1);
    expect(s.connects()).toBe(3);

    s.supervisor.opened(null);
    s.supervisor.closed(dropped);
    expect(s.backoffs).toEqual([0, 1, 0]);
  });

  test("a socket that cannot be opened reports the error and is tried again after the backoff", async () => {
    const s = supervised({ failConnects: 2 });
    await s.supervisor.start();
    expect(s.newStatuses()).toEqual([
      ["OPENING", undefined],
      ["OPENING", "connecting failed: database is locked"],
    ]);
    jest.advanceTimersByTime(100);
    await settle();
    jest.advanceTimersByTime(199);
    expect(s.connects()).toBe(2);
    jest.advanceTimersByTime(1);
    await settle();
    expect({ connects: s.connects(), backoffs: s.backoffs, status: s.supervisor.status() }).toEqual({
      connects: 3,
      backoffs: [0, 1],
      status: "OPENING",
    });
  });

  test("a restart request (515) reconnects at once, without a status", async () => {
    const s = supervised();
    await s.supervisor.start();
    s.supervisor.opened(null);
    s.newStatuses();
    s.supervisor.closed({ kind: "restartRequired" });
    expect({ connects: s.connects(), statuses: s.newStatuses(), backoffs: s.backoffs }).toEqual({
      connects: 2,
      statuses: [],
      backoffs: [],
    });
  });

  test("an expired QR reports TIMEOUT and does not reconnect", async () => {
    const s = supervised();
    await s.supervisor.start();
    s.supervisor.qr("2@qr");
    expect(s.statuses.at(-1)?.qrcode).toBe("2@qr");
    s.supervisor.closed({ kind: "qrExpired" });
    jest.advanceTimersByTime(10 * 60_000);
    expect({ connects: s.connects(), statuses: s.newStatuses() }).toEqual({
      connects: 1,
      statuses: [
        ["OPENING", undefined],
        ["qrcode", undefined],
        ["TIMEOUT", "the QR code expired without being scanned"],
      ],
    });
  });

  test("a logout from the phone forgets the device, reports DISCONNECTED and does not reconnect", async () => {
    const s = supervised();
    await s.supervisor.start();
    s.supervisor.opened(null);
    s.newStatuses();
    s.supervisor.closed({ kind: "loggedOut" });
    jest.advanceTimersByTime(10 * 60_000);
    expect({ loggedOut: s.loggedOut(), connects: s.connects(), statuses: s.newStatuses() }).toEqual({
      loggedOut: 1,
      connects: 1,
      statuses: [["DISCONNECTED", "logged out from the phone"]],
    });
  });

  test("closes that loop within the window pause reconnects for loopPauseMs", async () => {
    const s = supervised({ loopMaxCloses: 3 });
    await s.supervisor.start();
    for (let i = 0; i < 2; i++) {
      s.supervisor.closed(dropped);
      jest.advanceTimersByTime(100 * (i + 1));
    }
    expect(s.connects()).toBe(3);
    s.newStatuses();
    s.supervisor.closed(dropped);
    expect(s.newStatuses()).toEqual([["OPENING", "reconnect loop: 3 closes within 60000 ms; pausing"]]);
    jest.advanceTimersByTime(4_999);
    expect(s.connects()).toBe(3);
    jest.advanceTimersByTime(1);
    expect(s.connects()).toBe(4);
    // The count starts again after a pause.
    s.supervisor.closed(dropped);
    expect(s.newStatuses()).toEqual([["OPENING", "connection closed (428): Connection Terminated"]]);
  });

  test("closes spread wider than the window do not trip the loop detector", async () => {
    const s = supervised({ loopMaxCloses: 2, loopWindowMs: 1_000 });
    await s.supervisor.start();
    s.supervisor.closed(dropped);
    jest.advanceTimersByTime(1_000);
    s.newStatuses();
    s.supervisor.closed(dropped);
    expect(s.newStatuses()).toEqual([["OPENING", "connection closed (428): Connection Terminated"]]);
  });

  test("stop cancels a pending reconnect, and closes after it are ignored", async () => {
    const s = supervised();
    await s.supervisor.start();
    s.supervisor.closed(dropped);
    s.supervisor.stop();
    s.newStatuses();
    s.supervisor.closed(dropped);
    s.supervisor.closed({ kind: "restartRequired" });
    jest.advanceTimersByTime(10 * 60_000);
    expect({ connects: s.connects(), statuses: s.newStatuses() }).toEqual({ connects: 1, statuses: [] });
  });

  test("a new QR does not take a connection waiting for its pairing code back to qrcode", async () => {
    const s = supervised();
    await s.supervisor.start();
    s.supervisor.qr("2@first");
    s.supervisor.pairing();
    s.supervisor.qr("2@second");
    expect(s.newStatuses()).toEqual([
      ["OPENING", undefined],
      ["qrcode", undefined],
      ["PAIRING", undefined],
    ]);
  });
});
