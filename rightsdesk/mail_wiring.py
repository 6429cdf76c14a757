"""Builds the mail source, the outbox transport and the intake's dependencies from the settings."""

from __future__ import annotations

from typing import Literal

from cases.classify.dictionaries import use_index_cache
from cases.errors import UserError
from cases.outbox import Sender
from mail_intake.authentication import trusted_ids
from mail_intake.imap_source import ImapAccount, ImapSource
from mail_intake.intake_types import IntakeDeps
from mail_intake.maildir_source import MaildirSource
from mail_intake.outbox_sender import MaildirTransport, SmtpTransport, Transport
from mail_intake.sources import MailSource
from rightsdesk import oauth_wiring
from rightsdesk.context import Desk

LOOPBACK = ("127.0.0.1", "localhost", "::1")

_DEFAULT_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "plain": 143},
    "smtp": {"ssl": 465, "starttls": 587, "plain": 25},
}


def sender(desk: Desk) -> Sender:
    """Our From address: RIGHTSDESK_MAIL_FROM, else the controller's privacy address."""
    address = desk.settings.mail_from or desk.controller.privacy_email
    return Sender(address=address, name=desk.controller.name)


def intake_deps(desk: Desk) -> IntakeDeps:
    """The intake's collaborators; the classifier's dictionaries then open from the cache dir.

    Every process that takes in mail (`run`, `poll`, `quarantine retry`, the demo) builds
    these first, so this is where the process-wide index location is set.
    """
    use_index_cache(desk.settings.cache_path)
    me = sender(desk)
    own = {me.address.lower(), desk.controller.privacy_email.lower()}
    if desk.settings.imap_user and "@" in desk.settings.imap_user:
        own.add(desk.settings.imap_user.lower())
    return IntakeDeps(
        controller=desk.controller,
        policy=desk.policy,
        sender=me,
        own_addresses=frozenset(own),
        daily_cap=desk.settings.daily_auto_mail_cap,
        max_size=desk.settings.max_message_bytes,
        trusted_authserv_ids=trusted_authserv_ids(desk),
    )


def mail_source(desk: Desk) -> MailSource:
    """IMAP when RIGHTSDESK_IMAP_HOST and _USER are set, else the local Maildir."""
    s = desk.settings
    if not s.imap_configured:
        return MaildirSource(s.maildir, max_size=s.max_message_bytes)
    return ImapSource(imap_account(desk), max_size=s.max_message_bytes)


def imap_account(desk: Desk) -> ImapAccount:
    """The configured IMAP account; a one-line error when it is incomplete or unsafe."""
    s = desk.settings
    oauth2 = s.imap_auth == "oauth2"
    if s.imap_password is None and not oauth2:
        raise UserError("RIGHTSDESK_IMAP_PASSWORD is not set")
    host, port = _endpoint(desk, "imap")
    if s.imap_security == "plain" and host not in LOOPBACK:
        raise UserError("RIGHTSDESK_IMAP_SECURITY=plain is only allowed on loopback")
    return ImapAccount(
        host=host,
        port=port,
        user=s.imap_user or "",
        password=s.imap_password.get_secret_value() if s.imap_password and not oauth2 else "",
        token=desk.mail_tokens.token if oauth2 else None,
        forget=desk.mail_tokens.forget if oauth2 else None,
        security=s.imap_security,
        folder=s.imap_folder,
        processed_folder=s.imap_processed_folder,
        failed_folder=s.imap_failed_folder,
        sent_folder=s.imap_sent_folder or None,
    )


def trusted_authserv_ids(desk: Desk) -> frozenset[str]:
    """RIGHTSDESK_TRUSTED_AUTHSERV_IDS with the presets expanded."""
    return trusted_ids(desk.settings.trusted_authserv_ids.split(","))


def transport(desk: Desk) -> Transport:
    """SMTP when RIGHTSDESK_SMTP_HOST is set, else the Maildir's outbox/."""
    s = desk.settings
    if not s.smtp_configured:
        return MaildirTransport(s.maildir / "outbox")
    host, port = _endpoint(desk, "smtp")
    password = s.smtp_password.get_secret_value() if s.smtp_password else None
    return SmtpTransport(
        host=host,
        port=port,
        sender=sender(desk).address,
        security=s.smtp_security,
        # With OAuth the token names the mailbox; an SMTP user defaults to the IMAP one.
        user=s.smtp_user or (s.imap_user if s.smtp_auth == "oauth2" else None),
        password=password if s.smtp_auth == "password" else None,
        token=desk.mail_tokens.token if s.smtp_auth == "oauth2" else None,
        forget=desk.mail_tokens.forget if s.smtp_auth == "oauth2" else None,
    )


def _endpoint(desk: Desk, service: Literal["imap", "smtp"]) -> tuple[str, int]:
    """Host and port: the settings, else the OAuth provider's preset, else the usual port."""
    s = desk.settings
    host, port = (s.imap_host, s.imap_port) if service == "imap" else (s.smtp_host, s.smtp_port)
    security = s.imap_security if service == "imap" else s.smtp_security
    uses_oauth = (s.imap_auth if service == "imap" else s.smtp_auth) == "oauth2"
    found = oauth_wiring.preset(s) if uses_oauth else None
    if found is not None:
        preset_host, preset_port, _ = found.imap if service == "imap" else found.smtp
        if not host:
            return preset_host, port or preset_port
    return host or "", port or _DEFAULT_PORTS[service][security]
