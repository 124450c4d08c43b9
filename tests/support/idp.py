"""Real components for the sign-in tests: the npm `oidc-provider` server, a live hub on loopback,
and a hand-rolled provider (real HTTP, real keys) whose token responses a test chooses.

The Node provider lives in tests/idp (package.json pins it); `npm ci` is run there when its
node_modules are missing. Each instance binds its own 127.x.y.z address, so the browser's
cookie jar keeps the two providers' cookies apart (cookies ignore ports, not hosts).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from flask import Flask
from joserfc import jwt
from joserfc.jwk import ECKey, Key, RSAKey
from werkzeug.serving import BaseWSGIServer, make_server

IDP_DIR = Path(__file__).resolve().parents[1] / "idp"
START_TIMEOUT = 30.0


class ComponentMissing(RuntimeError):
    """Node.js or the pinned oidc-provider package is not available."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def ensure_idp_installed() -> None:
    """Install tests/idp's pinned packages with `npm ci` when missing; raise ComponentMissing."""
    if shutil.which("node") is None:
        raise ComponentMissing("Node.js (`node`) is not installed; the sign-in tests need it")
    if (IDP_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ComponentMissing("npm is not installed; run `npm ci` in tests/idp")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, capture_output=True,
                          text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise ComponentMissing(f"`npm ci` in tests/idp failed: {done.stderr[-2000:]}")


@dataclass
class OidcProviderProcess:
    """One running `oidc-provider` instance."""

    issuer: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def set_accounts(self, accounts: dict[str, dict[str, Any]]) -> None:
        """Add or replace accounts (subject -> claims) while the provider runs."""
        response = requests.post(f"{self.issuer}/test/accounts", json=accounts, timeout=5)
        response.raise_for_status()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_oidc_provider(
    workdir: Path, *, host: str, clients: list[dict[str, Any]], accounts: dict[str, dict[str, Any]]
) -> OidcProviderProcess:
    """Start `node tests/idp/server.js` on a free port of `host` and wait for its discovery document."""
    port = free_port(host)
    issuer = f"http://{host}:{port}"
    config = workdir / f"idp-{host}-{port}.json"
    config.write_text(json.dumps({"host": host, "port": port, "issuer": issuer, "clients": clients,
                                  "accounts": accounts}))
    log_path = workdir / f"idp-{host}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(["node", str(IDP_DIR / "server.js"), str(config)], cwd=IDP_DIR,
                                   stdout=log, stderr=subprocess.STDOUT)
    idp = OidcProviderProcess(issuer, process, log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise ComponentMissing(f"oidc-provider exited with {process.returncode}: {idp.log()[-2000:]}")
        try:
            found = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            if found.status_code == 200 and found.json().get("issuer") == issuer:
                return idp
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            idp.stop()
            raise ComponentMissing(f"oidc-provider did not answer within {START_TIMEOUT}s: "
                                   f"{idp.log()[-2000:]}")
        time.sleep(0.1)


class LiveServer:
    """A WSGI app served over real HTTP on loopback from a background thread."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        self.url = f"http://{host}:{port}"
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def follow_until(browser: requests.Session, response: requests.Response, prefix: str) -> requests.Response:
    """Follow redirects by hand until one points at `prefix`; returns the response that does."""
    for _ in range(10):
        location = response.headers.get("Location")
        if response.status_code not in (301, 302, 303, 307, 308) or not location:
            raise AssertionError(f"expected a redirect towards {prefix}, got {response.status_code} "
                                 f"at {response.url}: {response.text[:500]}")
        target = urljoin(response.url, location)
        if target.startswith(prefix):
            return response
        response = browser.get(target, allow_redirects=False)
    raise AssertionError(f"too many redirects before reaching {prefix}")


def location_of(response: requests.Response) -> str:
    return urljoin(response.url, response.headers["Location"])


def sign_in_at_provider(browser: requests.Session, hub_url: str, provider: str, subject: str,
                        **params: str) -> requests.Response:
    """Drive a real sign-in: the hub's login, the provider's login form, back to the hub's callback.

    Returns the provider's redirect to the hub's callback (not yet followed), so tests can call
    the callback themselves and look at exactly what it answers.
    """
    start = browser.get(f"{hub_url}/auth/{provider}/login", params=params, allow_redirects=False)
    assert start.status_code == 302, start.text[:500]
    return log_in_at_provider(browser, location_of(start), hub_url, provider, subject)


def log_in_at_provider(browser: requests.Session, authorization_url: str, hub_url: str, provider: str,
                       subject: str) -> requests.Response:
    """At the provider: open the hub's authorization URL and log in as `subject`; returns the
    provider's redirect to the hub's callback (not yet followed)."""
    form_page = browser.get(authorization_url, allow_redirects=True)
    assert "/interaction/" in form_page.url, form_page.text[:500]
    action = re.search(r'action="([^"]+)"', form_page.text)
    assert action is not None, form_page.text[:500]
    posted = browser.post(urljoin(form_page.url, action.group(1)), data={"subject": subject},
                          allow_redirects=False)
    return follow_until(browser, posted, f"{hub_url}/auth/{provider}/callback")


# --- a hand-rolled provider: real HTTP and real keys, token responses chosen by the test ---------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class HandRolledProvider:
    """Discovery, JWKS and a token endpoint on loopback; the test decides what the token endpoint
    returns. The token endpoint checks client authentication and the PKCE verifier like a real one."""

    host: str
    client_id: str
    client_secret: str
    issuer: str = ""
    keys: list[Key] = field(default_factory=list)
    jwks_fetches: int = 0
    token_requests: int = 0
    expected_challenge: str | None = None
    token_response: Callable[[], dict[str, Any]] | None = None
    token_raw: tuple[int, bytes] | None = None  # a garbage answer (status, body) instead
    discovery: dict[str, Any] = field(default_factory=dict)
    discovery_override: bytes | None = None
    _server: ThreadingHTTPServer | None = None

    def start(self) -> HandRolledProvider:
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig", "alg": "RS256"}),
                     ECKey.generate_key("P-256", parameters={"kid": "ec-1", "use": "sig", "alg": "ES256"})]
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                return

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/.well-known/openid-configuration":
                    body = provider.discovery_override or json.dumps(provider.discovery).encode()
                    self._send(200, body)
                elif path == "/jwks":
                    provider.jwks_fetches += 1
                    self._send(200, json.dumps({"keys": [k.as_dict(private=False) for k in provider.keys]})
                               .encode())
                else:
                    self._send(404, b"{}")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                provider.token_requests += 1
                expected = "Basic " + base64.b64encode(
                    f"{provider.client_id}:{provider.client_secret}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self._send(401, b'{"error": "invalid_client"}')
                    return
                verifier = form.get("code_verifier", "")
                if provider.expected_challenge != b64url(hashlib.sha256(verifier.encode()).digest()):
                    self._send(400, b'{"error": "invalid_grant", "error_description": "PKCE"}')
                    return
                if provider.token_raw is not None:
                    self._send(provider.token_raw[0], provider.token_raw[1], "text/html")
                    return
                assert provider.token_response is not None
                self._send(200, json.dumps(provider.token_response()).encode())

        port = free_port(self.host)
        self.issuer = f"http://{self.host}:{port}"
        self.discovery = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "authorization_response_iss_parameter_supported": True,
        }
        self._server = ThreadingHTTPServer((self.host, port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def sign(self, claims: dict[str, Any], *, key: Key | None = None, alg: str = "RS256",
             header: dict[str, Any] | None = None) -> str:
        """A JWT signed with this provider's key (or the given one)."""
        key = key or self.keys[0]
        full = {"alg": alg, **({"kid": key.kid} if key.kid else {}), **(header or {})}
        return jwt.encode(full, claims, key, algorithms=[alg])

    def id_token_claims(self, nonce: str, *, subject: str = "forged-1", **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.issuer, "aud": self.client_id, "sub": subject, "nonce": nonce,
                                  "iat": now, "exp": now + 300, "auth_time": now - 5}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def logout_token_claims(self, *, subject: str | None = "forged-1", sid: str | None = None,
                            **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 120,
            "jti": b64url(hashlib.sha256(str(time.perf_counter_ns()).encode()).digest()[:12]),
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
            "sub": subject, "sid": sid,
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}


def unsigned_token(claims: dict[str, Any]) -> str:
    """An `alg: none` JWT (no signature at all)."""
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}."
