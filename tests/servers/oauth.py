"""A small OAuth 2.0 authorization server on loopback, for the OAuth mailbox tests.

Endpoints: token (RFC 6749 §4.1, §4.4, §6; RFC 8628 §3.4; RFC 7523 §2.1), device
authorization (RFC 8628 §3.1), authorization with PKCE (RFC 7636), and token introspection
(RFC 7662) for Dovecot's `oauth2` passdb and the SMTP sink's XOAUTH2 check.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from . import free_port, wait_until_bindable

CLIENT_ID = "rightsdesk-test"
CLIENT_SECRET = "test-client-secret"
MAILBOX = "desk@example.com"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class _Issued:
    user: str
    expires: float


@dataclass
class OAuthState:
    """What the server knows; tests read and change it directly."""

    lifetime: float = 3600.0
    app_user: str = MAILBOX  # whom app-only (client credentials) tokens act for
    consent_user: str = MAILBOX  # who signs in at /authorize
    public_keys: dict[str, Any] = field(default_factory=dict)  # JWT issuer -> public key
    access: dict[str, _Issued] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> user
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # device code -> state
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # auth code -> request
    grants: list[str] = field(default_factory=list)  # grant types asked for, in order
    introspections: int = 0


class OAuthServer:
    """Start, stop (the token server down) and start again on the same port."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port = free_port()
        self.state = OAuthState()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Listen (again) on the same port."""
        wait_until_bindable(self.port, self.host, 10.0)
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop answering: a token server that is down."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    # -- test hooks -------------------------------------------------------------------------

    def issue(self, user: str = MAILBOX) -> str:
        """An access token for USER, as if a client had just obtained one."""
        token = "at-" + secrets.token_urlsafe(16)
        with self._lock:
            self.state.access[token] = _Issued(user, time.time() + self.state.lifetime)
        return token

    def approve_device(self, user_code: str, user: str = MAILBOX) -> None:
        """The person signs in on another device and enters USER_CODE."""
        with self._lock:
            for device in self.state.devices.values():
                if device["user_code"] == user_code:
                    device["user"] = user
                    return
        raise KeyError(user_code)

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token void (an admin revoked the sign-in)."""
        with self._lock:
            self.state.refresh.clear()

    def revoke_access_tokens(self) -> None:
        """Every access token issued so far void before its expiry (revoked by an admin)."""
        with self._lock:
            self.state.access.clear()

    def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662 §2.2: active, and whose the token is."""
        with self._lock:
            self.state.introspections += 1
            issued = self.state.access.get(token)
            if issued is None or issued.expires < time.time():
                return {"active": False}
            return {"active": True, "username": issued.user, "exp": int(issued.expires)}

    # -- the grants -------------------------------------------------------------------------

    def _tokens(self, user: str, *, refresh: bool) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "access_token": self.issue(user),
            "token_type": "Bearer",
            "expires_in": int(self.state.lifetime),
        }
        if refresh:
            rt = "rt-" + secrets.token_urlsafe(16)
            with self._lock:
                self.state.refresh[rt] = user
            answer["refresh_token"] = rt
        return answer

    def token(
        self, form: dict[str, str], basic: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (HTTP status, JSON answer)."""
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        grant = form.get("grant_type", "")
        with self._lock:
            self.state.grants.append(grant)
        if client_id != CLIENT_ID or (secret and secret != CLIENT_SECRET):
            return 401, {"error": "invalid_client", "error_description": "unknown client"}
        if grant == "client_credentials":
            if secret != CLIENT_SECRET:
                return 401, {"error": "invalid_client"}
            return 200, self._tokens(self.state.app_user, refresh=False)
        if grant == "refresh_token":
            with self._lock:
                user = self.state.refresh.pop(form.get("refresh_token", ""), None)
            if user is None:
                return 400, {"error": "invalid_grant", "error_description": "refresh token void"}
            return 200, self._tokens(user, refresh=True)  # rotated: the old one is gone
        if grant == DEVICE_CODE:
            device = self.state.devices.get(form.get("device_code", ""))
            if device is None:
                return 400, {"error": "expired_token"}
            if device.get("user") is None:
                return 400, {"error": "authorization_pending"}
            del self.state.devices[form["device_code"]]
            return 200, self._tokens(device["user"], refresh=True)
        if grant == JWT_BEARER:
            return self._jwt(form.get("assertion", ""))
        if grant == "authorization_code":
            return self._code(form)
        return 400, {"error": "unsupported_grant_type"}

    def _jwt(self, assertion: str) -> tuple[int, dict[str, Any]]:
        from authlib.jose import JoseError, jwt

        try:
            unverified = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
            key = self.state.public_keys[unverified["iss"]]
            claims = jwt.decode(assertion, key)
            claims.validate()
        except (JoseError, KeyError, ValueError, IndexError):
            return 400, {"error": "invalid_grant", "error_description": "bad assertion"}
        if claims.get("aud") != f"{self.url}/token":
            return 400, {"error": "invalid_grant", "error_description": "wrong audience"}
        return 200, self._tokens(str(claims["sub"]), refresh=False)

    def _code(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        request = self.state.codes.pop(form.get("code", ""), None)
        if request is None or request["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != request["code_challenge"]:  # RFC 7636 §4.6
            return 400, {"error": "invalid_grant", "error_description": "PKCE check failed"}
        return 200, self._tokens(self.state.consent_user, refresh=True)

    def device_authorization(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """RFC 8628 §3.2: a device code, a user code and where to enter it."""
        if form.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_client"}
        code = secrets.token_urlsafe(16)
        user_code = secrets.token_hex(4).upper()
        with self._lock:
            self.state.devices[code] = {"user_code": user_code, "user": None}
        return 200, {
            "device_code": code,
            "user_code": user_code,
            "verification_uri": f"{self.url}/device",
            "expires_in": 120,
            "interval": 1,
            "message": f"To sign in, open {self.url}/device and enter {user_code}.",
        }

    def authorize(self, query: dict[str, str]) -> str:
        """The consent page, answered at once: the redirect address with the code."""
        code = secrets.token_urlsafe(16)
        self.state.codes[code] = {
            "redirect_uri": query.get("redirect_uri", ""),
            "code_challenge": query.get("code_challenge", ""),
        }
        answer = urlencode({"code": code, "state": query.get("state", "")})
        return f"{query.get('redirect_uri', '')}?{answer}"


class _Handler(BaseHTTPRequestHandler):
    server_state: OAuthServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: the tests assert on state, not on logs

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        return {k: v[0] for k, v in parse_qs(body).items()}

    def _basic(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password

    def _json(self, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        path = urlparse(self.path).path
        form = self._form()
        server = self.server_state
        if path == "/token":
            self._json(*server.token(form, self._basic()))
        elif path == "/device":
            self._json(*server.device_authorization(form))
        elif path == "/introspect":
            self._json(200, server.introspect(form.get("token", "")))
        else:
            self._json(404, {"error": "not_found"})

    def do_GET(self) -> None:
        parsed = urlparse(self.path)
        if parsed.path == "/authorize":
            query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
            self.send_response(302)
            self.send_header("Location", self.server_state.authorize(query))
            self.end_headers()
        else:
            self._json(404, {"error": "not_found"})
