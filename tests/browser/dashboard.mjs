// The security center (/dashboard) in a real browser (Debian's chromium through
// playwright-core), against a running `asteri dev`:
//
//   ASTERI_URL=http://127.0.0.1:3000 ASTERI_ORGANIZATION_ID=org_... \
//   ASTERI_DEV_EMAIL=dev@asteri.local ASTERI_DEV_PASSWORD=... \
//   ASTERI_VIEWER_EMAIL=... ASTERI_VIEWER_PASSWORD=... node dashboard.mjs
//
// Everything is found by its accessible name (labels, button and link names), as a screen
// reader user would find it. Covers: sign-in by keyboard (and a wrong password refused), a
// key created with one scope and its secret shown once, the API answering 200 on that scope
// and 403 on another, the call found in the request history with its body, the key revoked
// in the browser and refused by the API, a viewer refused even when posting the form
// directly, forms without the CSRF token or from another origin refused, a webhook endpoint
// created and tested, and no console error on any page. Screenshots go to
// ASTERI_SCREENS_DIR (default /work/screens) as dashboard-*.png.

import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};
const base = env("ASTERI_URL").replace(/\/$/, "");
const org = env("ASTERI_ORGANIZATION_ID");
const dev = { email: env("ASTERI_DEV_EMAIL"), password: env("ASTERI_DEV_PASSWORD") };
const viewer = { email: env("ASTERI_VIEWER_EMAIL"), password: env("ASTERI_VIEWER_PASSWORD") };
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
async function until(what, probe, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const api = (path, key, init = {}) =>
  fetch(`${base}/api/public/v1${path}`, {
    ...init,
    headers: { "x-api-key": key, "x-organization-id": org, "content-type": "application/json", ...(init.headers ?? {}) },
  });

// A webhook receiver that answers every delivery 200.
const received = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    received.push(body);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("thanks");
  });
});
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks/asteri`;

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
const problems = [];
// While a step makes the server refuse a page on purpose (a wrong password answers 401),
// the browser's report of that status is expected; nothing else is.
let expectedStatus = null;
function watch(context) {
  context.on("page", (page) => {
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      if (expectedStatus && msg.text().includes(`status of ${expectedStatus}`)) return;
      problems.push(`${page.url()}: console error: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`${page.url()}: uncaught: ${err.message}`));
  });
}
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  watch(context);
  return context.newPage();
}
const shot = (page, name) => page.screenshot({ path: `${screens}/dashboard-${name}.png`, fullPage: true });

