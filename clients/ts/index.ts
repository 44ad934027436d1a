import createClient, { type ClientOptions } from "openapi-fetch";
import type { paths } from "./schema";

export type { components, paths } from "./schema";

export type ChasquiClientOptions = Omit<ClientOptions, "baseUrl"> & {
  /** Where the server runs, e.g. `https://chasqui.example.com` (no trailing `/api`). */
  baseUrl: string;
  /** An API token (`chasqui token create`); sent as `Authorization: Bearer <token>` on every request. */
  token: string;
};

/**
 * A typed client of the Chasqui REST API: every path, parameter, body and answer is checked by TypeScript
 * against the server's OpenAPI document. Calls return `{ data, error, response }` (openapi-fetch).
 */
export function createChasquiClient({ baseUrl, token, ...options }: ChasquiClientOptions) {
  const client = createClient<paths>({ ...options, baseUrl: baseUrl.replace(/\/+$/, "") });
  client.use({
    onRequest({ request }) {
      request.headers.set("authorization", `Bearer ${token}`);
      return request;
    },
  });
  return client;
}

export type ChasquiClient = ReturnType<typeof createChasquiClient>;
