import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = join(import.meta.dir, "../..");

/** Relative links of a Markdown file that point at files, resolved from the file's folder. */
function relativeLinks(file: string): { link: string; target: string }[] {
  const text = readFileSync(join(root, file), "utf8");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!.split("#")[0]!)
    .filter((link) => link && !/^[a-z]+:/i.test(link))
    .map((link) => ({ link, target: resolve(root, dirname(file), link) }));
}

test("every relative link in the README and docs/ resolves inside the repository", () => {
  const files = [
    "README.md",
    "docs/DESIGN.md",
    "docs/PERFORMANCE.md",
    "docs/MCP.md",
    "clients/ts/README.md",
    "tests/wasim/README.md",
  ];
  const broken: string[] = [];
  for (const file of files) {
    for (const { link, target } of relativeLinks(file)) {
      if (!target.startsWith(`${root}/`) || !existsSync(target)) broken.push(`${file}: ${link}`);
    }
  }
  expect(broken).toEqual([]);
});
