"""What a requester's text asks for: its language, the rights it invokes, and its category.

`lexicon` holds the words, `rules` the rule language that matches them, `language` the
language of the sender's own words, and `classifier` puts them together.
"""

from __future__ import annotations

from cases.classify.classifier import (
    MAX_TEXT_CHARS,
    Category,
    Classification,
    Hit,
    Signal,
    classify_request,
)
from cases.classify.language import LANGUAGES, detect_language, detect_request_language, own_words

__all__ = [
    "LANGUAGES",
    "MAX_TEXT_CHARS",
    "Category",
    "Classification",
    "Hit",
    "Signal",
    "classify_request",
    "detect_language",
    "detect_request_language",
    "own_words",
]
