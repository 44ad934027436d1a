#!/usr/bin/env bun
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config";
import { createLogger, createProcessHealth } from "./logger";
import { checkDataDir, createRuntime, guardProcess, StartupError, startServer } from "./server";

const USAGE = `chasqui — self-hosted WhatsApp helpdesk API server

Usage:
  chasqui [serve]                              run the server (default)
  chasqui token create --name N [--scope admin|api]   create an API token (printed once)
  chasqui token list                           list tokens
  chasqui token revoke ID                      revoke a token
  chasqui migrate                              apply database migrations and exit

Configuration comes from the environment (PORT, DATA_DIR, API_TOKEN, …); see the README.`;

async function main(argv: string[]): Promise<number> {
  const [command = "serve", sub, ...rest] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const health = createProcessHealth();
  const logger = createLogger(command === "serve" ? config.logLevel : "warn", health, 1, config.logFormat);
  checkDataDir(config.dataDir);

  if (command === "serve") {
    guardProcess(logger, health);
    const { stop, runtime } = await startServer(config, logger, { health });
    if (!config.apiToken && !runtime.services.tokens.hasAnyActive()) {
      const { token } = runtime.services.tokens.create("initial admin", "admin");
      process.stderr.write(
        `\n  No API token existed, so an admin token was created. It is shown only this once:\n\n    ${token}\n\n  Use it as: Authorization: Bearer ${token}\n\n`,
      );
    }
    await new Promise<void>((resolve) => {
      const onSignal = (signal: string) => {
        logger.info({ signal }, "signal received");
        stop().then(resolve, (err) => {
          logger.error({ err }, "shutdown failed");
          resolve();
        });
      };
      process.once("SIGTERM", () => onSignal("SIGTERM"));
      process.once("SIGINT", () => onSignal("SIGINT"));
    });
    return 0;
  }

  const runtime = createRuntime(config, logger);
  try {
    if (command === "migrate") {
      console.log("migrations applied");
      return 0;
    }
    if (command === "token") {
      const tokens = runtime.services.tokens;
      if (sub === "create") {
        const { values } = parseArgs({
          args: rest,
          options: { name: { type: "string" }, scope: { type: "string", default: "api" } },
        });
        if (!values.name) throw new UsageError("token create needs --name");
        if (values.scope !== "admin" && values.scope !== "api")
          throw new UsageError("--scope must be admin or api");
        const { token, record } = tokens.create(values.name, values.scope);
        console.error(
          `created token #${record.id} "${record.name}" (${record.scope}); it is shown only once:`,
        );
        console.log(token);
        return 0;
      }
      if (sub === "list") {
        for (const t of tokens.list()) {
          const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : "active";
          console.log(`${t.id}\t${t.scope}\t…${t.hint}\t${state}\t${t.name}`);
        }
        return 0;
      }
      if (sub === "revoke") {
        const id = Number(rest[0]);
        if (!Number.isInteger(id) || id <= 0) throw new UsageError("token revoke needs a numeric ID");
        const t = tokens.revoke(id);
        console.log(`revoked token #${t.id} "${t.name}"`);
        return 0;
      }
      throw new UsageError(`unknown token command: ${sub ?? "(none)"}`);
    }
    throw new UsageError(`unknown command: ${command}`);
  } finally {
    await runtime.close();
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof StartupError) {
      console.error(`chasqui: ${err.message}`);
      process.exit(1);
    }
    if (err instanceof ConfigError || err instanceof UsageError) {
      console.error(err.message);
      if (err instanceof UsageError) console.error(`\n${USAGE}`);
      process.exit(2);
    }
    if (err && typeof err === "object" && "code" in err && err.code === "ERR_TOKEN_NOT_FOUND") {
      console.error((err as Error).message);
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
