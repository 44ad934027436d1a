import { test } from "bun:test";
import { storedEvents } from "./support/events";
import { createTestApp } from "./support/test-app";

test("dbg", async () => {
  await using t = createTestApp();
  await t.sandbox("WhatsApp Principal", "595981234567");
  const sent = await t.post("/api/v1/send", { number: "595991234567", body: "hola" });
  await Bun.sleep(2000);
  console.log(
    sent.body.data[0],
    (await storedEvents(t)).map((e) => e.payload),
  );
  console.log(await t.get(`/api/v1/messages?limit=5`).then((r) => JSON.stringify(r.body)));
});
