/**
 * Calls for a connection another node runs (docs/CLUSTER.md §4 "Calls for a connection another node runs"). On
 * PostgreSQL only the node holding a connection's lease has its WhatsApp socket. Every other node answers the API
 * for that connection anyway: the domain (the database writes, Idempotency-Keys, the answer's shape) runs where the
 * request arrived, and only the WhatsApp I/O is forwarded to the owner through a **remote gateway** — a
 * {@link WhatsAppGateway} whose methods are internal HTTP calls (`POST <owner address>/internal/v1/gateways/:id/:op`,
 * authenticated by the owner run's random secret stored in its `nodes` row).
 *
 * - {@link createRemoteSessions}: a node's view of who runs which connection and its stored status (refreshed every
 *   claim round and by `connection_update` events, which every node hears), the remote gateways built from it
 *   (`status()` is synchronous), and the forwarding of session operations (restart, stop, retire).
 * - {@link createGatewayRpcHandler}: the owner's side; it executes a call only while it holds the lease.
 *
 * An owner that cannot be reached answers 409 ERR_WAPP_NOT_CONNECTED; one that does not answer in time
 * (CLUSTER_RPC_TIMEOUT_MS) answers a send with 504 ERR_WAPP_TIMEOUT (it may have gone out), anything else with 409.
 */
import { timingSafeEqual } from "node:crypto";
import type { SQL } from "bun";
import { AppError, ERROR_STATUS, type ErrorCode } from "../errors";
import type { Logger } from "../logger";
import type {
  ConnectionStatus,
  MessageRef,
  NumberCheck,
  OutboundMedia,
  QuotedRef,
  SendOptions,
  SentMessage,
  WhatsAppGateway,
} from "../whatsapp/gateway";

/** Header carrying the owner run's secret (`nodes.secret`). */
export const SECRET_HEADER = "x-chasqui-node-secret";
/** Header naming the calling node (logs). */
export const FROM_HEADER = "x-chasqui-node";
/** sendMedia: the call's arguments (JSON, base64url) while the body carries the media bytes. */
const ARGS_HEADER = "x-chasqui-args";
export const RPC_PATH = "/internal/v1/gateways";

/** The node running a connection, as another node reaches it. */
export type RemoteOwner = { nodeId: string; address: string; secret: string };

/** Gateway methods a node forwards to the owner (the rest of WhatsAppGateway is the owner's own business). */
const GATEWAY_OPS = [
  "logout",
  "requestPairingCode",
  "sendText",
  "sendMedia",
  "editText",
  "revoke",
  "react",
  "markRead",
  "sendPresence",
  "checkNumber",
  "profilePicUrl",
] as const;
type GatewayOp = (typeof GATEWAY_OPS)[number];
/**
 * Session operations forwarded to the owner: restart (start), stop after a logout, retire a deleted connection, renew
 * the lease now (an admin's move is seen at once). `claim` goes to a move's target: take wanted leases now.
 */
const SESSION_OPS = ["start", "stop", "retire", "renew", "claim"] as const;
type SessionOp = (typeof SESSION_OPS)[number];
type Op = GatewayOp | SessionOp;
const OPS = new Set<string>([...GATEWAY_OPS, ...SESSION_OPS]);
/** A call whose outcome is unknown when no answer came: the message may have reached the customer. */
const SENDS = new Set<Op>(["sendText", "sendMedia"]);

/** The owner's answer: always 200 for an authenticated call to a known op. */
type RpcAnswer =
  | { ok: true; result: unknown }
  | { ok: false; code: ErrorCode | null; message: string; notOwner?: boolean };

const isCode = (code: unknown): code is ErrorCode => typeof code === "string" && code in ERROR_STATUS;

