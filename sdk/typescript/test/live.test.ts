// Against a running server (`asteri dev`): ASTERI_URL, ASTERI_API_KEY (a key with the
// customers scopes and room for a few hundred requests) and ASTERI_ORGANIZATION_ID. With
// ASTERI_LIMITED_API_KEY (a key of the same organization with read:customers and
// --per-minute 2) the rate-limit test runs against the server too. This file starts nothing.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import { AsteriError, createAsteri, paginate, unwrap, type AsteriOptions, type Schemas } from "../src/index.js";

const env = {
  url: process.env.ASTERI_URL,
  apiKey: process.env.ASTERI_API_KEY,
  organizationId: process.env.ASTERI_ORGANIZATION_ID,
  limitedKey: process.env.ASTERI_LIMITED_API_KEY,
};

function live(options: Partial<AsteriOptions> = {}) {
  return createAsteri({ baseUrl: env.url!, apiKey: env.apiKey!, organizationId: env.organizationId!, ...options });
}

/** A name no other run has used, to find this run's customers. */
const run = `sdk-${randomUUID().slice(0, 8)}`;

before(() => {
  const missing = Object.entries({ ASTERI_URL: env.url, ASTERI_API_KEY: env.apiKey, ASTERI_ORGANIZATION_ID: env.organizationId })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(`the live tests need a running server: set ${missing.join(", ")} (asteri dev prints the org id and a test key)`);
  }
});

describe("customers through the typed client", () => {
  it("creates, gets, updates and lists a customer", async () => {
    const asteri = live();
    const { data: created, error, response } = await asteri.POST("/api/public/v1/customers", {
      body: { name: `${run} Ada Lovelace`, emails: ["ada@example.com"], tags: ["sdk"] },
    });
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(response.status, 201);
    assert.ok(created);
    assert.match(created.id, /^cus_/);
    assert.deepEqual(created.emails, ["ada@example.com"]);

    const fetched = await unwrap(asteri.GET("/api/public/v1/customers/{id}", { params: { path: { id: created.id } } }));
    assert.equal(fetched.name, `${run} Ada Lovelace`);

    const updated = await unwrap(
      asteri.PATCH("/api/public/v1/customers/{id}", { params: { path: { id: created.id } }, body: { company: "Analytical Engines", notes: "first programmer" } }),
    );
    assert.equal(updated.company, "Analytical Engines");
    assert.equal(updated.name, `${run} Ada Lovelace`, "a PATCH leaves the fields it does not name");

    const page = await unwrap(asteri.GET("/api/public/v1/customers", { params: { query: { limit: 100, updated_since: created.created_at! } } }));
    const listed = page.data.find((customer: Schemas["Customer"]) => customer.id === created.id);
    assert.equal(listed?.notes, "first programmer");
    assert.equal(typeof page.has_more, "boolean");

    const removed = await unwrap(asteri.DELETE("/api/public/v1/customers/{id}", { params: { path: { id: created.id } } }));
    assert.equal(removed, undefined);
    const { error: gone, response: goneResponse } = await asteri.GET("/api/public/v1/customers/{id}", { params: { path: { id: created.id } } });
    assert.equal(goneResponse.status, 404);
    assert.equal(gone?.code, "not_found");
  });

  it("surfaces a validation error as AsteriError", async () => {
    const asteri = live();
    await assert.rejects(unwrap(asteri.POST("/api/public/v1/customers", { body: { name: "" } })), (error: unknown) => {
      assert.ok(error instanceof AsteriError, `not an AsteriError: ${error}`);
      assert.equal(error.status, 422);
      assert.equal(error.code, "validation_failed");
      assert.ok(error.errors.name && error.errors.name.length > 0, `errors: ${JSON.stringify(error.errors)}`);
      assert.match(error.requestId ?? "", /^req_/);
      assert.equal(error.requestId, error.response.headers.get("x-request-id"));
      return true;
    });
  });

  it("names the missing scope", async (t) => {
    if (!env.limitedKey) return t.skip("set ASTERI_LIMITED_API_KEY (a key with read:customers only) to run it");
    const asteri = live({ apiKey: env.limitedKey, maxRetries: 0 });
    const { error, response } = await asteri.POST("/api/public/v1/customers", { body: { name: `${run} no scope` } });
    if (response.status === 429) return t.skip("the limited key's two requests a minute are spent; run again in a minute");
    const thrown = new AsteriError(response, error);
    assert.equal(thrown.code, "missing_scope");
    assert.equal(thrown.requiredScope, "write:customers");
  });
});

