"""Whether a text is one e-mail address (an RFC 5322 §3.4.1 addr-spec), read once for all.

The local part is a dot-atom or a quoted string (RFC 5321 §4.1.2, RFC 5322 §3.4.1):
`"john doe"@example.com` is an address, and its quotes are part of it, in the SMTP
envelope too. Outside quotes no space, `@`, `"`, angle bracket or list separator.

Local parts and domains may be non-ASCII (RFC 6531, RFC 6532): the address is kept as the
person wrote it, and `ascii_domain` gives the form with the domain's A-labels for the wire.
`canonical` is the one form addresses are stored and compared in: an IDN domain as U-labels,
whichever form the mail was written with.
"""

from __future__ import annotations

import re

import idna

# RFC 5322 §3.2.4: qtext and quoted-pairs between the quotes; the space of FWS is text too.
_QUOTED = r'"(?:[^"\\\r\n]|\\[^\r\n])+"'
_UNQUOTED = r'[^@\s<>(),;:"]+'
_LOCAL = rf"(?:{_QUOTED}|{_UNQUOTED})"
_ADDRESS = re.compile(rf"{_LOCAL}@[^@\s<>(),;:\"]+")
# A domain as a person types one for replies to go to: a dot and a top-level label.
_TYPED = re.compile(rf"{_LOCAL}@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\".]{{2,}}")


def is_address(text: str) -> bool:
    """Whether `text` is one addr-spec: a plain or quoted local part, `@`, a domain."""
    return _ADDRESS.fullmatch(text) is not None


def is_typed_address(text: str) -> bool:
    """`is_address` with a domain that has a dot and a top-level label, as people type it."""
    if _TYPED.fullmatch(text) is None:
        return False
    try:
        ascii_domain(text)  # a non-ASCII domain without A-labels could never be mailed
    except ValueError:
        return False
    return True


def ascii_domain(address: str) -> str:
    """`address` with an internationalised domain as A-labels; ValueError when it has none."""
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    try:
        return f"{local}@{ascii_domain_name(domain)}"
    except ValueError as exc:
        raise ValueError(f"the address's {exc}") from exc


def ascii_domain_name(domain: str) -> str:
    """A bare domain with its non-ASCII labels as A-labels, the form DNS knows (RFC 5890).

    ValueError when it is no valid internationalised domain name; an ASCII one is returned
    as written.
    """
    if domain.isascii():
        return domain
    try:
        # IDNA2008 with the UTS #46 mapping (as RFC 5895 suggests): "EXÄMPEL" becomes "exämpel".
        return str(idna.encode(domain, uts46=True).decode("ascii"))
    except UnicodeError as exc:  # idna.IDNAError: a hyphen at an end, an empty label, ...
        raise ValueError(
            "domain is not a valid internationalised domain name (IDNA2008, RFC 5891)"
        ) from exc


def canonical(address: str) -> str:
    """`address` as stored and compared: trimmed, lower-cased, an IDN domain as U-labels."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return address.strip().lower()
    return f"{local.lower()}@{canonical_domain(domain)}"


def canonical_domain(domain: str) -> str:
    """A domain lower-cased, its A-labels as U-labels: `xn--exmpel-cua.example` is
    `exämpel.example`, the same domain (RFC 5890 §2.3.2.1, RFC 5891 §5)."""
    lowered = domain.strip().lower()
    if lowered.isascii() and "xn--" not in lowered:  # no IDN: nothing to decode (most mail)
        return lowered
    try:
        # UTS #46 mapping as in `ascii_domain`, so both forms end in the same U-labels.
        return str(idna.decode(lowered, uts46=True))
    except UnicodeError:  # not a valid IDN: kept as written, it can match only itself
        return lowered


# Mail services anyone may have an address at: a domain of these names no organisation.
FREE_MAIL = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com hotmail.fi live.com live.fi msn.com
    yahoo.com yahoo.se icloud.com me.com mac.com aol.com gmx.com gmx.de proton.me
    protonmail.com pm.me zoho.com mail.com suomi24.fi luukku.com kolumbus.fi elisanet.fi
    saunalahti.fi telia.com bredband.net spray.se
    """.split()  # noqa: SIM905 (a word list reads better than 29 quoted strings)
)


def domain_of(address: str) -> str:
    """The domain of an address, lower-cased (domains are caseless, RFC 5321 §2.4), as U-labels."""
    return canonical_domain(address.rpartition("@")[2])
