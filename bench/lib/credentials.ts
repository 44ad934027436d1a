/**
 * The credential a bench's readers send, as the product's clients do: `env` = the `API_TOKEN` of the server's
 * environment (no database read; what the benches used before `--readers-auth`), `token` = an API token created
 * through `POST /api/v1/tokens` (an integration), `session` = the panel's session cookie of an admin user who signed
 * in with `POST /api/v1/auth/login` (an agent's browser; admin, so it sees the same tickets as a token), `agent` = the
 * same as an agent of the lowest-numbered queue (who sees that queue's tickets and those without a queue).
 */
export type ReaderAuth = "env" | "token" | "session" | "agent";

export const READER_AUTHS: readonly ReaderAuth[] = ["env", "token", "session", "agent"];

export function readerAuthOf(value: string | undefined): ReaderAuth {
  const kind = (value ?? "env") as ReaderAuth;
  if (!READER_AUTHS.includes(kind)) throw new Error(`--readers-auth: one of ${READER_AUTHS.join(", ")}`);
  return kind;
}

/** The readers' headers; `call` asks the server under test (over HTTP or its app's fetch), `envToken` is API_TOKEN. */
export async function readerHeaders(
  kind: ReaderAuth,
  envToken: string,
  call: (path: string, init: RequestInit) => Promise<Response>,
): Promise<Record<string, string>> {
  const admin = { Authorization: `Bearer ${envToken}` };
  if (kind === "env") return admin;
  const post = async (path: string, body: unknown, headers: Record<string, string> = admin) => {
    const res = await call(path, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`);
    return res;
  };
  if (kind === "token") {
    const { token } = (await (
      await post("/api/v1/tokens", { name: "bench readers", scope: "api" })
    ).json()) as {
      token: string;
    };
    return { Authorization: `Bearer ${token}` };
  }
  const email = `bench-${Date.now()}@example.com`;
  const password = "bench readers password";
  let queueIds: number[] = [];
  if (kind === "agent") {
    const res = await call("/api/v1/queues", { headers: admin });
    const queues = ((await res.json()) as { id: number }[]).map((q) => q.id).sort((a, b) => a - b);
    if (queues.length === 0) throw new Error("--auth agent needs a queue (see --agent-share)");
    queueIds = [queues[0]!];
  }
  await post("/api/v1/users", {
    name: "Bench",
    email,
    password,
    role: kind === "agent" ? "agent" : "admin",
    queueIds,
  });
  const login = await post("/api/v1/auth/login", { email, password }, {});
  const cookie = /chasqui_session=[^;]*/.exec(login.headers.get("set-cookie") ?? "")?.[0];
  if (!cookie) throw new Error("sign-in gave no session cookie");
  return { cookie };
}
