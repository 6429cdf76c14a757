"""The language of a requester's own words: fi, sv or en, without greetings, names or signatures."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from functools import cache

from cases.classify import dictionaries

LANGUAGES = ("fi", "sv", "en")
_LANGUAGE_NOISE = re.compile(
    # Addresses bounded by RFC 5321 §4.5.3.1 lengths: "\S+@\S+" was quadratic on a long token.
    r"https?://\S+|[^\s@]{1,64}@\S{1,255}|\[[A-Z]+-\d{4}-\d+\]|"
    r"\b(?:gdpr|dsgvo|art|re|fw|fwd|aw|sv|vs|vl)\b\.?:?|"
    r"[\d_]+",
    re.IGNORECASE,
)
_SHORT = 80  # a greeting, sign-off or signature line is never longer
# A name as people sign with it: one to four capitalised words ("Björn Lindqvist", "A-M. Lax").
_NAME = r"[A-ZÅÄÖ][\w'’.-]*(?:[ \t]+[A-ZÅÄÖ][\w'’.-]*){0,3}"
_GREETING = re.compile(
    r"\A\s*(?i:hei|heippa|moi|moikka|moro|terve|morjens|hyvää\s+(?:päivää|huomenta|iltaa)|"
    r"hyvä(?:t)?|arvoisa|hej|hejsan|hallå|tja|tjena|god\s+(?:dag|morgon|kväll)|bästa|kära|"
    r"hello|hi|hey|dear|good\s+(?:morning|afternoon|evening|day)|greetings|"
    r"to\s+whom\s+it\s+may\s+concern)\b"
    rf"(?:[ \t]+{_NAME})?[ \t]*(?:[,!:.]+|[ \t]*$)",
    re.MULTILINE,
)
_SIGN_OFF = (
    r"(?i:(?:med\s+)?(?:vänliga|bästa|varma)\s+hälsningar|hälsningar|mvh|vh|hälsn|"
    r"(?:ystävällisin|parhain|lämpimin)?\s*terveisin|terv|t|yst\.\s*terv|"
    r"(?:best|kind|warm)(?:est)?\s+regards|regards|best|cheers|br|sincerely|"
    r"yours\s+(?:sincerely|truly|faithfully)|thanks|thank\s+you|thx|kiitos|kiitti|tack|"
    r"tack\s+på\s+förhand|kiitos\s+jo\s+etukäteen|thanks\s+in\s+advance)"
)
# "Terveisin" on a line of its own, or "... tiedot. t. Björn Lindqvist" at the very end.
_SIGN_OFF_LINE = re.compile(rf"^\s*{_SIGN_OFF}\b\s*[,.!:]*\s*(?:{_NAME})?\s*$")
_SIGN_OFF_TAIL = re.compile(rf"(?:(?<=[.!?,])|(?<=\s))\s*{_SIGN_OFF}\b\s*[,.!:]*\s*{_NAME}\s*\Z")
# Signature lines: a bare name, a street address, a postcode and town, a phone number, an
# address, or the "-- " separator (RFC 3676 §4.3).
_SIGNATURE_LINE = re.compile(
    rf"^\s*(?:{_NAME}|{_NAME}\s+\d+(?:\s*[A-Za-z])?(?:\s+\d+)?|\d{{4,5}}\s+{_NAME}|"
    r"(?i:tel|puh|p|mob|gsm)?[.:]?\s*\+?[\d\s()/-]{6,}|[^\s@]+@\S+|[-–—]{1,3}\s*)\s*$"
)


# A confidentiality disclaimer, often in English under a Finnish or Swedish request: its
# paragraph and what follows are the organisation's boilerplate, not the sender's words.
_DISCLAIMER = re.compile(
    r"\b(?:intended\s+recipient|(?:strictly\s+)?confidential|privileged|disclaimer|"
    r"(?:this|the)\s+e-?mail\s+(?:message\s+)?and\s+any\s+attachments|"
    r"(?:tarkoitettu|osoitettu)\s+vastaanottaja|luottamuksellin\w*|"
    r"(?:avsedd|avsedda)\s+mottagare|konfidentiell\w*|sekretessbelag\w*)",
    re.IGNORECASE,
)
# A disclaimer speaks to a reader it was not meant for; a request marked "confidential and
# privileged" (a lawyer's letter) does not, and stays the sender's words.
_ADDRESSED = re.compile(
    r"intended|tarkoitettu|osoitettu|avsedd|disclaimer|attachments", re.IGNORECASE
)
_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def without_disclaimer(text: str) -> str:
    """The text up to a confidentiality disclaimer paragraph that is not its first."""
    paragraphs = [m.end() for m in _PARAGRAPH.finditer(text)]
    for start, end in zip(paragraphs, [*paragraphs[1:], len(text)], strict=False):
        # Two marks: "please keep this confidential" in the request itself is one.
        marks = {m.group().lower() for m in _DISCLAIMER.finditer(text, start, end)}
        if len(marks) >= 2 and any(_ADDRESSED.search(mark) for mark in marks):
            return text[:start].rstrip()
    return text


def own_words(text: str, *, names: Collection[str] = ()) -> str:
    """The sender's text without greeting, sign-off, signature, disclaimer and the names."""
    text = without_disclaimer(text[:20_000])
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    for i, line in enumerate(lines):
        if line.rstrip() == "--" or (i and len(line) <= _SHORT and _SIGN_OFF_LINE.match(line)):
            lines = lines[:i]
            break
    while len(lines) > 1 and (
        not lines[-1].strip() or (len(lines[-1]) <= _SHORT and _SIGNATURE_LINE.match(lines[-1]))
    ):
        lines.pop()
    body = _GREETING.sub("", "\n".join(lines), count=1).strip()
    # Only the end is searched: a sign-off closes the text, and the whole of a long text
    # would cost quadratic time on hostile input.
    body = body[:-_SHORT] + _SIGN_OFF_TAIL.sub("", body[-_SHORT:])
    for name in names:
        for part in re.findall(r"[^\W\d_]{2,}", name)[:6]:  # a name, not a hostile header
            body = re.sub(rf"\b{re.escape(part)}\b", " ", body, flags=re.IGNORECASE)
    return body.strip()


