import type { Client } from "openapi-fetch";
import { AsteriError } from "./errors.js";
import type { paths } from "./schema.js";

type Json<R> = R extends { content: { "application/json": infer B } } ? B : never;
type ListBody<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? Json<R> : never;

/** Every path whose GET answers a page: `{ data: [...], has_more, next_cursor }`. */
export type ListPath = {
  [P in keyof paths]: ListBody<P> extends { data: unknown[]; has_more: boolean; next_cursor: string | null } ? P : never;
}[keyof paths];

/** One item of a list path's pages. */
export type ListItem<P extends ListPath> = ListBody<P> extends { data: (infer I)[] } ? I : never;

type ListParameters<P extends ListPath> = paths[P]["get"] extends { parameters: infer Q } ? Q : never;
/** The options of the first page's GET: path parameters and filters (`cursor` is the pager's). */
export type ListInit<P extends ListPath> = { params?: Omit<ListParameters<P>, "query"> & { query?: Omit<NonNullable<ListParameters<P> extends { query?: infer Q } ? Q : never>, "cursor"> } } & Omit<RequestInit, "body" | "headers"> & { headers?: Record<string, string> };

type PathsNeedingParams = {
  [P in ListPath]: ListParameters<P> extends { path: object } ? P : never;
}[ListPath];

type Page = { data: unknown[]; has_more: boolean; next_cursor: string | null };
type AnyGet = (path: string, init: Record<string, unknown>) => Promise<{ data?: Page; error?: unknown; response: Response }>;

/**
 * Every item of every page of a list, in order: the next page is asked for with the previous
 * page's `next_cursor` while `has_more`. An error answer throws `AsteriError`.
 *
 * ```ts
 * for await (const customer of paginate(asteri, "/api/public/v1/customers", { params: { query: { limit: 100 } } })) { ... }
 * ```
 */
export function paginate<P extends Exclude<ListPath, PathsNeedingParams>>(
  client: Client<paths>,
  path: P,
  init?: ListInit<P>,
): AsyncGenerator<ListItem<P>, void, undefined>;
export function paginate<P extends PathsNeedingParams>(
  client: Client<paths>,
  path: P,
  init: ListInit<P> & { params: { path: ListParameters<P> extends { path: infer T } ? T : never } },
): AsyncGenerator<ListItem<P>, void, undefined>;
export async function* paginate(
  client: Client<paths>,
  path: string,
  init: { params?: { query?: Record<string, unknown> } & Record<string, unknown> } & Record<string, unknown> = {},
): AsyncGenerator<unknown, void, undefined> {
  const get = client.GET as unknown as AnyGet;
  let cursor: string | undefined;
  for (;;) {
    const query = cursor === undefined ? init.params?.query : { ...init.params?.query, cursor };
    const { data, error, response } = await get(path, { ...init, params: { ...init.params, query } });
    if (!response.ok || data === undefined) throw new AsteriError(response, error);
    yield* data.data;
    if (!data.has_more || !data.next_cursor) return;
    if (data.next_cursor === cursor) {
      throw new Error(`paginate: ${path} answered the same next_cursor twice (${cursor}); stopping`);
    }
    cursor = data.next_cursor;
  }
}
