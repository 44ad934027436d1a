import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { createMediaStorage } from "../../src/media/media-storage.ts";
import { SAMPLES } from "./samples.ts";

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "chasqui-media-"));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("createMediaStorage", () => {
  test("creates the directory when it is missing", () => {
    const storage = createMediaStorage(join(root, "data", "media"));
    expect(storage.dir).toBe(join(root, "data", "media"));
    expect(readdirSync(storage.dir)).toEqual([]);
  });

  test("saves bytes under a generated name and serves the same bytes back", async () => {
    const storage = createMediaStorage(join(root, "media"));
    const stored = await storage.save(SAMPLES.jpeg, {
      filename: "../../etc/Holiday photo.JPG",
      mimeType: "image/png",
    });

    expect(stored).toEqual({
      file: expect.stringMatching(/^\d{13}-[0-9a-f]{24}\.jpg$/),
      mimeType: "image/jpeg",
      mediaType: "image",
      size: SAMPLES.jpeg.byteLength,
      filename: "Holiday photo.JPG",
    });
    const path = storage.pathOf(stored.file);
    expect(path).toBe(join(storage.dir, stored.file));
    expect(isAbsolute(path ?? "")).toBe(true);
    expect(new Uint8Array(await Bun.file(path ?? "").arrayBuffer())).toEqual(SAMPLES.jpeg);
  });

  test("uses the stored file name as the filename when none is given", async () => {
    const storage = createMediaStorage(root);
    const stored = await storage.save(SAMPLES.pdf);
    expect(stored.filename).toBe(stored.file);
    expect(stored.file.endsWith(".pdf")).toBe(true);
  });

  test("names files with the declared type's extension when the bytes are not recognised", async () => {
    const storage = createMediaStorage(root);
    const stored = await storage.save(SAMPLES.text, { mimeType: "text/csv", filename: "contacts" });
    expect({
      ext: stored.file.split(".").pop(),
      mimeType: stored.mimeType,
      filename: stored.filename,
    }).toEqual({
      ext: "csv",
      mimeType: "text/csv",
      filename: "contacts",
    });
  });

  test("never gives two saves of the same bytes the same name", async () => {
    const storage = createMediaStorage(root);
    const saved = await Promise.all(Array.from({ length: 20 }, () => storage.save(SAMPLES.png)));
    const names = new Set(saved.map((s) => s.file));
    expect(names.size).toBe(20);
    expect(readdirSync(root).sort()).toEqual([...names].sort());
  });

  test("leaves no temporary file behind after a save", async () => {
    const storage = createMediaStorage(root);
    const stored = await storage.save(SAMPLES.webp);
    expect(readdirSync(root)).toEqual([stored.file]);
  });

  test("recreates the directory if it was removed after start", async () => {
    const storage = createMediaStorage(join(root, "media"));
    rmSync(storage.dir, { recursive: true });
    const stored = await storage.save(SAMPLES.gif);
    expect(storage.pathOf(stored.file)).not.toBeNull();
  });
});

describe("MediaStorage.pathOf", () => {
  test("returns null for names that are unsafe or do not exist", async () => {
    const storage = createMediaStorage(join(root, "media"));
    const stored = await storage.save(SAMPLES.png);
    writeFileSync(join(root, "outside.txt"), "secret");
    writeFileSync(join(storage.dir, ".hidden"), "x");
    mkdirSync(join(storage.dir, "subdir"));
    symlinkSync(join(root, "outside.txt"), join(storage.dir, "link.txt"));

    const unsafe = [
      "",
      ".",
      "..",
      "../outside.txt",
      `../media/${stored.file}`,
      `/${stored.file}`,
      join(storage.dir, stored.file),
      `subdir/${stored.file}`,
      `subdir\\${stored.file}`,
      `${stored.file}\u0000.txt`,
      ".hidden",
      "subdir",
      "link.txt",
      "missing.png",
      "%2e%2e%2foutside.txt",
    ];
    expect(unsafe.map((name) => [name, storage.pathOf(name)])).toEqual(unsafe.map((name) => [name, null]));
    expect(storage.pathOf(stored.file)).toBe(join(storage.dir, stored.file));
  });
});
