"""The rule language of the lexicon: tokens with lemmas, rules matched within a sentence."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

from cases.classify import dictionaries
from cases.classify.lexicon import NEGATION, SETS, SV_CONDITIONAL_NEXT, TYPO_TARGETS

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
_NEGATION_REACH = 4  # words before the right's word; Swedish also puts it after ("radera inte")
# A comma ends the negation's reach ("don't call me, delete my data") unless a that-clause
# follows, which Finnish and Swedish always set off with one ("en halua, että ... poistetaan").
_BUT = frozenset({"but", "however", "mutta", "vaan", "men", "utan"})
_NEGATION_BREAK = re.compile(r"[;:.!?]|,(?!\s*(?:että|att|that)\b)", re.IGNORECASE)
# A comma or semicolon that may go on with the same verb: "delete my data, and her data too",
# "delete my data; her data too".
_COORDINATION = re.compile(r",\s*(?:and|ja|sekä|och|samt)\b|;", re.IGNORECASE)


@dataclass
class Token:
    """One word of the text: as written, lower-cased, lemmatised, and where it stands."""

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
    return any(in_set(name, surface, lemma) for name in step.named)


@lru_cache(maxsize=1 << 16)
def in_set(name: str, surface: str, lemma: str) -> bool:
    """Whether a word belongs to a named set of the lexicon ("@self", "@data", "@mydata")."""
    if name == "@mydata":  # one Finnish word: "tietoni" = "my data"
        return in_set("@self", surface, lemma) and in_set("@data", surface, lemma)
    if name == "@self" and surface.endswith("ni") and in_set("@other", surface, lemma):
        return True  # "vaimoni" is "my wife", whether or not the dictionary knows the form
    if name == "@self" and len(surface) >= 6 and surface.endswith("ni"):
        return lemma != surface or not surface.isascii()  # Finnish possessive: "tietoni"
    steps = (step for rule in SETS[name] for step in _compiled(rule))
    return any(_word_matches(step, surface, lemma) for step in steps)


class Tokens(list[Token]):
    """The words of a text, with where each distinct (word, lemma) occurs."""

    @cached_property
    def where(self) -> dict[tuple[str, str], list[int]]:
        found: dict[tuple[str, str], list[int]] = {}
        for i, tok in enumerate(self):
            found.setdefault(tok.words, []).append(i)
        return found

    @cached_property
    def by_word(self) -> dict[str, set[int]]:
        """Where each surface form and each lemma occurs."""
        found: dict[str, set[int]] = {}
        for i, tok in enumerate(self):
            found.setdefault(tok.surface, set()).add(i)
            found.setdefault(tok.lemma, set()).add(i)
        return found

    def starts(self, step: _Step) -> list[int]:
        """The indexes of the words that fit `step`, in order."""
        if not step.prefixes and not step.named:
            # Most rules start with listed words only: a set lookup each, not a pass over
            # every word of the mail for each of the lexicon's hundred rules.
            present = [self.by_word[w] for w in step.exact if w in self.by_word]
            return sorted(set().union(*present)) if present else []
        at = (at for words, at in self.where.items() if _word_matches(step, *words))
        return sorted(i for indexes in at for i in indexes)


def matches(rule: str, tokens: Tokens) -> Iterator[tuple[int, int]]:
    """(first, last) token indexes of each match of a rule, within one sentence."""
    first, *rest = _compiled(rule)
    for i in tokens.starts(first):
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


def any_match(rules: tuple[str, ...], tokens: Tokens) -> bool:
    """Whether any of the rules matches anywhere."""
    return any(True for rule in rules for _ in matches(rule, tokens))


def negated(
    text: str, tokens: Tokens, first: int, last: int, *, words: frozenset[str] = NEGATION
) -> bool:
    """Whether a negation governs the words first..last in their own clause."""
    sentence = tokens[first].sentence
    before = range(max(0, first - _NEGATION_REACH), first)
    after = range(first + 1, min(len(tokens), last + 3))  # "radera inte mina uppgifter"
    for index in (*before, *after):
        tok = tokens[index]
        if tok.sentence != sentence or tok.surface not in words:
            continue
        if first < index <= last and tok.surface == "en":  # inside: Swedish "mig en kopia"
            continue
        lo, hi = sorted((tok.end, tokens[first].start if index < first else tokens[first].end))
        if not _NEGATION_BREAK.search(text, lo, hi):
            return True
    return False


def same_clause(text: str, tokens: Tokens, a: int, b: int) -> bool:
    """Whether words a and b (a before b) stand in one clause, with no "but" between them."""
    if tokens[a].sentence != tokens[b].sentence:
        return False
    if _NEGATION_BREAK.search(text, tokens[a].end, tokens[b].start):
        return False
    return not any(t.surface in _BUT for t in tokens[a + 1 : b])


def coordinated(text: str, tokens: Tokens, a: int, b: int) -> bool:
    """Whether word b joins word a's clause after ", and" or ";" ("delete my data, and hers")."""
    if tokens[a].sentence != tokens[b].sentence:
        return False
    breaks = list(_NEGATION_BREAK.finditer(text, tokens[a].end, tokens[b].start))
    if not breaks or any(t.surface in _BUT for t in tokens[a + 1 : b]):
        return False
    return all(_COORDINATION.match(text, m.start()) for m in breaks)


