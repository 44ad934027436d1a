// Compiles the server into one executable, dist/chasqui, with migrations, docs and assets embedded.
import { $ } from "bun";

const target = process.env.BUN_TARGET; // e.g. bun-linux-x64-musl for Alpine; default: this machine
const args = ["build", "--compile", "--minify", "--sourcemap", "src/cli.ts", "--outfile", "dist/chasqui"];
if (target) args.push("--target", target);
await $`bun ${args}`;
console.log("built dist/chasqui");
