"""A private Dovecot (IMAP + LMTP) in a temp dir, on free loopback ports, for e2e tests."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient

from . import free_port, wait_until_bindable
from .oauth import OAuthServer

DEFAULT_USER = "desk@example.com"
DEFAULT_PASSWORD = "secret"
FOLDERS = ("INBOX", "Processed", "Failed", "Sent")

_APPENDUID = re.compile(rb"APPENDUID \d+ (\d+)")
_SAFE_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*@[A-Za-z0-9.-]+")  # also a file name


def find_dovecot() -> str | None:
    """Path of the dovecot binary; /usr/sbin is often missing from a normal user's PATH."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which("dovecot", path=path)


@dataclass(frozen=True)
class Account:
    """Who the processes run as: root must hand mail and login processes to nobody."""

    uid: int
    gid: int
    user: str
    group: str

    @classmethod
    def for_current_process(cls) -> Account:
        """nobody/nogroup as root (CI), else the current user everywhere."""
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            group = _nogroup()
            return cls(nobody.pw_uid, group.gr_gid, "nobody", group.gr_name)
        me = pwd.getpwuid(os.geteuid())
        return cls(me.pw_uid, me.pw_gid, me.pw_name, grp.getgrgid(me.pw_gid).gr_name)


def _nogroup() -> grp.struct_group:
    for name in ("nogroup", "nobody"):
        with contextlib.suppress(KeyError):
            return grp.getgrnam(name)
    raise RuntimeError("neither group nogroup nor nobody exists")


def _passdb(root: Path, introspection_url: str | None) -> str:
    """passwd-file with PLAIN, or only OAuth 2.0 bearer tokens checked by introspection."""
    if introspection_url is None:
        return f"""auth_mechanisms = plain
# One passwd-file per user: Dovecot rereads a changed passwd-file at most once a second,
# so users added within the same second would otherwise stay unknown.
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}"""
    (root / "dovecot-oauth2.conf.ext").write_text(
        f"""introspection_mode = post
introspection_url = {introspection_url}
username_attribute = username
active_attribute = active
active_value = true
force_introspection = yes
"""
    )
    return f"""# OAuth 2.0 only (RFC 7628 OAUTHBEARER and XOAUTH2): no password is accepted.
auth_mechanisms = xoauth2 oauthbearer
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}"""


def _config(
    root: Path,
    account: Account,
    imap_port: int,
    lmtp_port: int,
    introspection_url: str | None = None,
) -> str:
    mailboxes = "\n".join(
        f"  mailbox {name} {{\n    auto = create\n{special}  }}"
        for name, special in (
            ("Processed", ""),
            ("Failed", ""),
            ("Sent", "    special_use = \\Sent\n"),
        )
    )
    return f"""\
# Written by tests/servers/dovecot.py; see docs design.md §2 "Dovecot as a test server".
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
default_login_user = {account.user}
default_internal_user = {account.user}
default_internal_group = {account.group}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:~/Maildir
postmaster_address = postmaster@example.com

{_passdb(root, introspection_url)}
userdb {{
  driver = static
  args = uid={account.uid} gid={account.gid} home={root}/mail/%u
}}

namespace inbox {{
  inbox = yes
{mailboxes}
}}

service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
service anvil {{
  chroot =
}}
"""


