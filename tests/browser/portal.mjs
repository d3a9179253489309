// The developer portal in a real browser (Debian's chromium through playwright-core),
// against a running server: `ASTERI_PORTAL_URL=http://127.0.0.1:3000 node portal.mjs`.
//
// Checks that every page loads without a console error or a failed request (the pages'
// Content-Security-Policy included), that the search box finds an endpoint and its link
// opens it in the reference, that the reference shows every tag of the OpenAPI document,
// and that search works without JavaScript. Screenshots go to ASTERI_SCREENS_DIR
// (default /work/screens) as portal-*.png.

import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = (process.env.ASTERI_PORTAL_URL ?? "http://127.0.0.1:3000").replace(/\/$/, "");
const screens = process.env.ASTERI_SCREENS_DIR ?? "/work/screens";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
mkdirSync(screens, { recursive: true });

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok - ${name}`);
  } catch (err) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(err?.stack ?? err).split("\n").join("\n  ")}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// The document the reference renders: its operations and tags decide what to look for.
const doc = await (await fetch(`${base}/docs/openapi.json`)).json();
const METHODS = ["get", "post", "put", "patch", "delete", "options", "head", "trace"];
const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] })),
);
const tags = [...new Set(operations.flatMap(({ op }) => op.tags ?? []))];
const serverPath = (() => {
  const url = doc.servers?.[0]?.url ?? "";
  const path = url.includes("://") ? url.replace(/^[a-z]+:\/\/[^/]*/, "") : url;
  return path.replace(/\/$/, "");
})();
const fullPath = (path) => (serverPath && !path.startsWith(serverPath) ? serverPath + path : path);

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });

// Every page of the context reports its console errors, uncaught exceptions and failed
// requests here.
const problems = [];
context.on("page", (page) => watch(page));
function watch(page) {
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`${page.url()}: console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`${page.url()}: uncaught: ${err.message}`));
  page.on("requestfailed", (req) =>
    problems.push(`${page.url()}: request failed: ${req.url()} ${req.failure()?.errorText}`),
  );
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`${page.url()}: ${res.status()} for ${res.url()}`);
  });
}
function noProblems(what) {
  const found = problems.splice(0);
  assert(found.length === 0, `${what}:\n    ${found.join("\n    ")}`);
}

const page = await context.newPage();

await check("the pages load without console errors or failed requests", async () => {
  for (const [path, shot] of [
    ["/docs", "home"],
    ["/docs/guides/getting-started", "guide-getting-started"],
    ["/docs/guides/errors", "guide-errors"],
    ["/docs/guides/webhooks", "guide-webhooks"],
    ["/docs/guides/authentication", null],
    ["/docs/guides/rate-limits", null],
    ["/docs/guides/pagination", null],
    ["/docs/guides/idempotency", null],
    ["/docs/changelog", "changelog"],
  ]) {
    const response = await page.goto(base + path, { waitUntil: "load" });
    assert(response.status() === 200, `${path}: ${response.status()}`);
    assert((await page.getByRole("main").count()) === 1, `${path}: one main landmark`);
    assert((await page.getByRole("heading", { level: 1 }).count()) >= 1, `${path}: an h1`);
    assert(await page.getByRole("navigation", { name: "Main" }).isVisible(), `${path}: main nav`);
    if (shot) await page.screenshot({ path: `${screens}/portal-${shot}.png`, fullPage: false });
  }
  noProblems("page problems");
});