def clause_of(text: str, tokens: Tokens, i: int, reach: int = 12) -> range:
    """The indexes of the words in word i's clause, `reach` words at most either side."""
    # Word by word, so that a hostile clause of thousands of words costs `reach` steps.

    def joined(a: int, b: int) -> bool:  # adjacent words a, b: nothing breaks between them
        return tokens[a].sentence == tokens[b].sentence and not _NEGATION_BREAK.search(
            text, tokens[a].end, tokens[b].start
        )

    lo = i
    while lo > max(0, i - reach) and joined(lo - 1, lo) and tokens[lo].surface not in _BUT:
        lo -= 1
    hi = i
    while hi < min(len(tokens) - 1, i + reach) and joined(hi, hi + 1):
        if tokens[hi + 1].surface in _BUT:
            break
        hi += 1
    return range(lo, hi + 1)


def near_self(tokens: Tokens, first: int, last: int) -> bool:
    """Whether "my", "minun", "mig" stands within three words, in the same sentence."""
    near = tokens[max(0, first - 3) : last + 4]
    return any(t.sentence == tokens[first].sentence and in_set("@self", *t.words) for t in near)


def hypothetical_spans(text: str) -> list[tuple[int, int]]:
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
            SV_CONDITIONAL_NEXT & set(after)
        ):
            starts.append(m.start())
    spans = []
    for start in sorted(starts):
        index = bisect_right(bounds, start)
        spans.append((start, bounds[index] if index < len(bounds) else len(text)))
    return spans


def inside(position: int, spans: list[tuple[int, int]]) -> bool:
    """Whether a position falls in one of the spans (sorted; later starts never end sooner)."""
    index = bisect_right(spans, (position, len(spans) and spans[-1][1] + 1)) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def tokenise(text: str, language: str, hypothetical: list[tuple[int, int]]) -> Tokens:
    """The words of a text with their lemmas, sentences and typo corrections."""
    breaks = [m.end() for m in _SENTENCE.finditer(text)]
    tokens = Tokens()
    for m in _WORD.finditer(text):
        surface = m.group().lower().replace("’", "'")
        shown = m.group()
        fixed = _typo(surface, language)
        if fixed:
            shown, surface = f"{shown} ({fixed})", fixed
        tokens.append(
            Token(
                surface=surface,
                lemma=_lemma(surface, language),
                start=m.start(),
                end=m.end(),
                sentence=bisect_right(breaks, m.start()),
                hypothetical=inside(m.start(), hypothetical),
                shown=shown,
            )
        )
    return tokens


def _lemma(word: str, language: str) -> str:
    if not 3 <= len(word) <= 40 or not word.replace("-", "").isalpha():
        return word
    return dictionaries.lemmatize(word, language).lower()


@lru_cache(maxsize=1 << 14)  # is_known reads the front-coded dictionary block by block
def _typo(word: str, language: str) -> str | None:
    """The keyword one edit away from an unknown word ("delte" -> "delete"), if any."""
    if not 5 <= len(word) <= 40 or not word.isalpha() or word in TYPO_TARGETS:
        return None
    candidates = [t for t in TYPO_TARGETS if t[0] == word[0] and abs(len(t) - len(word)) <= 1]
    if not candidates or dictionaries.is_known(word, language):
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