class DovecotServer:
    """Dovecot run as `dovecot -F -c CONF` from a temp dir; mail survives stop() and restart()."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        user: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        binary: str | None = None,
        oauth: OAuthServer | None = None,
    ) -> None:
        self.oauth = oauth  # OAuth-only: tokens checked at this server's introspection
        self.user = user
        self.password = password
        self.binary = binary or find_dovecot() or "dovecot"
        self.imap_port = 0
        self.lmtp_port = 0
        self.root: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._account = Account.for_current_process()
        self._users: dict[str, str] = {}

    # lifecycle ------------------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> None:
        """Write the config on first start (ports fixed from then on), launch, wait for IMAP."""
        if self.running:
            raise RuntimeError("Dovecot is already running")
        self.kill()  # reap a master that died on its own, and its children
        if self.root is None:
            self._prepare()
        assert self.root is not None
        with open(self.root / "dovecot.stderr", "ab") as stderr:
            self._process = subprocess.Popen(
                [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # own process group, so stop() reaches every child
            )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.kill()
            raise

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully (SIGTERM to the whole process group) and wait for the ports to free."""
        self._end(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """Stop like a crash: SIGKILL to the whole process group."""
        self._end(signal.SIGKILL, 10.0)

    def restart(self) -> None:
        """Stop, then start again on the same ports with the same mail."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop and delete the temp dir."""
        self.stop()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    @property
    def running(self) -> bool:
        """Whether the master process is alive."""
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> DovecotServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # users ----------------------------------------------------------------------------------

    def add_user(self, user: str, password: str = DEFAULT_PASSWORD) -> Mailbox:
        """Add (or re-password) a user; Dovecot rereads the passwd-file when it changes."""
        if not _SAFE_USER.fullmatch(user) or ":" in password or "\n" in password:
            raise ValueError(f"unsupported test user or password: {user!r}")
        self._users[user] = password
        if self.root is not None:
            self._write_passwd()
        return Mailbox(self, user, password)

    @property
    def mailbox(self) -> Mailbox:
        """The default account, desk@example.com."""
        return Mailbox(self, self.user, self.password)

    # mail -----------------------------------------------------------------------------------

    def deliver_lmtp(
        self, raw: bytes, rcpt: str = DEFAULT_USER, sender: str = "x@example.com"
    ) -> None:
        """Deliver as an MTA would (Dovecot adds Return-Path and Delivered-To); RFC 2033."""
        data = re.sub(rb"\r?\n", b"\r\n", raw)
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=10) as lmtp:
            refused = lmtp.sendmail(sender, [rcpt], data)
        if refused:
            raise RuntimeError(f"LMTP refused {refused!r}")

    def client(self, user: str | None = None, password: str | None = None) -> IMAPClient:
        """A logged-in IMAPClient, plain TCP (no TLS); the caller logs out."""
        client = IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=10)
        try:
            if self.oauth is not None:
                client.oauth2_login(user or self.user, self.oauth.issue(user or self.user))
            else:
                client.login(user or self.user, password or self._password_of(user))
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    def append(
        self,
        raw: bytes,
        folder: str = "INBOX",
        *,
        user: str | None = None,
        flags: tuple[str, ...] = (),
    ) -> int | None:
        """IMAP APPEND; returns the new UID from APPENDUID (RFC 4315) when the server sends it."""
        client = self.client(user)
        try:
            response: bytes = client.append(folder, raw, flags=flags)
        finally:
            client.logout()
        match = _APPENDUID.search(response or b"")
        return int(match.group(1)) if match else None

    def folder_uids(self, folder: str = "INBOX", *, user: str | None = None) -> list[int]:
        """UIDs in FOLDER, read-only so that nothing changes \\Seen or \\Recent."""
        client = self.client(user)
        try:
            client.select_folder(folder, readonly=True)
            return sorted(int(uid) for uid in client.search(["ALL"]))
        finally:
            client.logout()

    def flags(self, folder: str, uid: int, *, user: str | None = None) -> tuple[bytes, ...]:
        """The flags of one message, read without side effects."""
        client = self.client(user)
        try:
            client.select_folder(folder, readonly=True)
            found: dict[int, tuple[bytes, ...]] = client.get_flags([uid])
            return tuple(found.get(uid, ()))
        finally:
            client.logout()

    def log(self) -> str:
        """The Dovecot log, for failure messages."""
        if self.root is None:
            return ""
        parts = [p.read_text(errors="replace") for p in self._log_files() if p.exists()]
        return "\n".join(parts)

    # internals ------------------------------------------------------------------------------

    def _password_of(self, user: str | None) -> str:
        return self.password if user is None else self._users[user]

    def _prepare(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="rightsdesk-dovecot-"))
        # Login and mail processes run as nobody under root: they must enter the dir (0755),
        # and the mail processes must create each user's home under mail/.
        root.chmod(0o755)
        (root / "mail").mkdir()
        if os.geteuid() == 0:
            os.chown(root / "mail", self._account.uid, self._account.gid)
        self.root = root
        self._users.setdefault(self.user, self.password)
        self._write_passwd()
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        while self.lmtp_port == self.imap_port:
            self.lmtp_port = free_port()
        introspection = f"{self.oauth.url}/introspect" if self.oauth else None
        config = _config(root, self._account, self.imap_port, self.lmtp_port, introspection)
        (root / "dovecot.conf").write_text(config)

    def _write_passwd(self) -> None:
        assert self.root is not None
        users = self.root / "users"
        users.mkdir(mode=0o755, exist_ok=True)
        for user, password in self._users.items():
            target = users / user
            tmp = users / f".{user}.tmp"
            tmp.write_text(f"{user}:{{PLAIN}}{password}\n")
            tmp.chmod(0o644)  # read by the auth process, which runs as the unprivileged user
            tmp.replace(target)

    def _log_files(self) -> list[Path]:
        assert self.root is not None
        return [self.root / "dovecot.stderr", self.root / "dovecot.log"]

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {"imap": self.imap_port, "lmtp": self.lmtp_port}
        while pending:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self._process.returncode}:\n{self.log()}")
            for name, port in list(pending.items()):
                if _greets(self.host, port):
                    del pending[name]
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"dovecot did not answer on {pending}:\n{self.log()}")
            if pending:
                time.sleep(0.05)

    def _end(self, sig: signal.Signals, timeout: float) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)
        if sig != signal.SIGKILL:
            # Children (imap-login holds the listening socket) may outlive the master a moment.
            _reap_group(process.pid, grace=1.0)
        for port in (self.imap_port, self.lmtp_port):
            wait_until_bindable(port, self.host, timeout)


