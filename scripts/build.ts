// Compiles the server into one executable, dist/chasqui, with migrations, docs and assets embedded. The
// webhook dispatcher's, the WAL checkpointer's and the HTTP read front's thread entries are listed beside the CLI:
// a Worker's file must be an entrypoint of the binary.
import { $ } from "bun";

// The web panel is bundled into src/panel/assets.generated.ts first, so the binary embeds the current sources.
await $`bun src/panel/build.ts`;

const target = process.env.BUN_TARGET; // e.g. bun-linux-x64-musl for Alpine; default: this machine
const args = [
  "build",
  "--compile",
  "--minify",
  "--sourcemap",
  "src/cli.ts",
  "src/webhooks/dispatcher-worker.ts",
  "src/db/checkpoint-worker.ts",
  "src/http/read-front-worker.ts",
  "--outfile",
  "dist/chasqui",
];
if (target) args.push("--target", target);
await $`bun ${args}`;
console.log("built dist/chasqui");
