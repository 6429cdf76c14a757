"""OAuth 2.0 access tokens for the privacy mailbox: grants, caching, rotation, SASL strings.

Microsoft 365 and Google Workspace let a program into IMAP and SMTP only with an OAuth 2.0
bearer token (SASL XOAUTH2, or OAUTHBEARER of RFC 7628). The token comes from one of three
grants: a refresh token kept in a file by `rightsdesk mail login` (RFC 6749 §6), the client
credentials of an app registration (RFC 6749 §4.4, app-only access as Exchange Online allows),
or a JWT bearer assertion signed with a Google service account key (RFC 7523 §2.1).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cases.errors import UserError

Grant = Literal["refresh_token", "client_credentials", "jwt_bearer"]
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"  # RFC 7523 §2.1
EARLY = timedelta(seconds=60)  # renew a token this long before it expires
DEFAULT_LIFETIME = timedelta(minutes=5)  # when the server does not say (expires_in is optional)

# What each error code of RFC 6749 §5.2 / RFC 8628 §3.5 asks the person to change.
_HINTS = {
    "invalid_client": "RIGHTSDESK_OAUTH_CLIENT_ID / RIGHTSDESK_OAUTH_CLIENT_SECRET",
    "unauthorized_client": "the app registration's permissions (consent) for this grant",
    "invalid_grant": "RIGHTSDESK_OAUTH_TOKEN_FILE: run `rightsdesk mail login` again",
    "invalid_scope": "RIGHTSDESK_OAUTH_SCOPE (or the consented API permissions)",
    "consent_required": "the admin consent for the app's API permissions",
    "access_denied": "the sign-in was refused: run `rightsdesk mail login` again",
    "expired_token": "the sign-in took too long: run `rightsdesk mail login` again",
    "unreachable": "RIGHTSDESK_OAUTH_TOKEN_URL (the token server did not answer)",
}


class OAuthTokenError(UserError):
    """The token server refused (or could not be reached); `code` is its error code."""

    def __init__(self, code: str, description: str | None = None) -> None:
        self.code = code
        hint = _HINTS.get(code, "the OAuth settings")
        said = f" ({description})" if description else ""
        super().__init__(f"OAuth token request failed: {code}{said}; check {hint}")


@dataclass(frozen=True)
class OAuthConfig:
    """Where tokens come from; secrets are never shown by repr()."""

    token_url: str
    client_id: str
    scope: str
    grant: Grant
    token_file: Path
    client_secret: str | None = field(default=None, repr=False)
    service_account: dict[str, Any] | None = field(default=None, repr=False)
    subject: str | None = None  # the mailbox, for the JWT bearer grant's `sub`
    timeout: float = 10.0


def read_token_file(path: Path) -> dict[str, Any]:
    """The saved refresh token and what it was issued for ({} when there is none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        raise UserError(f"RIGHTSDESK_OAUTH_TOKEN_FILE {path}: not a token file") from None
    return data if isinstance(data, dict) else {}


def write_token_file(path: Path, data: dict[str, Any]) -> None:
    """Save atomically with mode 0600: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def xoauth2_string(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (Google's and Microsoft's documented format)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def oauthbearer_string(user: str, token: str) -> str:
    """The SASL OAUTHBEARER initial response (RFC 7628 §3.1), without host and port."""
    return f"n,a={user},\x01auth=Bearer {token}\x01\x01"


def sasl_base64(text: str) -> str:
    """Base64 of a SASL response, as SMTP AUTH sends it (RFC 4954 §4)."""
    return base64.b64encode(text.encode()).decode("ascii")


def _session(config: OAuthConfig, **kwargs: Any) -> Any:
    from authlib.integrations.requests_client import OAuth2Session

    return OAuth2Session(
        config.client_id, config.client_secret, scope=config.scope, timeout=config.timeout, **kwargs
    )


def translate(exc: Exception) -> OAuthTokenError:
    """Authlib's and requests' failures as one error naming the setting to change."""
    import requests
    from authlib.common.errors import AuthlibBaseError

    if isinstance(exc, AuthlibBaseError):
        return OAuthTokenError(str(exc.error or "error"), exc.description or None)
    if isinstance(exc, requests.RequestException):
        return OAuthTokenError("unreachable", type(exc).__name__)
    if isinstance(exc, ValueError | KeyError):
        return OAuthTokenError("invalid_response", "the token server's answer was not a token")
    raise exc


def request_token(config: OAuthConfig, *, now: datetime) -> dict[str, Any]:
    """One token from the configured grant (no cache); the raw token response."""
    try:
        if config.grant == "client_credentials":
            if not config.client_secret:
                raise UserError("RIGHTSDESK_OAUTH_CLIENT_SECRET is needed for app-only access")
            token = _session(config).fetch_token(config.token_url, grant_type="client_credentials")
        elif config.grant == "jwt_bearer":
            token = _jwt_bearer(config, now=now)
        else:
            saved = read_token_file(config.token_file)
            refresh = saved.get("refresh_token")
            if not refresh:
                raise UserError(
                    f"no refresh token in {config.token_file}: run `rightsdesk mail login`"
                )
            token = _session(config).refresh_token(config.token_url, refresh_token=refresh)
            if token.get("refresh_token") and token["refresh_token"] != refresh:
                # Rotation (RFC 6749 §6, OAuth 2.1): the old one may already be void, so the
                # new one is on disk before this token is used.
                write_token_file(
                    config.token_file, {**saved, "refresh_token": token["refresh_token"]}
                )
    except UserError:
        raise
    except Exception as exc:
        raise translate(exc) from None
    return dict(token)


def _jwt_bearer(config: OAuthConfig, *, now: datetime) -> Any:
    from authlib.oauth2.rfc7523 import JWTBearerGrant

    key = config.service_account or {}
    if not key.get("private_key") or not key.get("client_email"):
        raise UserError("RIGHTSDESK_OAUTH_SERVICE_ACCOUNT_FILE: not a service account key")
    if not config.subject:
        raise UserError("the JWT bearer grant needs the mailbox (RIGHTSDESK_IMAP_USER) as subject")
    header = {"alg": "RS256"}
    if key.get("private_key_id"):
        header["kid"] = str(key["private_key_id"])  # which of the account's keys signed it
    issued = int(now.timestamp())
    # Google: iss is the service account, sub the mailbox it acts for (domain-wide
    # delegation), aud the token endpoint, at most an hour of validity (RFC 7523 §3).
    assertion = JWTBearerGrant.sign(
        key=key["private_key"],
        issuer=key["client_email"],
        audience=config.token_url,
        subject=config.subject,
        issued_at=issued,
        expires_at=issued + 3600,
        claims={"scope": config.scope},
        header=header,
    )
    return _session(config).fetch_token(
        config.token_url, grant_type=JWT_BEARER, assertion=_text(assertion)
    )


def _text(value: str | bytes) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


class TokenProvider:
    """Access tokens for IMAP and SMTP, cached until shortly before they expire; thread-safe."""

    def __init__(self, config: OAuthConfig, *, clock: Callable[[], datetime]) -> None:
        self.config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = datetime.min.replace(tzinfo=UTC)

    def __repr__(self) -> str:
        return f"TokenProvider({self.config.grant}, {self.config.token_url})"

    def token(self) -> str:
        """A token valid for at least another minute, fetched when the cached one is not."""
        with self._lock:
            now = self._clock()
            if self._token is None or now >= self._expires - EARLY:
                answer = request_token(self.config, now=now)
                lifetime = answer.get("expires_in")
                span = timedelta(seconds=int(lifetime)) if lifetime else DEFAULT_LIFETIME
                self._token = str(answer["access_token"])
                self._expires = now + span
            return self._token

    def forget(self) -> None:
        """Drop the cached token (the server refused it: revoked, or our clock is off)."""
        with self._lock:
            self._token = None
