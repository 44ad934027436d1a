import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { brotliDecompressSync, createBrotliDecompress } from "node:zlib";

/**
 * The Chromium that the `@sparticuz/chromium` devDependency ships (a headless-shell build, brotli-compressed
 * inside the npm package), unpacked once per machine and version into the temp dir.
 *
 * Not the package's own `executablePath()`: that writes straight to a shared `/tmp/chromium` and trusts any
 * file found there, so an interrupted or concurrent first run (another checkout testing on the same machine)
 * leaves a truncated browser behind for good, and a different version's binary is reused silently. Here each
 * version unpacks into a private directory that is renamed into place only when complete.
 *
 * The package also carries the NSS/NSPR/expat libraries the binary links against (built for Amazon Linux
 * 2023, glibc 2.34): they go on the browser's LD_LIBRARY_PATH, so a machine without Debian's Chromium (and
 * its libnss3) still runs it.
 */
export type NpmChromium = { executablePath: string; env: Record<string, string> };

const pkgDir = dirname(Bun.resolveSync("@sparticuz/chromium/package.json", import.meta.dir));

let unpacking: Promise<NpmChromium> | undefined;

export function npmChromium(): Promise<NpmChromium> {
  unpacking ??= unpack();
  return unpacking;
}

async function unpack(): Promise<NpmChromium> {
  const { version } = (await Bun.file(join(pkgDir, "package.json")).json()) as { version: string };
  const dir = join(tmpdir(), `chasqui-chromium-${version}`);
  const result = () => ({
    executablePath: join(dir, "chromium"),
    env: {
      LD_LIBRARY_PATH: join(dir, "lib"),
      FONTCONFIG_FILE: join(dir, "fonts.conf"),
    },
  });
  if (existsSync(join(dir, "complete"))) return result();

  const staging = `${dir}.partial-${process.pid}-${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    const bin = join(pkgDir, "bin");
    await pipeline(
      Bun.file(join(bin, "chromium.br")).stream(),
      createBrotliDecompress(),
      createWriteStream(join(staging, "chromium"), { mode: 0o755 }),
    );
    // lib/libnss3.so …, and fonts/Open_Sans/*.ttf with a fonts.conf whose paths are Lambda's: ours replaces it.
    for (const archive of ["al2023.tar.br", "fonts.tar.br"]) {
      const tar = brotliDecompressSync(await Bun.file(join(bin, archive)).arrayBuffer());
      await new Bun.Archive(tar).extract(staging);
    }
    writeFileSync(
      join(staging, "fonts.conf"),
      `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${join(dir, "fonts")}</dir>
  <dir>/usr/share/fonts</dir>
  <dir>/usr/local/share/fonts</dir>
  <cachedir>${join(dir, "fonts-cache")}</cachedir>
</fontconfig>
`,
    );
    writeFileSync(join(staging, "complete"), version);
    // Only a copy without the marker (left by hand, never by a rename) is in the way.
    if (existsSync(dir) && !existsSync(join(dir, "complete"))) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch (err) {
      // Another process finished first (the target exists and is not empty): use its copy.
      if (!existsSync(join(dir, "complete"))) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return result();
}