describe("paginate", () => {
  it("walks every item of every page", async () => {
    const asteri = live();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await unwrap(asteri.POST("/api/public/v1/customers", { body: { name: `${run} page ${i}` } }))).id);
    }
    const first = await unwrap(asteri.GET("/api/public/v1/customers/{id}", { params: { path: { id: ids[0]! } } }));

    let pages = 0;
    const counting = live({
      fetch: (request) => {
        if (request.method === "GET") pages++;
        return fetch(request);
      },
    });
    const seen: string[] = [];
    for await (const customer of paginate(counting, "/api/public/v1/customers", { params: { query: { limit: 3, updated_since: first.created_at! } } })) {
      seen.push(customer.id);
    }
    assert.equal(new Set(seen).size, seen.length, "an item came twice");
    const ours = seen.filter((id) => ids.includes(id));
    assert.deepEqual(ours.sort(), [...ids].sort(), "an item is missing");
    assert.ok(pages >= 3, `7 items at 3 a page took ${pages} pages`);
  });
});

describe("idempotency", () => {
  it("sends a retried POST with the same Idempotency-Key and creates one customer", async () => {
    const keys: string[] = [];
    const firstIds: string[] = [];
    let attempts = 0;
    // The first attempt reaches the server, which creates the customer; its answer is lost.
    const flaky = async (request: Request) => {
      attempts++;
      keys.push(request.headers.get("idempotency-key") ?? "");
      const response = await fetch(request);
      if (attempts === 1) {
        firstIds.push(((await response.json()) as { id: string }).id);
        throw new TypeError("fetch failed", { cause: new Error("connection reset after the request was sent") });
      }
      return response;
    };
    const waits: number[] = [];
    const asteri = live({ fetch: flaky, sleep: async (ms) => void waits.push(ms) });
    const { data, error, response } = await asteri.POST("/api/public/v1/customers", { body: { name: `${run} once` } });
    assert.equal(error, undefined, JSON.stringify(error));
    assert.equal(attempts, 2);
    assert.equal(waits.length, 1);
    assert.match(keys[0]!, /^[0-9a-f-]{36}$/);
    assert.equal(keys[1], keys[0], "the retry carried another Idempotency-Key");
    assert.equal(response.headers.get("idempotent-replayed"), "true");
    assert.equal(data?.id, firstIds[0], "the retry created a second customer");

    const page = await unwrap(live().GET("/api/public/v1/customers", { params: { query: { limit: 100, updated_since: data!.created_at! } } }));
    assert.equal(page.data.filter((customer) => customer.name === `${run} once`).length, 1);
  });

  it("keeps the caller's Idempotency-Key across calls", async () => {
    const asteri = live();
    const key = randomUUID();
    const call = () => asteri.POST("/api/public/v1/customers", { params: { header: { "Idempotency-Key": key } }, body: { name: `${run} keyed` } });
    const first = await call();
    const second = await call();
    assert.equal(second.data?.id, first.data?.id);
    assert.equal(second.response.headers.get("idempotent-replayed"), "true");
  });
});

describe("rate limits", () => {
  it("waits Retry-After on a 429, then gives the 429 back as AsteriError", async (t) => {
    if (!env.limitedKey) return t.skip("set ASTERI_LIMITED_API_KEY (a key with read:customers and --per-minute 2) to run it");
    const retries: { delayMs: number; retryAfter: string | null }[] = [];
    const waits: number[] = [];
    const asteri = live({
      apiKey: env.limitedKey,
      maxRetries: 1,
      sleep: async (ms) => void waits.push(ms), // recorded, not slept: the budget stays spent
      onRetry: ({ delayMs, response }) => retries.push({ delayMs, retryAfter: response?.headers.get("retry-after") ?? null }),
    });
    let error: unknown;
    for (let i = 0; i < 3 && error === undefined; i++) {
      error = await unwrap(asteri.GET("/api/public/v1/customers", { params: { query: { limit: 1 } } })).then(() => undefined, (e: unknown) => e);
    }
    assert.ok(error instanceof AsteriError, `no 429 within 3 calls of a 2-a-minute key: ${error}`);
    assert.equal(error.status, 429);
    assert.equal(error.code, "rate_limited");
    assert.ok((error.retryAfter ?? 0) > 0);
    assert.match(error.requestId ?? "", /^req_/);
    assert.ok(retries.length >= 1);
    const retry = retries.at(-1)!;
    assert.ok(Number(retry.retryAfter) > 0);
    assert.equal(retry.delayMs, Number(retry.retryAfter) * 1000, "the wait is the server's Retry-After");
    assert.deepEqual(waits, retries.map((r) => r.delayMs));
  });
});
