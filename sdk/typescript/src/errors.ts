import type { components } from "./schema.js";

/** The API's error body (schema `Error` of the OpenAPI document). */
export type ErrorBody = components["schemas"]["Error"];

/**
 * An error answer of the API, built from its `Error` body. `code` is stable (`not_found`,
 * `validation_failed`, `rate_limited`, ...); `errors` maps each field to its messages (400 and
 * 422); `requestId` is the `x-request-id` to quote when asking for help.
 */
export class AsteriError extends Error {
  override readonly name = "AsteriError";
  /** The HTTP status. */
  readonly status: number;
  /** The stable error code; `http_<status>` when the answer carried no `Error` body. */
  readonly code: string;
  /** Field problems: the field's name or path, and what is wrong with it. Empty when none. */
  readonly errors: Record<string, string[]>;
  /** The request's id (`req_...`), from the body or else the `x-request-id` header. */
  readonly requestId: string | undefined;
  /** With `missing_scope`: the scope the route needs. */
  readonly requiredScope: string | undefined;
  /** With `rate_limited`: seconds until a request fits again (`Retry-After`). */
  readonly retryAfter: number | undefined;
  /** The body as it came: the `Error` object, or the text of an answer that was not one. */
  readonly body: unknown;
  /** The HTTP response (its body already read). */
  readonly response: Response;

  constructor(response: Response, body: unknown) {
    const error = isErrorBody(body) ? body : undefined;
    const code = error?.code ?? `http_${response.status}`;
    const text = error?.message ?? (typeof body === "string" && body.length > 0 ? body.slice(0, 200) : response.statusText);
    super(`${code}: ${text || `HTTP ${response.status}`}`);
    this.status = response.status;
    this.code = code;
    this.errors = error?.errors ?? {};
    this.requestId = error?.request_id ?? response.headers.get("x-request-id") ?? undefined;
    this.requiredScope = error?.required_scope;
    this.retryAfter = error?.reset_seconds ?? retryAfterSeconds(response);
    this.body = body;
    this.response = response;
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === "object" && body !== null && typeof (body as { code?: unknown }).code === "string";
}

function retryAfterSeconds(response: Response): number | undefined {
  const value = Number(response.headers.get("retry-after") ?? Number.NaN);
  return Number.isFinite(value) ? value : undefined;
}

/** What every openapi-fetch call resolves to. */
export type Result<T = unknown> =
  | { data: T; error?: never; response: Response }
  | { data?: never; error: unknown; response: Response };

/** The data of a call's success; `undefined` for operations that answer without a body (204). */
export type Data<R> = [SuccessData<R>] extends [never] ? undefined : SuccessData<R>;
type SuccessData<R> = R extends { data: infer D; response: Response } ? D : never;

/**
 * The data of a call, or an `AsteriError` thrown:
 * `const customer = await unwrap(asteri.GET("/api/public/v1/customers/{id}", { params: { path: { id } } }))`.
 */
export async function unwrap<R extends Result>(result: R | Promise<R>): Promise<Data<R>> {
  const { data, error, response } = await result;
  if (!response.ok) throw new AsteriError(response, error);
  return data as Data<R>;
}
