"""What a requester's text asks for: its language, the rights it invokes, and its category."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import simplemma

from cases.kinds import CaseKind

Category = Literal["request", "needs_triage", "non_request", "follow_up", "complaint"]
LANGUAGES = ("fi", "sv", "en")
_KIND_ORDER = [k.value for k in CaseKind]
_Step = tuple[int, frozenset[str], tuple[str, ...], tuple[str, ...]]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Rules, all languages at once (a Finnish mail may quote English and vice versa).
# A rule is tokens separated by spaces; "a|b" alternatives; "x*" a prefix of the word or its
# lemma; "~" lets up to five words come between; "@self" / "@data" the named word sets below.
# STRONG rules count alone; WEAK ones only in a mail about personal data or next to "my".
STRONG: dict[str, tuple[str, ...]] = {
    "access": (
        "tarkastusoikeu*|tarkastuspyyn*|tietopyyn*|registerutdrag*|dsar|insynsrätt*",
        "subject access",
        "right of|to access",
        "access request",
        "rätt till tillgång",
    ),
    "rectification": (
        "rectification|rectify|rectified|oikaisu*|oikaista|oikaise*|korjauspyyn*|rättelse*|"
        "rätta|rättas|rättar|osoitteenmuutos*|nimenmuutos*|adressändring*|namnändring*",
        "change of address",
        "new address",
        "uusi osoite",
        "ny adress",
    ),
    "erasure": (
        "erasure|erase|forgotten|poisto-oikeu*|unohdetu*|hävittä*|hävite*|radera*|radering*|"
        "glömd*|glömmas",
    ),
    "restriction": ("restriction|restrict|restricted|rajoittamisoikeu*|begränsning*",),
    "portability": (
        "portability|dataportabilitet*|portabilitet*|siirrettävyy*|siirto-oikeu*|siirtopyyn*|"
        "machine-readable|maskinläsbar*|koneluettav*",
        "machine readable",
    ),
    "objection": ("objection|vastust*|invänd*|motsätt*", "right to object"),
    "marketing_opt_out": (
        "suoramarkkinoin*|suoramain*|direktmarknadsför*|direktreklam*|newsletter*|uutiskirje*|"
        "nyhetsbrev*|unsubscribe|opt-out|avregistrera*|avprenumerera*|etämyyn*|puhelinmyyn*|"
        "telemarketing|telemarknadsför*|telefonförsälj*|markkinatutkimu*|mielipidetutkimu*|"
        "marknadsundersökning*|opinionsundersökning*|markkinointiviest*|mainospost*|"
        "reklamutskick*|postituslist*|sähköpostilist*|utskickslist*|sändlist*",
        "direct marketing",
        "opt out",
        "market|opinion research",
        "mailing list",
        "remove|delete|take|poista*|ta ~ list|lista|listalta|listoilta|listan|listor",
    ),
    "publication_opt_out": (
        "postitustarr*|osoitetarr*|adressetikett*|julkaisukiel*",
        "mailing label|labels",
    ),
}
WEAK: dict[str, tuple[str, ...]] = {
    "access": (
        "access|tarkastaa|tarkistaa|tarkastus|pääsy*|tillgång*|utdrag",
        "copy|kopio*|kopia|kopior ~ @self",
        "see|view|nähdä|se @self",
    ),
    "rectification": (
        "correct|correction|corrected|update*|change|changed|changes|amend*|inaccurate|"
        "incorrect|wrong|outdated|misspelled|moved|korja*|päivit*|muuttaa|muuttua|muutos|"
        "vaihtaa|vaihtua|virhee*|virheelli*|vanhentun*|korrigera*|uppdatera*|ändra*|ändring*|"
        "felaktig*|fel|flyttat|byta|bytt",
    ),
    "erasure": (
        "delete|deletion|remove|removal|wipe|poista*|poiste*|poisto*|poistam*|anonymise|"
        "anonymize|anonymisoi*|anonymisera",
        "ta bort",
    ),
    "restriction": ("rajoit*|begränsa*", "limit* ~ processing|käsittely"),
    "portability": (
        "transfer|transmit|port|siirtää|siirtä*|siirrä*|överföra|överför ~ another|other|new|"
        "toinen|toise*|uusi|uute*|annan|annat|andra|ny|nya",
    ),
    "objection": ("object", "kieltää ~ käsittely|käsittelyn|käsittelyä"),
    "marketing_opt_out": (
        "marketing|markkinoin*|marknadsför*|mainon*|mainos*|reklam*|advertis*|spam|roskaposti*|"
        "utskick*|promotional",
        "stop|lopettaa|lopettakaa|sluta ~ sending|send|lähettä*|skicka*",
    ),
    "publication_opt_out": (
        "julkai*|luettelo*|publish*|publication|publicer*|publicering*|directory|directories|"
        "förteckning*|katalog*",
    ),
}
FOLLOW_UP = (
    "reminder|admonition|påminnelse*|förmaning*|muistutus*|karhu*",
    "not|n't received ~ answer|reply|response",
    "no answer|reply|response",
    "still waiting",
    "inget svar",
    "inte fått ~ svar",
    "väntar fortfarande",
    "ole saanut|saaneet ~ vastau*|vastaus*|vastaust*",
    "odotan edelleen|vielä",
    "previous|earlier request",
    "tidigare begäran|förfrågan",
    "aiempa*|aiemm*|edellise* pyyn*|viest*",
)
COMPLAINT = ("complaint|complain|klagomål*|klaga|kantelu*|valitus|valituksen|anmälan",)
AUTHORITY = (
    "supervisory|authority|ombudsman|tietosuojavaltuutet*|valvontaviranomai*|"
    "tietosuojaviranomai*|tillsynsmyndighet*|integritetsskyddsmyndighet*|imy|"
    "dataskyddsmyndighet*|dpa|ico",
)
PERSONAL_DATA = (
    "gdpr|dsgvo|henkilötie*|tietosuoj*|personuppgift*|dataskydd*|integritet*|privacy|"
    "rekisteröi*|registrerad*|asiakasrekister*|rekisteri*",
    "personal data|information",
    "data protection",
    "@self @data",
    "@mydata",
    "@data about|concerning|regarding|on|om|minusta|minua @self",
)
SETS: dict[str, tuple[str, ...]] = {
    "@self": (
        "my|me|mine|myself|mina|min|mitt|mig|minun|minua|minusta|minulle|minulla|minut|"
        "minulta|omat|omia",
    ),
    "@data": (
        "data|information|info|details|address*|email*|e-mail*|name|phone*|account|tieto*|"
        "tiedo*|henkilötie*|osoite*|osoitt*|sähköposti*|nimi*|nime*|puhelin*|tili*|uppgift*|"
        "personuppgift*|adress*|e-post*|namn*|telefon*|konto*|profil*",
    ),
}
# Words worth correcting by one edit ("delte"), when the word itself is unknown (len >= 5).
TYPO_TARGETS = _words(
    "delete erase remove rectify correct access unsubscribe objection restrict portability "
    "marketing newsletter poistakaa poistaa poistaminen radera rättelse invänder oikaista "
    "korjatkaa suoramarkkinointia direktmarknadsföring tarkastusoikeus"
)
# GDPR article -> kinds (Arts. 15-18, 20, 21; 21(2)-(3) is the direct-marketing objection).
ARTICLE_KINDS = {
    "15": ("access",),
    "16": ("rectification",),
    "17": ("erasure",),
    "18": ("restriction",),
    "20": ("portability",),
    "21": ("objection",),
}
_ARTICLE = re.compile(
    r"\b(?:art(?:icle|ikla\w*|ikel\w*|\.)?|artiklan?)\s*(\d{1,3})"
    r"((?:\s*\(\s*\d{1,2}\s*\)|\.\d{1,2}\b)*)"
    r"|\b(\d{1,3})\s*(?:\.\s*)?artikl\w*(?:\s*(\d{1,2})\s*(?:mom\w*|kohd\w*))?",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_SENTENCE_END = r"[.!?](?=\s+[A-ZÅÄÖ\"'(\-•*]|\s*$)|\n\s*\n|\n(?=\s*(?:[-•*]|\d+[.)])\s)"
_SENTENCE = re.compile(_SENTENCE_END)
_CLAUSE = re.compile(_SENTENCE_END + r"|[,;!?]|:(?=\s)")
# Hypothetical or threatened, not asked for: "if you object...", "otherwise I reserve the right".
_HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|whether|in case|otherwise|reserve the right|jos|mikäli|ellei|ellette|"
    r"jollei|muuten|muussa tapauksessa|pidätän|pidätämme|varaan|ifall|huruvida|annars|"
    r"förbehåller)\b",
    re.IGNORECASE,
)
_SV_CONDITIONAL_NEXT = _words(
    "du ni jag vi de det han hon man är har kommer kan ska skulle inte behandlar"
)
_QUESTION_WANTS = re.compile(
    r"\?\s*$|want to know|like to know|haluan tietää|haluaisin tietää|vill veta|"
    r"skulle vilja veta|kertokaa mitä|berätta vilka|tell me what",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Classification:
    """The understanding of one message; a human confirms it before any answer goes out."""

    language: str
    kinds: list[str]
    evidence: dict[str, list[str]]
    category: Category
    articles: list[str]


@dataclass
class _Token:
    surface: str
    lemma: str
    start: int
    end: int
    sentence: int
    hypothetical: bool
    shown: str


@cache
def _compiled(
    rule: str,
) -> tuple[tuple[int, frozenset[str], tuple[str, ...], tuple[str, ...]], ...]:
    """A rule as steps of (allowed gap before, exact words, prefixes, named sets)."""
    steps = []
    gap = 0
    for part in rule.split():
        if part == "~":
            gap = 5
            continue
        alts = part.split("|")
        exact = frozenset(a for a in alts if not a.endswith("*") and not a.startswith("@"))
        prefixes = tuple(a[:-1] for a in alts if a.endswith("*"))
        named = tuple(a for a in alts if a.startswith("@"))
        steps.append((gap, exact, prefixes, named))
        gap = 1
    return tuple(steps)


def _step_matches(
    step: tuple[int, frozenset[str], tuple[str, ...], tuple[str, ...]], tok: _Token
) -> bool:
    _, exact, prefixes, named = step
    words = (tok.surface, tok.lemma)
    if any(w in exact for w in words) or any(w.startswith(prefixes) for w in words if prefixes):
        return True
    return any(_in_set(name, tok) for name in named)


def _in_set(name: str, tok: _Token) -> bool:
    if name == "@mydata":  # one Finnish word: "tietoni" = "my data"
        return _in_set("@self", tok) and _in_set("@data", tok)
    if name == "@self" and len(tok.surface) >= 6 and tok.surface.endswith("ni"):
        return tok.lemma != tok.surface or not tok.surface.isascii()  # Finnish "tietoni"
    return any(_step_matches(step, tok) for rule in SETS[name] for step in _compiled(rule))


def _matches(rule: str, tokens: list[_Token]) -> Iterator[tuple[int, int]]:
    """(first, last) token indexes of each match of a rule, within one sentence."""
    steps = _compiled(rule)
    for i, tok in enumerate(tokens):
        if not _step_matches(steps[0], tok):
            continue
        last = i
        for step in steps[1:]:
            window = range(last + 1, min(len(tokens), last + 2 + step[0]))
            nxt = next(
                (
                    j
                    for j in window
                    if tokens[j].sentence == tok.sentence and _step_matches(step, tokens[j])
                ),
                None,
            )
            if nxt is None:
                break
            last = nxt
        else:
            yield i, last


def detect_language(text: str, *, default: str = "fi") -> str:
    """ "fi", "sv" or "en"; the default when the text has too few words to tell."""
    words = _LANGUAGE_NOISE.sub(" ", text)
    if sum(ch.isalpha() for ch in words) < 3:
        return default
    language, probability = _identifier().classify(words[:20_000])
    return str(language) if probability >= 0.5 else default


_LANGUAGE_NOISE = re.compile(
    r"https?://\S+|\S+@\S+|\[[A-Z]+-\d{4}-\d+\]|\b(?:gdpr|dsgvo|art|re|fw|fwd|aw|sv|vs|vl)\b\.?:?|"
    r"[\d_]+",
    re.IGNORECASE,
)


@cache
def _identifier() -> Any:
    """py3langid restricted to our three languages; built on first use, not at import."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def classify_request(subject: str, text: str, *, language: str | None = None) -> Classification:
    """The rights a message invokes and its category; `language` is detected when not given."""
    full = f"{subject.strip()}\n\n{text}" if subject.strip() else text
    lang = language if language in LANGUAGES else detect_language(full)
    hypothetical = _hypothetical_spans(full)
    tokens = _tokenise(full, lang, hypothetical)
    personal = _any_match(PERSONAL_DATA, tokens)
    hits: dict[str, list[tuple[bool, str, int]]] = {}  # kind -> (hypothetical, shown, sentence)

    def hit(kind: str, first: int, last: int) -> None:
        shown = full[tokens[first].start : tokens[last].end]
        if first == last and tokens[first].shown != shown:
            shown = tokens[first].shown
        hits.setdefault(kind, []).append(
            (tokens[first].hypothetical, shown, tokens[first].sentence)
        )

    consumed: set[int] = set()
    for kind, rules in STRONG.items():
        for rule in rules:
            for first, last in _matches(rule, tokens):
                hit(kind, first, last)
                if kind == "marketing_opt_out":  # "remove me from the list" is not erasure
                    consumed.update(range(first, last + 1))
    for kind, rules in WEAK.items():
        for rule in rules:
            for first, last in _matches(rule, tokens):
                if first not in consumed and (personal or _near_self(tokens, first, last)):
                    hit(kind, first, last)
    articles: list[str] = []
    for match in _ARTICLE.finditer(full):
        number = match.group(1) or match.group(3)
        paragraph = re.sub(r"\D+", " ", match.group(2) or match.group(4) or "").split()
        articles.append(number)
        cited = list(ARTICLE_KINDS.get(number, ()))
        if number == "21" and paragraph[:1] in (["2"], ["3"]):  # Art. 21(2)-(3)
            cited.append("marketing_opt_out")
        if number == "77":
            cited.append("complaint")
        hyp = _inside(match.start(), hypothetical)
        for kind in cited:
            hits.setdefault(kind, []).append((hyp, match.group(0).strip(), -1))
    _question_for_access(full, tokens, hits)
    for marker, rules in (
        ("follow_up", FOLLOW_UP),
        ("complaint_word", COMPLAINT),
        ("authority", AUTHORITY),
    ):
        for rule in rules:
            for first, last in _matches(rule, tokens):
                hit(marker, first, last)
    return _decide(lang, hits, articles, personal)


