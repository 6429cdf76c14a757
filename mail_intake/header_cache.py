"""The stdlib's `policy.default`, parsing each distinct header text once.

policy.default parses a header again on every read (`msg.get`, `get_content_type`), and
intake reads the same Content-Type or From several times per message and the same values
across messages. Header objects are immutable, so a parsed one can be handed out again.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from functools import lru_cache

MAX_CACHED_CHARS = 2_000  # a long header (DKIM, a hostile one) is parsed each time, not kept
CACHED_HEADERS = 256  # enough for every header of one message and the common Content-Types


class _MemoRegistry(HeaderRegistry):
    """A HeaderRegistry that remembers the last headers it built (each keeps its parse tree)."""

    def __init__(self) -> None:
        super().__init__()
        self._memo = lru_cache(maxsize=CACHED_HEADERS)(super().__call__)

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > MAX_CACHED_CHARS:
            return super().__call__(name, value)
        return self._memo(name, value)


PARSE_POLICY = policy.default.clone(header_factory=_MemoRegistry())
