import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Glob } from "bun";
import { ConfigError, loadConfig } from "../../src/config";

const root = join(import.meta.dir, "../..");

describe("code invariants", () => {
  test("the domain never imports hono, drivers, bun:sqlite or process.env", async () => {
    const offenders: string[] = [];
    for await (const file of new Glob("src/domain/**/*.ts").scan(root)) {
      const text = await Bun.file(join(root, file)).text();
      if (/from "(hono|@hono\/[^"]+|bun:sqlite|@whiskeysockets\/baileys)"|process\.env/.test(text))
        offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  test("the embedded migration index lists every drizzle-kit migration", async () => {
    const journal = await Bun.file(join(root, "drizzle/meta/_journal.json")).json();
    const generated = await Bun.file(join(root, "src/db/migrations.generated.ts")).text();
    for (const e of journal.entries) expect(generated).toContain(`"../../drizzle/${e.tag}.sql"`);
  });
});

describe("configuration", () => {
  test("defaults match the README", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      publicUrl: "http://localhost:8080",
      maxUploadBytes: 64 * 1024 * 1024,
      mediaFetchAllowPrivate: false,
      webhookTimeoutMs: 10_000,
      webhookMaxAttempts: 12,
      webhookRetryBaseMs: 5_000,
      webhookConcurrency: 16,
      webhookRetentionDays: 7,
    });
    expect(c.dataDir.endsWith("/data")).toBe(true);
  });

  test("invalid values stop with a message naming the variable", () => {
    for (const [key, value] of [
      ["PORT", "http"],
      ["MAX_UPLOAD_MB", "0"],
      ["MEDIA_FETCH_ALLOW_PRIVATE", "maybe"],
      ["API_TOKEN", "short"],
      ["PUBLIC_URL", "not a url"],
    ] as const) {
      expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [key]: value })).toThrow(key);
    }
  });

  test("PUBLIC_URL loses its trailing slash", () => {
    expect(loadConfig({ PUBLIC_URL: "https://wa.example.com/" }).publicUrl).toBe("https://wa.example.com");
  });
});
