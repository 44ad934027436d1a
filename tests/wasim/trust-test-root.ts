/**
 * Preload for a process under test that must connect to the fake WhatsApp server:
 * `bun --preload ./tests/wasim/trust-test-root.ts src/cli.ts serve`.
 * It patches the one Baileys module instance of the process; nothing in src/ touches Baileys' trust.
 */
import { trustTestRoot } from "./test-pki";

trustTestRoot();
