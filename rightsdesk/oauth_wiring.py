"""OAuth 2.0 for the mailbox from the settings: provider presets, the grant, the token provider."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cases.errors import UserError
from mail_intake.oauth import Grant, OAuthConfig, TokenProvider, read_token_file
from rightsdesk.settings import Settings

MS_APP_ONLY_SCOPE = "https://outlook.office365.com/.default"
MS_DELEGATED_SCOPE = (
    "https://outlook.office.com/IMAP.AccessAsUser.All"
    " https://outlook.office.com/SMTP.Send offline_access"
)
GOOGLE_SCOPE = "https://mail.google.com/"


@dataclass(frozen=True)
class Preset:
    """What a provider's mail service is, so that a setup needs only the app's identity."""

    imap: tuple[str, int, str]
    smtp: tuple[str, int, str]
    token_url: str
    device_url: str | None
    authorize_url: str | None


def preset(settings: Settings) -> Preset | None:
    """Microsoft 365 or Google Workspace; None for `custom` (every URL set by hand)."""
    if settings.oauth_provider == "microsoft":
        tenant = settings.oauth_tenant or "organizations"
        base = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
        return Preset(
            imap=("outlook.office365.com", 993, "ssl"),
            smtp=("smtp.office365.com", 587, "starttls"),
            token_url=f"{base}/token",
            device_url=f"{base}/devicecode",
            authorize_url=f"{base}/authorize",
        )
    if settings.oauth_provider == "google":
        return Preset(
            imap=("imap.gmail.com", 993, "ssl"),
            smtp=("smtp.gmail.com", 587, "starttls"),
            token_url="https://oauth2.googleapis.com/token",  # noqa: S106  (an address)
            # Google's device grant does not allow the mail scope: `mail login` uses PKCE.
            device_url=None,
            authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        )
    return None


def token_url(settings: Settings) -> str:
    """RIGHTSDESK_OAUTH_TOKEN_URL, else the provider's."""
    found = settings.oauth_token_url or (p.token_url if (p := preset(settings)) else None)
    if not found:
        raise UserError("RIGHTSDESK_OAUTH_TOKEN_URL is not set (needed with provider custom)")
    return found


def device_url(settings: Settings) -> str | None:
    """RIGHTSDESK_OAUTH_DEVICE_URL, else the provider's (None: no device grant)."""
    return settings.oauth_device_url or (p.device_url if (p := preset(settings)) else None)


def authorize_url(settings: Settings) -> str | None:
    """RIGHTSDESK_OAUTH_AUTHORIZE_URL, else the provider's (for the PKCE sign-in)."""
    return settings.oauth_authorize_url or (p.authorize_url if (p := preset(settings)) else None)


def grant(settings: Settings) -> Grant:
    """A saved refresh token first, then a service account key, then client credentials."""
    if read_token_file(settings.oauth_token_file).get("refresh_token"):
        return "refresh_token"
    if settings.oauth_service_account_file is not None:
        return "jwt_bearer"
    if settings.oauth_client_secret is not None:
        return "client_credentials"
    raise UserError(
        "no OAuth credentials: run `rightsdesk mail login`, or set"
        " RIGHTSDESK_OAUTH_CLIENT_SECRET (app-only) or RIGHTSDESK_OAUTH_SERVICE_ACCOUNT_FILE"
    )


def scope(settings: Settings, chosen: Grant) -> str:
    """RIGHTSDESK_OAUTH_SCOPE, else the provider's default for the grant."""
    if settings.oauth_scope:
        return settings.oauth_scope
    if settings.oauth_provider == "microsoft":
        return MS_APP_ONLY_SCOPE if chosen == "client_credentials" else MS_DELEGATED_SCOPE
    if settings.oauth_provider == "google":
        return GOOGLE_SCOPE
    raise UserError("RIGHTSDESK_OAUTH_SCOPE is not set (needed with provider custom)")


def _service_account(settings: Settings) -> dict[str, object] | None:
    path = settings.oauth_service_account_file
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UserError(f"RIGHTSDESK_OAUTH_SERVICE_ACCOUNT_FILE {path}: not a key file") from None
    return data if isinstance(data, dict) else None


def oauth_config(settings: Settings, *, chosen: Grant | None = None) -> OAuthConfig:
    """The token source the settings describe."""
    if not settings.oauth_client_id:
        raise UserError("RIGHTSDESK_OAUTH_CLIENT_ID is not set")
    chosen = chosen or grant(settings)
    account = _service_account(settings) if chosen == "jwt_bearer" else None
    url = settings.oauth_token_url or str((account or {}).get("token_uri") or "")
    return OAuthConfig(
        token_url=url or token_url(settings),
        client_id=settings.oauth_client_id,
        client_secret=(
            settings.oauth_client_secret.get_secret_value()
            if settings.oauth_client_secret
            else None
        ),
        scope=scope(settings, chosen),
        grant=chosen,
        token_file=settings.oauth_token_file,
        service_account=account,
        subject=settings.imap_user,
    )


def token_provider(settings: Settings) -> TokenProvider:
    """One cache of access tokens for IMAP and SMTP (tokens live by the real clock)."""
    return TokenProvider(oauth_config(settings), clock=lambda: datetime.now(UTC))
