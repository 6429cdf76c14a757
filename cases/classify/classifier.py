"""What a requester's text asks for: the rights it invokes, and its category."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from cases.classify import lexicon as lx
from cases.classify.language import (
    LANGUAGES,
    detect_request_language,
    signature_start,
    without_disclaimer,
)
from cases.classify.rules import (
    Token,
    Tokens,
    any_match,
    clause_of,
    coordinated,
    hypothetical_spans,
    in_set,
    inside,
    matches,
    near_self,
    negated,
    same_clause,
    tokenise,
)
from cases.kinds import CaseKind

Category = Literal["request", "needs_triage", "non_request", "follow_up", "complaint"]
MAX_TEXT_CHARS = 100_000  # a request is never longer; hostile mail must not cost minutes
_KIND_ORDER = [k.value for k in CaseKind]
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
_REFUSAL_REACH = 12  # "I object to the processing of my personal data for direct marketing"
_QUESTION_WANTS = re.compile(
    r"\?\s*$|want to know|like to know|wanna know|haluan tietää|haluaisin tietää|vill veta|"
    r"skulle vilja veta|kertokaa mitä|kertokaa mitkä|berätta vilka|berätta vad|tell me what",
    re.IGNORECASE,
)


class Signal(StrEnum):
    """What a hit says besides a right: the words that make a mail a reminder or a complaint."""

    FOLLOW_UP = "follow_up"
    COMPLAINT = "complaint"  # Art. 77 cited
    COMPLAINT_WORD = "complaint_word"
    AUTHORITY = "authority"
    REFUSED = "refused"  # a right named only to refuse it ("älkää poistako")
    OTHERS_DATA = "others_data"  # a right to someone else's data ("mieheni tiedot")


@dataclass(frozen=True)
class Hit:
    """Words of the text that name a right (a CaseKind code) or a Signal."""

    key: str
    shown: str
    sentence: int  # -1 for a cited article, which stands outside the sentence rules
    hypothetical: bool = False


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


def classify_request(
    subject: str, text: str, *, language: str | None = None, names: Collection[str] = ()
) -> Classification:
    """The rights a message invokes and its category; `language` is detected when not given."""
    # `names` (the sender's display name) are left out of language detection: a Finnish mail
    # signed "Björn Lindqvist" stays Finnish.
    subject = subject.strip()[:1000]
    # A disclaimer's "delete it from your system" is not the sender's request.
    text = without_disclaimer(text[:MAX_TEXT_CHARS])
    full = (f"{subject}\n\n{text}" if subject else text)[:MAX_TEXT_CHARS]
    lang = (
        language
        if language in LANGUAGES
        else detect_request_language(subject, text[:MAX_TEXT_CHARS], names=names)
    )
    hypothetical = hypothetical_spans(full)
    tokens = tokenise(full, lang, hypothetical)
    personal = any_match(lx.PERSONAL_DATA, tokens)
    objects = _Objects(full, tokens, names)
    hits = [
        *_right_hits(full, tokens, lang, personal, objects),
        *_article_hits(full, hypothetical),
    ]
    body_from = len(subject) + 2 if subject else 0
    signature = body_from + signature_start(text[:MAX_TEXT_CHARS])
    hits += _marketing_refused(full, tokens, lang, signature, objects)
    hits += _question_for_access(full, tokens, hits)
    # A right only supposed in a question about its consequences ("what would happen if I
    # stopped marketing?", "...if I deleted my data?") asks about it, and a person answers: an
    # opt-out is not put in force unread (Art. 21(3)), an erasure not opened. Any other question
    # keeps it ("why must I log in if I want to unsubscribe?").
    supposed = [h for h in hits if h.hypothetical and h.key in _KIND_ORDER]
    # Read before: a question about a right is about data protection, whatever else it names
    # ("what happens to my orders if you delete my data?").
    other = _something_else(hits, tokens)
    # Rare: most mail is not read sentence by sentence a second time, and only one whose
    # words include "what", "mitä" or "vad" can ask such a question.
    if supposed and not lx.CONSEQUENCE_OPENERS.isdisjoint(tokens.by_word):
        questions = _questions_about_consequences(full, tokens)
        hits = [h for h in hits if not (h in supposed and h.sentence in questions)]
    for signal, rules in (
        (Signal.FOLLOW_UP, lx.FOLLOW_UP),
        (Signal.COMPLAINT_WORD, lx.COMPLAINT),
        (Signal.AUTHORITY, lx.AUTHORITY),
    ):
        hits += [
            _hit(signal, full, tokens, a, b) for rule in rules for a, b in matches(rule, tokens)
        ]
    return _decide(lang, hits, _articles(full), personal=personal, other=other)


def _something_else(hits: list[Hit], tokens: Tokens) -> bool:
    """Whether a mail that asks for no right is recognisably not about data protection."""
    if any(h.key in _KIND_ORDER for h in hits):
        return False  # a right is asked for: what else the mail is does not matter
    other = any(any_match(rules, tokens) for rules in lx.NOT_A_REQUEST.values())
    return other and not any_match(lx.PRIVACY_TOPIC, tokens)


def _hit(key: str, text: str, tokens: Tokens, first: int, last: int) -> Hit:
    shown = text[tokens[first].start : tokens[last].end]
    if first == last and tokens[first].shown != shown:
        shown = tokens[first].shown  # a corrected typo: "delte (delete)"
    return Hit(key, shown, tokens[first].sentence, tokens[first].hypothetical)


def _right_hits(
    text: str, tokens: Tokens, lang: str, personal: bool, objects: _Objects
) -> list[Hit]:
    hits: list[Hit] = []
    negations = _negations(lang)

    def add(kind: str, first: int, last: int) -> None:
        if kind in lx.NEGATABLE and negated(text, tokens, first, last, words=negations):
            # Outside the sentence rules: "don't delete it, but what do you have on me?" asks.
            hits.append(Hit(Signal.REFUSED, text[tokens[first].start : tokens[last].end], -1))
        else:
            hits.append(_hit(kind, text, tokens, first, last))

    consumed: set[int] = set()

    def add_right(kind: str, first: int, last: int) -> None:
        if kind not in lx.ABOUT_DATA:
            add(kind, first, last)
            hits.extend(_opted_out_for_others(text, tokens, objects, first, last))
            return
        own, others, mail, _ = objects.of(first, last)
        if others:  # another person's data: not the writer's right, for a person to read
            hits.append(_hit(Signal.OTHERS_DATA, text, tokens, first, last))
        # "Delete my previous email" erases no one's data; a copy of it is still access.
        if own or not (others or (mail and kind == "erasure")):
            add(kind, first, last)

    for kind, rules in lx.STRONG.items():
        for rule in rules:
            for first, last in matches(rule, tokens):
                add_right(kind, first, last)
                if kind == "marketing_opt_out":  # "remove me from the list" is not erasure
                    consumed.update(range(first, last + 1))
    for kind, rules in lx.WEAK.items():
        for rule in rules:
            for first, last in matches(rule, tokens):
                if first in consumed:
                    continue
                # A rule that names the data ("poistakaa tiedot") is about personal data itself.
                about_data = "@data" in rule
                if personal or about_data or near_self(tokens, first, last):
                    add_right(kind, first, last)
                elif kind in lx.ABOUT_DATA and objects.about_others(first, last):
                    add_right(kind, first, last)  # "kopio hänen tiedoistaan": theirs, to triage
    if any(h.key in _KIND_ORDER or h.key == Signal.OTHERS_DATA for h in hits):
        # Written for someone else ("on behalf of my mother"): whatever the mail asks, it
        # asks as their representative, whose authority a person checks (Art. 12(2), (6)).
        hits += [_hit(Signal.OTHERS_DATA, text, tokens, a, b) for a, b in objects.behalf()]
    return hits


class _Objects:
    """Whose data a right's verb is about, read from its own clause.

    Art. 17 erases the data subject's own data; deleting a mail of the thread ("poistakaa
    edellinen viestini") erases nobody's, and someone else's data ("radera min makes
    uppgifter") is theirs to ask for, or a representative's with their authority (Art. 12(2)).
    """

    _BEFORE = 3  # "mitt förra mejl kan ni radera"
    _AFTER = 6  # "delete my husband's personal data"
    _FRONTED = 9  # "her old email address you can also delete": object, subject, modal, verb

    def __init__(self, text: str, tokens: Tokens, names: Collection[str] = ()) -> None:
        self.text, self.tokens = text, tokens
        # The sender's own name ("Poistakaa Maija Virtasen tiedot" from Maija Virtanen).
        # A hyphenated name is a word of its own as well as two ("Anna-Karins uppgifter").
        self._own_names = {
            n for name in names for n in re.findall(r"\w+(?:-\w+)*", name.lower())
        } | {n for name in names for n in re.findall(r"\w+", name.lower())}
        # The last word of each name: only a surname takes the old i-stem genitive (Niemi ->
        # Niemen); a first name's -en is another name's (Anni -> Annen is Anne's).
        self._surnames = {
            parts[-1] for n in names if (parts := re.findall(r"\w+(?:-\w+)*", n.lower()))
        }
        self._spans: tuple[set[int], set[int]] | None = None
        self._behalf: list[tuple[int, int]] | None = None

    def _surfaces(self, words: Collection[str]) -> set[int]:
        """Where the mail has one of `words` as written (not as a lemma)."""
        by_word, tokens = self.tokens.by_word, self.tokens
        return {i for w in words for i in by_word.get(w, ()) if tokens[i].surface == w}

    def _person(self, i: int) -> bool:
        """Whether word i names a person: family, "her", or a name ("Maijan puolesta")."""
        tok = self.tokens[i]
        if in_set("@other", *tok.words) or tok.surface in lx.THIRD_PERSON | lx.THEIR:
            return True
        follows = i > 0 and self.tokens[i - 1].sentence == tok.sentence
        return follows and self.text[tok.start].isupper() and tok.surface != "i"

    def behalf(self) -> list[tuple[int, int]]:
        """The words saying the mail is written for someone else ("on behalf of my mother")."""
        if self._behalf is None:
            tokens, found = self.tokens, []
            for i in sorted(self._surfaces(lx.BEHALF)):
                # "On my behalf", "minun puolestani", "för min räkning" name no one else.
                near = range(max(0, i - 3), min(len(tokens), i + 4))
                people = [
                    j
                    for j in near
                    if j != i and tokens[j].sentence == tokens[i].sentence and self._person(j)
                ]
                if people:
                    found.append((min(i, *people), max(i, *people)))
            self._behalf = found
        return self._behalf

    def _found(self) -> tuple[set[int], set[int]]:
        """The tokens that name another person and a mail, found once per text."""
        if self._spans is None:
            tokens = self.tokens
            others = {
                i
                for words, at in tokens.where.items()
                if in_set("@other", *words)
                for i in at
                if words[0].endswith(("ni", "mme")) or self._possessed(i)
            }
            # "Their" only where the mail names someone else: otherwise it may be a company's.
            # Not after a name alone, which may be a company's too ("Stockholms kontor har
            # mina uppgifter, radera dem").
            if others or self.behalf():
                others |= self._surfaces(lx.THEIR)
            others |= self._named()
            others |= self._surfaces(lx.THIRD_PERSON)
            spans: list[set[int]] = [others, set()]
            for found, rules in zip(spans, (lx.OTHERS, lx.EARLIER_MAIL), strict=True):
                for rule in rules:
                    for a, b in matches(rule, tokens):
                        found.update(range(a, b + 1))
            self._spans = spans[0], spans[1]
        return self._spans

    def _possessed(self, i: int) -> bool:
        """Whether a possessive stands before person word i: "my son", "my late mother".

        One word may come between ("my late mother's account", "min avlidne fars
        uppgifter") when data follows the person at once: a person in a reason of the
        writer's own request ("so my abusive husband cannot find me") stays out of it.
        """
        tokens = self.tokens
        if i and tokens[i - 1].surface in lx.POSSESSIVES:
            return True
        k, after = i - 2, i + 1
        return (
            k >= 0
            and tokens[k].surface in lx.POSSESSIVES
            and after < len(tokens)
            and tokens[k].sentence == tokens[after].sentence
            and in_set("@data", *tokens[after].words)
            and not in_set("@data", *tokens[i - 1].words)
            and not in_set("@other", *tokens[i - 1].words)
        )

    def _named(self) -> set[int]:
        """Names owning the data after them: "Maija's data", "Annas uppgifter", "Maijan tiedot"."""
        tokens, text = self.tokens, self.text
        found: set[int] = set()
        for words, at in tokens.where.items():
            account = not lx.NAMED_ACCOUNT.isdisjoint(words)
            if not account and not _names_data(words):
                continue  # "Acmen tietokanta", "Stockholms kontor": a company's, an office
            for i in at:
                if account and self._writers_account(i):
                    continue  # "Apple's account details you have about me"
                j = i - 1  # the name: titlecase, in the genitive, not opening its sentence
                if j < 1 or tokens[j - 1].sentence != tokens[i].sentence:
                    continue
                name, start = tokens[j], tokens[j].start
                if not (text[start].isupper() and text[start + 1 : start + 2].islower()):
                    continue  # "the DPO's email" is an office's
                if not name.surface.endswith(("'s", "s", "n")) or in_set("@self", *words):
                    continue  # "Gmailin osoitteeni" is the writer's own address
                if tokens[j - 1].surface in lx.NOT_BEFORE_NAME or not same_clause(
                    text, tokens, j, i
                ):
                    continue  # "from Acme's systems", "your CEO's email"
                if "\n" in text[name.end : tokens[i].start] or text[tokens[i].start].isupper():
                    continue  # a signature's "Maija Virtanen / Phone 040...": a label
                named = self._name_ending(j)
                if not self._own_name(named):
                    found.update(named)
        return found

    def _writers_account(self, i: int) -> bool:
        """Whether the words after account word i say the account is the writer's own."""
        # Only what follows the account ("…account I linked", "konto som jag skapade", "tili,
        # jonka loin", "…about me"): a request's own "I ask you to delete Erik's profile" or
        # "Pekka's account, my son" says nothing of whose the account is.
        tokens, sentence = self.tokens, self.tokens[i].sentence
        k = i + 1
        while k < len(tokens) and tokens[k].sentence == sentence:
            tok = tokens[k]
            for_writer = tokens[k - 1].surface in lx.FOR_SOMEONE  # "…for me": a favour
            if not for_writer and (
                tok.surface in lx.ACCOUNT_OWN | lx.SELF_SUBJECT
                or (
                    in_set("@self", *tok.words)
                    and tok.surface not in lx.POSSESSIVES
                    and not self._owns_another(k)
                )
            ):
                return True
            k += 1
        return False

    def _owns_another(self, k: int) -> bool:
        """Whether possessive k owns data of its own ("my account and Pekka's account")."""
        tokens = self.tokens
        if tokens[k].surface not in lx.POSSESSIVES or k + 1 >= len(tokens):
            return False
        words = tokens[k + 1].words
        return not lx.NAMED_ACCOUNT.isdisjoint(words) or _names_data(words)

    def _name_ending(self, j: int) -> range:
        """The titlecase words ending at j: "Matti Virtasen", "Anna Lindqvists"."""
        # Not the word opening the sentence, which is titlecase whatever it is ("Poistakaa").
        tokens, text, k = self.tokens, self.text, j
        while k > max(1, j - 3) and tokens[k - 2].sentence == tokens[j].sentence:
            between = text[tokens[k - 1].end : tokens[k].start]
            if not text[tokens[k - 1].start].isupper() or between.strip() or "\n" in between:
                break
            k -= 1
        return range(k, j + 1)

    def _own_name(self, named: range) -> bool:
        """Whether the words `named` are the sender's own name."""
        # "Maija Virtasen": the words before the last as they are, the last in the genitive.
        *before, last = (self.tokens[k].surface for k in named)
        return all(word in self._own_names for word in before) and any(
            last in _genitives(own, own in self._surnames) for own in self._own_names
        )

    def _pronoun_not_data(self, i: int) -> bool:
        """Whether word i is "her", "hänen", "deras"... not followed by the data it owns."""
        tokens = self.tokens
        if tokens[i].surface not in lx.THIRD_PERSON | lx.THEIR:
            return False
        following = i + 1 < len(tokens) and tokens[i + 1].sentence == tokens[i].sentence
        return not (following and in_set("@data", *tokens[i + 1].words))

    def of(self, first: int, last: int) -> tuple[bool, bool, bool, bool]:
        """Whether first..last has the writer, another person, a mail or data as object."""
        others, mail = self._found()
        tokens = self.tokens
        window = range(max(0, first - self._BEFORE), min(len(tokens), last + 1 + self._AFTER))
        own = found_other = found_mail = data = False
        # Another person's data as the object, fronted: the writer's own data is not in it.
        fronted = self._fronted(first) if any(i < first for i in others) else range(0)
        for i in window:
            if i == first or i in fronted:
                continue
            if not same_clause(self.text, tokens, *sorted((i, first))):
                # "Delete my data, and her data too": more data of the same verb, another's.
                found_other = found_other or (
                    i > first and i in others and self._added_to_verb(first, i)
                )
                continue
            if i in others:
                if i > first and self._reason_between(first, i):
                    continue  # "delete my account so my husband cannot see it"
                # Before the verb, a pronoun is its subject's ("she said her team will delete
                # my data") unless it names data ("hennes uppgifter kan ni radera").
                found_other = found_other or i > first or not self._pronoun_not_data(i)
            elif i in mail:
                found_mail = True
            elif in_set("@data", *tokens[i].words) or tokens[i].surface in lx.SELF_OBJECT:
                data = data or tokens[i].surface not in lx.SELF_OBJECT
                # The data after "mieheni" is his ("mieheni tiedot"), not the writer's, even
                # where "hennes" stands beyond the window ("hennes uppgifter kan ni radera").
                owner = self._possessor(i)
                others_own = owner is not None and owner != first
                found_other = found_other or others_own
                own = own or not others_own
        if fronted:
            found_other = data = True
        return own, found_other, found_mail, data

    def _reason_between(self, verb: int, i: int) -> bool:
        """Whether a reason or purpose ("because", "koska", "så att") opens between verb and i."""
        tokens = self.tokens
        for k in range(verb + 1, i):
            if tokens[k].surface == "so" and tokens[k - 1].surface in lx.NOT_SO_THAT:
                continue  # "...and so on, and my wife's details"
            if tokens[k].surface in lx.REASON:
                return True
            if tokens[k].surface == "så" and k + 1 < i and tokens[k + 1].surface == "att":
                return True
        return False

    def _fronted(self, verb: int) -> range:
        """Another person's data opening the verb's clause as its object; empty if none."""
        # "His phone number you can remove", "Hennes uppgifter kan ni också ta bort", "Her
        # data, you can delete": the object stands first, then only the subject, a modal and
        # words such as "also" before the verb, however many words the object takes.
        tokens, text = self.tokens, self.text
        clause = clause_of(text, tokens, verb, reach=self._FRONTED)
        start, j = clause.start, verb - 1
        if start > 0 and start == verb - self._FRONTED:
            return range(0)  # a longer clause: its first words are not the object
        while j >= start and tokens[j].surface in lx.FRONTED_BRIDGE:
            j -= 1
        if (
            j < start
            and start > 0
            and text[tokens[start - 1].end : tokens[start].start].strip() == ","
        ):
            j = start - 1  # the object set off by a comma: "Her data, you can delete"
            start = clause_of(text, tokens, j, reach=self._FRONTED).start
        while start < j and tokens[start].surface in lx.ADDED_TO_VERB:
            start += 1  # "And her data you can delete too"
        head = tokens[j].words if start <= j else ("", "")
        if not (in_set("@data", *head) or in_set("@number", *head)) or j - start > 3:
            return range(0)
        others, _ = self._found()
        phrase = range(start, j + 1)
        return phrase if any(k in others for k in phrase[:-1]) else range(0)

    def _added_to_verb(self, verb: int, i: int) -> bool:
        """Whether person i stands in a clause that only adds her data to the verb before."""
        # "Delete my data, and hers too" adds hers; "and her data can stay", "and keep her
        # data" have a verb of their own and leave hers alone.
        if not coordinated(self.text, self.tokens, verb, i):
            return False
        others, _ = self._found()
        return all(
            k in others
            or self.tokens[k].surface in lx.ADDED_TO_VERB | lx.POSSESSIVES
            or in_set("@data", *self.tokens[k].words)
            for k in clause_of(self.text, self.tokens, i)
        )

    def _possessor(self, i: int) -> int | None:
        """The other person whose data word i is: "her (personal) data", "mieheni tiedot"."""
        others, _ = self._found()
        tokens = self.tokens
        for j in (i - 1, i - 2):
            if j < 0 or not same_clause(self.text, tokens, j, i):
                return None
            if j in others:
                return j
            if in_set("@self", *tokens[j].words):
                return None  # "her and my data" is also the writer's
        return None

    def with_writer(self, first: int, last: int) -> bool:
        """Whether another person and the writer are together the subject of first..last."""
        # "My husband and I", "mieheni ja minä", "min man och jag", "I and my wife": one
        # subject of two people, whose own opt-out only one of them is writing.
        selves = self._surfaces(lx.SELF_SUBJECT)  # a set lookup: most mail stops here
        if not selves:
            return False
        tokens, clause = self.tokens, clause_of(self.text, self.tokens, first)
        others = self._found()[0] | self._surfaces(lx.THIRD_SUBJECT)
        for i in selves:
            if not (clause.start <= i < first):
                continue
            end = None
            if i >= 2 and tokens[i - 1].surface in lx.AND and i - 2 in others:
                end = i
            elif i + 2 < first and tokens[i + 1].surface in lx.AND:
                # "minä ja mieheni", "I and my wife"
                end = next((k for k in (i + 3, i + 2) if k < first and k in others), None)
            if end is not None and self._subject_of(end, first, last):
                return True
        return False

    def _subject_of(self, end: int, first: int, last: int) -> bool:
        """Whether the pair ending at word end is the subject of the opt-out first..last."""
        # "My husband and I divorced so please remove me", "after my wife and I moved I no
        # longer want...": a verb of the pair's own, or the writer alone as the subject or
        # object of the opt-out, leaves the opt-out the writer's.
        tokens = self.tokens
        between = range(end + 1, first)
        if any(tokens[k].surface in lx.JOINT_BREAK | lx.SELF_SUBJECT for k in between):
            return False  # "...divorced so", "since my husband and I divorced I want..."
        after = range(first, min(len(tokens), last + 3))
        return not any(
            tokens[k].surface in lx.SELF_OBJECT and same_clause(self.text, tokens, first, k)
            for k in after
        )

    def about_others(self, first: int, last: int) -> bool:
        """Whether the verb at first..last names another person's data ("hänen tietonsa")."""
        _, others, _, data = self.of(first, last)
        return others and data


def _names_data(words: tuple[str, ...]) -> bool:
    """Whether a word is a person's data: "tiedot", "uppgifter", "osoitetiedot", "personnummer"."""
    # A compound's data of a shop's customers is the shop's register ("Clas Ohlsons
    # kunduppgifter om mig", "Stockmannin asiakastiedot minusta"), not a person's data.
    return not lx.NAMED_DATA.isdisjoint(words) or (
        words[0].endswith(lx.NAMED_DATA_ENDINGS) and not words[0].startswith(("kund", "asiakas"))
    )


_VOWELS = frozenset("aeiouyäöå")
# Finnish consonant gradation before a name's last vowel, strong -> weak in the genitive:
# Mikko -> Mikon, Matti -> Matin, Aalto -> Aallon, Lahti -> Lahden, Virta -> Virran.
_GRADATION = {
    "kk": "k",
    "tt": "t",
    "pp": "p",
    "lt": "ll",
    "ht": "hd",
    "nt": "nn",
    "rt": "rr",
    "mp": "mm",
    "nk": "ng",
}


@lru_cache(maxsize=4096)  # a poller sees the same senders again
def _genitives(own: str, surname: bool = False) -> frozenset[str]:
    """The genitives of a name (lower case): John's, Annas, Maijan, Virtasen, Mikon, Erikin."""
    # Generated from the name, never guessed from a shared start: "Jane's" is not Jan's,
    # "Anne Virtasen" not Anna Virtanen's, "Erikas" not Erik's.
    forms = {own, f"{own}'s", f"{own}s"}  # Swedish "Jonas uppgifter": the name as it is
    if own.endswith("nen"):
        forms.add(f"{own[:-3]}sen")  # Virtanen -> Virtasen
    if own[-1:] in _VOWELS:
        forms.add(f"{own}n")  # Maija -> Maijan
        stem, vowel = own[:-1], own[-1]
        if stem[-2:] in _GRADATION:
            stem = stem[:-2] + _GRADATION[stem[-2:]]
        elif stem[-1:] == "t" and stem[-2:-1] in _VOWELS:
            stem = f"{stem[:-1]}d"  # Satu -> Sadun
        forms.add(f"{stem}{vowel}n")
        if vowel == "i" and surname:
            forms.add(f"{stem}en")  # Niemi -> Niemen, Lahti -> Lahden
        elif vowel == "e":
            forms.add(f"{own}en")  # Laine -> Laineen
    elif own:
        forms.add(f"{own}in")  # Erik -> Erikin
        if own.endswith("s"):
            forms.add(f"{own[:-1]}ksen")  # Markus -> Markuksen
    return frozenset(forms)


def _negations(lang: str) -> frozenset[str]:
    """The negation words of a mail in `lang`."""
    # Swedish "en" is the article ("jag begär en kopia"), not the Finnish "en" (I don't).
    return lx.NEGATION - {"en"} if lang == "sv" else lx.NEGATION


def _opted_out_for_others(
    text: str, tokens: Tokens, objects: _Objects, first: int, last: int
) -> list[Hit]:
    """An opt-out that names another person too ("to me and to my husband"), for a person."""
    # The writer's own opt-out is in force at once (Art. 21(3)); another person's needs their
    # authority (Art. 12(2)), which a person judges.
    _, others, _, _ = objects.of(first, last)
    if others or objects.with_writer(first, last):  # "my husband and I want no more newsletters"
        return [_hit(Signal.OTHERS_DATA, text, tokens, first, last)]
    return []


def _marketing_refused(
    text: str, tokens: Tokens, lang: str, signature: int, objects: _Objects
) -> list[Hit]:
    """Marketing named with a refusal in its clause: the objection of Art. 21(2)-(3)."""
    # Marketing named without one ("keep sending me the newsletter"), or below the sign-off
    # ("Head of Marketing"), asks for nothing.
    topics = [
        (first, last)
        for rule in lx.MARKETING_TOPIC
        for first, last in matches(rule, tokens)
        if tokens[first].start < signature
    ]
    if not topics:
        return []
    refusals = sorted(a_b for rule in lx.MARKETING_REFUSAL for a_b in matches(rule, tokens))
    negations = _negations(lang)
    hits = []
    for first, last in topics:
        # Only refusals that start near the words are looked at: a long hostile text of
        # "stop marketing stop marketing ..." must not cost topics x refusals.
        near = refusals[
            bisect_left(refusals, (first - 2 * _REFUSAL_REACH, 0)) : bisect_right(
                refusals, (last + _REFUSAL_REACH // 2, len(tokens))
            )
        ]
        tied = [
            (min(a, first), max(b, last))
            for a, b in near
            if (b < first and first - b <= _REFUSAL_REACH and same_clause(text, tokens, b, first))
            or (a > last and a - last <= _REFUSAL_REACH // 2 and same_clause(text, tokens, last, a))
        ]
        span = min(tied, key=lambda t: t[1] - t[0]) if tied else (first, last)
        if tied or negated(text, tokens, first, last, words=negations):
            hits.append(_hit("marketing_opt_out", text, tokens, *span))
            hits += _opted_out_for_others(text, tokens, objects, *span)
        elif (end := _instruction_after(text, tokens, first, last, refusals)) is not None:
            # "If you use my data for marketing, stop it": the condition only says what the
            # instruction is about; an objection needs no particular form (Art. 21(2)-(3)),
            # so it is asked for, not supposed.
            shown = text[tokens[first].start : tokens[end].end]
            hits.append(Hit("marketing_opt_out", shown, tokens[first].sentence))
            hits += _opted_out_for_others(text, tokens, objects, first, end)
    return hits


def _instruction_after(
    text: str, tokens: Tokens, first: int, last: int, refusals: list[tuple[int, int]]
) -> int | None:
    """The end of a refusal opening the main clause after a condition on first..last."""
    if not tokens[first].hypothetical:
        return None
    reach = range(last + 1, min(len(tokens), last + 1 + _REFUSAL_REACH))
    opens = next((i for i in reach if not tokens[i].hypothetical), None)
    if opens is None or tokens[opens].sentence != tokens[first].sentence:
        return None
    # "..., then please stop it", "..., niin lopettakaa se": two words at most, so that a
    # hostile "then then then ..." after many topics costs no more than one pass.
    for _ in range(2):
        if opens < len(tokens) - 1 and tokens[opens].surface in lx.INSTRUCTION_LEAD:
            opens += 1
    if tokens[opens].sentence != tokens[first].sentence:
        return None
    at = bisect_left(refusals, (opens, 0))  # a long hostile text must not cost topics x refusals
    return refusals[at][1] if at < len(refusals) and refusals[at][0] == opens else None


def _questions_about_consequences(text: str, tokens: Tokens) -> set[int]:
    """The sentences asking "what would happen if...", "mitä tapahtuu, jos...", "vad händer om"."""
    by_sentence: dict[int, list[Token]] = {}
    for tok in tokens:
        by_sentence.setdefault(tok.sentence, []).append(tok)
    found = set()
    for sentence, toks in by_sentence.items():
        if toks[0].surface not in lx.CONSEQUENCE_OPENERS:
            continue
        if not text[toks[-1].end :].lstrip().startswith("?"):
            continue
        asks = (len(toks) > 1 and toks[1].surface == "if") or any(
            t.surface in lx.HAPPEN or t.lemma in lx.HAPPEN for t in toks[1:4]
        )
        if asks:
            found.add(sentence)
    return found


def _articles(text: str) -> list[str]:
    return [
        item.group(1)
        for match in _ARTICLE.finditer(text)
        for item in _ARTICLE_ITEM.finditer(match.group(1) or match.group(2))
    ]


def _article_hits(text: str, hypothetical: list[tuple[int, int]]) -> Iterable[Hit]:
    for match in _ARTICLE.finditer(text):
        hyp = inside(match.start(), hypothetical)
        for item in _ARTICLE_ITEM.finditer(match.group(1) or match.group(2)):
            number = item.group(1)
            paragraph = match.group(3) or (re.findall(r"\d+", item.group(2)) or [""])[0]
            cited = [*lx.ARTICLE_KINDS.get(number, ())]
            if number == "21" and paragraph in ("2", "3"):  # Art. 21(2)-(3): direct marketing
                cited.append("marketing_opt_out")
            if number == "77":  # Art. 77: a complaint to a supervisory authority
                cited.append(Signal.COMPLAINT)
            for key in cited:
                yield Hit(key, match.group(0).strip(), -1, hyp)


def _decide(
    lang: str, hits: list[Hit], articles: list[str], *, personal: bool, other: bool
) -> Classification:
    def asked(key: str) -> bool:
        return any(h.key == key and not h.hypothetical for h in hits)

    kinds = [k for k in _KIND_ORDER if asked(k)]
    if not kinds:  # only hypothetical mentions ("if you have my data, delete it"): take them
        kinds = [k for k in _KIND_ORDER if any(h.key == k for h in hits)]
    category: Category
    if asked(Signal.COMPLAINT) or (asked(Signal.COMPLAINT_WORD) and asked(Signal.AUTHORITY)):
        category = "complaint"
    elif asked(Signal.OTHERS_DATA):
        # Another person's data: whether the writer may ask for it (their authority, Art.
        # 12(2)) and what of it is the writer's own is for a person to judge, so the case
        # opens for triage with no right of the writer's taken for granted.
        category = "needs_triage"
    elif asked(Signal.FOLLOW_UP) and (personal or kinds or articles):
        category = "follow_up"
    elif kinds:
        category = "request"
    elif other and not articles and not any(h.key == Signal.REFUSED for h in hits):
        category = "non_request"  # recognisably something else: sales, invoice, job, spam
    else:
        # The clock runs from receipt (EDPB 01/2022 §159): whatever is not recognisably
        # something else, a right named only to refuse it included, is for a person to read.
        category = "needs_triage"
    shown = [*kinds, "follow_up", "complaint", "others_data"] if category != "request" else kinds
    evidence = {
        key: list(dict.fromkeys(h.shown for h in hits if h.key == key and _counts(h, kinds)))
        for key in shown
    }
    unique = sorted(set(articles), key=int)
    if category == "needs_triage":
        # The evidence keeps what was named; a person decides what is asked. An opt-out is
        # the writer's own (it stops mail to the address the mail came from) and is in force
        # at once, whatever else the mail asks (Art. 21(3)).
        kinds = [k for k in lx.IN_FORCE_AT_ONCE if asked(k)]
    return Classification(lang, kinds, {k: v for k, v in evidence.items() if v}, category, unique)


def _counts(hit: Hit, kinds: list[str]) -> bool:
    return not hit.hypothetical or hit.key in kinds


def _question_for_access(text: str, tokens: Tokens, hits: list[Hit]) -> list[Hit]:
    """ "Mitä teette tiedoillani?", "mitä tietoja teil on musta" ask for access (Art. 15)."""
    taken = {h.sentence for h in hits}
    by_sentence: dict[int, list[Token]] = {}
    for tok in tokens:
        by_sentence.setdefault(tok.sentence, []).append(tok)
    found = []
    elsewhere: set[int] | None = None  # sentences about orders, invoices, logins: found lazily
    for sentence, toks in by_sentence.items():
        wording = text[toks[0].start : toks[-1].end + 1]
        opens = toks[0].surface in lx.QUESTION_WORDS  # typed without a question mark
        if sentence in taken or not (opens or _QUESTION_WANTS.search(wording)):
            continue
        has = {n for n in ("@self", "@data", "@number") if any(in_set(n, *t.words) for t in toks)}
        if "@self" not in has or not has & {"@data", "@number"}:
            continue
        if not any(t.surface in lx.QUESTION_WORDS for t in toks):
            continue
        if elsewhere is None:
            elsewhere = _sentences_about_something_else(tokens)
        if sentence not in elsewhere:  # "What's my order number?" asks for no right
            found.append(Hit("access", wording.strip(), sentence))
    return found


def _sentences_about_something_else(tokens: Tokens) -> set[int]:
    rules = (rule for group in lx.NOT_A_REQUEST.values() for rule in group)
    return {tokens[first].sentence for rule in rules for first, _ in matches(rule, tokens)}
