import { describe, expect, test } from "bun:test";
import { PANEL_CSS, PANEL_JS } from "../../src/panel/assets.generated";
import { buildPanel } from "../../src/panel/build";
import { createTestApp } from "../support/test-app";

describe("the web panel's assets", () => {
  test("GET / serves the panel page without a token, with a strict CSP", async () => {
    await using t = createTestApp();
    const res = await t.request("/", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    const js = /src="(\/panel\/app\.js\?v=\w+)"/.exec(html)?.[1];
    const css = /href="(\/panel\/app\.css\?v=\w+)"/.exec(html)?.[1];
    expect(js).toBeString();
    expect(css).toBeString();

    const plain = await t.request(js!, { token: null, headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-type")).toStartWith("text/javascript");
    expect(plain.headers.get("cache-control")).toContain("immutable");
    expect(await plain.text()).toBe(PANEL_JS);
    const cssRes = await t.request(css!, { token: null });
    expect(cssRes.headers.get("content-type")).toStartWith("text/css");
    expect((await t.request("/panel/nope.js", { token: null })).status).toBe(404);
  });

  test("assets are gzipped for clients that accept it, and the whole panel stays under 150 KB gzipped", async () => {
    await using t = createTestApp();
    const res = await t.request("/panel/app.js", { token: null, headers: { "accept-encoding": "gzip, br" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const gz = new Uint8Array(await res.arrayBuffer());
    expect(new TextDecoder().decode(Bun.gunzipSync(gz))).toBe(PANEL_JS);
    const total = gz.length + Bun.gzipSync(PANEL_CSS).length;
    expect(total).toBeLessThan(150 * 1024);
  });

  test("the embedded bundle is the build of the current sources (run `bun src/panel/build.ts` after editing)", async () => {
    const fresh = await buildPanel();
    expect(fresh.js === PANEL_JS && fresh.css === PANEL_CSS).toBe(true);
  });
});
