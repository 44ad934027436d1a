// Compiles the server into one executable, dist/chasqui, with migrations, docs and assets embedded.
import { $ } from "bun";

// The web panel is bundled into src/panel/assets.generated.ts first, so the binary embeds the current sources.
await $`bun src/panel/build.ts`;

const target = process.env.BUN_TARGET; // e.g. bun-linux-x64-musl for Alpine; default: this machine
const args = ["build", "--compile", "--minify", "--sourcemap", "src/cli.ts", "--outfile", "dist/chasqui"];
if (target) args.push("--target", target);
await $`bun ${args}`;
console.log("built dist/chasqui");
