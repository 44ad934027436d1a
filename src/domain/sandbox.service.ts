import { eq } from "drizzle-orm";
import { AppError } from "../errors";
import { detectMedia } from "../media/media-type";
import { sandboxMessageId } from "../whatsapp/sandbox/sandbox-gateway";
import type { ConnectionService } from "./connection.service";
import type { DomainDeps } from "./deps";
import type { MessageService } from "./message.service";
import type { MessageLifecycleService } from "./message-lifecycle.service";
import { normalizeNumber } from "./numbers";

export type SandboxInbound = {
  /** Who writes: the contact, or in a group the participant. */
  number: string;
  name?: string | null;
  body?: string | null;
  mediaUrl?: string | null;
  filename?: string | null;
  quotedMsgId?: string | null;
  fromMe?: boolean;
  /** A group chat: its id (digits, as WhatsApp's `…@g.us`) and subject. */
  groupId?: string | null;
  groupName?: string | null;
  /** The customer edits one of their messages: `body` is the new text. */
  edit?: string | null;
  /** The customer deletes one of their messages for everyone. */
  delete?: string | null;
  /** The customer reacts to a message with `emoji` (empty removes the reaction). */
  reactTo?: string | null;
  emoji?: string | null;
  /** The audio in mediaUrl is a voice note. */
  ptt?: boolean;
};

const GROUP_ID = /^\d{5,20}(-\d{5,20})?$/;

/**
 * What a simulated phone does on a sandbox connection, through the same pipeline as a real WhatsApp
 * event: a message (1:1 or group), an edit, a delete for everyone, a reaction.
 */
export function createSandboxService(
  deps: DomainDeps,
  connectionsSvc: ConnectionService,
  messagesSvc: MessageService,
  lifecycle: MessageLifecycleService,
) {
  return {
    async inject(connectionId: number, input: SandboxInbound) {
      const conn = await connectionsSvc.get(connectionId);
      if (conn.driver !== "sandbox")
        throw new AppError("ERR_NOT_SANDBOX", "Only sandbox connections accept injected messages");
      connectionsSvc.requireConnected(conn);
      const number = normalizeNumber(input.number);
      const now = Math.floor(deps.clock() / 1000);
      const actions = [input.edit, input.delete, input.reactTo].filter((a) => a != null && a !== "");
      if (actions.length > 1)
        throw new AppError("ERR_VALIDATION", "Give at most one of edit, delete and reactTo", [
          { path: "edit", message: "One change at a time" },
        ]);
      const targetId = input.edit || input.delete || input.reactTo;
      if (targetId) {
        const target = await messagesSvc.findByWaIdAsync(conn.id, targetId);
        if (!target) throw new AppError("ERR_MESSAGE_NOT_FOUND", "Message not found on this connection");
        const fromMe = input.fromMe ?? false;
        if (input.edit) {
          if (!input.body?.trim())
            throw new AppError("ERR_VALIDATION", "body is required for an edit", [
              { path: "body", message: "The new text" },
            ]);
          await lifecycle.applyUpdate(conn.id, {
            kind: "edit",
            targetId,
            fromMe,
            body: input.body,
            timestampSec: now,
          });
        } else if (input.delete) {
          await lifecycle.applyUpdate(conn.id, { kind: "revoke", targetId, fromMe, timestampSec: now });
        } else {
          await lifecycle.applyUpdate(conn.id, {
            kind: "reaction",
            targetId,
            fromMe,
            reactor: fromMe ? null : number,
            reactorName: input.name ?? null,
            emoji: input.emoji ?? "",
            timestampSec: now,
          });
        }
        const { tickets } = deps.store.t;
        const [ticket] = await deps.store.read((q) =>
          q.select({ contactId: tickets.contactId }).from(tickets).where(eq(tickets.id, target.ticketId)),
        );
        return {
          status: 200 as const,
          messageId: targetId,
          ticketId: target.ticketId,
          contactId: ticket?.contactId ?? 0,
        };
      }
      if (input.groupId != null && !GROUP_ID.test(input.groupId))
        throw new AppError("ERR_VALIDATION", "groupId is a WhatsApp group id (digits, as in 120363…@g.us)", [
          { path: "groupId", message: "Digits, optionally creator-timestamp" },
        ]);
      if (input.groupId && conn.groups !== "tickets")
        throw new AppError(
          "ERR_CONFLICT",
          'This connection ignores group chats; set its "groups" to "tickets" to receive them',
        );
      if (!input.body?.trim() && !input.mediaUrl) {
        throw new AppError("ERR_VALIDATION", "Message body or media is required", [
          { path: "body", message: "Required when no mediaUrl is given" },
        ]);
      }
      if (input.quotedMsgId && !(await messagesSvc.findByWaIdAsync(conn.id, input.quotedMsgId)))
        throw new AppError("ERR_MESSAGE_NOT_FOUND", "Quoted message not found");
      const fetched = input.mediaUrl ? await deps.fetcher.fetch(input.mediaUrl) : null;
      // Only a voice note needs the type now (media.save detects it again when storing).
      const isAudio =
        !!(input.ptt && fetched) && (await detectMedia(fetched.bytes, fetched)).mediaType === "audio";
      const fromMe = input.fromMe ?? false;
      const r = await messagesSvc.receive(conn.id, {
        id: sandboxMessageId(),
        from: input.groupId ?? number,
        fromMe,
        pushName: input.groupId ? null : (input.name ?? null),
        group: input.groupId
          ? {
              subject: input.groupName ?? null,
              participant: fromMe ? null : number,
              participantName: fromMe ? null : (input.name ?? null),
            }
          : null,
        body: input.body ?? "",
        // A voice note is an audio; `ptt` on anything else is ignored.
        mediaType: isAudio ? "ptt" : "chat",
        media: fetched ? { ...fetched, filename: input.filename || fetched.filename } : null,
        quotedMsgId: input.quotedMsgId ?? null,
        timestampSec: now,
      });
      if (!r) throw new AppError("ERR_CONFLICT", "This connection ignores group chats");
      return {
        status: 201 as const,
        messageId: r.message.id,
        ticketId: r.ticketId,
        contactId: r.contactId ?? 0,
      };
    },
  };
}

export type SandboxService = ReturnType<typeof createSandboxService>;
