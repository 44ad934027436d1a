import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { embeddedMigrations } from "../../src/db/migrations.generated";
import { compiledBinary } from "../support/binary";

const work = mkdtempSync(join(tmpdir(), "chasqui-upgrade-"));
let binary = "";

beforeAll(async () => {
  binary = await compiledBinary();
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], dataDir: string) => {
  const r = Bun.spawnSync([binary, ...args], {
    cwd: work,
    env: { ...process.env, DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};

const tags = embeddedMigrations.map((m) => m.tag);
const sql = (dataDir: string, statement: string) => {
  const db = new Database(join(dataDir, "chasqui.sqlite"));
  db.exec(statement);
  db.close();
};

describe("upgrades", () => {
  test("migrate --dry-run lists the pending migrations and applies none", () => {
    const dir = join(work, "dry-run");
    const fresh = run(["migrate", "--dry-run"], dir);
    expect(fresh).toMatchObject({ code: 0, stderr: "" });
    expect(fresh.stdout).toBe(`${tags.length} pending migrations:\n${tags.map((t) => `  ${t}\n`).join("")}`);
    // Still nothing applied: the same list again.
    expect(run(["migrate", "--dry-run"], dir).stdout).toBe(fresh.stdout);

    expect(run(["migrate"], dir).code).toBe(0);
    expect(run(["migrate", "--dry-run"], dir).stdout).toBe(
      "the database is up to date: no pending migrations\n",
    );

    // As if the database came from the version before the newest migration.
    sql(
      dir,
      "DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)",
    );
    expect(run(["migrate", "--dry-run"], dir).stdout).toBe(`1 pending migration:\n  ${tags.at(-1)}\n`);
  }, 30_000);

  test("a binary refuses to start on a database migrated by a newer version, with one line and exit 1", () => {
    const dir = join(work, "newer");
    expect(run(["migrate"], dir).code).toBe(0);
    const future = Date.UTC(2031, 0, 2);
    sql(dir, `INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('f00d', ${future})`);
    const expected = `chasqui: this database was migrated by a newer Chasqui (1 migration this version does not know, the newest from ${new Date(future).toISOString()}); use that version or restore a backup\n`;

    for (const args of [["serve"], ["migrate"], ["migrate", "--dry-run"], ["token", "list"]]) {
      const r = run(args, dir);
      expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
        args,
        code: 1,
        stderr: expected,
        stdout: "",
      });
    }
    // Refused before touching anything: the newer row is still the last one.
    const db = new Database(join(dir, "chasqui.sqlite"), { readonly: true });
    expect(db.query("SELECT count(*) AS n FROM __drizzle_migrations").get()).toEqual({ n: tags.length + 1 });
    db.close();
  }, 30_000);
});
