import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { JsonLineProcess } from "./child-process";
import { type FakeWhatsApp, type SimAccount, startFakeWhatsApp } from "./fake-whatsapp";

// Media goes over HTTPS, and a process only trusts an extra CA given at its start
// (NODE_EXTRA_CA_CERTS), so the Baileys client here runs in a child started like an app under test.
const here = import.meta.dir;

let wa: FakeWhatsApp;
let phone: SimAccount;
let contact: SimAccount;
let child: JsonLineProcess;
/** What the Baileys child decoded: the bytes it downloaded, and `audioMessage.ptt`. */
type Received = { base64: string; ptt: boolean | null };

beforeAll(async () => {
  wa = await startFakeWhatsApp();
  phone = wa.createAccount("595981000070", "Helpdesk");
  contact = wa.createContact("595991000071", "Carla");
  child = new JsonLineProcess(
    ["bun", "--preload", join(here, "trust-test-root.ts"), join(here, "fixtures", "echo-media-client.ts")],
    { WASIM_WS_URL: wa.wsUrl, NODE_EXTRA_CA_CERTS: wa.certificate.certPath },
  );
  await phone.scanQr(String(await child.waitFor("qr")));
  await child.waitFor("open");
}, 30_000); // a Baileys child process starts and links: seconds on a loaded machine
afterAll(async () => {
  await child.kill();
  await wa.stop();
});

async function roundTrip(send: (bytes: Buffer) => Promise<string>, check?: (received: Received) => void) {
  const bytes = randomBytes(3000);
  const id = await send(bytes);
  const received = (await child.waitFor("received", (r) => (r as { id: string }).id === id)) as Received;
  check?.(received);
  expect(Buffer.from(received.base64, "base64").equals(bytes)).toBe(true);
  const echoed = (await child.waitFor("echoed", (e) => (e as { of: string }).of === id)) as { id: string };
  const back = await contact.waitForMessage((m) => m.id === echoed.id);
  expect((await contact.downloadMedia(back)).equals(bytes)).toBe(true);
  return back;
}

test("an image goes from the contact to the client and back over the HTTPS CDN with the same bytes", async () => {
  const uploadsBefore = wa.media.uploads;
  const back = await roundTrip((bytes) => contact.sendImage(phone, bytes, { caption: "foto" }));
  expect(back.mediaType).toBe("image");
  expect(wa.media.uploads).toBe(uploadsBefore + 1);
});

test("a document keeps its bytes, name and mime type both ways", async () => {
  const back = await roundTrip((bytes) =>
    contact.sendDocument(phone, bytes, { fileName: "factura.pdf", mimetype: "application/pdf" }),
  );
  expect(back.message.documentMessage).toMatchObject({
    fileName: "factura.pdf",
    mimetype: "application/pdf",
  });
});

test("an audio note keeps its bytes both ways", async () => {
  const back = await roundTrip((bytes) =>
    contact.sendAudio(phone, bytes, { mimetype: "audio/ogg; codecs=opus" }),
  );
  expect(back.mediaType).toBe("audio");
});

test("a voice note (ptt) arrives with audioMessage.ptt, and the app's { audio, ptt: true } reply is a ptt in the inbox", async () => {
  const back = await roundTrip(
    (bytes) => contact.sendAudio(phone, bytes, { ptt: true }),
    (received) => expect(received.ptt).toBe(true),
  );
  expect(back.ptt).toBe(true);
  expect(back.message.audioMessage).toMatchObject({ ptt: true, mimetype: "audio/ogg; codecs=opus" });
});

test("a plain audio file is not a voice note on either side", async () => {
  const back = await roundTrip(
    (bytes) => contact.sendAudio(phone, bytes),
    (received) => expect(received.ptt).toBe(false),
  );
  expect(back.ptt).toBe(false);
});