/** What a caller's services need to forward (the session manager's `ownership.remote`). */
export type RemoteSessions = {
  /** Reloads the view of which live node runs which connection, and each one's stored status. */
  refresh(): Promise<void>;
  /** A gateway forwarding to the connection's owner, from the view; undefined when no other live node runs it. */
  gateway(connectionId: number): WhatsAppGateway | undefined;
  /** A `connection_update` event: the connection's status as its owner stored it. */
  noteStatus(connectionId: number, status: ConnectionStatus): void;
  /** Asks the connection's owner (read now, not from the view) to restart it; false when no other live node runs it. */
  start(connectionId: number): Promise<boolean>;
  /** Asks the owner to close the connection's socket (it keeps the lease); false when no other live node runs it. */
  stop(connectionId: number): Promise<boolean>;
  /** Asks the owner to stop a deleted connection at once (its lease row went with it: it would stop at renewal). */
  retire(connectionId: number): Promise<void>;
  /**
   * An admin's move, made immediate: the owner `from` renews the lease now (sees the move, closes its socket,
   * releases), then the target `to` claims now. Both are what the periodic renewal and claim round do anyway, so a
   * failure is only logged. True when every node it had to tell (not this one) was told.
   */
  nudgeMove(connectionId: number, from: string | null, to: string): Promise<boolean>;
  /** The node this view belongs to. */
  readonly nodeId: string;
};

type ViewRow = RemoteOwner & { driver: string; status: ConnectionStatus };

