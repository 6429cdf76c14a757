"""The stdlib's `policy.default`, parsing each distinct header text once, and within bounds.

policy.default parses a header again on every read (`msg.get`, `get_content_type`), and
intake reads the same Content-Type or From several times per message and the same values
across messages. Header objects are immutable, so a parsed one can be handed out again.

The structured parse is also slow and large on hostile text: a 998-character To or
Content-Type of commas or comments takes 0.2 s and keeps up to 1.7 MB, and a 12 KB
Content-Type of message ids 0.23 s and 10 MB, on each of the several reads a part gets.
So it is given only values within RFC 5322's line (§2.1.1), and per message only so many
characters of them (`structured_budget`); anything else is read as unstructured text,
which the stdlib's own Content-* helpers (get_content_type, get_boundary, get_param,
get_filename) serve just as well: they read the header's text, not its parse tree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry

# RFC 5322 §2.1.1: 998 characters per line. A longer field is folded (a To list, an RFC 2231
# filename, parameters before a late boundary) or hostile.
MAX_STRUCTURED_CHARS = 998
# Unstructured text is linear to read (13 ms for 16 KB); beyond this a header is cut.
MAX_HEADER_CHARS = 16_384
# Characters of new (uncached) header values one message may have read: an ordinary mail
# needs a few hundred; 450 parts of hostile 998-character Content-Types took 20 s, 100
# parts of 16 KB ones 31 s. The address headers are read once per message and never count.
STRUCTURED_PER_MESSAGE = 8_192
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender"})
# About 500 ordinary headers (every header of a message and the common Content-Types); on
# hostile text, up to ~1.7 KB of parse tree per character: ~55 MB at worst.
CACHED_CHARS = 32_768
_UNSTRUCTURED = "x-rightsdesk-unstructured"  # any name the registry does not know
_budget: ContextVar[list[int] | None] = ContextVar("structured_budget", default=None)


@contextmanager
def structured_budget(chars: int = STRUCTURED_PER_MESSAGE) -> Iterator[None]:
    """Within this block, give the structured parser at most `chars` new characters."""
    token = _budget.set([chars])
    try:
        yield
    finally:
        _budget.reset(token)


class _MemoRegistry(HeaderRegistry):
    """A HeaderRegistry that remembers the last headers it built (each keeps its parse tree)."""

    def __init__(self) -> None:
        super().__init__()
        self._kept: OrderedDict[tuple[str, str], BaseHeader] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()  # intake and the CLI's classify may parse in threads

    def __call__(self, name: str, value: str) -> BaseHeader:
        # Long values are kept too: a part's Content-Type is read about nine times, and
        # 16 KB of words takes ~25 ms to read even unstructured.
        text = value[:MAX_HEADER_CHARS]
        key = (name, text)
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        budget = _budget.get()
        if budget is not None and name.lower() not in _ADDRESS_HEADERS:
            if budget[0] < len(text):  # spent: a line's worth, not kept (another mail may)
                return self[_UNSTRUCTURED](name, text[:MAX_STRUCTURED_CHARS])
            budget[0] -= len(text)
        if len(text) > MAX_STRUCTURED_CHARS:
            header = self[_UNSTRUCTURED](name, text)
        else:
            header = super().__call__(name, text)
        with self._lock:
            if key not in self._kept:
                self._kept[key] = header
                self._chars += len(text)
            while self._chars > CACHED_CHARS:
                (_, dropped), _ = self._kept.popitem(last=False)
                self._chars -= len(dropped)
        return header


PARSE_POLICY = policy.default.clone(header_factory=_MemoRegistry())
