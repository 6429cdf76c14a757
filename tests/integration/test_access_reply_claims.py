"""What an access reply states to the data subject is true of that reply (Art. 12(1), 15).

Each reply is drafted by `cases fulfil`'s own service (and redrafted by `tasks done`'s), in
Finnish, Swedish and English, once where the fact it states holds and once where it does not.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from cases import operations as ops
from cases.controller import ControllerConfig
from cases.fulfilment.runner import fulfil
from cases.replies import pending_draft
from cases.systems import ManualSystem, RegisterSystem
from cases.task_work import finish_task
from cases.tasks import outcomes
from store.models import Customer, Draft, Task
from tests.replies_support import ACTOR, T0, controller, verified_case, verify

FIRM = "Esimerkki Tilitoimisto Oy"
OWNER = "kirjanpito@tilitoimisto.example.com"
# A fictional customer of the register per language (tests/replies_support.py).
IN_REGISTER = {
    "fi": ("Maija Virtanen", "maija.virtanen@example.com"),
    "sv": ("Elin Lindqvist", "elin.lindqvist@example.com"),
    "en": ("John Smith", "john.smith@example.com"),
}
OUTSIDE = ("Kalle Ulkopuolinen", "kalle.ulkopuolinen@example.com")
BOTH_FILES = {
    "fi": "(omat tietomme, liitteinä requests- ja correspondence-tiedostot)",
    "sv": "(våra egna uppgifter, bifogade i filerna requests och correspondence)",
    "en": "(our own records, attached as the requests and correspondence files)",
}
REQUESTS_FILE = {
    "fi": "(omat tietomme, liitteenä requests-tiedosto)",
    "sv": "(våra egna uppgifter, bifogade i filen requests)",
    "en": "(our own records, attached as the requests file)",
}
SUMMARY = {
    "fi": "yllä olevassa tiivistelmässä",
    "sv": "framgår av sammandraget ovan",
    "en": "listed in the summary above",
}
STAFF = {
    "fi": "Omat työntekijämme eivät ole vastaanottajia",
    "sv": "Våra egna anställda är inte mottagare",
    "en": "Our own employees are not recipients",
}
NO_RECIPIENT = {
    "fi": "Emme luovuta tietojasi muille vastaanottajille.",
    "sv": "Vi lämnar inte ut dina uppgifter till andra mottagare.",
    "en": "We do not disclose your data to any other recipient.",
}
HELD_BY_FIRM = {
    "fi": f"tietojasi voivat käsitellä näissä järjestelmissä niistä vastaavat henkilöt: {FIRM}.",
    "sv": f"behandlas i dessa system av de personer som ansvarar för dem: {FIRM}.",
    "en": f"your data may be handled in these systems by the people responsible for them: {FIRM}.",
}
LANGS = pytest.mark.parametrize("lang", ["fi", "sv", "en"])


def _controller(*, recipients: bool, firm: bool) -> ControllerConfig:
    """The example controller, with or without its named recipients and the accounting firm."""
    base = controller()
    systems = [RegisterSystem(name="Asiakasrekisteri"), ManualSystem(name=FIRM, owner=OWNER)]
    return base.model_copy(
        update={
            "recipients": base.recipients if recipients else [],
            "systems": systems if firm else [],
        }
    )


def _draft(session: Session, reference: str) -> Draft:
    draft = pending_draft(session, reference=reference)
    assert draft is not None and draft.template == "access_response"
    return draft


def _texts(draft: Draft) -> tuple[str, str]:
    assert draft.body_html is not None
    return draft.body_text, draft.body_html


def _firm_answers(
    session: Session, reference: str, config: ControllerConfig, outcome: str
) -> Draft:
    """The firm's owner answers the access task, as `tasks done` does; the copy is redrafted."""
    (task,) = _tasks(session)
    answered = finish_task(
        session,
        task_id=task.id or 0,
        outcome=outcome,
        note="Kaksi laskua löytyi." if outcome == "done" else None,
        actor="pasi",
        now=T0,
        controller=config,
    )
    assert answered.draft is not None
    return _draft(session, reference)


def _tasks(session: Session) -> list[Task]:
    return list(session.exec(select(Task).order_by(col(Task.id))).all())


