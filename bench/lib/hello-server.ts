/** The ceiling: a bare Bun.serve hello-world, run as its own process like the real server. */
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch: () => new Response("Hello World!"),
});
console.log(`listening ${server.port}`);
process.once("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
