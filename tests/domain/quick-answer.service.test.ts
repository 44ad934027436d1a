// The quick-answer service on both stores; the HTTP behaviour is tests/api/quick-answers.test.ts (SQLite).
import { expect, test } from "bun:test";
import { createQuickAnswerService } from "../../src/domain/quick-answer.service";
import { describeStores, openTestStore } from "../support/stores";

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }),
  );

describeStores("quick-answer service", (dialect) => {
  test("creates, lists by shortcut prefix in any case, updates and removes", async () => {
    await using s = await openTestStore(dialect);
    let now = 1_700_000_000_000;
    const svc = createQuickAnswerService(s.store, () => now);
    const a = await svc.create({ shortcut: "Gracias", message: "¡Gracias!" });
    expect(a).toMatchObject({ shortcut: "gracias", message: "¡Gracias!", mediaUrl: null });
    expect(a.createdAt).toEqual(new Date(now));
    const b = await svc.create({ shortcut: "catálogo", message: "PDF", mediaUrl: "https://e.com/c.pdf" });
    await svc.create({ shortcut: "gracias-2", message: "Hasta pronto" });
    const shortcuts = async (search?: string) => (await svc.list({ search })).map((x) => x.shortcut);
    expect(await shortcuts()).toEqual(["catálogo", "gracias", "gracias-2"]);
    expect(await shortcuts("GRA")).toEqual(["gracias", "gracias-2"]);
    // A prefix counted in characters, not bytes or UTF-16 units.
    expect(await shortcuts("catá")).toEqual(["catálogo"]);
    expect(await shortcuts("%")).toEqual([]);
    expect(await shortcuts("atal")).toEqual([]);

    now += 1000;
    const u = await svc.update(b.id, { mediaUrl: null, message: "Catálogo 2025" });
    expect(u).toMatchObject({ shortcut: "catálogo", message: "Catálogo 2025", mediaUrl: null });
    expect(u.updatedAt).toEqual(new Date(now));
    expect(await svc.get(b.id)).toEqual(u);

    await svc.remove(a.id);
    expect(await shortcuts()).toEqual(["catálogo", "gracias-2"]);
    const notFound = { code: "ERR_QUICK_ANSWER_NOT_FOUND", message: "Quick answer not found" };
    expect(await rejection(svc.get(a.id))).toEqual(notFound);
    expect(await rejection(svc.update(a.id, { message: "x" }))).toEqual(notFound);
    expect(await rejection(svc.remove(a.id))).toEqual(notFound);
  });

  test("a taken shortcut is a 409 on create and update, also for writes racing each other", async () => {
    await using s = await openTestStore(dialect);
    const svc = createQuickAnswerService(s.store, () => 1_700_000_000_000);
    const hola = await svc.create({ shortcut: "hola", message: "Hola" });
    const chau = await svc.create({ shortcut: "chau", message: "Chau" });
    const conflict = {
      code: "ERR_CONFLICT",
      message: 'A quick answer with the shortcut "hola" already exists',
    };
    expect(await rejection(svc.create({ shortcut: "HOLA", message: "otro" }))).toEqual(conflict);
    expect(await rejection(svc.update(chau.id, { shortcut: "Hola" }))).toEqual(conflict);
    expect(await svc.update(hola.id, { shortcut: "HOLA" })).toMatchObject({ shortcut: "hola" });

    const racing = await Promise.all(
      Array.from({ length: 4 }, () => rejection(svc.create({ shortcut: "Buenas", message: "Buenas" }))),
    );
    expect(racing.filter((r) => r === null).length).toBe(1);
    expect(racing.filter((r) => r !== null)).toEqual(
      Array(3).fill({
        code: "ERR_CONFLICT",
        message: 'A quick answer with the shortcut "buenas" already exists',
      }),
    );
    expect((await svc.list({})).map((x) => [x.shortcut, x.message])).toEqual([
      ["buenas", "Buenas"],
      ["chau", "Chau"],
      ["hola", "Hola"],
    ]);
  });
});
