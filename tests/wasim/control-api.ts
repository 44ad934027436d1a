import type { DisconnectKind, FakeWhatsApp, InboxMessage, SeededMessage, SimAccount } from "./fake-whatsapp";

/**
 * The HTTP face of the in-process API, for a test driver in another process.
 * Routes live under /control on the server's plain-HTTP port (`wa.controlUrl`); bodies are JSON and
 * media bytes travel as base64. Errors answer `{ error }` with status 400 or 404.
 */
export async function handleControlRequest(wa: FakeWhatsApp, req: Request): Promise<Response> {
  const url = new URL(req.url);
  const parts = url.pathname.split("/").filter(Boolean);
  if (parts[0] !== "control") return Response.json({ error: "not found" }, { status: 404 });
  try {
    return await route(wa, req, parts.slice(1));
  } catch (err) {
    return Response.json({ error: err instanceof Error ? err.message : String(err) }, { status: 400 });
  }
}

type Json = Record<string, unknown>;

const str = (body: Json, key: string): string | undefined => {
  const value = body[key];
  return typeof value === "string" ? value : undefined;
};

const requireStr = (body: Json, key: string): string => {
  const value = str(body, key);
  if (value === undefined) throw new Error(`${key} is required`);
  return value;
};

const b64 = (body: Json, key: string) => {
  const value = str(body, key);
  return value === undefined ? undefined : Buffer.from(value, "base64");
};