def _decide(
    lang: str, hits: dict[str, list[tuple[bool, str, int]]], articles: list[str], personal: bool
) -> Classification:
    def asked(key: str) -> bool:
        return any(not hyp for hyp, _, _ in hits.get(key, ()))

    kinds = [k for k in _KIND_ORDER if asked(k)]
    if not kinds:  # only hypothetical mentions ("if you have my data, delete it"): take them
        kinds = [k for k in _KIND_ORDER if k in hits]
    category: Category
    if asked("complaint") or (asked("complaint_word") and asked("authority")):
        category = "complaint"
    elif asked("follow_up") and (personal or kinds or articles):
        category = "follow_up"
    elif kinds:
        category = "request"
    else:
        category = "needs_triage" if personal or articles else "non_request"
    shown = [*kinds, "follow_up", "complaint"] if category != "request" else kinds
    evidence = {
        key: list(dict.fromkeys(s for hyp, s, _ in hits.get(key, ()) if not hyp or key in kinds))
        for key in shown
        if key in hits
    }
    unique = sorted(set(articles), key=int)
    return Classification(lang, kinds, {k: v for k, v in evidence.items() if v}, category, unique)


def _question_for_access(
    text: str, tokens: list[_Token], hits: dict[str, list[tuple[bool, str, int]]]
) -> None:
    """ "Mitä teette tiedoillani?", "Vad har ni för uppgifter om mig?" ask for access (Art. 15)."""
    taken = {sentence for found in hits.values() for _, _, sentence in found}
    by_sentence: dict[int, list[_Token]] = {}
    for tok in tokens:
        by_sentence.setdefault(tok.sentence, []).append(tok)
    for sentence, toks in by_sentence.items():
        wording = text[toks[0].start : toks[-1].end + 1]
        if sentence in taken or not _QUESTION_WANTS.search(wording):
            continue
        has = {name for name in ("@self", "@data") if any(_in_set(name, t) for t in toks)}
        if has == {"@self", "@data"} and any(t.surface in _QUESTION_WORDS for t in toks):
            hits.setdefault("access", []).append((False, wording.strip(), sentence))