async function signIn(page, who) {
  await page.goto(`${base}/dashboard`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Security settings" }).waitFor();
}

// A form posted from the page's own session with the browser's cookies (as a script or a
// crafted request would), with the given fields and Origin.
async function post(page, path, fields, origin = base) {
  return page.request.post(`${base}${path}`, {
    form: fields,
    headers: { origin },
    maxRedirects: 0,
  });
}
const csrfOf = (page) => page.locator('input[name="csrf_token"]').first().inputValue();

const page = await newPage();
let secret = "";
let keyName = `browser-${Date.now()}`;

await check("the dashboard asks to sign in, refuses a wrong password, and signs in by keyboard", async () => {
  await page.goto(`${base}/dashboard`);
  await page.getByRole("heading", { name: "Sign in to Asteri" }).waitFor();
  await shot(page, "sign-in");
  await page.getByLabel("Email").fill(dev.email);
  await page.getByLabel("Password").fill(`${dev.password}-wrong`);
  expectedStatus = 401;
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText("The email or password is not correct.").waitFor();
  expectedStatus = null;
  // By keyboard: the email keeps its value; Tab to the password, Enter submits.
  await page.getByLabel("Email").focus();
  await page.keyboard.press("Tab");
  await page.keyboard.type(dev.password);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Security settings" }).waitFor();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "asteri_session");
  assert(session?.httpOnly, "the session cookie is HttpOnly");
  assert(session?.sameSite === "Lax", `the session cookie is SameSite=Lax, not ${session?.sameSite}`);
});

await check("a key with one scope is created and its secret shown once", async () => {
  await page.getByLabel("Name", { exact: true }).fill(keyName);
  await page.getByRole("checkbox", { name: "read:customers", exact: true }).check();
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByRole("heading", { name: "Your new API key" }).waitFor();
  secret = await page.getByLabel(`Secret of “${keyName}”`).inputValue();
  assert(/^ast_test_/.test(secret), `a test key's secret, got ${secret.slice(0, 12)}`);
  await page.getByRole("button", { name: "Copy" }).click();
  await page.getByRole("status").filter({ hasText: /Copied|Selected/ }).waitFor();
  await shot(page, "key-secret");
  await page.getByRole("link", { name: /back to Security settings/ }).click();
  await page.getByRole("heading", { name: "Security settings" }).waitFor();
  const html = await page.content();
  assert(!html.includes(secret), "the list never shows the secret again");
  await page.getByRole("row", { name: new RegExp(keyName) }).getByText("active").waitFor();
  await shot(page, "security");
});

await check("the API answers the key 200 on its scope and 403 on another", async () => {
  const read = await api("/customers?limit=1", secret);
  assert(read.status === 200, `GET /customers: ${read.status}`);
  const write = await api("/customers", secret, {
    method: "POST",
    body: JSON.stringify({ name: "Dashboard Browser Customer" }),
  });
  assert(write.status === 403, `POST /customers without write:customers: ${write.status}`);
});

await check("the calls are in the request history, the answered one with its body", async () => {
  await page.getByRole("link", { name: "API dashboard" }).click();
  await page.getByRole("heading", { name: "API dashboard" }).waitFor();
  const keyId = await page.getByLabel("Key", { exact: true }).locator("option", { hasText: keyName }).getAttribute("value");
  await page.getByLabel("Key", { exact: true }).selectOption(keyId);
  await page.getByLabel("Path starts with").fill("/api/public/v1/customers");
  const refused = page.getByRole("link", { name: /POST \/api\/public\/v1\/customers, 403/ });
  const answered = page.getByRole("link", { name: /GET \/api\/public\/v1\/customers\?limit=1, 200/ });
  await until("both calls in the history", async () => {
    await page.getByRole("button", { name: "Filter requests" }).click();
    await page.waitForLoadState();
    return (await refused.count()) > 0 && (await answered.count()) > 0;
  });
  await shot(page, "request-history");
  await answered.first().click();
  await page.getByLabel("Response body").getByText(/"has_more"/).waitFor();
  await page.getByText("IP address").waitFor();
  const creator = await page.locator("dt", { hasText: "Key created by" }).locator("xpath=following-sibling::dd[1]").innerText();
  assert(creator.includes(dev.email) && /usr_\w+/.test(creator), `the key's creator: ${creator}`);
  await shot(page, "request");
});

await check("revoking the key in the browser makes the API refuse it", async () => {
  await page.getByRole("link", { name: "Security" }).click();
  await page.getByRole("link", { name: `Revoke ${keyName}` }).click();
  await page.getByRole("heading", { name: `Revoke “${keyName}”?` }).waitFor();
  await page.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("row", { name: new RegExp(keyName) }).getByText("revoked").waitFor();
  await until("the API refusing the revoked key", async () => (await api("/customers?limit=1", secret)).status === 401);
});

await check("a form without its CSRF token, or from another origin, is refused", async () => {
  const fields = { name: "csrf-probe", scopes: "read:customers", environment: "test" };
  const without = await post(page, "/dashboard/settings/security/keys", fields);
  assert(without.status() === 403, `without the token: ${without.status()}`);
  const token = await csrfOf(page);
  const foreign = await post(page, "/dashboard/settings/security/keys", { ...fields, csrf_token: token }, "http://evil.example");
  assert(foreign.status() === 403, `from another origin: ${foreign.status()}`);
  await page.reload();
  assert(!(await page.content()).includes("csrf-probe"), "no key was made");
});

await check("a webhook endpoint is added, tested, and its attempt shown", async () => {
  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.getByLabel("Endpoint URL").fill(hookUrl);
  await page.getByLabel("Description").fill("Browser test receiver");
  await page.getByLabel("Event types").fill("customer.created");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByRole("heading", { name: "Your endpoint's signing secret" }).waitFor();
  const whsec = await page.getByLabel(/Signing secret of/).inputValue();
  assert(whsec.startsWith("whsec_"), "a Standard Webhooks secret");
  await page.getByRole("link", { name: /back to the endpoint/ }).click();
  await page.getByRole("button", { name: "Send test event" }).click();
  await page.getByText(/Test event evt_\w+ sent\./).waitFor();
  await until("the test delivery", async () => {
    await page.reload();
    return (await page.getByRole("cell", { name: "200" }).count()) > 0;
  });
  assert(received.some((b) => b.includes("webhook.test")), "the receiver got the test event");
  await shot(page, "endpoint");
  await page.getByRole("link", { name: "← Webhooks" }).click();
  await shot(page, "webhooks");
});

await check("the audit log names the user; usage and integrations render", async () => {
  await page.getByRole("link", { name: "API dashboard" }).click();
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.getByRole("cell", { name: new RegExp(`user usr_\\w+\\s+${dev.email.replace(/[.]/g, "\\.")}`) }).first().waitFor();
  await shot(page, "audit");
  await page.getByRole("link", { name: "Usage" }).click();
  await page.getByRole("img", { name: new RegExp(`${keyName} over the last day, per hour: \\d+ requests`) }).waitFor();
  await shot(page, "usage");
  await page.getByRole("link", { name: "Integrations" }).click();
  await page.getByRole("link", { name: hookUrl }).waitFor();
  await shot(page, "integrations");
});

await check("a viewer sees no create form and is refused when posting it directly", async () => {
  const vpage = await newPage();
  await signIn(vpage, viewer);
  assert((await vpage.getByRole("button", { name: "Create key" }).count()) === 0, "no Create key button");
  const token = await csrfOf(vpage);
  const response = await post(vpage, "/dashboard/settings/security/keys", {
    csrf_token: token,
    name: "viewer-key",
    scopes: "read:customers",
    environment: "test",
  });
  assert(response.status() === 403, `a viewer's post: ${response.status()}`);
  await vpage.goto(`${base}/dashboard/settings/security`);
  assert(!(await vpage.content()).includes("viewer-key"), "no key was made");
  await shot(vpage, "viewer");
  await vpage.context().close();
});

await check("signing out ends the session", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to Asteri" }).waitFor();
  await page.goto(`${base}/dashboard/api`);
  await page.getByRole("heading", { name: "Sign in to Asteri" }).waitFor();
});

await check("no page logged a console error", async () => {
  assert(problems.length === 0, problems.join("\n"));
});

await browser.close();
receiver.close();
console.log(`${passed} passed, ${failed} failed; screenshots in ${screens}`);
process.exit(failed === 0 ? 0 : 1);
