import type { Reaction } from "../../domain/message-lifecycle.service";
import { t } from "./i18n";

/** An error answered by the API (`{error, message}`) or a network failure; `message` is shown as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "chasqui.token";
const SCOPE_KEY = "chasqui.scope";

export type Scope = "admin" | "api";

/** The token lives in sessionStorage: it is gone when the tab closes, and logout clears it. */
export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  get scope(): Scope {
    return sessionStorage.getItem(SCOPE_KEY) === "admin" ? "admin" : "api";
  },
  save(token: string, scope: Scope) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(SCOPE_KEY, scope);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(SCOPE_KEY);
  },
};

let unauthorized: () => void = () => {};
/** What to do when a stored token stops working (revoked): the app logs out. */
export const onUnauthorized = (f: () => void) => {
  unauthorized = f;
};

export async function request(
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string; accept?: string } = {},
): Promise<Response> {
  const token = opts.token ?? session.token ?? "";
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    accept: opts.accept ?? "application/json",
  };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, "ERR_NETWORK", t("err.network"));
  }
  if (!res.ok) {
    let data: { error?: string; message?: string } | null = null;
    try {
      data = await res.json();
    } catch {
      // Not the API's error body (a proxy's page): fall back to the status.
    }
    if (res.status === 401 && !opts.token) unauthorized();
    const code = data?.error ?? "ERR_HTTP";
    // Codes the panel knows are shown in the panel's language; others keep the server's (English) text.
    const known = t(`err.${code}`);
    throw new ApiError(
      res.status,
      code,
      known !== `err.${code}` ? known : (data?.message ?? `HTTP ${res.status}`),
    );
  }
  return res;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  return (await res.json()) as T;
}

export const get = <T>(path: string) => api<T>("GET", path);

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

// ── wire types (seed/API.md) ────────────────────────────────────────────────

export type Connection = {
  id: number;
  name: string;
  number: string | null;
  status: string;
  isDefault: boolean;
  driver: "baileys" | "sandbox";
  qrcode?: string | null;
  statusReason?: string | null;
  isConnected?: boolean;
  greetingMessage?: string | null;
  farewellMessage?: string | null;
  groups?: "ignore" | "tickets";
  sendReadReceipts?: boolean;
  historyImportDays?: number;
};

export type Webhook = {
  id: number;
  connectionId: number;
  url: string;
  enabled: boolean;
  events: string[];
  disabledReason: string | null;
  secret?: string;
};

export type Delivery = {
  id: number;
  eventId: string;
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
};

export type Ticket = {
  id: number;
  status: "pending" | "open" | "closed";
  lastMessage: string;
  unreadMessages: number;
  whatsappId: number;
  queueId: number | null;
  userId: number | null;
  updatedAt: string;
  contact: {
    id: number;
    name: string;
    number: string;
    email: string;
    profilePicUrl: string | null;
    isGroup: boolean;
  };
  whatsapp: { id: number; name: string; number: string | null };
  queue: { id: number; name: string; color: string } | null;
  user: { id: number; name: string; email: string } | null;
  tags: { id: number; name: string; color: string }[];
};

export type Message = {
  id: string;
  body: string;
  fromMe: boolean;
  ack: number;
  mediaUrl: string | null;
  mediaType: string;
  hasMedia: boolean;
  mimeType: string | null;
  filename: string | null;
  quotedMsgId: string | null;
  ticketId: number;
  timestamp: number;
  createdAt: string;
  contact: { id: number; name: string; number: string } | null;
  isEdited: boolean;
  previousBody: string | null;
  editedAt: string | null;
  isDeleted: boolean;
  deletedAt: string | null;
  reactions: Reaction[];
  participant: { number: string; name: string | null } | null;
  isImported: boolean;
  /** Until when the server accepts an edit / a delete for everyone (null: never). */
  editableUntil: string | null;
  deletableUntil: string | null;
  updatedAt: string;
  /** Our side of the send: queued and scheduled sends are `queued` until the send queue sent them. */
  status?: "queued" | "sending" | "sent" | "failed";
  error?: { code: string; reason: string } | null;
  sendAt?: string | null;
};

/** The server's reaction shape (a type import: nothing of the server reaches the bundle). */
export type { Reaction };

export type Page<K extends string, T> = { [k in K]: T[] } & {
  count: number;
  hasMore: boolean;
  page: number;
  limit: number;
};

export type Contact = { id: number; name: string; number: string; email: string };
export type Queue = { id: number; name: string; color: string; greetingMessage: string | null };
export type User = { id: number; name: string; email: string };
export type Tag = { id: number; name: string; color: string };
export type ApiToken = {
  id: number;
  name: string;
  scope: Scope;
  hint: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  token?: string;
};

export { EVENT_NAMES } from "../../webhooks/event-names";
