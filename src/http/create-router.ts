import { OpenAPIHono } from "@hono/zod-openapi";
import { AppError } from "../errors";
import type { AppEnv } from "./context";

/** Every router comes from here, so none lacks the hook that turns zod failures into ERR_VALIDATION. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const details = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
        const first = details[0];
        throw new AppError(
          "ERR_VALIDATION",
          first ? `Invalid ${first.path || "request"}: ${first.message}` : "Invalid request",
          details,
        );
      }
    },
  });
}
