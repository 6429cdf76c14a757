"""Runtime settings from the environment and a .env file (RIGHTSDESK_* and SLACK_*)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from cases.errors import UserError


class Settings(BaseSettings):
    """Everything that differs between installations; secrets never printed."""

    model_config = SettingsConfigDict(
        env_prefix="RIGHTSDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite:///rightsdesk.db"
    config: Path | None = None

    imap_host: str | None = None
    imap_port: int | None = None
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_security: Literal["ssl", "starttls", "plain"] = "ssl"
    imap_folder: str = "INBOX"
    imap_processed_folder: str = "Processed"
    imap_failed_folder: str = "Failed"
    imap_sent_folder: str = "Sent"
    imap_auth: Literal["password", "oauth2"] = "password"

    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["ssl", "starttls", "plain"] = "starttls"
    smtp_auth: Literal["password", "oauth2", "none"] = "password"
    mail_from: str | None = None

    # OAuth 2.0 for Microsoft 365 and Google Workspace mailboxes (README: "Microsoft 365").
    oauth_provider: Literal["microsoft", "google", "custom"] | None = None
    oauth_tenant: str | None = None
    oauth_client_id: str | None = None
    oauth_client_secret: SecretStr | None = None
    oauth_token_url: str | None = None
    oauth_device_url: str | None = None
    oauth_authorize_url: str | None = None
    oauth_scope: str | None = None
    oauth_service_account_file: Path | None = None
    oauth_token_file: Path = Path("rightsdesk-oauth.json")
    maildir: Path = Path("mail")
    max_message_bytes: int = 25 * 1024 * 1024
    daily_auto_mail_cap: int = 5
    # Receiving servers whose Authentication-Results count; presets google-workspace and
    # microsoft-365. Unset: no mail is authenticated, sender match never verifies by itself.
    trusted_authserv_ids: str = ""

    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "RIGHTSDESK_SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "RIGHTSDESK_SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "RIGHTSDESK_SLACK_SIGNING_SECRET"),
    )
    slack_api_url: str | None = None
    slack_channel: str | None = None
    slack_allowed_users: str = ""
    slack_command: str = "/rights"
    slack_show_identity: bool = False

    now: datetime | None = None  # a frozen clock for tests and rehearsals; aware ISO-8601
    contact_email: str | None = None  # reminders by mail when Slack is not configured
    log_level: str = "INFO"
    run_dir: Path | None = None  # the health status file; default: a private runtime dir
    # Rebuildable data such as the lemma dictionaries' index; default: the XDG cache dir.
    cache_dir: Path | None = None

    @property
    def oauth_preset(self) -> bool:
        """True when a provider preset supplies the mail hosts (Microsoft 365, Google)."""
        return self.oauth_provider in ("microsoft", "google")

    @property
    def imap_configured(self) -> bool:
        """True when an IMAP account is set; otherwise the local Maildir is used."""
        preset = self.imap_auth == "oauth2" and self.oauth_preset
        return bool((self.imap_host or preset) and self.imap_user)

    @property
    def smtp_configured(self) -> bool:
        """True when an SMTP server is set; otherwise replies go to the Maildir outbox."""
        return bool(self.smtp_host or (self.smtp_auth == "oauth2" and self.oauth_preset))

    @property
    def cache_path(self) -> Path:
        """Where rebuildable data lives: RIGHTSDESK_CACHE_DIR, else $XDG_CACHE_HOME/rightsdesk."""
        if self.cache_dir is not None:
            return self.cache_dir
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        return Path(base) / "rightsdesk"

    @property
    def allowed_slack_users(self) -> frozenset[str]:
        """The Slack user IDs allowed to handle the register."""
        return frozenset(u.strip() for u in self.slack_allowed_users.split(",") if u.strip())


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one line naming the field."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise UserError(f"setting {field}: {first['msg']}") from None