@LANGS
def test_an_access_reply_names_the_correspondence_file_when_the_requesters_mail_is_attached(
    session: Session, people: dict[str, Customer], lang: str
) -> None:
    name, email = IN_REGISTER[lang]
    case = verified_case(session, kinds=["access"], email=email, name=name, language=lang)
    draft = fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=controller())
    files = [a["filename"] for a in draft.attachments]
    assert f"{case.reference.lower()}-correspondence.csv" in files
    for text in _texts(draft):
        assert BOTH_FILES[lang] in text


@LANGS
def test_an_access_reply_to_a_letter_names_no_correspondence_file_when_none_is_attached(
    session: Session, people: dict[str, Customer], lang: str
) -> None:
    name, email = IN_REGISTER[lang]
    # A request by letter: no mail to or from the person, so no correspondence file.
    case = ops.open_case(
        session,
        kinds=["access"],
        received_at=T0,
        now=T0,
        actor=ACTOR,
        requester_email=email,
        requester_name=name,
        language=lang,
        channel="letter",
    )
    verify(session, case)
    draft = fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=controller())
    files = [a["filename"] for a in draft.attachments]
    assert f"{case.reference.lower()}-requests.csv" in files
    assert not any("correspondence" in f for f in files)
    for text in _texts(draft):
        assert REQUESTS_FILE[lang] in text
        assert "correspondence" not in text


@LANGS
def test_an_access_reply_points_to_the_summary_of_disclosures_only_when_it_has_one(
    session: Session, people: dict[str, Customer], lang: str
) -> None:
    config = _controller(recipients=True, firm=True)
    name, email = IN_REGISTER[lang]
    listed = verified_case(session, kinds=["access"], email=email, name=name, language=lang)
    fulfil(session, reference=listed.reference, actor=ACTOR, now=T0, controller=config)
    with_summary = _firm_answers(session, listed.reference, config, "nothing_there")
    for text in _texts(with_summary):
        assert SUMMARY[lang] in text

    # Someone only the accounting firm knows: the reply has no summary to point to.
    outside = verified_case(
        session, kinds=["access"], email=OUTSIDE[1], name=OUTSIDE[0], language=lang
    )
    fulfil(session, reference=outside.reference, actor=ACTOR, now=T0, controller=config)
    (task,) = [t for t in _tasks(session) if t.case_id == outside.id]
    finish_task(
        session,
        task_id=task.id or 0,
        outcome="done",
        note="Kaksi laskua löytyi.",
        actor="pasi",
        now=T0,
        controller=config,
    )
    without_summary = _draft(session, outside.reference)
    for text in _texts(without_summary):
        assert STAFF[lang] in text
        assert SUMMARY[lang] not in text


@LANGS
def test_an_access_reply_says_no_recipient_has_the_data_only_when_no_system_of_a_person_holds_it(
    session: Session, people: dict[str, Customer], lang: str
) -> None:
    config = _controller(recipients=False, firm=True)
    name, email = IN_REGISTER[lang]
    case = verified_case(session, kinds=["access"], email=email, name=name, language=lang)
    fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=config)
    (task,) = _tasks(session)

    # The firm still has to look: the reply may not say that nobody else has the data.
    for text in _texts(_draft(session, case.reference)):
        assert NO_RECIPIENT[lang] not in text
        assert HELD_BY_FIRM[lang] in text

    finish_task(
        session,
        task_id=task.id or 0,
        outcome="done",
        note="Kaksi laskua löytyi.",
        actor="pasi",
        now=T0,
        controller=config,
    )
    assert [o["outcome"] for o in outcomes(session, case, "access")] == ["done"]
    for text in _texts(_draft(session, case.reference)):
        assert NO_RECIPIENT[lang] not in text
        assert HELD_BY_FIRM[lang] in text


@LANGS
def test_an_access_reply_says_no_recipient_has_the_data_when_the_firm_found_nothing(
    session: Session, people: dict[str, Customer], lang: str
) -> None:
    config = _controller(recipients=False, firm=True)
    name, email = IN_REGISTER[lang]
    case = verified_case(session, kinds=["access"], email=email, name=name, language=lang)
    fulfil(session, reference=case.reference, actor=ACTOR, now=T0, controller=config)
    draft = _firm_answers(session, case.reference, config, "nothing_there")
    for text in _texts(draft):
        assert NO_RECIPIENT[lang] in text
        assert HELD_BY_FIRM[lang] not in text
