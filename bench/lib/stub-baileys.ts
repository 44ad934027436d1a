/**
 * Preload for an experiment only (`bun --preload bench/lib/stub-baileys.ts src/cli.ts serve`): replaces the
 * Baileys driver module with a stub so the idle RSS of a server that never loads Baileys can be measured.
 * Used by bench/api.profile.ts; never by the benchmark itself.
 */
import { plugin } from "bun";

plugin({
  name: "stub-baileys",
  setup(build) {
    build.onLoad({ filter: /whatsapp\/baileys\/baileys-gateway\.ts$/ }, () => ({
      contents: `export function createBaileysFactory() { return () => { throw new Error("Baileys is stubbed out"); }; }`,
      loader: "ts",
    }));
  },
});
