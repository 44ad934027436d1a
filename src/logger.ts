import pino from "pino";

export type Logger = pino.Logger;

/** NDJSON to stdout. No transports: worker-thread transports break inside `bun build --compile`. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: "chasqui" }, timestamp: pino.stdTimeFunctions.isoTime });
}