def signature_start(text: str) -> int:
    """Where the sign-off line or the "-- " separator (RFC 3676 §4.3) starts; len(text) if none."""
    offset = 0
    for i, line in enumerate(text.splitlines(keepends=True)):
        bare = line.rstrip("\r\n")
        if bare.rstrip() == "--" or (i and len(bare) <= _SHORT and _SIGN_OFF_LINE.match(bare)):
            return offset
        offset += len(line)
    return len(text)


def detect_language(text: str, *, default: str = "fi") -> str:
    """ "fi", "sv" or "en"; the default when the text has too few words to tell."""
    words = _LANGUAGE_NOISE.sub(" ", text)
    if sum(ch.isalpha() for ch in words) < 3:
        return default
    few = re.findall(r"[^\W\d_]+", words[:200])
    # "Thanks", "Tack så mycket", "wanna see my data": up to six words a dictionary knows
    # them where n-grams guess (on the benchmark's short texts and one-liners plus informal
    # ones, 111 in all, up to three words was 94% right, up to six 97%).
    if len(few) <= 6:
        ranked = dictionaries.langdetect(" ".join(few), LANGUAGES)
        if ranked[0][0] in LANGUAGES and ranked[0][1] > ranked[1][1]:
            return str(ranked[0][0])
    return _detector()(words[:20_000]) or default


def detect_request_language(
    subject: str, text: str, *, names: Collection[str] = (), default: str = "fi"
) -> str:
    """The language of a request: from its own words; from all of it when they say too little."""
    own = own_words(text, names=names)
    if sum(ch.isalpha() for ch in _LANGUAGE_NOISE.sub(" ", own)) >= 3:
        return detect_language(own, default=default)
    return detect_language(f"{subject}\n\n{text}" if subject else text, default=default)


@cache
def _detector() -> Callable[[str], str | None]:
    """lingua limited to fi/sv/en, built on first use, not at import."""
    # Low-accuracy mode takes ~10 MB where py3langid or lingua's full models take 100+ MB of
    # intake's 200 MB (design.md §4); with simplemma for the shortest texts it scores as well
    # as py3langid (benchmarks/classifier_scores.py).
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:  # lingua is optional: fall back to py3langid, a core dependency
        return py3langid_detector()
    codes = {Language.FINNISH: "fi", Language.SWEDISH: "sv", Language.ENGLISH: "en"}
    detector = LanguageDetectorBuilder.from_languages(*codes).with_low_accuracy_mode().build()

    def detect(text: str) -> str | None:
        found = detector.detect_language_of(text)
        return None if found is None else codes[found]

    return detect


def py3langid_detector() -> Callable[[str], str | None]:
    """py3langid limited to fi/sv/en: the fallback, and a benchmark's point of comparison."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))

    def detect(text: str) -> str | None:
        language, probability = identifier.classify(text)
        return str(language) if probability >= 0.5 else None

    return detect
