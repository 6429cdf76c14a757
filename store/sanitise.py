"""Text bound for the database and the terminal: control characters and escape sequences out.

PostgreSQL refuses NUL in text columns, and ESC/OSC sequences in a name or subject would
drive the operator's terminal (ECMA-48 §5.4 CSI, §8.3.89 OSC). The printable text stays.
"""

from __future__ import annotations

import re

# ECMA-48: CSI (ESC [ or U+009B) ... final byte; OSC/DCS/APC/PM/SOS strings up to BEL or ST;
# any other two-character escape.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
)
# C0 but tab and newline, DEL, C1, and the bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    """Multi-line text (a body): escape sequences and controls removed, tab and newline kept."""
    value = value.replace("\r\n", "\n")
    return _CONTROLS.sub("", _SEQUENCES.sub("", value))


def clean_line(value: str) -> str:
    """One-line text (a name, a subject, a file name): `clean_text`, runs of space as one."""
    return " ".join(clean_text(value).split())
