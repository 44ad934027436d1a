/**
 * Regenerates the typed TypeScript client's types (clients/ts/schema.d.ts) from the OpenAPI document this
 * version of the server serves at /openapi.json. Run with `bun run client:generate` after changing a route;
 * tests/clients/ts-client.test.ts fails while the committed file differs from what this produces.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpenAPI3 } from "openapi-typescript";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { createRuntime } from "../src/server";

export const SCHEMA_PATH = join(import.meta.dir, "../clients/ts/schema.d.ts");

const HEADER = `/**
 * Generated from Chasqui's /openapi.json by openapi-typescript — do not edit by hand.
 * Regenerate with \`bun run client:generate\` in the repository root.
 */

`;

/** The OpenAPI document of a throwaway in-memory server: the same one /openapi.json serves. */
export async function currentOpenApiDocument(): Promise<OpenAPI3> {
  const dataDir = mkdtempSync(join(tmpdir(), "chasqui-openapi-"));
  const runtime = createRuntime(
    loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent" }),
    createLogger("silent"),
    {
      databasePath: ":memory:",
    },
  );
  try {
    const res = await runtime.app.request("/openapi.json");
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    return (await res.json()) as OpenAPI3;
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type OpenApiTs = typeof import("openapi-typescript");

/**
 * openapi-typescript builds its output with the TypeScript 5 compiler API, which the repository's TypeScript 7
 * (the native compiler, used by `tsc`) no longer offers as JavaScript. So it is bundled once per run with
 * `typescript` pointing at the pinned `typescript5` (npm:typescript@5.9.3) and loaded from the bundle.
 */
async function loadOpenApiTs(): Promise<OpenApiTs> {
  const ts5 = Bun.resolveSync("typescript5", import.meta.dir);
  const built = await Bun.build({
    entrypoints: [Bun.resolveSync("openapi-typescript", import.meta.dir)],
    target: "bun",
    plugins: [
      {
        name: "typescript5",
        setup: (build) => void build.onResolve({ filter: /^typescript$/ }, () => ({ path: ts5 })),
      },
    ],
  });
  const [bundle] = built.outputs;
  if (!built.success || !bundle)
    throw new Error(`bundling openapi-typescript failed: ${built.logs.join("\n")}`);
  const dir = mkdtempSync(join(tmpdir(), "chasqui-openapi-ts-"));
  try {
    const file = join(dir, "openapi-typescript.mjs");
    await Bun.write(file, bundle);
    return (await import(file)) as OpenApiTs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of clients/ts/schema.d.ts for a document. */
export async function renderSchema(doc: OpenAPI3): Promise<string> {
  const { default: openapiTS, astToString } = await loadOpenApiTs();
  const text = astToString(await openapiTS(doc, { alphabetize: true }));
  // An example holds a raw NUL ("SQLite format 3\0"): escaped, so git and editors see a text file.
  const printable = text.replace(/\p{Cc}/gu, (ch) =>
    ch === "\n" || ch === "\t" || ch === "\r" ? ch : `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return HEADER + printable;
}

if (import.meta.main) {
  await Bun.write(SCHEMA_PATH, await renderSchema(await currentOpenApiDocument()));
  console.log(`wrote ${SCHEMA_PATH}`);
}
