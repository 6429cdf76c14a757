"""Was the `From:` domain authenticated? RFC 8601 `Authentication-Results` from a trusted server.

Only the receiving server we trust can say so: any hop before it, or the sender, can write an
`Authentication-Results` header too. The topmost header whose authserv-id is trusted decides
(RFC 8601 §5, §7.1): `dmarc=pass` for the From domain, or, where DMARC gave no verdict, a
`dkim=pass` or `spf=pass` whose domain aligns with it (RFC 7489 §3.1, relaxed alignment).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cases.addresses import canonical_domain

# Exchange Online writes `Authentication-Results: spf=pass (sender IP is …) smtp.mailfrom=…;
# dkim=pass … header.d=…;dmarc=pass action=none header.from=…;compauth=pass reason=100`,
# without the authserv-id RFC 8601 §2.2 requires; this stands for "omitted".
OMITTED = "(omitted)"
PRESETS: dict[str, tuple[str, ...]] = {
    # Gmail and Google Workspace: `Authentication-Results: mx.google.com; dkim=pass …`.
    "google-workspace": ("mx.google.com",),
    # Exchange Online: the id-less header, counted only as the topmost of the mail.
    "microsoft-365": (OMITTED,),
}
MAX_HEADERS = 50
MAX_HEADER_CHARS = 8_192
_KEYWORD = r"[A-Za-z0-9][A-Za-z0-9_-]*"
_METHOD = re.compile(rf"\s*({_KEYWORD})\s*(?:/\s*\d+\s*)?=\s*({_KEYWORD})(.*)", re.DOTALL)
_VALUE = r"(\"(?:[^\"\\]|\\.)*\"|[^\s;\"]+)"
_REASON = re.compile(rf"\breason\s*=\s*{_VALUE}", re.IGNORECASE)
_PROP = re.compile(rf"\b({_KEYWORD})\s*\.\s*([A-Za-z0-9_.-]+)\s*=\s*{_VALUE}")
_DMARC_DEFERS = ("none", "bestguesspass")  # no DMARC verdict: alignment decides


@dataclass(frozen=True)
class MethodResult:
    """One `method=result` with its properties, e.g. `header.from` -> `example.com`."""

    method: str
    result: str
    reason: str | None = None
    props: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthResults:
    """One parsed header: who wrote it (None when omitted) and its results."""

    authserv_id: str | None
    results: tuple[MethodResult, ...]


@dataclass(frozen=True)
class Verdict:
    """Whether the From domain is authenticated, and a one-line reason for the contact person."""

    authenticated: bool
    detail: str


def trusted_ids(names: Iterable[str]) -> frozenset[str]:
    """Lower-cased authserv-ids with the presets expanded (`google-workspace`, `microsoft-365`)."""
    found: set[str] = set()
    for name in (n.strip().lower() for n in names):
        if name:
            found.update(PRESETS.get(name, (name,)))
    return frozenset(found)


def strip_comments(text: str) -> str:
    """The text without RFC 5322 §3.2.2 comments (nested, escaped); quoted strings kept."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            quoted = ch != '"'
            out.append(ch)
        elif ch == '"' and depth == 0:
            quoted = True
            out.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                out.append(" ")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _split(text: str) -> list[str]:
    """Split on `;` outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_header(value: str) -> AuthResults | None:
    """One `Authentication-Results` value (RFC 8601 §2.2); None when it is not one."""
    parts = _split(strip_comments(value[:MAX_HEADER_CHARS]))
    head = parts[0].split()
    authserv_id: str | None
    if "=" in parts[0]:  # no authserv-id: the Exchange Online form
        authserv_id, specs = None, parts
    elif head:
        authserv_id, specs = _unquote(head[0]).lower(), parts[1:]
    else:
        return None
    results: list[MethodResult] = []
    for spec in specs:
        found = _METHOD.fullmatch(spec)
        if found is None:  # "none", or the stray `;domain.com` Exchange writes: not a result
            continue
        rest = found.group(3)
        reason = _REASON.search(rest)
        props = {
            f"{p.lower()}.{q.lower()}": _unquote(v)
            for p, q, v in _PROP.findall(rest)
            if p.lower() != "reason"
        }
        results.append(
            MethodResult(
                method=found.group(1).lower(),
                result=found.group(2).lower(),
                reason=_unquote(reason.group(1)) if reason else None,
                props=props,
            )
        )
    return AuthResults(authserv_id, tuple(results))


def _domain(value: str | None) -> str:
    """`user@Example.COM` or `@example.com` or `example.com` -> `example.com`, as U-labels.

    Authentication-Results carries an IDN domain as A-labels (RFC 8601 §2.2), the sender
    is compared as U-labels: both in one form, as `cases.addresses.canonical` keeps them.
    """
    return canonical_domain((value or "").rpartition("@")[2].strip().strip("."))


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment without the public suffix list: equal, or parent and child.

    The shorter side must still hold a dot, so a bare top-level domain never aligns.
    """
    if not domain or not from_domain:
        return False
    if domain == from_domain:
        return True
    short, long_ = sorted((domain, from_domain), key=len)
    return "." in short and long_.endswith("." + short)


def judge(found: AuthResults, from_domain: str) -> Verdict:
    """The verdict of one trusted header for `from_domain`."""
    by = found.authserv_id or "the receiving server"
    for r in found.results:
        if r.method != "dmarc":
            continue
        header_from = _domain(r.props.get("header.from"))
        if r.result == "pass" and header_from == from_domain:
            return Verdict(True, f"dmarc=pass for {from_domain} ({by})")
        if r.result not in _DMARC_DEFERS and header_from in ("", from_domain):
            return Verdict(False, f"dmarc={r.result} for {from_domain} ({by})")
    for r in found.results:
        if r.result != "pass":
            continue
        if r.method == "dkim":
            signer = _domain(r.props.get("header.d") or r.props.get("header.i"))
            if aligned(signer, from_domain):
                return Verdict(True, f"dkim=pass aligned with {from_domain} ({by})")
        elif r.method == "spf":
            envelope = _domain(r.props.get("smtp.mailfrom"))
            if aligned(envelope, from_domain):
                return Verdict(True, f"spf=pass aligned with {from_domain} ({by})")
    return Verdict(False, f"no passing check aligned with {from_domain} ({by})")


def authenticate(
    headers: Sequence[str], from_domain: str | None, trusted: frozenset[str]
) -> Verdict:
    """Judge the `Authentication-Results` values of one mail, topmost first."""
    if not trusted:
        return Verdict(False, "no trusted authserv-id configured")
    if not from_domain:
        return Verdict(False, "sender unclear")
    from_domain = canonical_domain(from_domain)
    seen = False
    for index, value in enumerate(headers[:MAX_HEADERS]):
        found = parse_header(value)
        if found is None:
            continue
        seen = True
        key = found.authserv_id or OMITTED
        if key == OMITTED and index != 0:  # an id-less header below the top is anyone's
            continue
        if key in trusted:
            return judge(found, from_domain)
    if seen:
        return Verdict(False, "Authentication-Results only from untrusted servers")
    return Verdict(False, "no Authentication-Results header")


def is_trusted_header(headers: Sequence[str], trusted: frozenset[str]) -> bool:
    """Whether a trusted server wrote one of these headers (for `rightsdesk mail check`)."""
    for index, value in enumerate(headers[:MAX_HEADERS]):
        found = parse_header(value)
        if found is None:
            continue
        key = found.authserv_id or OMITTED
        if key in trusted and (key != OMITTED or index == 0):
            return True
    return False
