import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readTarEntries, tarStream } from "../../src/lib/tar";

const work = mkdtempSync(join(tmpdir(), "chasqui-tar-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LONG = `media/${"carpeta-con-un-nombre-largo/".repeat(5)}archivo-ñandú.pdf`;
const files: Record<string, string> = {
  "chasqui.sqlite": "SQLite format 3\u0000".padEnd(1500, "x"),
  "media/empty.txt": "",
  "media/exact.bin": "b".repeat(512),
  [LONG]: "%PDF-1.4 largo",
};

async function writeArchive(path: string) {
  const sources = Object.entries(files).map(([name, content]) => {
    const from = join(work, "src", `${Buffer.from(name).toString("hex").slice(0, 40)}`);
    mkdirSync(dirname(from), { recursive: true });
    writeFileSync(from, content);
    return { name, from, size: Buffer.byteLength(content), mtimeMs: Date.UTC(2026, 0, 1) };
  });
  const chunks: Uint8Array[] = [];
  for await (const chunk of tarStream(sources)) chunks.push(chunk);
  writeFileSync(path, Buffer.concat(chunks));
}

test("the tar writer's archive reads back, long UTF-8 names and block-sized files included", async () => {
  const archive = join(work, "ours.tar");
  await writeArchive(archive);
  const bytes = readFileSync(archive);
  expect(bytes.length % 512).toBe(0);
  const read = Object.fromEntries(
    readTarEntries(archive).map((e) => [e.name, bytes.subarray(e.offset, e.offset + e.size).toString()]),
  );
  expect(read).toEqual(files);
});

test.if(Bun.which("tar") !== null)(
  "the system tar extracts it, and our reader reads what the system tar writes",
  async () => {
    const archive = join(work, "for-system.tar");
    await writeArchive(archive);
    const out = join(work, "extracted");
    mkdirSync(out);
    const x = Bun.spawnSync(["tar", "-xf", archive, "-C", out]);
    expect(x.stderr.toString()).toBe("");
    for (const [name, content] of Object.entries(files))
      expect(readFileSync(join(out, name), "utf8")).toBe(content);

    const systemTar = join(work, "system.tar");
    expect(Bun.spawnSync(["tar", "-cf", systemTar, "-C", out, "chasqui.sqlite", LONG]).exitCode).toBe(0);
    const bytes = readFileSync(systemTar);
    const read = readTarEntries(systemTar)
      .filter((e) => e.type === "file")
      .map((e) => [e.name, bytes.subarray(e.offset, e.offset + e.size).toString()]);
    expect(Object.fromEntries(read)).toEqual({
      "chasqui.sqlite": files["chasqui.sqlite"],
      [LONG]: files[LONG],
    });
  },
);
