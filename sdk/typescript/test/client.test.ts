// Unit tests of the client's middleware and retries, on a fake fetch: no server needed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AsteriError, createAsteri, paginate, retryAfterMs, unwrap, type AsteriOptions } from "../src/index.js";

type Answer = Response | Error | ((request: Request) => Response | Promise<Response>);

/** A fetch that answers from a script, one entry per attempt, and keeps what it was sent. */
function script(...answers: Answer[]) {
  const seen: { request: Request; body: string }[] = [];
  const fetch = async (request: Request) => {
    seen.push({ request, body: await request.text() });
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unexpected attempt ${seen.length}: ${request.method} ${request.url}`);
    if (answer instanceof Error) throw answer;
    return typeof answer === "function" ? answer(request) : answer;
  };
  return { fetch, seen };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function withHeaders(response: Response, headers: Record<string, string>) {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

const customer = {
  id: "cus_1", name: "Ada", company: "", emails: [], phones: [], addresses: [], tags: [], notes: "",
  created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
};
const failure = (code: string, status: number, extra: Record<string, unknown> = {}) =>
  json(status, { code, message: `${code} happened`, request_id: "req_abc", ...extra });

/** A client whose waits are recorded, not slept, with a fixed jitter. */
function client(fetch: AsteriOptions["fetch"], options: Partial<AsteriOptions> = {}) {
  const waits: number[] = [];
  const asteri = createAsteri({
    apiKey: "ast_test_key",
    organizationId: "org_1",
    baseUrl: "http://asteri.test",
    fetch,
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  return { asteri, waits };
}

const networkError = () => new TypeError("fetch failed", { cause: new Error("ECONNRESET") });

describe("requests", () => {
  it("carry the key and the organization, and a POST one Idempotency-Key", async () => {
    const { fetch, seen } = script(json(200, customer), json(201, customer));
    const { asteri } = client(fetch);
    await unwrap(asteri.GET("/api/public/v1/customers/{id}", { params: { path: { id: "cus_1" } } }));
    await unwrap(asteri.POST("/api/public/v1/customers", { body: { name: "Ada" } }));
    for (const { request } of seen) {
      assert.equal(request.headers.get("x-api-key"), "ast_test_key");
      assert.equal(request.headers.get("x-organization-id"), "org_1");
    }
    assert.equal(seen[0]!.request.url, "http://asteri.test/api/public/v1/customers/cus_1");
    assert.equal(seen[0]!.request.headers.get("idempotency-key"), null);
    assert.match(seen[1]!.request.headers.get("idempotency-key") ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(JSON.parse(seen[1]!.body), { name: "Ada" });
  });

  it("keep an Idempotency-Key the caller set", async () => {
    const { fetch, seen } = script(json(201, customer));
    const { asteri } = client(fetch);
    await unwrap(asteri.POST("/api/public/v1/customers", { params: { header: { "Idempotency-Key": "mine-1" } }, body: { name: "Ada" } }));
    assert.equal(seen[0]!.request.headers.get("idempotency-key"), "mine-1");
  });

  it("use a fresh Idempotency-Key for each POST call", async () => {
    const { fetch, seen } = script(json(201, customer), json(201, customer));
    const { asteri } = client(fetch);
    await asteri.POST("/api/public/v1/customers", { body: { name: "Ada" } });
    await asteri.POST("/api/public/v1/customers", { body: { name: "Ada" } });
    assert.notEqual(seen[0]!.request.headers.get("idempotency-key"), seen[1]!.request.headers.get("idempotency-key"));
  });

  it("refuse to start without a key or an organization", () => {
    assert.throws(() => createAsteri({ apiKey: "", organizationId: "org_1" }), /apiKey is required/);
    assert.throws(() => createAsteri({ apiKey: "ast_test_x", organizationId: "" }), /organizationId is required/);
    assert.throws(() => createAsteri({ apiKey: "ast_test_x", organizationId: "org_1", maxRetries: -1 }), /maxRetries/);
  });
});

describe("retries", () => {
  it("resend a POST after a 503 with the same Idempotency-Key and body", async () => {
    const { fetch, seen } = script(failure("unavailable", 503), json(201, customer));
    const { asteri, waits } = client(fetch);
    const { data, error } = await asteri.POST("/api/public/v1/customers", { body: { name: "Ada", emails: ["ada@example.com"] } });
    assert.equal(error, undefined);
    assert.equal(data?.id, "cus_1");
    assert.equal(seen.length, 2);
    const [first, second] = seen;
    assert.ok(first!.request.headers.get("idempotency-key"));
    assert.equal(second!.request.headers.get("idempotency-key"), first!.request.headers.get("idempotency-key"));
    assert.equal(second!.body, first!.body);
    assert.deepEqual(waits, [250]); // full jitter: 0.5 * min(8000, 500 * 2^0)
  });

  it("resend a POST after a network error, with the same key", async () => {
    const { fetch, seen } = script(networkError(), json(201, customer));
    const { asteri } = client(fetch);
    assert.equal((await unwrap(asteri.POST("/api/public/v1/customers", { body: { name: "Ada" } }))).id, "cus_1");
    assert.equal(seen[1]!.request.headers.get("idempotency-key"), seen[0]!.request.headers.get("idempotency-key"));
  });

  it("honour Retry-After on a 429, for any method", async () => {
    const limited = () => failure("rate_limited", 429, { window: "minute", limit: 2, reset_seconds: 7 });
    const { fetch, seen } = script(withHeaders(limited(), { "retry-after": "7" }), json(200, customer));
    const { asteri, waits } = client(fetch);
    const { data } = await asteri.PATCH("/api/public/v1/customers/{id}", { params: { path: { id: "cus_1" } }, body: { notes: "x" } });
    assert.equal(data?.id, "cus_1");
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!.body, seen[0]!.body);
    assert.deepEqual(waits, [7000]); // the answer's Retry-After, not the jitter
    // Without the header: the backoff.
    const bare = script(limited(), json(200, customer));
    const second = client(bare.fetch);
    await unwrap(second.asteri.GET("/api/public/v1/customers/{id}", { params: { path: { id: "cus_1" } } }));
    assert.deepEqual(second.waits, [250]);
  });

  it("give a 429 back at once when Retry-After is longer than maxRetryAfterMs", async () => {
    const { fetch, seen } = script(
      withHeaders(failure("rate_limited", 429, { window: "day", limit: 10, reset_seconds: 3600 }), { "retry-after": "3600" }),
    );
    const { asteri, waits } = client(fetch);
    await assert.rejects(unwrap(asteri.GET("/api/public/v1/customers")), (error: unknown) => {
      assert.ok(error instanceof AsteriError);
      assert.equal(error.status, 429);
      assert.equal(error.code, "rate_limited");
      assert.equal(error.retryAfter, 3600);
      assert.equal(error.requestId, "req_abc");
      return true;
    });
    assert.equal(seen.length, 1);
    assert.deepEqual(waits, []);
  });

  it("back off exponentially with full jitter, capped, then give the last answer", async () => {
    const { fetch, seen } = script(...Array.from({ length: 6 }, () => failure("internal", 500)));
    const { asteri, waits } = client(fetch, { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 5000, random: () => 0.999 });
    const { error, response } = await asteri.GET("/api/public/v1/customers");
    assert.equal(response.status, 500);
    assert.equal((error as { code: string }).code, "internal");
    assert.equal(seen.length, 6);
    assert.deepEqual(waits, [999, 1998, 3996, 4995, 4995]);
  });

  it("draw each wait from [0, ceiling)", async () => {
    const draws = [0, 0.25, 0.75];
    const { fetch } = script(networkError(), networkError(), networkError(), json(200, customer));
    const { asteri, waits } = client(fetch, { random: () => draws.shift()! });
    await unwrap(asteri.GET("/api/public/v1/customers/{id}", { params: { path: { id: "cus_1" } } }));
    assert.deepEqual(waits, [0, 250, 1500]);
  });

  it("throw the network error once the retries are spent", async () => {
    const { fetch, seen } = script(networkError(), networkError(), networkError(), networkError());
    const { asteri, waits } = client(fetch);
    await assert.rejects(asteri.DELETE("/api/public/v1/customers/{id}", { params: { path: { id: "cus_1" } } }), /fetch failed/);
    assert.equal(seen.length, 4);
    assert.equal(waits.length, 3);
  });

  it("do not resend a PATCH after a 5xx or a network error", async () => {
    const first = script(failure("unavailable", 503));
    const { asteri } = client(first.fetch);
    const { response } = await asteri.PATCH("/api/public/v1/customers/{id}", { params: { path: { id: "cus_1" } }, body: { name: "B" } });
    assert.equal(response.status, 503);
    assert.equal(first.seen.length, 1);
    const second = script(networkError());
    await assert.rejects(
      client(second.fetch).asteri.PATCH("/api/public/v1/customers/{id}", { params: { path: { id: "cus_1" } }, body: { name: "B" } }),
      /fetch failed/,
    );
    assert.equal(second.seen.length, 1);
  });

  it("do not resend a request the API refused for what it is", async () => {
    for (const [status, code] of [[400, "invalid_argument"], [401, "unauthenticated"], [404, "not_found"], [409, "conflict"], [422, "validation_failed"]] as const) {
      const { fetch, seen } = script(failure(code, status));
      const { asteri, waits } = client(fetch);
      const { error } = await asteri.POST("/api/public/v1/customers", { body: { name: "Ada" } });
      assert.equal((error as { code: string }).code, code);
      assert.equal(seen.length, 1, `${status} was retried`);
      assert.deepEqual(waits, []);
    }
  });

  it("resend a POST whose key is still running elsewhere (409 idempotency_key_in_use)", async () => {
    const { fetch, seen } = script(failure("idempotency_key_in_use", 409), json(201, customer));
    const { asteri } = client(fetch);
    assert.equal((await unwrap(asteri.POST("/api/public/v1/customers", { body: { name: "Ada" } }))).id, "cus_1");
    assert.equal(seen.length, 2);
  });

  it("make no retries with maxRetries 0", async () => {
    const { fetch, seen } = script(failure("unavailable", 503));
    const { asteri } = client(fetch, { maxRetries: 0 });
    assert.equal((await asteri.GET("/api/public/v1/customers")).response.status, 503);
    assert.equal(seen.length, 1);
  });

  it("stop when the caller aborts", async () => {
    const controller = new AbortController();
    const { fetch, seen } = script(() => {
      controller.abort();
      throw new DOMException("aborted", "AbortError");
    });
    const { asteri, waits } = client(fetch);
    await assert.rejects(asteri.GET("/api/public/v1/customers", { signal: controller.signal }), /aborted/);
    assert.equal(seen.length, 1);
    assert.deepEqual(waits, []);
  });

  it("sleep on a real timer by default, cut short by an abort", async () => {
    const controller = new AbortController();
    const { fetch } = script(failure("unavailable", 503), json(200, customer));
    const asteri = createAsteri({ apiKey: "k", organizationId: "o", baseUrl: "http://asteri.test", fetch, baseDelayMs: 60_000, random: () => 0.99 });
    const pending = asteri.GET("/api/public/v1/customers", { signal: controller.signal });
    setImmediate(() => controller.abort(new Error("caller gave up")));
    await assert.rejects(pending, /caller gave up/);
  });

  it("read Retry-After as seconds or as an HTTP date", () => {
    const at = (value: string) => retryAfterMs(new Response(null, { headers: { "retry-after": value } }), Date.parse("2026-01-01T00:00:00Z"));
    assert.equal(at("12"), 12_000);
    assert.equal(at("Thu, 01 Jan 2026 00:00:30 GMT"), 30_000);
    assert.equal(at("soon"), undefined);
  });
});

describe("types", () => {
  it("follow the document", async () => {
    const { fetch } = script(json(201, customer), json(200, customer));
    const { asteri } = client(fetch);
    const created = await unwrap(asteri.POST("/api/public/v1/customers", { body: { name: "Ada", tags: ["vip"] } }));
    const name: string = created.name;
    // @ts-expect-error a Customer has no such field
    created.nickname;
    // Checked by tsc, never called:
    const _wrong = () => [
      // @ts-expect-error name is required to create a customer
      asteri.POST("/api/public/v1/customers", { body: { company: "Acme" } }),
      // @ts-expect-error no such route
      asteri.GET("/api/public/v1/customer"),
      // @ts-expect-error the path parameter is required
      asteri.GET("/api/public/v1/customers/{id}"),
    ];
    const { data } = await asteri.GET("/api/public/v1/customers/{id}", { params: { path: { id: created.id } } });
    // @ts-expect-error data is undefined when the call failed
    data.name;
    assert.equal(name, "Ada");
  });
});

describe("errors", () => {
  it("carry the Error body's fields", async () => {
    const { fetch } = script(json(422, { code: "validation_failed", message: "the request has invalid fields", request_id: "req_1", errors: { name: ["is required"] } }));
    const { asteri } = client(fetch);
    const result = await asteri.POST("/api/public/v1/customers", { body: { name: "" } });
    assert.equal(result.error?.code, "validation_failed"); // the plain shape still works
    const error = new AsteriError(result.response, result.error);
    assert.equal(error.name, "AsteriError");
    assert.equal(error.status, 422);
    assert.deepEqual(error.errors, { name: ["is required"] });
    assert.equal(error.requestId, "req_1");
    assert.equal(error.message, "validation_failed: the request has invalid fields");
    assert.ok(error instanceof Error);
  });

  it("name the scope a route needs", async () => {
    const { fetch } = script(json(403, { code: "missing_scope", message: "the key lacks write:customers", request_id: "req_2", required_scope: "write:customers" }));
    const { asteri } = client(fetch);
    await assert.rejects(unwrap(asteri.POST("/api/public/v1/customers", { body: { name: "Ada" } })), { code: "missing_scope", requiredScope: "write:customers", status: 403 });
  });

  it("still make sense of an answer that is not an Error body", async () => {
    const { fetch } = script(new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway", headers: { "x-request-id": "req_3" } }));
    const { asteri } = client(fetch, { maxRetries: 0 });
    await assert.rejects(unwrap(asteri.GET("/api/public/v1/customers")), (error: unknown) => {
      assert.ok(error instanceof AsteriError);
      assert.equal(error.code, "http_502");
      assert.equal(error.requestId, "req_3");
      assert.deepEqual(error.errors, {});
      assert.match(error.message, /bad gateway/);
      return true;
    });
    const { fetch: empty } = script(new Response(null, { status: 404, statusText: "Not Found" }));
    await assert.rejects(unwrap(client(empty).asteri.DELETE("/api/public/v1/customers/{id}", { params: { path: { id: "x" } } })), { code: "http_404", status: 404 });
  });

  it("unwrap a 204 to undefined", async () => {
    const { fetch } = script(new Response(null, { status: 204 }));
    const { asteri } = client(fetch);
    const nothing: undefined = await unwrap(asteri.DELETE("/api/public/v1/customers/{id}", { params: { path: { id: "cus_1" } } }));
    assert.equal(nothing, undefined);
  });
});

describe("paginate", () => {
  const page = (ids: string[], next: string | null) => json(200, { data: ids.map((id) => ({ ...customer, id })), has_more: next !== null, next_cursor: next });

  it("walks every page with the previous page's cursor and the caller's filters", async () => {
    const { fetch, seen } = script(page(["a", "b"], "c1"), page(["c", "d"], "c2"), page(["e"], null));
    const { asteri } = client(fetch);
    const ids: string[] = [];
    for await (const item of paginate(asteri, "/api/public/v1/customers", { params: { query: { limit: 2, updated_since: "2026-01-01T00:00:00Z" } } })) {
      ids.push(item.id);
    }
    assert.deepEqual(ids, ["a", "b", "c", "d", "e"]);
    const queries = seen.map(({ request }) => Object.fromEntries(new URL(request.url).searchParams));
    assert.deepEqual(queries, [
      { limit: "2", updated_since: "2026-01-01T00:00:00Z" },
      { limit: "2", updated_since: "2026-01-01T00:00:00Z", cursor: "c1" },
      { limit: "2", updated_since: "2026-01-01T00:00:00Z", cursor: "c2" },
    ]);
  });

  it("fills in path parameters", async () => {
    const { fetch, seen } = script(json(200, { data: [], has_more: false, next_cursor: null }));
    const { asteri } = client(fetch);
    for await (const _ of paginate(asteri, "/api/public/v1/customers/{id}/activity", { params: { path: { id: "cus_9" } } })) {
      assert.fail("no items expected");
    }
    assert.equal(new URL(seen[0]!.request.url).pathname, "/api/public/v1/customers/cus_9/activity");
  });

  it("throws AsteriError when a page fails", async () => {
    const { fetch } = script(page(["a"], "c1"), failure("invalid_argument", 400, { errors: { cursor: ["is not a cursor"] } }));
    const { asteri } = client(fetch);
    const ids: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of paginate(asteri, "/api/public/v1/customers")) ids.push(item.id);
      })(),
      { name: "AsteriError", code: "invalid_argument", errors: { cursor: ["is not a cursor"] } },
    );
    assert.deepEqual(ids, ["a"]);
  });

  it("stops on a cursor that does not move", async () => {
    const { fetch } = script(page(["a"], "c1"), page(["b"], "c1"));
    const { asteri } = client(fetch);
    await assert.rejects(
      (async () => {
        for await (const _ of paginate(asteri, "/api/public/v1/customers")) {
          // drain
        }
      })(),
      /same next_cursor twice/,
    );
  });
});
