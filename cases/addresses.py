"""Whether a text is one e-mail address (an RFC 5322 §3.4.1 addr-spec), read once for all.

The local part is a dot-atom or a quoted string (RFC 5321 §4.1.2, RFC 5322 §3.4.1):
`"john doe"@example.com` is an address, and its quotes are part of it, in the SMTP
envelope too. Outside quotes no space, `@`, `"`, angle bracket or list separator.
"""

from __future__ import annotations

import re

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
    return _TYPED.fullmatch(text) is not None


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
    """The domain of an address, lower-cased (domains are caseless, RFC 5321 §2.4)."""
    return address.rpartition("@")[2].strip().lower()
