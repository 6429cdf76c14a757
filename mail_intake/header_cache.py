"""The stdlib's `policy.default`, parsing each header of a message once, and within bounds.

policy.default parses a header again on every read (`msg.get`, `get_content_type`), and
intake reads a part's Content-Type about nine times and the From several times. Header
objects are immutable, so within one message (`reading_one_message`) a parsed one is
handed out again; the parsed headers go with the message, since a parse tree takes up to
~1.7 KB per character and one kept across messages would hold it for the life of `run`
(only 64 short Content-* values most mail shares are kept longer).

The structured parse is also slow and large on hostile text: a 998-character To or
Content-Type of commas or comments takes 0.2 s and keeps up to 1.7 MB, and a 12 KB
Content-Type of message ids 0.23 s and 10 MB, on each of the several reads a part gets.
So it is given only values within RFC 5322's line (§2.1.1), and per message only so many
characters of them; anything else is read as unstructured text, which the stdlib's own
Content-* helpers (get_content_type, get_boundary, get_param, get_filename) serve just as
well: they read the header's text, not its parse tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from functools import lru_cache

# RFC 5322 §2.1.1: 998 characters per line. A longer field is folded (a To list, an RFC 2231
# filename, parameters before a late boundary) or hostile.
MAX_STRUCTURED_CHARS = 998
# Unstructured text is linear to read (13 ms for 16 KB); beyond this a header is cut.
MAX_HEADER_CHARS = 16_384
# Characters of header values one message may have read (and kept): an ordinary mail needs
# a few hundred; 450 parts of hostile 998-character Content-Types took 20 s, 100 parts of
# 16 KB ones 31 s. The address headers are read once per message and never count.
STRUCTURED_PER_MESSAGE = 8_192
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender"})
_UNSTRUCTURED = "x-rightsdesk-unstructured"  # any name the registry does not know
# The few values most mail shares ("text/plain; charset=utf-8", "quoted-printable", "1.0")
# are also kept across messages: ~200 KB for ordinary ones, under 10 MB for hostile ones.
# Each still counts against the message's budget, as any other value does.
_SHARED_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})
SHARED_CHARS = 80
SHARED_ENTRIES = 64


@dataclass
class _Message:
    """What reading one message has used: characters left to read, the headers read."""

    budget: int
    read: dict[tuple[str, str], BaseHeader] = field(default_factory=dict)


_message: ContextVar[_Message | None] = ContextVar("reading_one_message", default=None)


@contextmanager
def reading_one_message(chars: int = STRUCTURED_PER_MESSAGE) -> Iterator[None]:
    """Within this block, headers are parsed once each, `chars` characters of them at most."""
    token = _message.set(_Message(chars))
    try:
        yield
    finally:
        _message.reset(token)


class _MemoRegistry(HeaderRegistry):
    """A HeaderRegistry that parses each header of the message being read once, within bounds."""

    def __init__(self) -> None:
        super().__init__()
        self._shared = lru_cache(maxsize=SHARED_ENTRIES)(super().__call__)
        self._classes: dict[type, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        # The stdlib builds a new class (type()) for every header it parses; the class
        # depends only on the kind of header, so one per kind is made and kept.
        kind = self.registry.get(name.lower(), self.default_class)
        made = self._classes.get(kind)
        if made is None:
            made = self._classes[kind] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: str) -> BaseHeader:
        text = value[:MAX_HEADER_CHARS]
        message = _message.get()
        if message is None:  # outside parse_message: each read parsed anew, as the stdlib does
            return self._parse(name, text)
        key = (name, text)
        found = message.read.get(key)
        if found is not None:
            return found
        # A shared value counts too: thousands of parts with distinct short ones must not
        # make the per-message work unbounded.
        if name.lower() not in _ADDRESS_HEADERS:
            if message.budget < len(text):  # spent: a line's worth, read again if asked again
                return self[_UNSTRUCTURED](name, text[:MAX_STRUCTURED_CHARS])
            message.budget -= len(text)
        header = message.read[key] = self._parse(name, text)
        return header

    def _parse(self, name: str, text: str) -> BaseHeader:
        if len(text) > MAX_STRUCTURED_CHARS:
            return self[_UNSTRUCTURED](name, text)
        if len(text) <= SHARED_CHARS and name.lower() in _SHARED_HEADERS:
            return self._shared(name, text)
        return super().__call__(name, text)


PARSE_POLICY = policy.default.clone(header_factory=_MemoRegistry())