await check("the search box finds an endpoint and its link opens the reference", async () => {
  assert(operations.length > 0, "the OpenAPI document has no operations: is the generator wired into the gateway?");
  const refund = operations.find(({ op }) => op.operationId === "RefundPayment");
  const target = refund ?? operations.find(({ op }) => op.operationId) ?? operations[0];
  const query = refund ? "refund payment" : target.op.operationId;
  const title = `${target.method.toUpperCase()} ${fullPath(target.path)}`;
  await page.goto(`${base}/docs`);
  const box = page.getByRole("searchbox", { name: "Search the docs" });
  await box.fill(query);
  const results = page.getByRole("region", { name: "Search results as you type" });
  const link = results.getByRole("link", { name: title, exact: true });
  await link.first().waitFor({ state: "visible", timeout: 10_000 });
  if (refund) {
    const first = results.getByRole("link").first();
    assert((await first.textContent()) === title, `"${query}" ranks ${title} first`);
  }
  await page.screenshot({ path: `${screens}/portal-search.png` });
  await link.first().click();
  await page.waitForURL((url) => url.pathname === "/docs/reference");
  const id = target.op.operationId;
  if (id) {
    const section = page.locator(`[id="operation/${id}"], [id$="/operation/${id}"]`).first();
    await section.waitFor({ state: "visible", timeout: 20_000 });
  }
  await page.screenshot({ path: `${screens}/portal-reference-operation.png` });
  noProblems("problems while searching and opening the reference");
});

await check("the reference shows every tag of the OpenAPI document", async () => {
  await page.goto(`${base}/docs/reference`, { waitUntil: "load" });
  // Redoc replaces the server-rendered outline with its three panels.
  await page.locator(".menu-content").first().waitFor({ state: "visible", timeout: 20_000 });
  // A tag's heading is named "tag/ID NAME" (Redoc's share link has an aria-label; the id
  // replaces spaces with dashes).
  const quote = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  for (const tag of tags) {
    const name = new RegExp(`^(tag/\\S+ )?${quote(tag)}$`);
    const heading = page.getByRole("heading", { name });
    assert((await heading.count()) >= 1, `the reference has no heading for the tag ${tag}`);
  }
  const samples = operations.filter(({ op }) => op["x-codeSamples"]).length;
  assert(samples === operations.length, `${operations.length - samples} operations have no x-codeSamples`);
  await page.screenshot({ path: `${screens}/portal-reference.png` });
  noProblems("reference problems");
});

await check("a resource's search hit opens its schema in the reference", async () => {
  const schemas = Object.keys(doc.components?.schemas ?? {});
  if (schemas.length === 0) throw new Error("the OpenAPI document has no components.schemas");
  const name = schemas.includes("Payment") ? "Payment" : schemas[0];
  const body = await (await fetch(`${base}/api/public/v1/search?q=${encodeURIComponent(name)}&limit=5`)).json();
  const hit = body.data.find((h) => h.kind === "resource" && h.title === name);
  assert(hit, `searching "${name}" finds the resource ${name}`);
  await page.goto(base + hit.url);
  const section = page.locator(`[id="${hit.url.split("#")[1]}"]`).first();
  await section.waitFor({ state: "attached", timeout: 20_000 });
  // Redoc scrolls to the anchor once it has rendered: poll until the section is on screen.
  const deadline = Date.now() + 10_000;
  let top = Infinity;
  while (Date.now() < deadline) {
    top = await section.evaluate((e) => e.getBoundingClientRect().top);
    if (top >= -5 && top < 400) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert(top >= -5 && top < 400, `the schema ${name} is not scrolled into view (top ${top})`);
  await page.screenshot({ path: `${screens}/portal-reference-schema.png` });
  noProblems("problems opening a schema");
});

await check("search works without JavaScript", async () => {
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noJs = await plain.newPage();
  watch(noJs);
  await noJs.goto(`${base}/docs`);
  await noJs.getByRole("searchbox", { name: "Search the docs" }).fill("rate_limited");
  await noJs.getByRole("button", { name: "Search" }).click();
  await noJs.waitForURL((url) => url.pathname === "/docs/search");
  const link = noJs.getByRole("link", { name: "rate_limited (429)" });
  assert((await link.count()) === 1, "the results page links to rate_limited");
  await noJs.screenshot({ path: `${screens}/portal-search-page.png` });
  await plain.close();
  noProblems("problems without JavaScript");
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
