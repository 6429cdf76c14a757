"""The stdlib's `policy.default`, parsing each distinct header text once, and short ones only.

policy.default parses a header again on every read (`msg.get`, `get_content_type`), and
intake reads the same Content-Type or From several times per message and the same values
across messages. Header objects are immutable, so a parsed one can be handed out again.

The structured parse is also slow and large on hostile text: a 998-character To of commas
or comments takes 0.2 s and keeps up to 1.7 MB, and a 12 KB Content-Type of message ids
0.23 s and 10 MB on each of the several reads a part gets. So a value longer than RFC 5322's
line (§2.1.1) is read as unstructured text, cut to that line, and what is kept is bounded
by the characters parsed, not by the number of headers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry

# RFC 5322 §2.1.1: 998 characters per line. Longer fields are folded lists (To, References)
# or hostile; mail_intake.parsing reads those from the raw text with the lenient parsers.
MAX_STRUCTURED_CHARS = 998
# About 500 ordinary headers (every header of a message and the common Content-Types); on
# hostile text, up to ~1.7 KB of parse tree per character: ~55 MB at worst.
CACHED_CHARS = 32_768
_UNSTRUCTURED = "x-rightsdesk-unstructured"  # any name the registry does not know


class _MemoRegistry(HeaderRegistry):
    """A HeaderRegistry that remembers the last headers it built (each keeps its parse tree)."""

    def __init__(self) -> None:
        super().__init__()
        self._kept: OrderedDict[tuple[str, str], BaseHeader] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()  # intake and the CLI's classify may parse in threads

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name, value[: MAX_STRUCTURED_CHARS + 1])
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        header = self._build(*key)
        with self._lock:
            if key not in self._kept:
                self._kept[key] = header
                self._chars += len(key[1])
            while self._chars > CACHED_CHARS:
                (_, dropped), _ = self._kept.popitem(last=False)
                self._chars -= len(dropped)
        return header

    def _build(self, name: str, value: str) -> BaseHeader:
        if len(value) > MAX_STRUCTURED_CHARS:
            # The stdlib's own Content-* helpers (get_content_type, get_boundary, get_param)
            # read the header's text, not its parse tree: the cut text serves them.
            return self[_UNSTRUCTURED](name, value[:MAX_STRUCTURED_CHARS])
        return super().__call__(name, value)


PARSE_POLICY = policy.default.clone(header_factory=_MemoRegistry())