def _reap_group(pgid: int, grace: float) -> None:
    """Give the group GRACE seconds to exit, then SIGKILL whatever is left."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _greets(host: str, port: int) -> bool:
    """True when the port accepts a connection and sends a greeting line."""
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            return sock.recv(64).startswith((b"* OK", b"220"))
    except OSError:
        return False


@dataclass(frozen=True)
class Mailbox:
    """One user's account on a DovecotServer: what a test hands to the code under test."""

    server: DovecotServer
    user: str
    password: str

    @property
    def host(self) -> str:
        """The IMAP and LMTP host."""
        return self.server.host

    @property
    def imap_port(self) -> int:
        """The plain IMAP port."""
        return self.server.imap_port

    @property
    def lmtp_port(self) -> int:
        """The LMTP port."""
        return self.server.lmtp_port

    def deliver_lmtp(self, raw: bytes, sender: str = "x@example.com") -> None:
        """Deliver RAW to this user by LMTP."""
        self.server.deliver_lmtp(raw, rcpt=self.user, sender=sender)

    def append(self, raw: bytes, folder: str = "INBOX", flags: tuple[str, ...] = ()) -> int | None:
        """IMAP APPEND to this user's FOLDER; returns the UID."""
        return self.server.append(raw, folder, user=self.user, flags=flags)

    def client(self) -> IMAPClient:
        """A logged-in IMAPClient for this user."""
        return self.server.client(self.user, self.password)

    def folder_uids(self, folder: str = "INBOX") -> list[int]:
        """UIDs in this user's FOLDER."""
        return self.server.folder_uids(folder, user=self.user)

    def flags(self, folder: str, uid: int) -> tuple[bytes, ...]:
        """Flags of one message of this user."""
        return self.server.flags(folder, uid, user=self.user)
