import { z } from "@hono/zod-openapi";

type Def = {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  in?: z.ZodType;
  out?: z.ZodType;
};
const def = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/**
 * A REST path/query field as an MCP argument. Path and query integers are strings on the wire
 * (`positiveInt()`: digits → Number → the integer checks); an MCP client sends JSON numbers, so such a field
 * becomes its own integer checks (the `out` side of the pipe) with the same bounds. Everything else — and
 * every JSON body field — is taken unchanged, so the tool validates exactly as the REST route does.
 */
function argumentOf(field: z.ZodType): z.ZodType {
  const d = def(field);
  const description = z.globalRegistry.get(field)?.description;
  let out: z.ZodType;
  if (d.type === "optional" && d.innerType) out = argumentOf(d.innerType).optional();
  else if (d.type === "default" && d.innerType)
    out = (argumentOf(d.innerType) as z.ZodType<unknown>).default(d.defaultValue);
  else if (d.type === "pipe" && d.in && d.out && def(d.in).type === "pipe" && def(d.out).type === "number")
    out = (d.out as z.ZodNumber).min(1);
  else return field;
  return description ? out.describe(description) : out;
}

/** The MCP argument object of one or more REST request schemas (path params, query, JSON body). */
export function toolArguments(...schemas: z.ZodObject[]): z.ZodObject<Record<string, z.ZodType>> {
  const shape: Record<string, z.ZodType> = {};
  for (const schema of schemas) {
    for (const [key, field] of Object.entries(schema.shape)) shape[key] = argumentOf(field as z.ZodType);
  }
  return z.object(shape);
}
