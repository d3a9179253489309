/**
 * The Asteri public API client: openapi-fetch on the types generated from the API's OpenAPI
 * document (`src/schema.ts`), with the credentials, retries and idempotency keys built in.
 *
 * ```ts
 * import { createAsteri, unwrap } from "@asteri/sdk";
 * const asteri = createAsteri({ apiKey: process.env.ASTERI_API_KEY!, organizationId: process.env.ASTERI_ORGANIZATION_ID! });
 * const { data, error } = await asteri.POST("/api/public/v1/customers", { body: { name: "Ada Lovelace" } });
 * const customer = await unwrap(asteri.GET("/api/public/v1/customers/{id}", { params: { path: { id } } }));
 * ```
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { retryingFetch, type RetryOptions } from "./retry.js";
import type { components, paths } from "./schema.js";

export { AsteriError, unwrap, type Data, type ErrorBody, type Result } from "./errors.js";
export { paginate, type ListInit, type ListItem, type ListPath } from "./paginate.js";
export { retryAfterMs, retryingFetch, type RetryInfo, type RetryOptions } from "./retry.js";
export type { components, operations, paths } from "./schema.js";

/** The API's schemas by name: `Schemas["Customer"]`. */
export type Schemas = components["schemas"];

/** The client `createAsteri` returns: openapi-fetch's, typed by the API's paths. */
export type AsteriClient = Client<paths>;

export interface AsteriOptions extends RetryOptions {
  /** An API key, `ast_live_...` or `ast_test_...`, sent as `x-api-key`. */
  apiKey: string;
  /** The organization every request acts on (`org_...`), sent as `x-organization-id`. */
  organizationId: string;
  /** Where the API is served (default `http://localhost:3000`); paths start at `/api/public/v1`. */
  baseUrl?: string;
  /** The transport under the retries (default `globalThis.fetch`). */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers added to every request. */
  headers?: Record<string, string>;
}

/**
 * A client of the Asteri API. Every request carries the key and the organization; a POST
 * carries an `Idempotency-Key` (a fresh UUID unless the caller set one), the same on each of
 * its retries; 429 answers (after `Retry-After`), 5xx answers and network errors are retried
 * as `retryingFetch` describes.
 */
export function createAsteri(options: AsteriOptions): AsteriClient {
  const { apiKey, organizationId, baseUrl = "http://localhost:3000", headers } = options;
  if (!apiKey) throw new TypeError("createAsteri: apiKey is required (an ast_live_... or ast_test_... key)");
  if (!organizationId) throw new TypeError("createAsteri: organizationId is required (org_...)");
  const transport = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const client = createClient<paths>({
    baseUrl,
    headers,
    fetch: retryingFetch(transport, options),
  });
  client.use(credentials(apiKey, organizationId), idempotencyKeys);
  return client;
}

function credentials(apiKey: string, organizationId: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set("x-api-key", apiKey);
      request.headers.set("x-organization-id", organizationId);
      return request;
    },
  };
}

/** One key per POST call, before the retries, so every try of it carries the same one. */
const idempotencyKeys: Middleware = {
  onRequest({ request }) {
    if (request.method === "POST" && !request.headers.has("idempotency-key")) {
      request.headers.set("idempotency-key", crypto.randomUUID());
    }
    return request;
  },
};
