"""Partner apps over OAuth 2.0, driven by a client library nobody here wrote (authlib), with
the consent answered in a real browser (Debian's chromium through Python's playwright).

Run by .ci/live against `asteri dev`:

    ASTERI_URL=http://127.0.0.1:3000 ASTERI_ORGANIZATION_ID=org_... \
    ASTERI_DEV_EMAIL=... ASTERI_DEV_PASSWORD=... ASTERI_MANAGE_KEY=ast_test_... \
    ASTERI_CLIENT_ID=app_... ASTERI_CLIENT_SECRET=ast_acs_... ASTERI_REDIRECT_PORT=4567 \
    python tests/oauth/flow.py

The app (confidential, `read:customers` and `write:customers`, redirect URI
http://127.0.0.1:$ASTERI_REDIRECT_PORT/callback) is registered by the caller with
`asteri apps create`. Covers: the metadata document checked by authlib's RFC 8414
validation; the code flow with PKCE S256 and the consent in chromium; the access token at
the REST door (its scope, the organization pinned); refresh rotation and reuse detection;
revocation and introspection (RFC 7009, 7662); PKCE refused when missing or wrong; a
redirect URI one character off never redirected to; client credentials; uninstalling
revoking at once. Screenshots of the consent page go to ASTERI_SCREENS_DIR.
"""

import http.server
import os
import secrets
import sys
import threading
import time
import urllib.parse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from playwright.sync_api import sync_playwright

BASE = os.environ["ASTERI_URL"].rstrip("/")
ORG = os.environ["ASTERI_ORGANIZATION_ID"]
EMAIL = os.environ["ASTERI_DEV_EMAIL"]
PASSWORD = os.environ["ASTERI_DEV_PASSWORD"]
MANAGE_KEY = os.environ["ASTERI_MANAGE_KEY"]
CLIENT_ID = os.environ["ASTERI_CLIENT_ID"]
CLIENT_SECRET = os.environ["ASTERI_CLIENT_SECRET"]
PORT = int(os.environ["ASTERI_REDIRECT_PORT"])
SCREENS = os.environ.get("ASTERI_SCREENS_DIR", "/work/screens")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
REDIRECT_URI = f"http://127.0.0.1:{PORT}/callback"
# authlib refuses plain http unless told; the server runs on loopback here.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

failures = []


def check(name):
    def run(body):
        try:
            body()
            print(f"ok - {name}")
        except Exception as err:  # noqa: BLE001 - report every failure, then exit 1
            failures.append(name)
            print(f"not ok - {name}\n  {type(err).__name__}: {err}")
        return body

    return run


def until(what, probe, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class Callback(http.server.BaseHTTPRequestHandler):
    """The app's redirect URI: remembers every request to /callback it got. Anything else (the
    browser asks for /favicon.ico once the redirect lands, sometimes after the callback, and a
    CI run read that request as the callback) is answered 204, which chromium does not log as
    a failed load, and not remembered."""

    seen = []

    def do_GET(self):  # noqa: N802 - http.server's name
        if urllib.parse.urlsplit(self.path).path != "/callback":
            self.send_response(204)
            self.end_headers()
            return
        Callback.seen.append(f"http://127.0.0.1:{PORT}{self.path}")
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.end_headers()
        self.wfile.write(b"the app got its answer")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Callback)
threading.Thread(target=server.serve_forever, daemon=True).start()

meta = requests.get(
    f"{BASE}/.well-known/oauth-authorization-server",
    headers={"x-forwarded-proto": "https"},
    timeout=10,
).json()
endpoints = requests.get(f"{BASE}/.well-known/oauth-authorization-server", timeout=10).json()
AUTHORIZE, TOKEN = endpoints["authorization_endpoint"], endpoints["token_endpoint"]
REVOKE, INTROSPECT = endpoints["revocation_endpoint"], endpoints["introspection_endpoint"]


def api(path, token, method="GET", org=ORG, **kwargs):
    headers = {"authorization": f"Bearer {token}", "x-organization-id": org}
    return requests.request(method, f"{BASE}/api/public/v1{path}", headers=headers, timeout=10, **kwargs)


def session(scope="read:customers"):
    return OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        scope=scope,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )


@check("the metadata document passes authlib's RFC 8414 validation")
def _():
    AuthorizationServerMetadata(meta).validate()
    assert meta["issuer"].startswith("https://"), meta["issuer"]
    assert meta["code_challenge_methods_supported"] == ["S256"]


state = {}


