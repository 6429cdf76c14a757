"""One incoming mail understood: parsed, machine mail recognised, its request classified."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cases.addresses import domain_of
from cases.classify import Classification, classify_request
from mail_intake.authentication import Verdict, authenticate
from mail_intake.errors import UnparseableMessage
from mail_intake.forwarded import Original
from mail_intake.machine import MachineVerdict, detect_machine_mail
from mail_intake.parsed import ParsedMessage
from mail_intake.parsing import MAX_SIZE, parse_message
from store.sanitise import clean_line
from templates.loader import subject_phrases

DEFAULT_LANGUAGE = "fi"
NOT_CHECKED = Verdict(False, "not checked")


@dataclass(frozen=True)
class Understanding:
    """What the desk knows about a message before anyone reads it."""

    parsed: ParsedMessage
    machine: MachineVerdict | None
    classification: Classification
    authentication: Verdict = NOT_CHECKED


def understand(
    raw: bytes,
    *,
    own_addresses: Collection[str] = (),
    max_size: int = MAX_SIZE,
    trusted_authserv_ids: frozenset[str] = frozenset(),
    colleague_domains: Collection[str] = (),
) -> Understanding:
    """Parse, recognise machine mail and classify; raises UnparseableMessage for non-mail."""
    parsed = parse_message(raw, max_size=max_size)
    machine = detect_machine_mail(parsed, own_addresses=own_addresses)
    domain = parsed.from_addr.rpartition("@")[2] if parsed.from_addr else None
    verdict = authenticate(parsed.authentication_results, domain, trusted_authserv_ids)
    names = [parsed.from_name] if parsed.from_name else []
    # A colleague's forward opens its customer's case, and she names herself ("poistakaa
    # Maija Virtasen tiedot"): her name is the writer's own. Anyone else's forward stays
    # theirs, and the original's writer is another person ("poistakaa myös Pekan tiedot").
    original = colleagues_original(parsed, verdict, colleague_domains, trusted_authserv_ids)
    if original is not None and original.name:
        names.append(original.name)
    # "Re: [DSR-2026-0001] Erasure of your data" names our reply, not a right asked for.
    subject, text = (_without_our_subjects(t) for t in (parsed.subject, parsed.stripped_text))
    found = classify_request(subject, text, names=names)
    if machine is not None and found.category == "needs_triage":
        # An auto-reply or a bounce is recognisably something else: never a request to triage.
        found = replace(found, category="non_request")
    # The detail quotes header text (an authserv-id): no controls into the store or a terminal.
    return Understanding(
        parsed, machine, found, replace(verdict, detail=clean_line(verdict.detail))
    )


def colleagues_original(
    parsed: ParsedMessage,
    authentication: Verdict,
    colleague_domains: Collection[str],
    trusted_authserv_ids: Collection[str] = (),
) -> Original | None:
    """The customer a colleague forwarded the request of; None for anyone else's forward.

    Only a sender of the controller's own domains (`colleague_domains`: the privacy
    mailbox's and `own_domains`) is trusted to name another person (authenticated, where
    the receiving server's results are trusted); the first original from outside those
    domains is the requester (a colleague may have forwarded it on).
    """
    if not parsed.forwarded or not parsed.from_addr or parsed.sender_unclear:
        return None
    if domain_of(parsed.from_addr) not in colleague_domains:
        return None
    if trusted_authserv_ids and not authentication.authenticated:
        return None
    outside = (o for o in parsed.forwarded if domain_of(o.address) not in colleague_domains)
    return next(outside, None)


@functools.cache
def _our_subjects() -> re.Pattern[str]:
    """Our replies' subject wording, as the requester's client may have folded it."""
    phrases = (r"\s+".join(map(re.escape, p.split())) for p in subject_phrases())
    return re.compile("|".join(phrases), re.IGNORECASE)


def _without_our_subjects(text: str) -> str:
    return _our_subjects().sub(" ", text)


_WARM_UP = (
    ("Tietopyyntö", "Hei, poistakaa tietoni rekisteristänne."),
    ("Radering", "Hej, jag vill att ni raderar mina personuppgifter."),
    ("Erasure", "Hello, please delete my personal data."),
)


def warm_up() -> None:
    """Load the language detector and the fi/sv/en dictionaries now, not on the first mail.

    A long-running poller calls this before it starts waiting, so that the first mail
    in each language is not the one that waits about a second for its dictionary.
    """
    for subject, text in _WARM_UP:
        classify_request(subject, text)


def classify_json(path: str | Path, *, colleague_domains: Collection[str] = ()) -> dict[str, Any]:
    """One line of `rightsdesk classify FILE... --json` (design.md §5)."""
    # A reminder or complaint shows as ["follow_up"] / ["complaint"], as in the corpus README;
    # `auto_reply` is true for every kind of machine mail, bounces and lists included.
    failed: dict[str, Any] = {
        "file": str(path),
        "kinds": [],
        "language": DEFAULT_LANGUAGE,
        "auto_reply": False,
    }
    try:
        seen = understand(Path(path).read_bytes(), colleague_domains=colleague_domains)
    except UnparseableMessage as exc:
        return {**failed, "error": exc.reason}
    except OSError as exc:
        return {**failed, "error": f"cannot read the file: {exc.strerror or exc}"}
    found = seen.classification
    kinds = [found.category] if found.category in ("follow_up", "complaint") else found.kinds
    return {
        "file": str(path),
        "kinds": list(kinds),
        "language": found.language,
        "auto_reply": seen.machine is not None,
    }
