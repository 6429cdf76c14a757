"""Signing in the mailbox once: the device grant (RFC 8628) or the code grant with PKCE.

Both end with a refresh token saved in the token file, from which `rightsdesk run` takes
access tokens for as long as the provider lets the sign-in live.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cases.errors import UserError
from mail_intake.oauth import OAuthConfig, OAuthTokenError, translate, write_token_file

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 §3.4
SLOW_DOWN = 5  # seconds added to the polling interval on `slow_down` (RFC 8628 §3.5)


def _save(config: OAuthConfig, token: dict[str, Any]) -> dict[str, Any]:
    refresh = token.get("refresh_token")
    if not refresh:
        raise UserError(
            "the provider gave no refresh token: add offline_access to RIGHTSDESK_OAUTH_SCOPE"
        )
    write_token_file(
        config.token_file,
        {"refresh_token": refresh, "client_id": config.client_id, "scope": config.scope},
    )
    return token


def device_login(
    config: OAuthConfig,
    *,
    device_url: str,
    echo: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Show the user code, poll at the server's interval, save the refresh token."""
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.requests_client import OAuth2Session

    session = OAuth2Session(
        config.client_id, config.client_secret, scope=config.scope, timeout=config.timeout
    )
    try:
        answer = session.post(
            device_url,
            data={"client_id": config.client_id, "scope": config.scope},
            withhold_token=True,
        )
        data = answer.json()
    except Exception as exc:
        raise translate(exc) from None
    if answer.status_code != 200 or "device_code" not in data:
        raise OAuthTokenError(
            str(data.get("error") or "invalid_request"), data.get("error_description")
        )
    uri = data.get("verification_uri") or data.get("verification_url")  # Google's older name
    echo(f"Open {uri} and enter the code {data['user_code']}")
    if data.get("message"):
        echo(str(data["message"]))
    interval = float(data.get("interval") or 5)
    deadline = monotonic() + float(data.get("expires_in") or 900)
    while monotonic() < deadline:
        sleep(interval)
        try:
            token = session.fetch_token(
                config.token_url, grant_type=DEVICE_CODE, device_code=data["device_code"]
            )
        except OAuthError as exc:
            if exc.error == "authorization_pending":
                continue
            if exc.error == "slow_down":
                interval += SLOW_DOWN
                continue
            raise translate(exc) from None
        except Exception as exc:
            raise translate(exc) from None
        return _save(config, dict(token))
    raise OAuthTokenError("expired_token", "the code was not used in time")


def code_login(
    config: OAuthConfig,
    *,
    authorize_url: str,
    redirect_uri: str,
    echo: Callable[[str], None],
    read_line: Callable[[], str],
) -> dict[str, Any]:
    """The authorization code grant with PKCE (RFC 7636) and a loopback redirect (RFC 8252).

    The person opens the address, signs in, and pastes back the address the browser was
    sent to (it fails to load on a machine without a browser; the code is in it).
    """
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session

    verifier = generate_token(64)
    session = OAuth2Session(
        config.client_id,
        config.client_secret,
        scope=config.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=config.timeout,
    )
    # access_type/prompt: Google issues a refresh token only when asked for offline access.
    url, state = session.create_authorization_url(
        authorize_url, code_verifier=verifier, access_type="offline", prompt="consent"
    )
    echo("Open this address, sign in, then paste the address your browser was sent to:")
    echo(url)
    pasted = read_line().strip()
    if not pasted.startswith(redirect_uri.rstrip("/")):
        raise UserError(f"that is not the address of the sign-in's redirect ({redirect_uri})")
    try:
        token = session.fetch_token(
            config.token_url, authorization_response=pasted, code_verifier=verifier, state=state
        )
    except Exception as exc:
        raise translate(exc) from None
    return _save(config, dict(token))