@check("the code flow with PKCE: consent in chromium, token by authlib, a call with the token")
def _():
    client = session()
    verifier = secrets.token_urlsafe(48)
    url, sent_state = client.create_authorization_url(AUTHORIZE, code_verifier=verifier)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        console_errors = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.goto(url)
        # Not signed in: the sign-in page first, then back to the consent.
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Allow CI Partner to access your organization?").wait_for()
        page.get_by_text("read:customers").wait_for()
        page.get_by_text("review status: draft").wait_for()
        page.screenshot(path=f"{SCREENS}/oauth-consent.png", full_page=True)
        page.get_by_role("button", name="Allow").click()
        page.wait_for_url(f"{REDIRECT_URI}?*")
        browser.close()
    assert not console_errors, console_errors
    callback = Callback.seen[-1]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
    assert query.get("state") == sent_state, query
    # A wrong verifier for the real code is refused, and the code stays usable (RFC 7636 4.6).
    wrong = requests.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT_URI, "code_verifier": "b" * 43},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant", wrong.text
    token = client.fetch_token(TOKEN, authorization_response=callback, code_verifier=verifier)
    assert token["access_token"].startswith("ast_oat_") and token["refresh_token"].startswith("ast_ort_")
    assert token["token_type"] == "Bearer" and token["organization_id"] == ORG, token
    assert api("/customers?limit=1", token["access_token"]).status_code == 200
    denied = api("/customers", token["access_token"], method="POST", json={"name": "Not Granted"})
    assert denied.status_code == 403, denied.text
    assert api("/customers?limit=1", token["access_token"], org="org_someone_else").status_code == 403
    state.update(token=token, client=client)


@check("introspection shows the token; revocation ends it")
def _():
    client, token = state["client"], state["token"]
    seen = client.introspect_token(INTROSPECT, token=token["access_token"]).json()
    assert seen["active"] is True and seen["client_id"] == CLIENT_ID and "read:customers" in seen["scope"], seen
    assert client.revoke_token(REVOKE, token=token["access_token"]).status_code == 200
    assert client.introspect_token(INTROSPECT, token=token["access_token"]).json() == {"active": False}
    until("the revoked token refused", lambda: api("/customers?limit=1", token["access_token"]).status_code == 401)


@check("refresh tokens rotate; presenting an old one revokes the family")
def _():
    client, first = state["client"], state["token"]
    second = client.refresh_token(TOKEN, refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    third = client.refresh_token(TOKEN, refresh_token=second["refresh_token"])
    assert api("/customers?limit=1", third["access_token"]).status_code == 200
    # The first token is two generations old: reuse, so the whole family is revoked.
    reused = requests.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant", reused.text
    assert reused.headers["cache-control"] == "no-store"
    assert client.introspect_token(INTROSPECT, token=third["access_token"]).json() == {"active": False}


@check("PKCE is required and checked; a redirect URI one character off is never redirected to")
def _():
    base_params = {"response_type": "code", "client_id": CLIENT_ID, "scope": "read:customers", "state": "s1"}
    missing = requests.get(AUTHORIZE, params={**base_params, "redirect_uri": REDIRECT_URI}, allow_redirects=False, timeout=10)
    assert missing.status_code in (302, 303), missing.status_code
    location = missing.headers["location"]
    assert location.startswith(REDIRECT_URI) and "error=invalid_request" in location and "state=s1" in location, location
    off = requests.get(
        AUTHORIZE,
        params={**base_params, "redirect_uri": REDIRECT_URI + "x", "code_challenge": "a" * 43, "code_challenge_method": "S256"},
        allow_redirects=False,
        timeout=10,
    )
    assert off.status_code == 400 and "location" not in off.headers, (off.status_code, off.headers)
    unknown = requests.get(
        AUTHORIZE,
        params={**base_params, "client_id": "app_unknown", "redirect_uri": REDIRECT_URI},
        allow_redirects=False,
        timeout=10,
    )
    assert unknown.status_code == 400 and "location" not in unknown.headers
    # A code that was never issued (a wrong verifier for a real one: the code flow above).
    wrong = requests.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": "ast_oac_notreal", "redirect_uri": REDIRECT_URI, "code_verifier": "b" * 43},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant", wrong.text


@check("client credentials for the installed app, and uninstalling revokes every token at once")
def _():
    client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, token_endpoint_auth_method="client_secret_post")
    token = client.fetch_token(TOKEN, grant_type="client_credentials", organization_id=ORG)
    assert "refresh_token" not in token and token["organization_id"] == ORG, token
    assert api("/customers?limit=1", token["access_token"]).status_code == 200
    installs = requests.get(
        f"{BASE}/api/public/v1/app_installs",
        headers={"x-api-key": MANAGE_KEY, "x-organization-id": ORG},
        timeout=10,
    ).json()["data"]
    install = next(i for i in installs if i["app_id"] == CLIENT_ID)
    gone = requests.delete(
        f"{BASE}/api/public/v1/app_installs/{install['id']}",
        headers={"x-api-key": MANAGE_KEY, "x-organization-id": ORG},
        timeout=10,
    )
    assert gone.status_code in (200, 204), gone.text
    until("the uninstalled app's token refused", lambda: api("/customers?limit=1", token["access_token"]).status_code == 401)


server.shutdown()
print(f"{'FAILED: ' + ', '.join(failures) if failures else 'all passed'}")
sys.exit(1 if failures else 0)
