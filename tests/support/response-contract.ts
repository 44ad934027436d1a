import type { OpenAPIHono } from "@hono/zod-openapi";

type Schema = { safeParse(v: unknown): { success: true } | { success: false; error: { issues: Issue[] } } };
type Issue = { path: PropertyKey[]; message: string; code?: string };
type DocumentedRoute = {
  method: string;
  path: string;
  pattern: RegExp;
  literalSegments: number;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> } | undefined>;
};

/**
 * Checks every successful JSON answer of the API against the response schema its route documents in the
 * app's OpenAPI registry (the zod schemas /openapi.json is generated from), so what a route returns can
 * never drift from the docs unnoticed: a missing or mistyped field, an undocumented status, or a
 * documented route that answers JSON it never declared. Extra fields pass (zod objects strip them).
 * Stored events inside a body (the catch-up feed, delivery details) must match their event's documented
 * envelope (the document's `webhooks`), which the route's own schema leaves open.
 */
export function createResponseContract(app: Pick<OpenAPIHono, "openAPIRegistry">) {
  const routes: DocumentedRoute[] = [];
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== "route") continue;
    const segments = def.route.path.split("/");
    routes.push({
      method: def.route.method.toUpperCase(),
      path: def.route.path,
      pattern: new RegExp(
        `^${segments.map((s) => (/^\{[^}]+\}$/.test(s) ? "[^/]+" : escapeRegExp(s))).join("/")}$`,
      ),
      literalSegments: segments.filter((s) => !s.startsWith("{")).length,
      responses: def.route.responses as DocumentedRoute["responses"],
    });
  }
  // Most specific first, as the router resolves them: /contacts/validate before /contacts/{number}.
  routes.sort((a, b) => b.literalSegments - a.literalSegments);
  // The documented envelope of each event (the OpenAPI `webhooks`), by event name.
  const envelopes = new Map<string, Schema>();
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== "webhook") continue;
    const body = def.webhook.request?.body as { content?: Record<string, { schema?: unknown }> } | undefined;
    const schema = body?.content?.["application/json"]?.schema as Schema | undefined;
    if (schema) envelopes.set(def.webhook.path, schema);
  }

  /** Issues of every stored event envelope (`payload: {event, …}`) found in a body, by JSON path. */
  const envelopeIssues = (value: unknown, path: string[] = []): string[] => {
    if (Array.isArray(value)) return value.flatMap((v, i) => envelopeIssues(v, [...path, String(i)]));
    if (value === null || typeof value !== "object") return [];
    const out: string[] = [];
    for (const [key, v] of Object.entries(value)) {
      const event =
        key === "payload" && v && typeof v === "object" ? (v as { event?: unknown }).event : undefined;
      if (typeof event === "string") {
        const schema = envelopes.get(event);
        const at = [...path, key].join(".");
        if (!schema) out.push(`  - ${at}: event ${JSON.stringify(event)} is not documented`);
        else {
          const r = schema.safeParse(v);
          if (!r.success) out.push(...formatIssues(r.error.issues, `${at} (${event})`));
        }
      } else out.push(...envelopeIssues(v, [...path, key]));
    }
    return out;
  };

  return {
    /** The documented route a request lands on, if any. */
    routeOf(method: string, pathname: string) {
      return routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(pathname));
    },

    /** Throws, naming the route, the status and zod's issues, when a 2xx JSON answer breaks its contract. */
    async check(method: string, url: string, res: Response) {
      const type = res.headers.get("content-type") ?? "";
      if (res.status < 200 || res.status > 299 || !type.startsWith("application/json")) return;
      const pathname = new URL(url, "http://chasqui.test").pathname;
      const route = this.routeOf(method, pathname);
      if (!route) {
        // /health, the panel and the docs are not part of the API document.
        if (pathname.startsWith("/api/"))
          throw new ResponseContractError(
            `${method} ${pathname} answered ${res.status} JSON but is not documented`,
          );
        return;
      }
      const where = `${method} ${route.path} (${pathname}) answered ${res.status}`;
      const documented = route.responses[String(res.status)];
      if (!documented)
        throw new ResponseContractError(
          `${where}, a status it does not document (documented: ${Object.keys(route.responses).join(", ")})`,
        );
      const schema = documented.content?.["application/json"]?.schema as Schema | undefined;
      if (!schema) throw new ResponseContractError(`${where} with JSON, which that status does not document`);
      const body: unknown = await res.clone().json();
      const result = schema.safeParse(body);
      const issues = result.success ? envelopeIssues(body) : formatIssues(result.error.issues);
      if (issues.length > 0)
        throw new ResponseContractError(
          `${where} with a body that does not match its documented schema:\n${issues.join("\n")}\nbody: ${truncate(JSON.stringify(body))}`,
        );
    },
  };
}

export class ResponseContractError extends Error {
  override name = "ResponseContractError";
}

const formatIssues = (issues: Issue[], prefix?: string) =>
  issues.map(
    (i) => `  - ${[prefix, ...i.path.map(String)].filter(Boolean).join(".") || "(body)"}: ${i.message}`,
  );
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const truncate = (s: string) => (s.length > 1500 ? `${s.slice(0, 1500)}…` : s);