_QUESTION_WORDS = _words(
    "what which where whether why how do does mitä mitkä mikä mistä miksi miten onko "
    "ovatko vad vilka vilken varifrån varför hur har"
)


def _near_self(tokens: list[_Token], first: int, last: int) -> bool:
    near = tokens[max(0, first - 3) : last + 4]
    return any(t.sentence == tokens[first].sentence and _in_set("@self", t) for t in near)


def _any_match(rules: tuple[str, ...], tokens: list[_Token]) -> bool:
    return any(True for rule in rules for _ in _matches(rule, tokens))


def _hypothetical_spans(text: str) -> list[tuple[int, int]]:
    """Character spans from a conditional word to the end of its clause."""
    bounds = [m.start() for m in _CLAUSE.finditer(text)]
    starts = [m.start() for m in _HYPOTHETICAL.finditer(text)]
    for m in re.finditer(r"\bom\b", text, re.IGNORECASE):  # Swedish "om": "if" or "about"
        before = text[
            bounds[bisect_right(bounds, m.start()) - 1]
            if bounds and bounds[0] < m.start()
            else 0 : m.start()
        ]
        after = text[m.end() : m.end() + 40].lower().split()[:3]
        if not re.search(r"\w", before.replace("och", "").replace("men", "")) or (
            _SV_CONDITIONAL_NEXT & set(after)
        ):
            starts.append(m.start())
    spans = []
    for start in sorted(starts):
        index = bisect_right(bounds, start)
        spans.append((start, bounds[index] if index < len(bounds) else len(text)))
    return spans


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _tokenise(text: str, language: str, hypothetical: list[tuple[int, int]]) -> list[_Token]:
    breaks = [m.end() for m in _SENTENCE.finditer(text)]
    tokens = []
    for m in _WORD.finditer(text[:200_000]):
        surface = m.group().lower().replace("’", "'")
        shown = m.group()
        fixed = _typo(surface, language)
        if fixed:
            shown, surface = f"{shown} ({fixed})", fixed
        tokens.append(
            _Token(
                surface=surface,
                lemma=_lemma(surface, language),
                start=m.start(),
                end=m.end(),
                sentence=bisect_right(breaks, m.start()),
                hypothetical=_inside(m.start(), hypothetical),
                shown=shown,
            )
        )
    return tokens


def _lemma(word: str, language: str) -> str:
    if len(word) < 3 or not word.replace("-", "").isalpha():
        return word
    return str(simplemma.lemmatize(word, lang=language, low_memory=True)).lower()


def _typo(word: str, language: str) -> str | None:
    """The keyword one edit away from an unknown word ("delte" -> "delete"), if any."""
    if len(word) < 5 or not word.isalpha() or word in TYPO_TARGETS:
        return None
    candidates = [t for t in TYPO_TARGETS if t[0] == word[0] and abs(len(t) - len(word)) <= 1]
    if not candidates or simplemma.is_known(word, lang=language, low_memory=True):
        return None
    return next((t for t in candidates if _one_edit(word, t)), None)


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance exactly 1 (a swap counts as one edit)."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
