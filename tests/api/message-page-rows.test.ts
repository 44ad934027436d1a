import { expect, test } from "bun:test";
import { and, desc, eq, sql } from "drizzle-orm";
import { contacts, messages } from "../../src/db/schema";
import { sqliteMessagePage } from "../../src/db/sql/messages";
import { createTestApp } from "../support/test-app";

/**
 * A ticket's message list on SQLite reads its page with one raw statement and decodes the rows itself
 * (src/db/sql/messages.ts): every row must equal, field for field and type for type, what the drizzle select of
 * the message with its sender gives — booleans, Dates, JSON columns, nulls, a sender that is gone.
 */
test("SQLite: the message page's rows are the drizzle select's rows, for offset and keyset pages", async () => {
  await using t = createTestApp({}, { store: "sqlite" });
  const conn = await t.sandbox();
  const inbound = (body: string) =>
    t.post(`/api/v1/connections/${conn.id}/sandbox/inbound`, { number: "595990000001", body, name: "Juan" });
  const ticketId = (await inbound("hola")).body.ticketId as number;
  for (const body of ["Ñandú 👍🏽", 'comillas "x"', "tres"]) expect((await inbound(body)).status).toBe(201);
  for (const body of ["respuesta", "otra respuesta"])
    expect((await t.post(`/api/v1/tickets/${ticketId}/messages`, { body })).status).toBe(201);
  // Every column in a non-default form somewhere: edited, deleted, media, a group sender, a system line, a queued
  // send that failed (error JSON, send and expiry times), a message whose contact is gone.
  const pks = t.db.$client
    .query<{ pk: number }, [number]>("select pk from messages where ticket_id = ? order by pk")
    .all(ticketId)
    .map((r) => r.pk);
  expect(pks.length).toBe(6);
  const set = (pk: number, assignments: string, ...args: (string | number | null)[]) =>
    t.db.$client.run(`update messages set ${assignments} where pk = ?`, [...args, pk]);
  set(pks[0]!, "is_edited = 1, previous_body = 'antes', edited_at = ?", 1764590400123);
  set(pks[1]!, "is_deleted = 1, deleted_at = ?, media_expired = 1", 1764590400456);
  set(
    pks[2]!,
    "has_media = 1, media_type = 'image', media_file = 'x.jpg', mime_type = 'image/jpeg', filename = 'x.jpg', participant = '595990000009', participant_name = 'Ana', quoted_msg_id = 'Q1', remote_key = '{\"k\":1}'",
  );
  set(pks[3]!, "contact_id = null, is_imported = 1, is_automated = 1");
  set(
    pks[4]!,
    "is_system = 1, system_data = ?, user_id = 7",
    JSON.stringify({ type: "transfer", from: { queueId: 1 }, note: "ñ" }),
  );
  set(
    pks[5]!,
    "status = 'failed', error = ?, send_at = ?, expires_at = ?, sent_at = ?, outbound = ?, attempts = 3",
    JSON.stringify({ code: "ERR_MESSAGE_EXPIRED", reason: "late" }),
    1764590400000,
    1764590500000,
    1764590400999,
    JSON.stringify({ to: "595990000001", ptt: true }),
  );

  // The oracle: the drizzle select the list ran before.
  const oracle = (limit: number, offset: number, after?: readonly [number, number]) =>
    t.db
      .select({
        message: messages,
        contact: { id: contacts.id, name: contacts.name, number: contacts.number },
      })
      .from(messages)
      .leftJoin(contacts, eq(contacts.id, messages.contactId))
      .where(
        and(
          eq(messages.ticketId, ticketId),
          after ? sql`(${messages.createdAt}, ${messages.pk}) < (${after[0]}, ${after[1]})` : undefined,
        ),
      )
      .orderBy(desc(messages.createdAt), desc(messages.pk))
      .limit(limit)
      .offset(offset)
      .all();

  // It reads limit + 1 rows (the extra one says that more follow), as the drizzle select was asked to.
  const all = sqliteMessagePage(t.db.$client, ticketId, { limit: 50, offset: 0 });
  expect(all.length).toBe(6);
  expect(all).toEqual(oracle(51, 0));
  // Types, not only values: toEqual would not tell a Date from an equal-looking object.
  const edited = all.find((r) => r.message.pk === pks[0])!;
  expect(edited.message.editedAt).toBeInstanceOf(Date);
  expect(edited.message.isEdited).toBe(true);
  expect(edited.message.createdAt).toBeInstanceOf(Date);
  expect(all.find((r) => r.message.pk === pks[3])!.contact).toBeNull();
  expect(all.find((r) => r.message.pk === pks[4])!.message.systemData).toEqual({
    type: "transfer",
    from: { queueId: 1 },
    note: "ñ",
  });
  expect(sqliteMessagePage(t.db.$client, ticketId, { limit: 2, offset: 3 })).toEqual(oracle(3, 3));
  const cursor = [all[1]!.message.createdAt.getTime(), all[1]!.message.pk] as const;
  expect(sqliteMessagePage(t.db.$client, ticketId, { limit: 3, after: cursor })).toEqual(
    oracle(4, 0, cursor),
  );

  // And the list answers with them: the same messages, newest first, over HTTP.
  const page = (await t.get(`/api/v1/tickets/${ticketId}/messages?limit=50`)).body;
  expect(page.messages.map((m: { id: string }) => m.id)).toEqual(all.map((r) => r.message.id));
  expect(page.messages.find((m: { isEdited: boolean }) => m.isEdited).previousBody).toBe("antes");
});
