// The catalog service (queues, tags) on both stores; the HTTP behaviour is tests/api/catalog.test.ts (SQLite).
import { expect, test } from "bun:test";
import { createCatalogServices } from "../../src/domain/catalog.service";
import { describeStores, openTestStore } from "../support/stores";

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }),
  );

describeStores("catalog service", (dialect) => {
  test("create, list by name, page, get, update, remove", async () => {
    await using s = await openTestStore(dialect);
    const { queues, tags } = createCatalogServices(s.store);
    const ventas = await queues.create({ name: "Ventas", color: "#2196F3" });
    const soporte = await queues.create({ name: "Soporte", color: "#4CAF50", greetingMessage: "Hola" });
    expect(soporte).toMatchObject({ name: "Soporte", greetingMessage: "Hola", schedule: null });
    expect(soporte.createdAt).toBeInstanceOf(Date);
    expect((await queues.list()).map((q) => q.name)).toEqual(["Soporte", "Ventas"]);

    const first = await queues.listPage({ limit: 1 });
    expect(first.rows.map((q) => q.name)).toEqual(["Soporte"]);
    expect(first.hasMore).toBe(true);
    const second = await queues.listPage({ limit: 1, after: ["Soporte", soporte.id] });
    expect(second).toMatchObject({ rows: [{ name: "Ventas" }], hasMore: false });

    const schedule = { mon: [{ start: "09:00", end: "18:00" }] };
    const updated = await queues.update(ventas.id, { color: "#000000", schedule });
    expect(updated).toMatchObject({ id: ventas.id, name: "Ventas", color: "#000000", schedule });
    expect(await queues.get(ventas.id)).toEqual(updated);

    await queues.remove(ventas.id);
    expect((await queues.list()).map((q) => q.id)).toEqual([soporte.id]);
    expect(await tags.list()).toEqual([]);
  });

  test("a missing row is its catalog's 404; a taken name or color is a 409 naming it", async () => {
    await using s = await openTestStore(dialect);
    const { queues, tags } = createCatalogServices(s.store);
    const q = await queues.create({ name: "Soporte", color: "#4CAF50" });
    const notFound = { code: "ERR_QUEUE_NOT_FOUND", message: "Queue not found" };
    expect(await rejection(queues.get(q.id + 1))).toEqual(notFound);
    expect(await rejection(queues.update(q.id + 1, { name: "x" }))).toEqual(notFound);
    expect(await rejection(queues.remove(q.id + 1))).toEqual(notFound);
    expect(await rejection(tags.get(1))).toEqual({ code: "ERR_TAG_NOT_FOUND", message: "Tag not found" });

    expect(await rejection(queues.create({ name: "Soporte", color: "#1" }))).toEqual({
      code: "ERR_CONFLICT",
      message: "A queue with this name already exists",
    });
    expect(await rejection(queues.create({ name: "Otra", color: "#4CAF50" }))).toEqual({
      code: "ERR_CONFLICT",
      message: "A queue with this color already exists",
    });
    const other = await queues.create({ name: "Otra", color: "#2" });
    expect(await rejection(queues.update(other.id, { name: "Soporte" }))).toEqual({
      code: "ERR_CONFLICT",
      message: "A queue with this name already exists",
    });
    // Nothing half-written: the refused writes left the rows as they were.
    expect((await queues.list()).map((r) => [r.name, r.color])).toEqual([
      ["Otra", "#2"],
      ["Soporte", "#4CAF50"],
    ]);
    // Tags may share a color.
    await tags.create({ name: "a", color: "#fff" });
    expect(await tags.create({ name: "b", color: "#fff" })).toMatchObject({ name: "b" });
  });
});