async function route(wa: FakeWhatsApp, req: Request, parts: string[]): Promise<Response> {
  const body: Json = req.method === "POST" ? ((await req.json().catch(() => ({}))) as Json) : {};
  const [resource, pn, action] = parts;
  if (resource === "state" && req.method === "GET") {
    return Response.json({
      wsUrl: wa.wsUrl,
      mediaOrigin: wa.media.origin,
      accounts: wa.listAccounts().map(describeAccount),
    });
  }
  if (resource === "presences" && req.method === "GET") return Response.json(wa.presences);
  if (resource === "logins" && req.method === "GET") {
    // ?pn=<number>: one account's devices only.
    const only = new URL(req.url).searchParams.get("pn") ?? undefined;
    return Response.json({ maxConcurrent: wa.maxConcurrentLogins(only), logins: wa.logins(only) });
  }
  if (resource === "groups" && req.method === "POST" && !pn) {
    const members = Array.isArray(body.participants) ? body.participants.map(String) : [];
    const group = wa.createGroup(
      wa.requireAccount(requireStr(body, "creator")),
      requireStr(body, "subject"),
      members.map((m) => wa.requireAccount(m)),
    );
    return Response.json(group, { status: 201 });
  }
  if (resource !== "accounts") return Response.json({ error: "not found" }, { status: 404 });
  if (!pn && req.method === "POST") {
    const account = wa.createAccount(requireStr(body, "pn"), str(body, "pushName"));
    return Response.json(describeAccount(account), { status: 201 });
  }
  const account = pn ? wa.account(pn) : undefined;
  if (!account) return Response.json({ error: `no account ${pn}` }, { status: 404 });
  const timeoutMs = typeof body.timeoutMs === "number" ? body.timeoutMs : undefined;

  switch (`${req.method} ${action ?? ""}`) {
    case "GET ":
      return Response.json(describeAccount(account));
    case "POST scan":
      return Response.json(await account.scanQr(requireStr(body, "qr")));
    case "POST pairing-code":
      return Response.json(await account.enterPairingCode(requireStr(body, "code"), timeoutMs));
    case "POST messages": {
      const to = requireStr(body, "to");
      const quotedId = str(body, "quotedId");
      const quoted = quotedId ? account.inbox.find((m) => m.id === quotedId) : undefined;
      if (quotedId && !quoted) throw new Error(`no message ${quotedId} in ${account.pn}'s inbox to quote`);
      const common = { ...(str(body, "id") ? { id: str(body, "id") } : {}), ...(quoted ? { quoted } : {}) };
      const caption = str(body, "caption");
      const mimetype = str(body, "mimetype");
      const image = b64(body, "image");
      const document = b64(body, "document");
      const audio = b64(body, "audio");
      let id: string;
      if (image) id = await account.sendImage(to, image, { ...common, ...opt({ caption, mimetype }) });
      else if (document)
        id = await account.sendDocument(to, document, {
          ...common,
          ...opt({ caption, mimetype, fileName: str(body, "fileName") }),
        });
      else if (audio)
        id = await account.sendAudio(to, audio, { ...common, ...opt({ mimetype }), ptt: body.ptt === true });
      else id = await account.sendText(to, requireStr(body, "text"), common);
      return Response.json({ id }, { status: 201 });
    }
    case "POST history": {
      const chats = (Array.isArray(body.chats) ? body.chats : []) as {
        with: string;
        messages: SeededMessage[];
      }[];
      const seeded = account.seedHistory(
        chats.map((c) => ({ with: wa.requireAccount(String(c.with)), messages: c.messages ?? [] })),
        { ...(body.syncType === "RECENT" ? { syncType: "RECENT" as const } : {}) },
      );
      return Response.json(
        seeded.map((c) => ({ with: c.with.pn, messages: c.messages })),
        { status: 201 },
      );
    }
    case "POST group-messages":
      return Response.json(
        { id: await account.sendGroupText(requireStr(body, "group"), requireStr(body, "text")) },
        { status: 201 },
      );
    case "POST edits":
      return Response.json(
        {
          id: await account.sendEdit(
            requireStr(body, "to"),
            requireStr(body, "targetId"),
            requireStr(body, "text"),
          ),
        },
        { status: 201 },
      );
    case "POST revokes":
      return Response.json(
        { id: await account.sendRevoke(requireStr(body, "to"), requireStr(body, "targetId")) },
        { status: 201 },
      );
    case "POST reactions": {
      const target = { id: requireStr(body, "targetId"), fromMe: body.fromMe === true };
      const id = await account.sendReaction(requireStr(body, "to"), target, str(body, "emoji") ?? "");
      return Response.json({ id }, { status: 201 });
    }
    case "POST receipts": {
      const ids = Array.isArray(body.ids) ? body.ids.map(String) : [requireStr(body, "id")];
      const type = str(body, "type");
      if (type !== undefined && type !== "read" && type !== "played")
        throw new Error("type must be read or played");
      account.sendReceipt(requireStr(body, "to"), ids, type);
      return Response.json({ ok: true });
    }
    case "POST retry":
      await account.requestRetry(requireStr(body, "to"), requireStr(body, "id"));
      return Response.json({ ok: true });
    case "GET inbox":
      return Response.json(await Promise.all(account.inbox.map((m) => describeMessage(account, m))));
    case "POST wait-message": {
      const from = str(body, "from");
      const text = str(body, "text");
      const message = await account.waitForMessage(
        (m) => (!from || m.from === from) && (!text || m.text === text),
        timeoutMs,
      );
      return Response.json(await describeMessage(account, message));
    }
    case "GET receipts":
      return Response.json(account.receipts);
    case "GET chat-states":
      return Response.json(account.chatStates);
    case "POST unlink":
      account.unlink(typeof body.deviceId === "number" ? body.deviceId : undefined);
      return Response.json({ ok: true });
    case "POST disconnect": {
      const kind = (str(body, "kind") ?? "drop") as DisconnectKind;
      if (!["drop", "restart", "replaced", "logout"].includes(kind)) throw new Error(`unknown kind ${kind}`);
      account.disconnect(kind, typeof body.deviceId === "number" ? body.deviceId : undefined);
      return Response.json({ ok: true });
    }
    case "POST profile-picture": {
      account.profilePicture = b64(body, "image");
      return Response.json({ ok: true });
    }
    default:
      return Response.json({ error: "not found" }, { status: 404 });
  }
}

function opt<T extends Record<string, string | undefined>>(values: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: string;
  };
}

function describeAccount(account: SimAccount) {
  return {
    pn: account.pn,
    lid: account.lid,
    pushName: account.pushName,
    devices: account.linkedDevices(),
    inbox: account.inbox.length,
  };
}

async function describeMessage(account: SimAccount, message: InboxMessage) {
  return {
    id: message.id,
    from: message.from,
    fromDevice: message.fromDevice,
    chat: message.chat,
    text: message.text ?? null,
    mediaType: message.mediaType ?? null,
    media: message.mediaType ? (await account.downloadMedia(message)).toString("base64") : null,
    ownDevice: message.ownDevice,
    timestamp: message.timestamp,
    edit: message.edit ?? null,
    revoke: message.revoke ?? null,
    reaction: message.reaction ?? null,
    ptt: message.ptt ?? null,
  };
}
