"""What a requester's text asks for: its language, the rights it invokes, and its category."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Literal

import simplemma

from cases.kinds import CaseKind

Category = Literal["request", "needs_triage", "non_request", "follow_up", "complaint"]
LANGUAGES = ("fi", "sv", "en")
_KIND_ORDER = [k.value for k in CaseKind]
MAX_TEXT_CHARS = 100_000  # a request is never longer; hostile mail must not cost minutes


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
        "reklamutskick*|postituslist*|sähköpostilist*|utskickslist*|sändlist*|myyntipuhel*|"
        "markkinointipuhel*|telemarkkinoin*|säljsamtal*",
        "direct marketing",
        "opt out",
        "market|opinion research",
        "mailing list",
        "remove|delete|take|poista*|ta ~ list|lists|lista*|listo*|listor|mailing|postituslist*|"
        "sähköpostilist*|utskickslist*|sändlist*|newsletter*|uutiskirje*|nyhetsbrev*",
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
        "@self ~ copy|kopio*|kopia",
        "see|view|nähdä|se @self",
    ),
    "rectification": (
        "correct|correction|corrected|update*|change|changed|changes|amend*|inaccurate|"
        "incorrect|wrong|outdated|misspelled|moved|korja*|päivit*|muuttaa|muuttua|muutos|"
        "vaihtaa|vaihtua|virhee*|virheelli*|vanhentun*|korrigera*|uppdatera*|ändra*|ändring*|"
        "felaktig*|fel|felstava*|felskriv*|felregistrera*|flyttat|byta|bytt|väär*|misspel*",
    ),
    "erasure": (
        "delete|deletion|remove|removal|wipe|poista*|poiste*|poisto*|poistam*|anonymise|"
        "anonymize|anonymisoi*|anonymisera",
        "ta bort",
    ),
    "restriction": (
        "rajoit*|begränsa*",
        "limit*|suspend*|freeze|block*|jäädyt*|keskeyt*|spärra*|frysa ~ processing|käsittely*|"
        "behandling*",
    ),
    "portability": (
        "transfer|transmit|port|siirtää|siirtä*|siirrä*|överföra|överför ~ another|other|new|"
        "toinen|toise*|uusi|uute*|annan|annat|andra|ny|nya",
    ),
    "objection": (
        "object",
        "kieltää ~ käsittely|käsittelyn|käsittelyä",
        "stop|cease|lopettaa|lopettakaa|sluta ~ processing|käsittely*|behandla*|behandling*",
    ),
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
_PARAGRAPHS = r"(?:\s*\(\s*(?:\d{1,2}|[a-z])\s*\)|\.\d{1,2}\b)*"
_AND = r"\s*(?:,|&|and|or|ja|tai|sekä|och|eller)\s*"
# "Art. 15(3)", "Articles 15 and 17", "artikel 21.2", "15 ja 17 artiklan", "21 artiklan 2 kohta"
# Lists are bounded ({0,20}): unbounded, every number of a long "1 ja 2 ja 3 ..." started a
# scan to its end, and hostile text cost seconds per message.
_ARTICLE = re.compile(
    rf"\b(?:art\.?|articles?|artikl\w*|artikel\w*)\s*(\d{{1,3}}{_PARAGRAPHS}"
    rf"(?:{_AND}\d{{1,3}}{_PARAGRAPHS}){{0,20}})"
    rf"|\b(\d{{1,3}}(?:{_AND}\d{{1,3}}){{0,20}})\s*(?:\.\s*)?artikl\w*(?:\s*(\d{{1,2}})\s*(?:mom|kohd)\w*)?",
    re.IGNORECASE,
)
_ARTICLE_ITEM = re.compile(rf"(\d{{1,3}})({_PARAGRAPHS})", re.IGNORECASE)
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
# "Älkää poistako", "do not delete", "radera inte": a right named in order to refuse it.
# Not for objections and opt-outs, which are negative by nature ("don't send me ads").
_NEGATION = _words(
    "not don't dont never doesn't didn't won't wont älkää älä ei en emme ette eivät inte ej "
    "aldrig icke"
)
_NEGATABLE = frozenset({"access", "rectification", "erasure", "restriction", "portability"})
_NEGATION_REACH = 4  # words before the right's word; Swedish also puts it after ("radera inte")
# A comma ends the negation's reach ("don't call me, delete my data") unless a that-clause
# follows, which Finnish and Swedish always set off with one ("en halua, että ... poistetaan").
_NEGATION_BREAK = re.compile(r"[;:.!?]|,(?!\s*(?:että|att|that)\b)", re.IGNORECASE)
_QUESTION_WANTS = re.compile(
    r"\?\s*$|want to know|like to know|haluan tietää|haluaisin tietää|vill veta|"
    r"skulle vilja veta|kertokaa mitä|berätta vilka|tell me what",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Classification:
    """A message understood: its language, the rights it asks for, the words that said so."""

    language: str
    # For a follow_up or complaint: the rights of the earlier request it refers to, so that
    # a reminder about a request we never received can still open the right case.
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

    @property
    def words(self) -> tuple[str, str]:
        return self.surface, self.lemma


@dataclass(frozen=True, eq=False)
class _Step:
    """One word of a rule; `gap` words may come between it and the word before."""

    gap: int
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    named: tuple[str, ...]


@cache
def _compiled(rule: str) -> tuple[_Step, ...]:
    steps = []
    gap = 0
    for part in rule.split():
        if part == "~":
            gap = 5
            continue
        alts = part.split("|")
        exact = frozenset(a for a in alts if not a.endswith("*") and not a.startswith("@"))
        prefixes = tuple(a[:-1] for a in alts if a.endswith("*"))
        steps.append(_Step(gap, exact, prefixes, tuple(a for a in alts if a.startswith("@"))))
        gap = 1
    return tuple(steps)


@lru_cache(maxsize=1 << 17)
def _word_matches(step: _Step, surface: str, lemma: str) -> bool:
    if surface in step.exact or lemma in step.exact:
        return True
    if step.prefixes and (surface.startswith(step.prefixes) or lemma.startswith(step.prefixes)):
        return True
    return any(_in_set(name, surface, lemma) for name in step.named)


@lru_cache(maxsize=1 << 16)
def _in_set(name: str, surface: str, lemma: str) -> bool:
    if name == "@mydata":  # one Finnish word: "tietoni" = "my data"
        return _in_set("@self", surface, lemma) and _in_set("@data", surface, lemma)
    if name == "@self" and len(surface) >= 6 and surface.endswith("ni"):
        return lemma != surface or not surface.isascii()  # Finnish possessive: "tietoni"
    steps = (step for rule in SETS[name] for step in _compiled(rule))
    return any(_word_matches(step, surface, lemma) for step in steps)


class _Tokens(list[_Token]):
    """The words of a text, with where each distinct (word, lemma) occurs."""

    @cached_property
    def where(self) -> dict[tuple[str, str], list[int]]:
        found: dict[tuple[str, str], list[int]] = {}
        for i, tok in enumerate(self):
            found.setdefault(tok.words, []).append(i)
        return found


def _matches(rule: str, tokens: _Tokens) -> Iterator[tuple[int, int]]:
    """(first, last) token indexes of each match of a rule, within one sentence."""
    first, *rest = _compiled(rule)
    starts = (at for words, at in tokens.where.items() if _word_matches(first, *words))
    for i in sorted(i for at in starts for i in at):
        tok = tokens[i]
        last = i
        for step in rest:
            window = tokens[last + 1 : last + 2 + step.gap]
            same = (j for j, t in enumerate(window, last + 1) if t.sentence == tok.sentence)
            found = next((j for j in same if _word_matches(step, *tokens[j].words)), None)
            if found is None:
                break
            last = found
        else:
            yield i, last


def detect_language(text: str, *, default: str = "fi") -> str:
    """ "fi", "sv" or "en"; the default when the text has too few words to tell."""
    words = _LANGUAGE_NOISE.sub(" ", text)
    if sum(ch.isalpha() for ch in words) < 3:
        return default
    few = re.findall(r"[^\W\d_]+", words[:200])
    if len(few) <= 3:  # "Thanks", "Tack så mycket": a dictionary knows them, n-grams guess
        ranked = simplemma.langdetect(" ".join(few), lang=LANGUAGES, low_memory=True)
        if ranked[0][0] in LANGUAGES and ranked[0][1] > ranked[1][1]:
            return str(ranked[0][0])
    return _detector()(words[:20_000]) or default


_LANGUAGE_NOISE = re.compile(
    # Addresses bounded by RFC 5321 §4.5.3.1 lengths: "\S+@\S+" was quadratic on a long token.
    r"https?://\S+|[^\s@]{1,64}@\S{1,255}|\[[A-Z]+-\d{4}-\d+\]|"
    r"\b(?:gdpr|dsgvo|art|re|fw|fwd|aw|sv|vs|vl)\b\.?:?|"
    r"[\d_]+",
    re.IGNORECASE,
)


@cache
def _detector() -> Callable[[str], str | None]:
    """lingua limited to fi/sv/en, built on first use, not at import."""
    # Low-accuracy mode takes ~10 MB where py3langid or lingua's full models take 100+ MB of
    # intake's 200 MB (design.md §4); with simplemma for the shortest texts it scores as well
    # as py3langid (benchmarks/classifier_scores.py).
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:  # lingua is optional: fall back to py3langid, a core dependency
        return _py3langid()
    codes = {Language.FINNISH: "fi", Language.SWEDISH: "sv", Language.ENGLISH: "en"}
    detector = LanguageDetectorBuilder.from_languages(*codes).with_low_accuracy_mode().build()

    def detect(text: str) -> str | None:
        found = detector.detect_language_of(text)
        return None if found is None else codes[found]

    return detect


def _py3langid() -> Callable[[str], str | None]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))

    def detect(text: str) -> str | None:
        language, probability = identifier.classify(text)
        return str(language) if probability >= 0.5 else None

    return detect


def classify_request(subject: str, text: str, *, language: str | None = None) -> Classification:
    """The rights a message invokes and its category; `language` is detected when not given."""
    subject = subject.strip()[:1000]
    full = (f"{subject}\n\n{text}" if subject else text)[:MAX_TEXT_CHARS]
    lang = language if language in LANGUAGES else detect_language(full)
    hypothetical = _hypothetical_spans(full)
    tokens = _tokenise(full, lang, hypothetical)
    personal = _any_match(PERSONAL_DATA, tokens)
    hits: dict[str, list[tuple[bool, str, int]]] = {}  # kind -> (hypothetical, shown, sentence)

    def hit(kind: str, first: int, last: int) -> None:
        if kind in _NEGATABLE and _negated(full, tokens, first, last):
            hits.setdefault("negated", []).append(
                (False, full[tokens[first].start : tokens[last].end], -1)
            )
            return
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
                if first in consumed:
                    continue
                # "I don't want marketing": refusing marketing is itself the opt-out (Art. 21(3)).
                refused = kind == "marketing_opt_out" and _negated(full, tokens, first, last)
                if personal or refused or _near_self(tokens, first, last):
                    hit(kind, first, last)
    articles: list[str] = []
    for match in _ARTICLE.finditer(full):
        hyp = _inside(match.start(), hypothetical)
        for item in _ARTICLE_ITEM.finditer(match.group(1) or match.group(2)):
            number = item.group(1)
            paragraph = match.group(3) or (re.findall(r"\d+", item.group(2)) or [""])[0]
            articles.append(number)
            cited = [*ARTICLE_KINDS.get(number, ())]
            if number == "21" and paragraph in ("2", "3"):  # Art. 21(2)-(3): direct marketing
                cited.append("marketing_opt_out")
            if number == "77":  # Art. 77: a complaint to a supervisory authority
                cited.append("complaint")
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
        # A right named only to refuse it ("don't delete my data") is for a person to read.
        category = "needs_triage" if personal or articles or "negated" in hits else "non_request"
    shown = [*kinds, "follow_up", "complaint"] if category != "request" else kinds
    evidence = {
        key: list(dict.fromkeys(s for hyp, s, _ in hits.get(key, ()) if not hyp or key in kinds))
        for key in shown
        if key in hits
    }
    unique = sorted(set(articles), key=int)
    return Classification(lang, kinds, {k: v for k, v in evidence.items() if v}, category, unique)


def _question_for_access(
    text: str, tokens: _Tokens, hits: dict[str, list[tuple[bool, str, int]]]
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
        has = {name for name in ("@self", "@data") if any(_in_set(name, *t.words) for t in toks)}
        if has == {"@self", "@data"} and any(t.surface in _QUESTION_WORDS for t in toks):
            hits.setdefault("access", []).append((False, wording.strip(), sentence))


_QUESTION_WORDS = _words(
    "what which where whether why how do does mitä mitkä mikä mistä miksi miten onko "
    "ovatko vad vilka vilken varifrån varför hur har"
)


def _negated(text: str, tokens: _Tokens, first: int, last: int) -> bool:
    """Whether a negation governs the words first..last in their own clause."""
    sentence = tokens[first].sentence
    before = range(max(0, first - _NEGATION_REACH), first)
    after = range(last + 1, min(len(tokens), last + 3))
    for index in (*before, *after):
        tok = tokens[index]
        if tok.sentence != sentence or tok.surface not in _NEGATION:
            continue
        lo, hi = sorted((tok.end, tokens[first].start if index < first else tokens[last].end))
        if not _NEGATION_BREAK.search(text, lo, hi):
            return True
    return False


def _near_self(tokens: _Tokens, first: int, last: int) -> bool:
    near = tokens[max(0, first - 3) : last + 4]
    return any(t.sentence == tokens[first].sentence and _in_set("@self", *t.words) for t in near)


def _any_match(rules: tuple[str, ...], tokens: _Tokens) -> bool:
    return any(True for rule in rules for _ in _matches(rule, tokens))


def _hypothetical_spans(text: str) -> list[tuple[int, int]]:
    """Character spans from a conditional word to the end of its clause."""
    bounds = [m.start() for m in _CLAUSE.finditer(text)]
    starts = [m.start() for m in _HYPOTHETICAL.finditer(text)]
    for m in re.finditer(r"\bom\b", text, re.IGNORECASE):  # Swedish "om": "if" or "about"
        clause = (
            bounds[bisect_right(bounds, m.start()) - 1] if bounds and bounds[0] < m.start() else 0
        )
        # The last 200 characters of the clause tell; the whole of it made "om om om ..." quadratic.
        before = text[max(clause, m.start() - 200) : m.start()]
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
    """Whether a position falls in one of the spans (sorted; later starts never end sooner)."""
    index = bisect_right(spans, (position, len(spans) and spans[-1][1] + 1)) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def _tokenise(text: str, language: str, hypothetical: list[tuple[int, int]]) -> _Tokens:
    breaks = [m.end() for m in _SENTENCE.finditer(text)]
    tokens = _Tokens()
    for m in _WORD.finditer(text):
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
    if not 3 <= len(word) <= 40 or not word.replace("-", "").isalpha():
        return word
    return str(simplemma.lemmatize(word, lang=language, low_memory=True)).lower()


@lru_cache(maxsize=1 << 14)  # is_known reads the front-coded dictionary block by block
def _typo(word: str, language: str) -> str | None:
    """The keyword one edit away from an unknown word ("delte" -> "delete"), if any."""
    if not 5 <= len(word) <= 40 or not word.isalpha() or word in TYPO_TARGETS:
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
