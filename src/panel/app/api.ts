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
const SIGNED_IN_KEY = "chasqui.signedIn";

export type Scope = "admin" | "api";

/**
 * An API token (integrators) lives in sessionStorage: it is gone when the tab closes, and logout clears it.
 * A person signs in with email + password instead: the server keeps that session in an HttpOnly cookie the
 * panel never sees, so without a stored token requests go with the cookie alone.
 */
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
    localStorage.removeItem(SIGNED_IN_KEY);
  },
  /** Marks that this browser holds a session cookie (HttpOnly: the page cannot see it), so a reload asks /auth/me. */
  signedIn() {
    localStorage.setItem(SIGNED_IN_KEY, "1");
  },
  get maybeSignedIn() {
    return localStorage.getItem(SIGNED_IN_KEY) === "1";
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
  const token = opts.token ?? session.token;
  const headers: Record<string, string> = { accept: opts.accept ?? "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
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
    let data: { error?: string; message?: string; details?: { path: string; message: string }[] } | null =
      null;
    try {
      data = await res.json();
    } catch {
      // Not the API's error body (a proxy's page): fall back to the status.
    }
    if (res.status === 401 && opts.token === undefined) unauthorized();
    const code = data?.error ?? "ERR_HTTP";
    // Codes the panel knows are shown in the panel's language; others keep the server's (English) text.
    // A validation error names the field (and the server's reason) after the translated sentence.
    const detail = data?.details?.map((d) => d.path || d.message).join(", ") || data?.message || "";
    const known = t(`err.${code}`, { detail, status: res.status });
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
  queueIds?: number[];
  ratingMessage?: string | null;
  agentSignature?: boolean;
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
  /** The customer's 1–5 answer to the rating request sent on close. */
  rating?: number | null;
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
  /** The agent who sent it (signed in); null for tokens, automation and received messages. */
  userId?: number | null;
  /** A line of the ticket's history (a transfer), never sent to WhatsApp. */
  isSystem?: boolean;
  system?: {
    type: string;
    byName?: string;
    toQueueName?: string | null;
    toUserName?: string | null;
    note?: string | null;
  } | null;
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
export type Role = "admin" | "supervisor" | "agent";
export type User = {
  id: number;
  name: string;
  email: string;
  role?: Role;
  queueIds?: number[];
  signature?: boolean;
  notifications?: boolean;
  disabled?: boolean;
  hasPassword?: boolean;
};

/** Who is signed in: a person (GET /auth/me) or an API token (GET /me). */
export type Principal =
  | { kind: "user"; user: User & { role: Role; queueIds: number[] } }
  | { kind: "token"; token: string; scope: Scope };

export const isAdmin = (p: Principal) => (p.kind === "user" ? p.user.role === "admin" : p.scope === "admin");

/** The signed-in session of this browser, if its cookie is still valid (null: show the sign-in page). */
export async function currentUser(): Promise<Principal | null> {
  if (!session.maybeSignedIn) return null;
  try {
    const res = await request("GET", "/auth/me", undefined, { token: "" });
    const me = (await res.json()) as { kind: string; user?: User & { role: Role; queueIds: number[] } };
    if (me.kind === "user" && me.user) return { kind: "user", user: me.user };
  } catch {
    // Expired or revoked: the sign-in page.
  }
  session.clear();
  return null;
}
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
