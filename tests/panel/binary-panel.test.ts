import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledBinary } from "../support/binary";
import { startChild } from "../support/child-server";
import { launchChromium } from "./browser";

const work = mkdtempSync(join(tmpdir(), "chasqui-panel-bin-"));
let binary = "";

beforeAll(async () => {
  binary = await compiledBinary();
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the panel in the compiled binary", () => {
  test("is served from the embedded bundle and signs in", async () => {
    const token = "binary-panel-token-0123456789";
    const child = await startChild([binary, "serve"], { DATA_DIR: join(work, "data"), API_TOKEN: token });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ locale: "es-ES" });
      const errors: string[] = [];
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${child.url}/`);
      await page.locator("text=Ingresar").first().waitFor();
      await page.click("[data-testid=use-token]");
      await page.fill("#token", token);
      await page.click("form button[type=submit]");
      await page.locator("[data-live=on]").waitFor();
      await page.locator("nav >> text=Conexiones").waitFor();
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      child.proc.kill("SIGTERM");
      await child.proc.exited;
    }
  }, 60_000);
});