export function createRemoteSessions(
  sql: SQL,
  opts: {
    nodeId: string;
    ttlMs: number;
    /** How long to wait for the owner's answer (CLUSTER_RPC_TIMEOUT_MS). */
    timeoutMs: number;
    logger: Logger;
  },
): RemoteSessions {
  const me = opts.nodeId;
  const ttl = Math.max(1, Math.round(opts.ttlMs));
  const log = opts.logger.child({ module: "remote-gateway" });
  let view = new Map<number, ViewRow>();
  const gateways = new Map<number, { owner: ViewRow; gw: WhatsAppGateway }>();

  /** Live owners other than this node, with an address and a secret (so they take internal calls). */
  const ownersQuery = (only: number | null) => sql`
    select l.connection_id::int as connection_id, l.node_id, n.address, n.secret, c.driver, c.status
    from connection_leases l
      join nodes n on n.id = l.node_id and n.heartbeat_at > now() - ${ttl}::int * interval '1 millisecond'
      join connections c on c.id = l.connection_id
    where l.expires_at > now() and l.node_id <> ${me} and n.address is not null and n.secret is not null
      and (${only}::bigint is null or l.connection_id = ${only}::bigint)`;
  const toRow = (r: Record<string, unknown>): [number, ViewRow] => [
    Number(r.connection_id),
    {
      nodeId: r.node_id as string,
      address: (r.address as string).replace(/\/+$/, ""),
      secret: r.secret as string,
      driver: r.driver as string,
      status: r.status as ConnectionStatus,
    },
  ];

  const ownerNow = async (connectionId: number): Promise<ViewRow | undefined> => {
    const [row] = (await ownersQuery(connectionId)) as Record<string, unknown>[];
    if (!row) {
      view.delete(connectionId);
      return undefined;
    }
    const [, owner] = toRow(row);
    view.set(connectionId, owner);
    return owner;
  };

  /** One internal call to `owner`; its answer's error as the AppError the local gateway would have thrown. */
  const call = async (
    owner: RemoteOwner,
    connectionId: number,
    op: Op,
    args: unknown[],
    media?: Uint8Array<ArrayBuffer>,
  ): Promise<unknown> => {
    const url = `${owner.address}${RPC_PATH}/${connectionId}/${op}`;
    const headers: Record<string, string> = { [SECRET_HEADER]: owner.secret, [FROM_HEADER]: me };
    let body: BodyInit;
    if (media) {
      headers[ARGS_HEADER] = Buffer.from(JSON.stringify(args)).toString("base64url");
      headers["content-type"] = "application/octet-stream";
      body = media;
    } else {
      headers["content-type"] = "application/json";
      body = JSON.stringify({ args });
    }
    const where = `connection ${connectionId} runs on node ${owner.nodeId}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(opts.timeoutMs),
        redirect: "error",
      });
    } catch (err) {
      const timedOut = (err as Error).name === "TimeoutError" || (err as Error).name === "AbortError";
      log.warn({ err, connectionId, owner: owner.nodeId, op }, "a call to the connection's owner failed");
      // The owner is gone or unreachable: the next view will not name it once its heartbeat is old.
      if (timedOut && SENDS.has(op))
        throw new AppError(
          "ERR_WAPP_TIMEOUT",
          `No answer in ${opts.timeoutMs} ms from node ${owner.nodeId}, which runs connection ${connectionId}: the message may have been sent`,
        );
      throw new AppError(
        "ERR_WAPP_NOT_CONNECTED",
        `The ${where}, which ${timedOut ? "did not answer in time" : "cannot be reached"}`,
      );
    }
    let answer: RpcAnswer | undefined;
    try {
      answer = (await res.json()) as RpcAnswer;
    } catch {
      answer = undefined;
    }
    if (!res.ok || !answer || typeof answer.ok !== "boolean") {
      // 401: the node restarted under its id with a new secret; anything else is not an owner of ours.
      view.delete(connectionId);
      throw new AppError(
        "ERR_WAPP_NOT_CONNECTED",
        `The ${where}, which refused the call (HTTP ${res.status})`,
      );
    }
    if (answer.ok) return answer.result;
    if (answer.notOwner) view.delete(connectionId);
    // A failure the driver threw as a plain error stays one: the caller's domain maps it as it would locally.
    if (!isCode(answer.code)) throw new Error(answer.message);
    throw new AppError(answer.code, answer.message);
  };

  const remoteGateway = (connectionId: number, owner: ViewRow): WhatsAppGateway => {
    const run = (op: GatewayOp, ...args: unknown[]) => call(owner, connectionId, op, args);
    return {
      driver: owner.driver === "baileys" ? "baileys" : "sandbox",
      // The socket runs on the owner: these are its, never a caller's.
      start: async () => {},
      stop: async () => {},
      status: () => view.get(connectionId)?.status ?? "DISCONNECTED",
      logout: async () => {
        await run("logout");
      },
      requestPairingCode: async (number) => (await run("requestPairingCode", number)) as string,
      sendText: async (to, body, quoted?: QuotedRef | null, o?: SendOptions) =>
        (await run("sendText", to, body, quoted ?? null, o ?? {})) as SentMessage,
      sendMedia: async (to, media: OutboundMedia, quoted?: QuotedRef | null, o?: SendOptions) => {
        const bytes =
          "path" in media.source
            ? new Uint8Array(await Bun.file(media.source.path).arrayBuffer())
            : new Uint8Array(await new Response(media.source.stream()).arrayBuffer());
        const { source: _, ...meta } = media;
        return (await call(
          owner,
          connectionId,
          "sendMedia",
          [to, meta, quoted ?? null, o ?? {}],
          bytes,
        )) as SentMessage;
      },
      editText: async (to, ref: MessageRef, body) => {
        await run("editText", to, ref, body);
      },
      revoke: async (to, ref) => {
        await run("revoke", to, ref);
      },
      react: async (to, ref, emoji) => {
        await run("react", to, ref, emoji);
      },
      markRead: async (to, refs) => {
        await run("markRead", to, refs);
      },
      sendPresence: async (to, state) => {
        await run("sendPresence", to, state);
      },
      checkNumber: async (number) => (await run("checkNumber", number)) as NumberCheck,
      profilePicUrl: async (number) => (await run("profilePicUrl", number)) as string | null,
    };
  };

  /** Forwards a session operation to the owner read now; false when no other live node runs the connection. */
  const session = async (connectionId: number, op: SessionOp): Promise<boolean> => {
    const owner = await ownerNow(connectionId);
    if (!owner) return false;
    await call(owner, connectionId, op, []);
    return true;
  };

  /** A live node's address and secret, read now. */
  const nodeNow = async (nodeId: string): Promise<RemoteOwner | undefined> => {
    const [row] = (await sql`select id, address, secret from nodes
      where id = ${nodeId} and heartbeat_at > now() - ${ttl}::int * interval '1 millisecond'
        and address is not null and secret is not null`) as { id: string; address: string; secret: string }[];
    return row && { nodeId: row.id, address: row.address.replace(/\/+$/, ""), secret: row.secret };
  };

  return {
    nodeId: me,
    async nudgeMove(connectionId, from, to) {
      let told = true;
      for (const [nodeId, op] of [
        [from, "renew"],
        [to, "claim"],
      ] as const) {
        if (nodeId === null || nodeId === me) continue;
        try {
          const node = await nodeNow(nodeId);
          if (node) await call(node, connectionId, op, []);
          else told = false;
        } catch (err) {
          told = false;
          log.warn(
            { err, connectionId, node: nodeId, op },
            "nudging a move failed; it happens at the next round",
          );
        }
      }
      return told;
    },
    async refresh() {
      const rows = (await ownersQuery(null)) as Record<string, unknown>[];
      view = new Map(rows.map(toRow));
    },
    gateway(connectionId) {
      const owner = view.get(connectionId);
      if (!owner) return undefined;
      const cached = gateways.get(connectionId);
      if (
        cached &&
        cached.owner.nodeId === owner.nodeId &&
        cached.owner.address === owner.address &&
        cached.owner.secret === owner.secret
      )
        return cached.gw;
      const gw = remoteGateway(connectionId, owner);
      gateways.set(connectionId, { owner, gw });
      return gw;
    },
    noteStatus(connectionId, status) {
      const owner = view.get(connectionId);
      if (owner) {
        view.set(connectionId, { ...owner, status });
        return;
      }
      // A connection the view does not name yet (just created, or just taken by another node): its owner wrote this
      // status under its lease, so the lease is readable now — without waiting for the next refresh (every ttl/3),
      // during which calls through this node answered 409 "not connected (status CONNECTED)".
      ownerNow(connectionId).catch((err) =>
        log.warn({ err, connectionId }, "looking up a connection's owner failed; the next refresh does"),
      );
    },
    start: (connectionId) => session(connectionId, "start"),
    stop: (connectionId) => session(connectionId, "stop"),
    async retire(connectionId) {
      // The connection's row (and its lease row) may be gone already: the owner is the one the view names.
      const owner = view.get(connectionId);
      if (!owner) return;
      try {
        await call(owner, connectionId, "retire", []);
      } catch (err) {
        log.warn(
          { err, connectionId, owner: owner.nodeId },
          "asking the owner to stop a deleted connection failed; it stops at its next renewal",
        );
      }
    },
  };
}

/** What the owner's side needs from the session manager and the services. */
export type GatewayRpcDeps = {
  /** This run's secret (`nodes.secret`): a call without it is refused. */
  secret: string;
  nodeId: string;
  /** Whether this node holds the connection's lease now. */
  holds(connectionId: number): boolean;
  /** The connection's gateway running on this node. */
  local(connectionId: number): WhatsAppGateway | undefined;
  /** Restarts the connection here (it loads it; a missing one is ERR_CONNECTION_NOT_FOUND). */
  start(connectionId: number): Promise<void>;
  stop(connectionId: number): Promise<void>;
  retire(connectionId: number): Promise<void>;
  /** Renews the connection's lease now; resolves once a lease that ended (moved) is released. */
  renew(connectionId: number): Promise<void>;
  /** One claim round now (a move's target takes the lease wanted for it). */
  claim(): Promise<void>;
  /**
   * After a forwarded logout: stores DISCONNECTED now. A driver reports its status without awaiting the write, and
   * the caller reads the status back from the database as soon as this call answers.
   */
  loggedOut(connectionId: number): Promise<void>;
  logger: Logger;
};

const sameSecret = (given: string | null, secret: string): boolean => {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * The owner's side of the internal calls: `POST /internal/v1/gateways/:id/:op`. 404 for anything that is not a call
 * with this run's secret (the routes do not exist for anyone else); a call for a connection whose lease this node
 * does not hold answers `notOwner` (the caller maps it to 409 ERR_WAPP_NOT_CONNECTED and refreshes its view).
 */
export function createGatewayRpcHandler(deps: GatewayRpcDeps) {
  const log = deps.logger.child({ module: "gateway-rpc" });
  const answer = (a: RpcAnswer) => Response.json(a, { status: 200 });
  const notFound = () => Response.json({ error: "ERR_NOT_FOUND", message: "Not found" }, { status: 404 });

  return async (req: Request, connectionId: number, op: string): Promise<Response> => {
    if (req.method !== "POST" || !OPS.has(op) || !Number.isSafeInteger(connectionId) || connectionId < 1)
      return notFound();
    if (!sameSecret(req.headers.get(SECRET_HEADER), deps.secret)) return notFound();
    if (op !== "claim" && !deps.holds(connectionId))
      return answer({
        ok: false,
        code: "ERR_WAPP_NOT_CONNECTED",
        message: `Node ${deps.nodeId} does not run connection ${connectionId} (anymore): try again`,
        notOwner: true,
      });
    let args: unknown[];
    let media: Uint8Array<ArrayBuffer> | undefined;
    try {
      if (op === "sendMedia") {
        args = JSON.parse(Buffer.from(req.headers.get(ARGS_HEADER) ?? "", "base64url").toString("utf8"));
        media = new Uint8Array(await req.arrayBuffer());
      } else {
        args = ((await req.json()) as { args?: unknown[] }).args ?? [];
      }
      if (!Array.isArray(args)) throw new Error("args must be an array");
    } catch (err) {
      return answer({ ok: false, code: "ERR_VALIDATION", message: `Bad internal call: ${String(err)}` });
    }
    try {
      const result = await run(op as Op, connectionId, args, media);
      return answer({ ok: true, result: result ?? null });
    } catch (err) {
      if (err instanceof AppError) return answer({ ok: false, code: err.code, message: err.message });
      log.warn({ err, connectionId, op, from: req.headers.get(FROM_HEADER) }, "a forwarded call failed");
      return answer({ ok: false, code: null, message: (err as Error).message ?? String(err) });
    }
  };

  async function run(
    op: Op,
    connectionId: number,
    args: unknown[],
    media?: Uint8Array<ArrayBuffer>,
  ): Promise<unknown> {
    switch (op) {
      case "start":
        return deps.start(connectionId);
      case "stop":
        return deps.stop(connectionId);
      case "retire":
        return deps.retire(connectionId);
      case "renew":
        return deps.renew(connectionId);
      case "claim":
        return deps.claim();
    }
    const gw = deps.local(connectionId);
    if (!gw)
      throw new AppError(
        "ERR_WAPP_NOT_CONNECTED",
        `The session of connection ${connectionId} is not running on node ${deps.nodeId}: restart it first`,
      );
    const a = args as [never, never, never, never];
    switch (op) {
      case "sendMedia": {
        const [to, meta, quoted, o] = args as [
          string,
          Omit<OutboundMedia, "source">,
          QuotedRef | null,
          SendOptions,
        ];
        const bytes = media ?? new Uint8Array();
        return gw.sendMedia(to, { ...meta, source: { stream: () => new Blob([bytes]).stream() } }, quoted, o);
      }
      case "logout":
        await gw.logout();
        return deps.loggedOut(connectionId);
      case "requestPairingCode":
        return gw.requestPairingCode(a[0]);
      case "sendText":
        return gw.sendText(a[0], a[1], a[2], a[3]);
      case "editText":
        return gw.editText(a[0], a[1], a[2]);
      case "revoke":
        return gw.revoke(a[0], a[1]);
      case "react":
        return gw.react(a[0], a[1], a[2]);
      case "markRead":
        return gw.markRead(a[0], a[1]);
      case "sendPresence":
        return gw.sendPresence(a[0], a[1]);
      case "checkNumber":
        return gw.checkNumber(a[0]);
      case "profilePicUrl":
        return gw.profilePicUrl(a[0]);
    }
  }
}
