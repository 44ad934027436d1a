import { Hono } from "hono";
// Embedded in the compiled binary: /docs works on a VPS with no outbound internet.
import scalarBundle from "../../../../node_modules/@scalar/api-reference/dist/browser/standalone.js" with {
  type: "file",
};
import type { AppEnv } from "../../context";

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Chasqui API reference</title>
</head>
<body>
  <script id="api-reference" data-url="/openapi.json"></script>
  <script src="/docs/scalar.js"></script>
</body>
</html>`;

export const docsRouter = new Hono<AppEnv>()
  .get("/docs", (c) => c.html(page))
  .get("/docs/scalar.js", (c) =>
    c.body(Bun.file(scalarBundle).stream(), 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=86400",
    }),
  );
