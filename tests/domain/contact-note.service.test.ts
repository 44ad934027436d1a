// The contact-note service on both stores; the HTTP behaviour is tests/api (SQLite).
import { expect, test } from "bun:test";
import { createContactNoteService } from "../../src/domain/contact-note.service";
import { describeStores, openTestStore } from "../support/stores";

describeStores("contact-note service", (dialect) => {
  test("add, list newest first with the author, edit and remove the notes of a contact", async () => {
    await using s = await openTestStore(dialect);
    const { contacts, users } = s.store.t;
    const { ana, other, agent } = await s.store.write(async (q) => {
      const [ana, other] = await q
        .insert(contacts)
        .values([
          { number: "595981000001", name: "Ana" },
          { number: "595981000002", name: "Otro" },
        ])
        .returning();
      const [agent] = await q
        .insert(users)
        .values({ name: "Beto", email: "beto@example.com", passwordHash: "x" })
        .returning();
      return { ana: ana!, other: other!, agent: agent! };
    });
    let now = 1_700_000_000_000;
    const notes = createContactNoteService(s.store, () => now);
    const first = await notes.add("+595 981 000001", { body: "llamó" });
    expect(first).toMatchObject({ contactId: ana.id, body: "llamó", userId: null, user: null });
    expect(first.createdAt).toEqual(new Date(now));
    now += 1000;
    const second = await notes.add("595981000001", { body: "pagó", userId: agent.id });
    expect(second.user).toEqual({ id: agent.id, name: "Beto" });
    await notes.add("595981000002", { body: "de otro" });

    expect((await notes.list("595981000001")).map((n) => n.body)).toEqual(["pagó", "llamó"]);
    now += 1000;
    const edited = await notes.edit("595981000001", first.id, { body: "llamó dos veces" });
    expect(edited).toMatchObject({ id: first.id, body: "llamó dos veces", createdAt: first.createdAt });
    expect(edited.updatedAt).toEqual(new Date(now));

    // A note is reached through its own contact only.
    await expect(notes.edit("595981000002", first.id, { body: "x" })).rejects.toMatchObject({
      code: "ERR_NOTE_NOT_FOUND",
    });
    await expect(notes.remove("595981000002", first.id)).rejects.toMatchObject({
      code: "ERR_NOTE_NOT_FOUND",
    });
    await notes.remove("595981000001", first.id);
    expect((await notes.list("595981000001")).map((n) => n.id)).toEqual([second.id]);
    expect((await notes.list("595981000002")).map((n) => n.contactId)).toEqual([other.id]);
  });

  test("an unknown contact, author or malformed number stores nothing", async () => {
    await using s = await openTestStore(dialect);
    const { contacts } = s.store.t;
    await s.store.write((q) => q.insert(contacts).values({ number: "595981000001", name: "Ana" }));
    const notes = createContactNoteService(s.store, () => 1_700_000_000_000);
    await expect(notes.add("595981999999", { body: "x" })).rejects.toMatchObject({
      code: "ERR_CONTACT_NOT_FOUND",
      message: "Contact not found",
    });
    await expect(notes.add("595981000001", { body: "x", userId: 42 })).rejects.toMatchObject({
      code: "ERR_USER_NOT_FOUND",
      message: "User #42 not found",
    });
    await expect(notes.list("abc")).rejects.toMatchObject({ code: "ERR_INVALID_NUMBER" });
    expect(await notes.list("595981000001")).toEqual([]);
  });
});
