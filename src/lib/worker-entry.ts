/** True when this code runs from the compiled binary: its modules live in Bun's embedded file system. */
const COMPILED = import.meta.url.includes("$bunfs") || import.meta.url.includes("~BUN");

/**
 * Where a Worker's file is, given its path under src/ (`"webhooks/dispatcher-worker.ts"`). In the compiled binary
 * the file is an entrypoint of its own (listed in scripts/build.ts), addressed by that path from the bundle's
 * root; from source it is resolved in the source tree.
 */
export function workerEntry(pathUnderSrc: string): string {
  return COMPILED ? `./${pathUnderSrc}` : new URL(`../${pathUnderSrc}`, import.meta.url).href;
}
