import { createRouter } from "../../create-router";
import { connectionCrudRouter } from "./connections.routes";
import { sandboxRouter } from "./sandbox.routes";
import { connectionSessionRouter } from "./session.routes";
import { connectionWebhooksRouter } from "./webhooks.routes";

/** Everything under /connections: the resource, its session, its webhooks and the sandbox. */
export const connectionsRouter = createRouter()
  .route("/", connectionCrudRouter)
  .route("/", connectionSessionRouter)
  .route("/", connectionWebhooksRouter)
  .route("/", sandboxRouter);
