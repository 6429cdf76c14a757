"""`rightsdesk mail check`: log in, look at the folders and recent mail; change and send nothing."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from imapclient import IMAPClient

from cases.errors import UserError
from mail_intake.authentication import OMITTED, is_trusted_header, parse_header
from mail_intake.imap_source import CONNECTION_ERRORS, ImapAccount
from mail_intake.transports import SmtpTransport

RECENT = 50  # RFC 8601 headers are judged on this many of the newest messages
_HEADERS = b"BODY.PEEK[HEADER.FIELDS (AUTHENTICATION-RESULTS)]"


@dataclass
class CheckReport:
    """What the check found: lines to show, and one line per problem."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def judge_recent(headers: list[list[str]], trusted: frozenset[str], report: CheckReport) -> None:
    """Whether recent mail carries a trusted Authentication-Results header (RFC 8601 §5)."""
    if not trusted:
        report.problems.append(
            "RIGHTSDESK_TRUSTED_AUTHSERV_IDS is unset: no mail is authenticated,"
            " sender match never verifies by itself"
        )
    if not headers:
        report.lines.append("recent mail: none to judge")
        return
    with_trusted = sum(1 for h in headers if trusted and is_trusted_header(h, trusted))
    report.lines.append(
        f"recent mail: {with_trusted} of the last {len(headers)} carry a trusted"
        " Authentication-Results header"
    )
    if trusted and not with_trusted:
        seen = sorted(
            {(p.authserv_id or OMITTED) for h in headers for v in h if (p := parse_header(v))}
        )
        found = ", ".join(seen[:5]) or "none"
        report.problems.append(
            f"none of the last {len(headers)} messages has an Authentication-Results header"
            f" from RIGHTSDESK_TRUSTED_AUTHSERV_IDS (authserv-ids found: {found})"
        )


def check_imap(
    account: ImapAccount,
    trusted: frozenset[str],
    *,
    recent: int = RECENT,
    create_folders: bool = False,
) -> CheckReport:
    """Log in, report the four folders, and judge the newest mail of the inbox and Processed.

    With `create_folders`, a missing Processed, Failed or Sent folder is created (the only
    change the check makes, and only when asked).
    """
    report = CheckReport()
    where = f"IMAP {account.host}:{account.port}"
    try:
        client = IMAPClient(
            account.host,
            port=account.port,
            ssl=account.security == "ssl",
            timeout=account.connect_timeout,
        )
    except CONNECTION_ERRORS as exc:
        report.problems.append(f"{where}: cannot connect ({type(exc).__name__})")
        return report
    try:
        if account.security == "starttls":
            client.starttls(ssl.create_default_context())
        account.log_in(client)
        how = "OAuth 2.0" if account.token else "password"
        report.lines.append(f"{where}: logged in as {account.user} ({account.security}, {how})")
        headers: list[list[str]] = []
        folders = [
            ("inbox", account.folder),
            ("processed", account.processed_folder),
            ("failed", account.failed_folder),
            ("sent", account.sent_folder),
        ]
        for role, folder in folders:
            if not folder:
                report.lines.append(f"folder {role}: not used")
                continue
            exists = client.folder_exists(folder)
            if not exists and create_folders and role != "inbox":
                client.create_folder(folder)
                report.lines.append(f"folder {role}: {folder} (created)")
                continue
            report.lines.append(f"folder {role}: {folder} ({'exists' if exists else 'missing'})")
            if not exists and role == "inbox":
                report.problems.append(f"the inbox folder {folder} does not exist")
            elif not exists:
                report.lines.append(
                    f"  (intake creates {folder} when it first connects; --create-folders now)"
                )
            if exists and role in ("inbox", "processed"):
                headers.extend(_recent_headers(client, folder, recent))
        judge_recent(headers, trusted, report)
    except UserError as exc:  # the token server refused: our own one-line message
        report.problems.append(f"{where}: {exc}")
    except CONNECTION_ERRORS as exc:
        report.problems.append(f"{where}: {type(exc).__name__} (login or folder access failed)")
    finally:
        try:
            client.logout()
        except CONNECTION_ERRORS:
            client.shutdown()
    return report


def _recent_headers(client: IMAPClient, folder: str, recent: int) -> list[list[str]]:
    """The Authentication-Results values of the newest `recent` messages, read-only."""
    client.select_folder(folder, readonly=True)
    uids = sorted(client.search("ALL"))[-recent:]
    if not uids:
        return []
    fetched = client.fetch(uids, [_HEADERS])
    out: list[list[str]] = []
    for uid in uids:
        data = fetched.get(uid, {})
        block = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
        parsed = BytesHeaderParser(policy=compat32).parsebytes(bytes(block or b""))
        values = [" ".join(str(v).split()) for v in parsed.get_all("Authentication-Results", [])]
        out.append(values)
    return out


def check_maildir(root: Path, trusted: frozenset[str], *, recent: int = RECENT) -> CheckReport:
    """The local Maildir's folders and the newest mail of inbox/ and processed/."""
    report = CheckReport(lines=[f"IMAP is not configured: intake reads the Maildir {root}"])
    headers: list[list[str]] = []
    for role in ("inbox", "processed", "failed", "sent"):
        exists = (root / role / "new").is_dir()
        report.lines.append(f"folder {role}: {root / role} ({'exists' if exists else 'missing'})")
        if not exists or role not in ("inbox", "processed"):
            continue
        files = [p for sub in ("new", "cur") for p in (root / role / sub).glob("*") if p.is_file()]
        for path in sorted(files, key=lambda p: p.stat().st_mtime)[-recent:]:
            with path.open("rb") as handle:
                parsed = BytesHeaderParser(policy=compat32).parse(handle)
            values = parsed.get_all("Authentication-Results", [])
            headers.append([" ".join(str(v).split()) for v in values])
    judge_recent(headers, trusted, report)
    return report


def check_smtp(transport: SmtpTransport) -> CheckReport:
    """Connect, secure and authenticate exactly as the outbox does, then QUIT: nothing is sent."""
    report = CheckReport()
    where = f"SMTP {transport.host}:{transport.port}"
    try:
        how = transport.check()
        report.lines.append(f"{where}: logged in ({transport.security}, {how}), nothing sent")
    except UserError as exc:  # the token server refused: our own one-line message
        report.problems.append(f"{where}: {exc}")
    except smtplib.SMTPAuthenticationError as exc:
        report.problems.append(f"{where}: login refused ({exc.smtp_code})")
    except (OSError, smtplib.SMTPException) as exc:
        report.problems.append(f"{where}: {type(exc).__name__}")
    return report
