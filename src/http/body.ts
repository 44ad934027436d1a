import { join } from "node:path";
import type { Context } from "hono";
import { z } from "zod";
import { AppError } from "../errors";
import type { AppEnv } from "./context";
import { parseMultipart } from "./multipart";

type Shape = z.ZodRawShape;

/** The zod type name of a field, looking through optional/nullable/default wrappers. */
function baseType(schema: z.ZodType): string {
  let s = schema as unknown as { _zod: { def: { type: string; innerType?: unknown } } };
  while (
    ["optional", "nullable", "default", "prefault", "readonly"].includes(s._zod.def.type) &&
    s._zod.def.innerType
  ) {
    s = s._zod.def.innerType as typeof s;
  }
  return s._zod.def.type;
}

/**
 * Form fields arrive as strings, and many integrators (PHP, n8n) send numbers and booleans as strings in
 * JSON too. Coerce by the schema's field type: "2" → 2, "false" → false, a lone value → [value].
 */
function coerce(shape: Shape, input: Record<string, unknown>): Record<string, unknown> {
  // Null prototype: a `__proto__` key from the client stays a plain key, never a prototype.
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(input)) {
    const field = Object.hasOwn(shape, key) ? (shape[key] as z.ZodType) : undefined;
    if (!field) {
      out[key] = value;
      continue;
    }
    const type = baseType(field);
    if (typeof value === "string") {
      const v = value.trim();
      if (type === "number") out[key] = v === "" ? undefined : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : value;
      else if (type === "boolean")
        out[key] = ["true", "1", "on", "yes"].includes(v.toLowerCase())
          ? true
          : ["false", "0", "off", "no", ""].includes(v.toLowerCase())
            ? false
            : value;
      else if (type === "array")
        out[key] = v.startsWith("[") ? safeJson(v, [value]) : v === "" ? [] : [value];
      else if (type === "object" || type === "union")
        out[key] = v.startsWith("{") ? safeJson(v, value) : value;
      else out[key] = value;
    } else if (type === "array" && value !== undefined && value !== null && !Array.isArray(value)) {
      out[key] = [value];
    } else {
      out[key] = value;
    }
  }
  return out;
}

function safeJson(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

async function parseRaw(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const header = c.req.header("content-type") ?? "";
  const type = header.split(";")[0]!.trim().toLowerCase();
  const { config } = c.get("deps");
  if (type === "multipart/form-data") {
    const entries = await parseMultipart(c.req.raw.body, header, {
      maxFileBytes: config.maxUploadBytes,
      maxFieldBytes: config.maxJsonBodyBytes,
      spillDir: join(config.dataDir, "tmp"),
    });
    return entriesToObject(entries);
  }
  const isJson =
    type === "" || type === "application/json" || type.endsWith("+json") || type === "text/plain";
  // Refused before reading: nothing of a body we will not parse is pulled in.
  if (!isJson && type !== "application/x-www-form-urlencoded") {
    if (c.req.raw.body === null || c.req.header("content-length") === "0") return {};
    throw new AppError(
      "ERR_UNSUPPORTED_MEDIA_TYPE",
      `Unsupported Content-Type ${type}: send JSON, multipart/form-data or urlencoded`,
    );
  }
  const text = await c.req.text();
  if (type === "application/x-www-form-urlencoded") {
    // `curl -d '{...}'` without -H sends JSON labelled as a form; accept what was obviously meant.
    if (text.trimStart().startsWith("{")) return parseJsonText(text);
    return entriesToObject([...new URLSearchParams(text).entries()]);
  }
  if (text.trim() === "") return {};
  return parseJsonText(text);
}

function parseJsonText(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError("ERR_VALIDATION", "Malformed JSON in request body");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new AppError("ERR_VALIDATION", "The request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

function entriesToObject(entries: Iterable<[string, string | File]>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [rawKey, value] of entries) {
    const key = rawKey.endsWith("[]") ? rawKey.slice(0, -2) : rawKey;
    const prev = out[key];
    if (prev === undefined) out[key] = rawKey.endsWith("[]") ? [value] : value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Reads a JSON, multipart or urlencoded body and validates it; failures are 400 ERR_VALIDATION. */
export async function readBody<S extends Shape>(
  c: Context<AppEnv>,
  schema: z.ZodObject<S>,
): Promise<z.infer<z.ZodObject<S>>> {
  const raw = await parseRaw(c);
  const result = schema.safeParse(coerce(schema.shape, raw));
  if (!result.success) {
    const details = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    const first = details[0]!;
    throw new AppError("ERR_VALIDATION", `Invalid ${first.path || "body"}: ${first.message}`, details);
  }
  return result.data;
}

/** WhatsApp's own limit on the text of a message or a caption, in characters. */
export const MAX_TEXT = 65_536;

export const fileSchema = z.instanceof(File).meta({ type: "string", format: "binary" });

/** OpenAPI request body for a schema accepted as JSON, multipart and urlencoded (validated by readBody). */
export function bodyDoc(
  schema: z.ZodObject<Shape>,
  example: Record<string, unknown>,
  opts: { multipartOnly?: boolean } = {},
) {
  const json = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  delete json.$schema;
  const content: Record<string, { schema: Record<string, unknown>; example?: unknown }> = {};
  if (!opts.multipartOnly) content["application/json"] = { schema: json, example };
  content["multipart/form-data"] = { schema: json };
  if (!opts.multipartOnly) content["application/x-www-form-urlencoded"] = { schema: json };
  return { required: true, content } as const;
}
