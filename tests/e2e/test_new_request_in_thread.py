"""A new request inside an open case's thread is not folded into a thread line (Art. 12(3)).

Each journey: a register customer's request reaches the Maildir and intake opens the case;
a reply in the case's thread (In-Reply-To, the request quoted below) reaches the Maildir
and intake takes it in; the contact person reads the outcome in the case's Slack thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlmodel import col, select

from cases import operations as ops
from cases.fulfilment.suppression import is_suppressed
from store.models import Attachment, Case, Message, Outbox
from tests.e2e.code_desk import CodeDesk, code_desk
from tests.replies_support import T0, request_mail
from tests.servers.slack_fake import FakeSlack

REPLIED = T0 + timedelta(days=3)
# The first request, per language, and a reply asking for erasure as well.
ACCESS_THEN_ERASURE = {
    "fi": (
        "Maija Virtanen",
        "maija.virtanen@example.com",
        "Tietopyyntö",
        "Hei,\n\npyydän kopion kaikista minua koskevista henkilötiedoista.\n\nMaija Virtanen\n",
        "Kiitos vahvistuksesta. Poistakaa myös kaikki tietoni.\n\nMaija",
        "kirjoitti",
    ),
    "sv": (
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        "Begäran om registerutdrag",
        "Hej,\n\njag vill ha en kopia av alla personuppgifter ni har om mig.\n\nElin Lindqvist\n",
        "Tack för bekräftelsen. Radera även alla mina uppgifter.\n\nElin",
        "skrev",
    ),
    "en": (
        "John Smith",
        "john.smith@example.com",
        "Subject access request",
        "Hello,\n\nplease send me a copy of all personal data you hold about me.\n\nJohn Smith\n",
        "Thanks for the confirmation. Also please erase all my data.\n\nJohn",
        "wrote",
    ),
}


@pytest.fixture
def desk(db_url: str, tmp_path: Path, fake_slack: FakeSlack) -> Iterator[CodeDesk]:
    yield from code_desk(db_url, tmp_path / "mail", fake_slack)


def _open_access_case(desk: CodeDesk, language: str) -> tuple[str, str]:
    """The customer's access request taken in; returns its reference and Message-ID."""
    name, sender, subject, body, _, _ = ACCESS_THEN_ERASURE[language]
    message_id, raw = request_mail(
        sender_name=name, sender=sender, subject=subject, body=body, at=T0
    )
    desk.mail_in(raw)
    assert desk.poll(T0) == {"case_opened": 1}
    with desk.session() as session:
        case = session.exec(select(Case)).one()
        assert case.kinds == ["access"]
        reference = case.reference
    desk.sync_slack(T0)  # the case's root message, before the reply
    return reference, message_id


def _in_thread(
    message_id: str,
    *,
    name: str,
    sender: str,
    own: str,
    quoted: str,
    wrote: str = "wrote",
    below: bool = False,
) -> bytes:
    """A reply to the request: the request quoted with ">", `own` words on top (or `below`)."""
    quote = "\n".join(f"> {line}" for line in quoted.splitlines())
    attribution = f"5.3.2026 klo 12.00 {name} {wrote}:\n{quote}\n"
    _, raw = request_mail(
        sender_name=name,
        sender=sender,
        subject="Re: request",
        body=f"{attribution}\n{own}\n" if below else f"{own}\n\n{attribution}",
        at=REPLIED,
        in_reply_to=message_id,
    )
    return raw


def _extend(desk: CodeDesk, reference: str) -> None:
    """The contact person extends the case by two months (Art. 12(3)) the day after receipt."""
    with desk.session() as session:
        ops.extend(
            session,
            reference=reference,
            reason="twelve systems to search",
            ground="complexity",
            actor="pasi",
            now=T0 + timedelta(days=1),
        )


def _signed_mail_in(
    desk: CodeDesk, name: str, sender: str, text: str, *, subject: str = "GDPR"
) -> None:
    """A new mail of TEXT, signed with the writer's name, delivered at T0."""
    _, raw = request_mail(
        sender_name=name, sender=sender, subject=subject, body=f"{text}\n\n{name}\n", at=T0
    )
    desk.mail_in(raw)


def _cases(desk: CodeDesk) -> list[Case]:
    with desk.session() as session:
        rows = session.exec(select(Case).order_by(col(Case.id))).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_requester_asking_for_a_second_right_in_the_thread_adds_it_to_the_case_and_says_so(
    desk: CodeDesk, language: str
) -> None:
    reference, message_id = _open_access_case(desk, language)
    due = desk.case(reference).due_date
    name, sender, _, body, own, wrote = ACCESS_THEN_ERASURE[language]
    desk.mail_in(
        _in_thread(message_id, name=name, sender=sender, own=own, quoted=body, wrote=wrote)
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    case = desk.case(reference)
    assert case.kinds == ["access", "erasure"]
    # Received on 5 March, the case is due on 7 April (Easter); erasure, asked for on
    # 8 March, would be due on 8 April: the case's earlier date holds for both.
    assert case.due_date == due == date(2026, 4, 7) and case.effective_due_date == due
    assert [e.action for e in desk.events(reference)][-2:] == ["message_received", "kinds_added"]
    assert len(_cases(desk)) == 1
    lines = desk.sync_slack(REPLIED)
    assert (
        "🆕 A new right was asked for in this thread: erasure. Added to the case by intake;"
        " the case's due date 2026-04-07 holds for it."
    ) in lines


# What the requester reads when erasure joins their access case: the subject, the new
# right, the case's rights now and its unchanged due date (7 April 2026, after Easter).
ADDED_ACKNOWLEDGEMENT = {
    "fi": (
        "Saimme uuden tietosuojapyyntösi",
        "Saimme uuden pyyntösi. Käsityksemme mukaan se koskee seuraavaa oikeuttasi:\n\n"
        "- tietojen poistaminen\n\nLiitimme sen aiempaan pyyntöösi, jonka viite on {ref}.",
        "Pyyntösi {ref} koskee nyt seuraavia oikeuksiasi:\n\n"
        "- tietojen tarkastaminen\n- tietojen poistaminen\n",
        "Uusi pyyntösi ei muuta määräaikaa: vastaamme koko pyyntöösi ilman aiheetonta"
        " viivytystä ja viimeistään 7.4.2026",
    ),
    "sv": (
        "Vi har tagit emot din nya begäran om dina personuppgifter",
        "Vi har tagit emot din nya begäran. Enligt vår uppfattning gäller den följande"
        " rättighet:\n\n- radering\n\nVi har lagt till den i din tidigare begäran med"
        " referensen {ref}.",
        "Din begäran {ref} gäller nu följande rättigheter:\n\n- rätt till tillgång\n- radering\n",
        "Din nya begäran ändrar inte tidsfristen: vi svarar på hela din begäran utan onödigt"
        " dröjsmål och senast den 7 april 2026",
    ),
    "en": (
        "We have received your new data protection request",
        "We have received your new request. We understand it to concern the following"
        " right:\n\n- erasure\n\nWe have added it to your earlier request {ref},",
        "Your request {ref} now concerns the following rights:\n\n"
        "- access to your data\n- erasure\n",
        "Your new request does not change the time limit: we will reply to your whole request"
        " without undue delay and at the latest by 7 April 2026",
    ),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_requester_is_told_in_their_language_which_right_joined_the_case_and_by_when(
    desk: CodeDesk, language: str
) -> None:
    reference, message_id = _open_access_case(desk, language)
    name, sender, _, body, own, wrote = ACCESS_THEN_ERASURE[language]
    raw = _in_thread(message_id, name=name, sender=sender, own=own, quoted=body, wrote=wrote)
    desk.mail_in(raw)

    assert desk.poll(REPLIED) == {"follow_up": 1}
    desk.send_outbox(REPLIED)

    reply_id = str(message_from_bytes(raw)["Message-ID"])
    (ack,) = [m for m in desk.sent() if m["In-Reply-To"] == reply_id]
    subject, added, rights, due = ADDED_ACKNOWLEDGEMENT[language]
    assert ack["Subject"] == f"[{reference}] {subject}"
    assert sender in str(ack["To"]) and ack["Auto-Submitted"] == "auto-replied"
    # Threaded on the reply and on the request it answered (RFC 5322 §3.6.4).
    assert str(ack["References"]).split() == [f"<{message_id}>", reply_id]
    plain = ack.get_body(("plain",))
    assert plain is not None
    text = str(plain.get_content())
    assert added.format(ref=reference) in text
    assert rights.format(ref=reference) in text
    assert due in text
    with desk.session() as session:
        case = ops.get_case(session, reference)
        purposes = session.exec(
            select(Outbox.purpose).where(Outbox.case_id == case.id).order_by(col(Outbox.id))
        ).all()
        assert purposes == ["acknowledgement", "acknowledgement"]  # the case's own trail


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_second_right_asked_for_below_the_quoted_request_is_added_to_the_case_too(
    desk: CodeDesk, language: str
) -> None:
    reference, message_id = _open_access_case(desk, language)
    name, sender, _, body, own, wrote = ACCESS_THEN_ERASURE[language]
    desk.mail_in(
        _in_thread(
            message_id, name=name, sender=sender, own=own, quoted=body, wrote=wrote, below=True
        )
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    assert desk.case(reference).kinds == ["access", "erasure"] and len(_cases(desk)) == 1
    assert [e.action for e in desk.events(reference)][-2:] == ["message_received", "kinds_added"]
    assert any(
        "🆕 A new right was asked for in this thread: erasure." in line
        for line in desk.sync_slack(REPLIED)
    )


def test_a_thank_you_below_a_quoted_erasure_request_stays_a_thread_line(desk: CodeDesk) -> None:
    reference, message_id = _open_access_case(desk, "sv")
    name, sender, _, _, erasure, wrote = ACCESS_THEN_ERASURE["sv"]
    desk.mail_in(
        _in_thread(
            message_id,
            name=name,
            sender=sender,
            own="Tack så mycket!\n\nElin",
            quoted=erasure,
            wrote=wrote,
            below=True,
        )
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    assert desk.case(reference).kinds == ["access"] and len(_cases(desk)) == 1
    assert [e.action for e in desk.events(reference)][-1] == "message_received"


def test_a_right_asked_for_in_the_thread_of_an_extended_case_gets_a_case_with_its_own_due_date(
    desk: CodeDesk,
) -> None:
    reference, message_id = _open_access_case(desk, "en")
    _extend(desk, reference)
    name, sender, _, body, own, _ = ACCESS_THEN_ERASURE["en"]
    desk.mail_in(_in_thread(message_id, name=name, sender=sender, own=own, quoted=body))

    assert desk.poll(REPLIED) == {"case_opened": 1}

    first, second = _cases(desk)
    assert first.reference == reference and first.kinds == ["access"]
    assert first.effective_due_date == date(2026, 6, 5)  # the extension is the access's
    assert second.kinds == ["erasure"] and second.requester_email == sender
    assert second.due_date == date(2026, 4, 8) and second.extended_due_date is None
    assert second.evidence["in_thread_of"] == reference
    assert [e.action for e in desk.events(reference)][-1] == "separate_case_opened"
    assert (
        f"🆕 A new right was asked for in this thread (erasure): it has a case of its own,"
        f" {second.reference}, with its own due date (by intake)."
    ) in desk.sync_slack(REPLIED)


def test_another_person_writing_their_own_request_in_the_thread_gets_a_case_of_their_own(
    desk: CodeDesk,
) -> None:
    reference, message_id = _open_access_case(desk, "en")
    _, sender, _, body, _, _ = ACCESS_THEN_ERASURE["en"]
    colleague = "mary.major@example.com"
    desk.mail_in(
        _in_thread(
            message_id,
            name="Mary Major",
            sender=colleague,
            own="Hi, John cc'd me on this. Please send me a copy of all my personal data too.",
            quoted=body,
        )
    )

    assert desk.poll(REPLIED) == {"case_opened": 1}

    first, second = _cases(desk)
    assert first.reference == reference and first.kinds == ["access"]
    assert first.requester_email == sender
    assert second.requester_email == colleague and second.kinds == ["access"]
    assert second.due_date == date(2026, 4, 8)
    assert second.evidence["in_thread_of"] == reference
    with desk.session() as session:
        theirs = session.exec(select(Message).where(Message.from_addr == colleague)).one()
        assert theirs.case_id == second.id and theirs.category == "request"
        acks = session.exec(select(Outbox).where(Outbox.case_id == second.id)).all()
        assert [a.to_addr for a in acks] == [colleague]  # acknowledged like any new request
    first_actions = [e.action for e in desk.events(reference)]
    assert first_actions[-1] == "separate_case_opened"
    assert "third_party_message" not in first_actions
    assert "message_received" not in first_actions[1:]
    # Nothing of the colleague's on the first case: neither the address nor the rights asked.
    first_detail = [str(e.full_detail) for e in desk.events(reference)]
    assert not any(colleague in d or "Mary" in d for d in first_detail)
    assert [e.action for e in desk.events(second.reference)][-1] == "note"
    assert (
        "🆕 Another person wrote in this thread with a request of their own: a separate case"
        f" was opened, {second.reference} (by intake)."
    ) in desk.sync_slack(REPLIED)


def test_a_thank_you_and_an_auto_reply_in_the_thread_stay_thread_lines(
    desk: CodeDesk,
) -> None:
    reference, message_id = _open_access_case(desk, "fi")
    name, sender, _, _, erasure, _ = ACCESS_THEN_ERASURE["fi"]
    # The thank-you quotes a mail that asked for erasure: quoted words ask for nothing.
    desk.mail_in(
        _in_thread(
            message_id,
            name=name,
            sender=sender,
            own="Kiitos paljon!\n\nMaija",
            quoted=erasure,
            wrote="kirjoitti",
        )
    )
    assert desk.poll(REPLIED) == {"follow_up": 1}
    _, auto_reply = request_mail(
        sender_name=name,
        sender=sender,
        subject="Automaattinen vastaus: Re: request",
        body="Olen lomalla 20.3. asti. Poistakaa kiireelliset asiat kollegalle.\n",
        at=REPLIED,
        in_reply_to=message_id,
    )
    desk.mail_in(auto_reply.replace(b"\nFrom:", b"\nAuto-Submitted: auto-replied\nFrom:", 1))
    assert desk.poll(REPLIED) == {"machine": 1}

    case = desk.case(reference)
    assert case.kinds == ["access"] and len(_cases(desk)) == 1
    assert [e.action for e in desk.events(reference)][-2:] == ["message_received", "machine_mail"]
    lines = desk.sync_slack(REPLIED)
    assert len(lines) == 2 and not any("🆕" in line for line in lines)


def test_a_colleague_telling_the_desk_what_to_do_in_the_thread_opens_no_case_of_their_own(
    desk: CodeDesk,
) -> None:
    reference, message_id = _open_access_case(desk, "fi")
    _, _, _, body, _, _ = ACCESS_THEN_ERASURE["fi"]
    desk.mail_in(
        _in_thread(
            message_id,
            name="Pasi Tietosuoja",
            sender="pasi@targetpartners.example",  # the privacy mailbox's own domain
            own="Hei, poistakaa asiakkaan kaikki tiedot tämän jälkeen.\n\nPasi",
            quoted=body,
            wrote="kirjoitti",
        )
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    assert len(_cases(desk)) == 1 and desk.case(reference).kinds == ["access"]
    # The colleague is the controller, not a third party (EDPB 01/2022 §159).
    (*_, last) = desk.events(reference)
    assert last.action == "colleague_message"
    assert last.full_detail["result_code"] == "colleague_message"
    with desk.session() as session:
        theirs = session.exec(select(Message).where(Message.from_addr == COLLEAGUE)).one()
        assert theirs.category == "colleague"


def test_a_reply_that_answers_our_question_and_asks_a_new_right_restarts_the_paused_clock(
    desk: CodeDesk,
) -> None:
    reference, message_id = _open_access_case(desk, "en")
    _extend(desk, reference)
    with desk.session() as session:
        ops.pause(
            session,
            reference=reference,
            waiting_for="clarification",
            reason="Which years?",
            actor="pasi",
            now=T0 + timedelta(days=1),
        )
    name, sender, _, body, _, _ = ACCESS_THEN_ERASURE["en"]
    own = "All years from 2019 to 2025, please. And also erase all my data afterwards."
    desk.mail_in(_in_thread(message_id, name=name, sender=sender, own=own, quoted=body))

    assert desk.poll(REPLIED) == {"case_opened": 1}

    first, second = _cases(desk)
    assert second.kinds == ["erasure"]  # the extended case cannot take it: its own month
    # The reply still answers the first case's question: its clock runs again.
    assert first.paused_since is None and first.status == "received"
    actions = [e.action for e in desk.events(reference)]
    assert actions[-3:] == ["message_received", "resume", "separate_case_opened"]


def test_a_marketing_opt_out_asked_for_in_the_thread_is_in_force_at_once_and_confirmed(
    desk: CodeDesk,
) -> None:
    reference, message_id = _open_access_case(desk, "sv")
    name, sender, _, body, _, wrote = ACCESS_THEN_ERASURE["sv"]
    own = "Tack. Och sluta skicka mig ert nyhetsbrev och all reklam."
    desk.mail_in(
        _in_thread(message_id, name=name, sender=sender, own=own, quoted=body, wrote=wrote)
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    assert desk.case(reference).kinds == ["access", "marketing_opt_out"]
    with desk.session() as session:
        assert is_suppressed(session, sender) == ["marketing"]  # Art. 21(3)
    assert [e.action for e in desk.events(reference)][-1] == "opt_out_in_force"
    # Confirmed to the requester as a new case's opt-out is: in its acknowledgement.
    desk.send_outbox(REPLIED)
    (ack,) = [m for m in desk.sent() if "nya begäran" in str(m["Subject"])]
    plain = ack.get_body(("plain",))
    assert plain is not None
    text = str(plain.get_content())
    assert "- förbud mot direktmarknadsföring" in text
    assert f"Ditt förbud gäller redan för e-postadressen {sender}: direktreklam," in text


def test_another_persons_case_keeps_their_own_words_and_not_the_quoted_requesters_mail(
    desk: CodeDesk,
) -> None:
    reference, message_id = _open_access_case(desk, "fi")
    colleague = "pekka.puoliso@example.com"
    quoted = "Henkilötunnukseni on 010190-123A ja osoitteeni Salainen katu 5."
    _, raw = request_mail(
        sender_name="Pekka Puoliso",
        sender=colleague,
        subject="Re: request",
        body="Hei, lähettäkää myös minulle kopio kaikista minua koskevista tiedoista.\n\n"
        f"5.3.2026 klo 12.00 Maija Virtanen kirjoitti:\n> {quoted}\n",
        at=REPLIED,
        in_reply_to=message_id,
        # The first requester's file, sent along in the thread.
        attachments=[("maija_passi.jpg", "image/jpeg", b"\xff\xd8 fictional passport of Maija")],
    )
    desk.mail_in(raw)

    assert desk.poll(REPLIED) == {"case_opened": 1}

    _, second = _cases(desk)
    with desk.session() as session:
        theirs = session.exec(
            select(Message).where(Message.case_id == second.id, Message.direction == "in")
        ).one()
        assert theirs.raw is not None and theirs.body_text is not None
        stored = theirs.raw.decode("utf-8", "replace") + theirs.body_text
        assert "kopio kaikista minua koskevista" in theirs.body_text
        assert "010190-123A" not in stored and "Salainen" not in stored
        assert f"quoted mail of case {reference} removed" in theirs.body_text
        files = session.exec(select(Attachment).where(Attachment.message_id == theirs.id)).all()
        assert [(f.filename, f.data) for f in files] == [(None, None)]  # size and hash only
        assert b"fictional passport" not in theirs.raw


COLLEAGUE = "pasi@targetpartners.example"  # the privacy mailbox's own domain
# The colleague's note on top of the forward, per language.
FORWARD_NOTE = {
    "fi": "Asiakas kirjoitti minulle suoraan, välitän.",
    "sv": "Kunden skrev direkt till mig, jag vidarebefordrar.",
    "en": "The customer wrote to me directly, forwarding.",
}


def _forwarded_in_thread(
    message_id: str, language: str, *, name: str, sender: str, text: str
) -> bytes:
    """A colleague forwards, in reply to the case's thread, a mail the customer sent them."""
    _, raw = request_mail(
        sender_name="Pasi Tietosuoja",
        sender=COLLEAGUE,
        subject="Fwd: Re: request",
        body=f"{FORWARD_NOTE[language]}\n\nPasi\n\n---------- Forwarded message ---------\n"
        f"From: {name} <{sender}>\nDate: la 7.3.2026 klo 9.30\nSubject: Re: request\n"
        f"To: Pasi Tietosuoja <{COLLEAGUE}>\n\n{text}\n",
        at=REPLIED,
        in_reply_to=message_id,
    )
    return raw


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_colleague_forwarding_the_requesters_new_right_into_the_thread_adds_it_to_the_case(
    desk: CodeDesk, language: str
) -> None:
    reference, message_id = _open_access_case(desk, language)
    name, sender, _, _, own, _ = ACCESS_THEN_ERASURE[language]
    desk.mail_in(_forwarded_in_thread(message_id, language, name=name, sender=sender, text=own))

    assert desk.poll(REPLIED) == {"follow_up": 1}

    case = desk.case(reference)
    assert case.kinds == ["access", "erasure"] and len(_cases(desk)) == 1
    assert case.due_date == date(2026, 4, 7)  # the case's date holds for the new right
    events = desk.events(reference)
    assert [e.action for e in events][-3:] == [
        "colleague_message",  # the colleague's mail: no code, no identity, clock unchanged
        "forwarded_request",
        "kinds_added",
    ]
    forwarded = events[-2].full_detail
    assert (forwarded["forwarded_by"], forwarded["joined"]) == (COLLEAGUE, True)
    assert forwarded["original_date"] == "2026-03-07T07:30:00+00:00"


def test_a_colleague_forwarding_a_new_right_into_an_extended_cases_thread_opens_its_own_case(
    desk: CodeDesk,
) -> None:
    reference, message_id = _open_access_case(desk, "en")
    _extend(desk, reference)
    name, sender, _, _, own, _ = ACCESS_THEN_ERASURE["en"]
    desk.mail_in(_forwarded_in_thread(message_id, "en", name=name, sender=sender, text=own))

    assert desk.poll(REPLIED) == {"case_opened": 1}

    first, second = _cases(desk)
    assert first.kinds == ["access"]
    assert (second.requester_email, second.kinds) == (sender, ["erasure"])
    # Received when the customer's mail reached the colleague, 7 March, not on 8 March.
    assert second.received_at == datetime(2026, 3, 7, 7, 30, tzinfo=UTC)
    assert second.due_date == date(2026, 4, 7) and second.evidence["in_thread_of"] == reference
    assert [e.action for e in desk.events(reference)][-1] == "separate_case_opened"
    assert "forwarded_request" in [e.action for e in desk.events(second.reference)]


def test_a_colleague_forwarding_another_persons_request_into_the_thread_opens_their_case(
    desk: CodeDesk,
) -> None:
    reference, message_id = _open_access_case(desk, "fi")
    other = "pekka.puoliso@example.com"
    text = "Hei, lähettäkää minulle kopio kaikista minua koskevista tiedoista.\n\nPekka"
    desk.mail_in(
        _forwarded_in_thread(message_id, "fi", name="Pekka Puoliso", sender=other, text=text)
    )

    assert desk.poll(REPLIED) == {"case_opened": 1}

    first, second = _cases(desk)
    assert (first.requester_email, first.kinds) == ("maija.virtanen@example.com", ["access"])
    assert (second.requester_email, second.kinds) == (other, ["access"])
    assert second.evidence["in_thread_of"] == reference
    with desk.session() as session:
        theirs = session.exec(
            select(Message).where(Message.case_id == second.id, Message.direction == "in")
        ).one()
        assert theirs.body_text is not None
        assert "kopio kaikista minua koskevista" in theirs.body_text
        assert "Pekka Puoliso <pekka.puoliso@example.com>" in theirs.body_text
    assert [e.action for e in desk.events(reference)][-1] == "separate_case_opened"


# A reply asking to delete a mail of the thread, not the writer's data (not Art. 17).
DELETE_MY_LAST_MAIL = {
    "fi": "Poistakaa edellinen viestini, lähetin sen vahingossa.\n\nMaija",
    "sv": "Radera mitt förra mejl, jag skickade det av misstag.\n\nElin",
    "en": "Please delete my previous email, I sent it by mistake.\n\nJohn",
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_asking_to_delete_an_earlier_mail_of_the_thread_adds_no_erasure_to_the_case(
    desk: CodeDesk, language: str
) -> None:
    reference, message_id = _open_access_case(desk, language)
    name, sender, _, body, _, wrote = ACCESS_THEN_ERASURE[language]
    own = DELETE_MY_LAST_MAIL[language]
    desk.mail_in(
        _in_thread(message_id, name=name, sender=sender, own=own, quoted=body, wrote=wrote)
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    assert desk.case(reference).kinds == ["access"] and len(_cases(desk)) == 1
    assert [e.action for e in desk.events(reference)][-1] == "message_received"
    assert not any("🆕" in line for line in desk.sync_slack(REPLIED))


# A new mail asking to erase the writer's spouse's data.
SOMEONE_ELSES_DATA = {
    "fi": ("Maija Virtanen", "maija.virtanen@example.com", "Poistakaa mieheni tiedot."),
    "sv": ("Elin Lindqvist", "elin.lindqvist@example.com", "Radera min makes uppgifter."),
    "en": ("John Smith", "john.smith@example.com", "Please delete my husband's data."),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_request_to_erase_someone_elses_data_opens_a_case_for_triage_not_the_writers_erasure(
    desk: CodeDesk, language: str
) -> None:
    name, sender, text = SOMEONE_ELSES_DATA[language]
    _signed_mail_in(desk, name, sender, text)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("needs_triage", [])
    assert case.evidence["triggers"]["others_data"]  # what the person triaging reads


# New mails asking for a right to another person's data: a copy of a spouse's data, and a
# mail written on a mother's behalf asking to erase "her" data.
ANOTHER_PERSONS_RIGHT = {
    "fi": (
        "Maija Virtanen",
        "maija.virtanen@example.com",
        [
            "Lähettäkää kopio vaimoni tiedoista.",
            "Kirjoitan äitini puolesta. Poistakaa hänen tietonsa.",
        ],
    ),
    "sv": (
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        [
            "Skicka en kopia av min frus uppgifter.",
            "Jag skriver för min mammas räkning. Radera hennes uppgifter.",
        ],
    ),
    "en": (
        "John Smith",
        "john.smith@example.com",
        [
            "Send me a copy of my wife's data.",
            "I am writing on behalf of my mother. Please delete her data.",
        ],
    ),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_any_right_to_another_persons_data_opens_a_case_for_triage_not_the_writers_own(
    desk: CodeDesk, language: str
) -> None:
    name, sender, texts = ANOTHER_PERSONS_RIGHT[language]
    for n, text in enumerate(texts):
        _signed_mail_in(desk, name, sender, text, subject=f"GDPR {n}")

    assert desk.poll(T0) == {"case_opened": 2}

    cases = _cases(desk)
    assert [(c.status, c.kinds) for c in cases] == [("needs_triage", [])] * 2
    assert all(c.evidence["triggers"]["others_data"] for c in cases)  # what the triager reads


# A reply in the thread asking for a right to another person's data, per language.
OTHERS_DATA_IN_THREAD = {
    "fi": "Kiitos. Kirjoitan nyt myös äitini puolesta: poistakaa hänen tietonsa.\n\nMaija",
    "sv": "Tack. Skicka också en kopia av min makes uppgifter.\n\nElin",
    "en": "Thanks. Please also send me a copy of my wife's data.\n\nJohn",
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_reply_asking_about_another_persons_data_adds_nothing_but_tells_the_contact_person(
    desk: CodeDesk, language: str
) -> None:
    reference, message_id = _open_access_case(desk, language)
    name, sender, _, body, _, wrote = ACCESS_THEN_ERASURE[language]
    own = OTHERS_DATA_IN_THREAD[language]
    desk.mail_in(
        _in_thread(message_id, name=name, sender=sender, own=own, quoted=body, wrote=wrote)
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    assert desk.case(reference).kinds == ["access"] and len(_cases(desk)) == 1
    assert [e.action for e in desk.events(reference)][-2:] == [
        "message_received",
        "others_data_in_thread",
    ]
    (line,) = [line for line in desk.sync_slack(REPLIED) if "🆕" in line]
    assert line == (
        "🆕 A reply in this thread asks about another person's data: nothing was added to the"
        " case. Decide whether the writer may act for them (Art. 12(2)) (noted by intake)."
    )


# The requester's answer to our question, per language: no new right in it.
CLARIFIED = {
    "fi": "Vuodet 2019–2025, kiitos.\n\nMaija",
    "sv": "Åren 2019–2025, tack.\n\nElin",
    "en": "All years from 2019 to 2025, please.\n\nJohn",
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_colleague_forwarding_the_requesters_answer_restarts_the_paused_clock_from_its_receipt(
    desk: CodeDesk, language: str
) -> None:
    reference, message_id = _open_access_case(desk, language)
    with desk.session() as session:
        ops.pause(
            session,
            reference=reference,
            waiting_for="clarification",
            reason="Which years?",
            actor="pasi",
            now=T0 + timedelta(days=1),
        )
    name, sender, _, _, _, _ = ACCESS_THEN_ERASURE[language]
    desk.mail_in(
        _forwarded_in_thread(
            message_id, language, name=name, sender=sender, text=CLARIFIED[language]
        )
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    case = desk.case(reference)
    assert case.status == "received" and case.paused_since is None
    # Paused on 6 March, answered to the colleague on 7 March: one day paused, not the two
    # up to the forward's arrival on 8 March.
    assert case.paused_days == 1
    assert case.kinds == ["access"] and len(_cases(desk)) == 1
    events = desk.events(reference)
    assert [e.action for e in events][-4:] == [
        "colleague_message",  # the colleague's own mail
        "forwarded_request",
        "message_received",  # the requester's answer inside it
        "resume",
    ]
    assert events[-2].full_detail["forwarded"] is True
    assert events[-1].full_detail["answered_at"] == "2026-03-07T07:30:00+00:00"
    with desk.session() as session:
        purposes = session.exec(select(Outbox.purpose).where(Outbox.case_id == case.id)).all()
        assert purposes == ["acknowledgement"]  # an answer is not a request to acknowledge


# A new mail opting out of marketing and naming another person's data or acting for them,
# and what its acknowledgement says of the opt-out.
OPT_OUT_AND_SOMEONE_ELSE = {
    "fi": (
        "Maija Virtanen",
        "maija.virtanen@example.com",
        "Älkää lähettäkö minulle enää markkinointia. Poistakaa myös mieheni tiedot.",
        "Kieltosi on jo voimassa sähköpostiosoitteesi maija.virtanen@example.com osalta",
    ),
    "sv": (
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        "Sluta skicka reklam till mig, även för min makes räkning.",
        "Ditt förbud gäller redan för e-postadressen elin.lindqvist@example.com",
    ),
    "en": (
        "John Smith",
        "john.smith@example.com",
        "Please stop sending me marketing emails, on behalf of my wife too.",
        "We have already put your objection in force for your email address john.smith@example.com",
    ),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_an_opt_out_beside_another_persons_data_is_in_force_at_once_and_the_case_is_for_triage(
    desk: CodeDesk, language: str
) -> None:
    name, sender, text, said = OPT_OUT_AND_SOMEONE_ELSE[language]
    _signed_mail_in(desk, name, sender, text)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("needs_triage", [])  # a person reads the rest
    assert case.evidence["triggers"]["others_data"]
    with desk.session() as session:
        assert is_suppressed(session, sender) == ["marketing"]  # Art. 21(3): at once
    assert "opt_out_in_force" in [e.action for e in desk.events(case.reference)]
    desk.send_outbox(T0)
    (ack,) = desk.sent()
    plain = ack.get_body(("plain",))
    assert plain is not None and said in " ".join(str(plain.get_content()).split())


# New mails naming "her data" beside the writer's own erasure, or before the verb.
HER_DATA = {
    "fi": (
        "Maija Virtanen",
        "maija.virtanen@example.com",
        ["Poistakaa tietoni, ja hänen tietonsa myös.", "Hänen tietonsa voitte poistaa."],
    ),
    "sv": (
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        ["Radera mina uppgifter, och hennes uppgifter också.", "Hennes uppgifter kan ni radera."],
    ),
    "en": (
        "John Smith",
        "john.smith@example.com",
        ["Delete my data, and her data too.", "Her personal data you may erase."],
    ),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_her_data_named_beside_or_before_the_erasure_opens_a_case_for_triage(
    desk: CodeDesk, language: str
) -> None:
    name, sender, texts = HER_DATA[language]
    for n, text in enumerate(texts):
        _signed_mail_in(desk, name, sender, text, subject=f"GDPR {n}")

    assert desk.poll(T0) == {"case_opened": 2}

    cases = _cases(desk)
    assert [(c.status, c.kinds) for c in cases] == [("needs_triage", [])] * 2
    assert all(c.evidence["triggers"]["others_data"] for c in cases)
    # The writer's own erasure beside hers is still shown to the person triaging, not lost.
    assert any("erasure" in c.evidence["triggers"] for c in cases)


# New mails naming her data before the verb in more words than "her data".
HER_DATA_FRONTED = [
    ("fi", "Hänen tietonsa voitte kyllä myös poistaa."),
    ("sv", "Hennes uppgifter kan ni också ta bort."),
    ("en", "His phone number you can remove."),
    ("en", "Her data, you can delete."),
]


@pytest.mark.parametrize(("language", "text"), HER_DATA_FRONTED)
def test_her_data_named_in_more_words_before_the_verb_opens_a_case_for_triage(
    desk: CodeDesk, language: str, text: str
) -> None:
    name, sender, _ = HER_DATA[language]
    _signed_mail_in(desk, name, sender, text, subject="Hello")

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("needs_triage", [])  # her authority: Art. 12(2)
    assert case.evidence["triggers"]["others_data"]


# New mails naming another person by her first name beside the writer's own erasure.
NAMED_PERSONS_DATA = {
    "fi": "Poistakaa tietoni, ja myös Ainon tiedot.",
    "sv": "Radera mina uppgifter, och Annas uppgifter också.",
    "en": "Please delete my data, and Mary's data too.",
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_another_persons_data_named_by_her_first_name_opens_a_case_for_triage(
    desk: CodeDesk, language: str
) -> None:
    name, sender, _ = HER_DATA[language]
    _signed_mail_in(desk, name, sender, NAMED_PERSONS_DATA[language])

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("needs_triage", [])  # her authority: Art. 12(2)
    assert case.evidence["triggers"]["others_data"]
    assert case.evidence["triggers"]["erasure"]  # the writer's own, shown to the person


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fi", "Poistakaa Maija Virtasen tiedot."),
        ("sv", "Radera Elin Lindqvists uppgifter."),
        ("en", "Please delete John Smith's data."),
    ],
)
def test_the_senders_own_name_before_the_data_opens_her_own_erasure(
    desk: CodeDesk, language: str, text: str
) -> None:
    name, sender, _ = HER_DATA[language]
    _signed_mail_in(desk, name, sender, text)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert case.kinds == ["erasure"]
    assert "others_data" not in case.evidence["triggers"]


# New mails naming her data after ", and" or ";" with no verb of its own: erased too.
HER_DATA_ADDED = [
    ("fi", "Poistakaa tietoni, ja hänenkin."),
    ("sv", "Radera mina uppgifter, och hennes."),
    ("en", "Delete my data, and hers too."),
    ("en", "Delete my data; her data too."),
]
# New mails whose ", and" clause leaves her data alone with a verb of its own.
HER_DATA_LEFT_ALONE = [
    ("fi", "Poistakaa tietoni, ja hänen tietonsa saavat jäädä."),
    ("sv", "Radera mina uppgifter, och hennes uppgifter får vara kvar."),
    ("en", "Delete my data, and her data can stay."),
    ("en", "Delete my data, and keep her data."),
]


@pytest.mark.parametrize(("language", "text"), HER_DATA_ADDED)
def test_her_data_or_hers_added_after_and_or_a_semicolon_opens_a_case_for_triage(
    desk: CodeDesk, language: str, text: str
) -> None:
    name, sender, _ = HER_DATA[language]
    _signed_mail_in(desk, name, sender, text)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("needs_triage", [])  # her authority: Art. 12(2)
    assert case.evidence["triggers"]["others_data"]
    assert case.evidence["triggers"]["erasure"]  # the writer's own, shown to the person


@pytest.mark.parametrize(("language", "text"), HER_DATA_LEFT_ALONE)
def test_her_data_left_alone_with_a_verb_of_its_own_leaves_the_writers_erasure(
    desk: CodeDesk, language: str, text: str
) -> None:
    name, sender, _ = HER_DATA[language]
    _signed_mail_in(desk, name, sender, text)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert case.kinds == ["erasure"]
    assert "others_data" not in case.evidence["triggers"]


# New mails opting out of marketing for the writer and for her or his spouse.
OPT_OUT_FOR_SPOUSE_TOO = {
    "fi": (
        "Maija Virtanen",
        "maija.virtanen@example.com",
        "Lopettakaa markkinointi minulle ja miehelleni.",
    ),
    "sv": (
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        "Sluta skicka reklam till mig och min man.",
    ),
    "en": (
        "John Smith",
        "john.smith@example.com",
        "Please stop sending marketing to me and to my husband.",
    ),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_an_opt_out_for_the_writer_and_the_spouse_is_in_force_for_the_writer_and_for_triage(
    desk: CodeDesk, language: str
) -> None:
    name, sender, text = OPT_OUT_FOR_SPOUSE_TOO[language]
    _, raw = request_mail(
        sender_name=name, sender=sender, subject="Marketing", body=f"{text}\n\n{name}\n", at=T0
    )
    desk.mail_in(raw)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    # No one opts out for another without their authority: the contact person decides.
    assert (case.status, case.kinds) == ("needs_triage", [])
    assert case.evidence["triggers"]["others_data"]
    with desk.session() as session:
        assert is_suppressed(session, sender) == ["marketing"]  # Art. 21(3): at once
    assert "opt_out_in_force" in [e.action for e in desk.events(case.reference)]


# New mails for triage (a spouse's data) whose opt-out is a conditional instruction.
CONDITIONAL_OPT_OUT = {
    "fi": (
        "Maija Virtanen",
        "maija.virtanen@example.com",
        "Poistakaa mieheni tiedot. Jos käytätte tietojani markkinointiin, lopettakaa se.",
    ),
    "sv": (
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        "Radera min makes uppgifter. Om ni använder mina uppgifter för marknadsföring,"
        " sluta med det.",
    ),
    "en": (
        "John Smith",
        "john.smith@example.com",
        "Please delete my husband's data. If you use my data for marketing, stop it.",
    ),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_an_opt_out_phrased_as_a_conditional_instruction_is_in_force_in_a_triage_case(
    desk: CodeDesk, language: str
) -> None:
    name, sender, text = CONDITIONAL_OPT_OUT[language]
    _signed_mail_in(desk, name, sender, text)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("needs_triage", [])
    with desk.session() as session:
        # Art. 21(2)-(3): an objection to direct marketing needs no particular form.
        assert is_suppressed(session, sender) == ["marketing"]
    assert "opt_out_in_force" in [e.action for e in desk.events(case.reference)]


# New mails asking what would follow from an opt-out, without making one.
HYPOTHETICAL_OPT_OUT = {
    "fi": (
        "Maija Virtanen",
        "maija.virtanen@example.com",
        "Mitä tapahtuisi, jos lopettaisin markkinoinnin?",
    ),
    "sv": (
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        "Vad skulle hända om jag slutade med marknadsföring?",
    ),
    "en": ("John Smith", "john.smith@example.com", "What would happen if I stopped marketing?"),
}
OTHER_CONSEQUENCE_QUESTIONS = [
    ("fi", "Mitä tapahtuu, jos lopetan markkinoinnin?"),
    ("sv", "Vad händer om jag avregistrerar mig från nyhetsbrevet?"),
    ("en", "What happens if I unsubscribe from your marketing?"),
    ("en", "What if I stopped the marketing?"),
]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        *((lang, text) for lang, (_, _, text) in HYPOTHETICAL_OPT_OUT.items()),
        *OTHER_CONSEQUENCE_QUESTIONS,
    ],
)
def test_a_hypothetical_question_about_stopping_marketing_puts_no_opt_out_in_force(
    desk: CodeDesk, language: str, text: str
) -> None:
    name, sender, _ = HYPOTHETICAL_OPT_OUT[language]
    _, raw = request_mail(
        sender_name=name, sender=sender, subject="Question", body=f"{text}\n\n{name}\n", at=T0
    )
    desk.mail_in(raw)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("needs_triage", [])  # a person answers the question
    with desk.session() as session:
        assert is_suppressed(session, sender) == []
    assert "opt_out_in_force" not in [e.action for e in desk.events(case.reference)]


# New mails asking what an erasure would do, and erasures asked beside such a question.
ERASURE_CONSEQUENCE_QUESTIONS = [
    ("fi", "Mitä tapahtuisi, jos poistaisin tietoni?"),
    ("sv", "Vad skulle hända om jag raderade mina uppgifter?"),
    ("en", "What would happen if I deleted my data?"),
    ("en", "What happens to my orders if you delete my data?"),
]
ERASURE_BESIDE_A_QUESTION = [
    ("fi", "Poistakaa tietoni. Mitä tilauksilleni tapahtuu?"),
    ("sv", "Radera mina uppgifter. Vad händer med mina beställningar?"),
    ("en", "Please delete my data. What happens to my orders?"),
]


@pytest.mark.parametrize(("language", "text"), ERASURE_CONSEQUENCE_QUESTIONS)
def test_a_question_about_what_deleting_the_data_would_do_opens_no_erasure(
    desk: CodeDesk, language: str, text: str
) -> None:
    name, sender, _ = HYPOTHETICAL_OPT_OUT[language]
    _signed_mail_in(desk, name, sender, text, subject="Question")

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("needs_triage", [])  # a person answers the question


@pytest.mark.parametrize(("language", "text"), ERASURE_BESIDE_A_QUESTION)
def test_an_erasure_asked_beside_a_question_about_orders_opens_the_erasure(
    desk: CodeDesk, language: str, text: str
) -> None:
    name, sender, _ = HYPOTHETICAL_OPT_OUT[language]
    _signed_mail_in(desk, name, sender, text, subject="Question")

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert case.kinds == ["erasure"]


# New mails asking how or why in a question that makes an opt-out all the same.
OPT_OUT_IN_A_HOW_OR_WHY_QUESTION = [
    ("fi", "Miksi minun pitää soittaa, jos haluan lopettaa markkinoinnin?"),
    ("sv", "Varför måste jag logga in om jag vill sluta få reklam?"),
    ("en", "Why do I need to log in if I just want to unsubscribe from your marketing?"),
    ("en", "What should I do if I want you to stop sending me marketing?"),
    ("en", "Why must I call you if I want to stop the marketing mails?"),
]


@pytest.mark.parametrize(("language", "text"), OPT_OUT_IN_A_HOW_OR_WHY_QUESTION)
def test_an_opt_out_asked_in_a_how_or_why_question_is_in_force_at_once(
    desk: CodeDesk, language: str, text: str
) -> None:
    name, sender, _ = HYPOTHETICAL_OPT_OUT[language]
    _, raw = request_mail(
        sender_name=name, sender=sender, subject="Question", body=f"{text}\n\n{name}\n", at=T0
    )
    desk.mail_in(raw)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert case.kinds == ["marketing_opt_out"]
    with desk.session() as session:
        # Art. 21(3): the objection stops marketing at once, whatever else the mail asks.
        assert is_suppressed(session, sender) == ["marketing"]
    assert "opt_out_in_force" in [e.action for e in desk.events(case.reference)]


# New mails opting out of marketing by the writer and her or his spouse together.
JOINT_OPT_OUT = [
    ("fi", "Mieheni ja minä emme halua enää uutiskirjeitä."),
    ("sv", "Min man och jag vill inte ha fler nyhetsbrev."),
    ("en", "My husband and I want no more newsletters."),
]


@pytest.mark.parametrize(("language", "text"), JOINT_OPT_OUT)
def test_an_opt_out_by_the_writer_and_the_spouse_together_is_in_force_for_the_writer_and_for_triage(
    desk: CodeDesk, language: str, text: str
) -> None:
    name, sender, _ = OPT_OUT_FOR_SPOUSE_TOO[language]
    _signed_mail_in(desk, name, sender, text, subject="Marketing")

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    # The spouse's own opt-out needs the spouse's authority (Art. 12(2)): a person decides.
    assert (case.status, case.kinds) == ("needs_triage", [])
    assert case.evidence["triggers"]["others_data"]
    with desk.session() as session:
        assert is_suppressed(session, sender) == ["marketing"]  # Art. 21(3): at once
    assert "opt_out_in_force" in [e.action for e in desk.events(case.reference)]


# A reply in the thread opting out of marketing and naming another person's data.
OPT_OUT_AND_SOMEONE_ELSE_IN_THREAD = {
    "fi": "Kiitos. Älkää lähettäkö minulle enää markkinointia. Poistakaa myös mieheni tiedot.",
    "sv": "Tack. Sluta skicka reklam till mig. Radera också min makes uppgifter.",
    "en": "Thanks. Please stop sending me marketing emails, on behalf of my wife too.",
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_an_opt_out_beside_another_persons_data_in_the_thread_joins_the_case_in_force(
    desk: CodeDesk, language: str
) -> None:
    reference, message_id = _open_access_case(desk, language)
    name, sender, _, body, _, wrote = ACCESS_THEN_ERASURE[language]
    own = f"{OPT_OUT_AND_SOMEONE_ELSE_IN_THREAD[language]}\n\n{name.split()[0]}"
    desk.mail_in(
        _in_thread(message_id, name=name, sender=sender, own=own, quoted=body, wrote=wrote)
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    assert desk.case(reference).kinds == ["access", "marketing_opt_out"]
    assert len(_cases(desk)) == 1
    with desk.session() as session:
        assert is_suppressed(session, sender) == ["marketing"]  # Art. 21(3): at once
    actions = [e.action for e in desk.events(reference)]
    # The other person's data is still for the contact person to judge (Art. 12(2)).
    assert actions[-4:] == [
        "message_received",
        "others_data_in_thread",
        "kinds_added",
        "opt_out_in_force",
    ]


# Another person writing in the thread: their own opt-out beside their husband's data.
OUTSIDERS_OPT_OUT = {
    "fi": "Hei. Älkää lähettäkö minulle enää markkinointia. Poistakaa myös mieheni tiedot.",
    "sv": "Hej. Sluta skicka reklam till mig. Radera också min makes uppgifter.",
    "en": "Hi. Please stop sending me marketing emails. Also delete my husband's data.",
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_another_persons_opt_out_in_the_thread_is_in_force_in_a_case_of_their_own_for_triage(
    desk: CodeDesk, language: str
) -> None:
    reference, message_id = _open_access_case(desk, language)
    _, sender, _, body, _, wrote = ACCESS_THEN_ERASURE[language]
    outsider = "mary.major@example.com"
    desk.mail_in(
        _in_thread(
            message_id,
            name="Mary Major",
            sender=outsider,
            own=f"{OUTSIDERS_OPT_OUT[language]}\n\nMary",
            quoted=body,
            wrote=wrote,
        )
    )

    assert desk.poll(REPLIED) == {"case_opened": 1}

    first, second = _cases(desk)
    assert first.reference == reference and first.kinds == ["access"]
    assert (second.requester_email, second.status, second.kinds) == (
        outsider,
        "needs_triage",
        [],
    )
    with desk.session() as session:
        assert is_suppressed(session, outsider) == ["marketing"]  # Art. 21(3): at once
        assert is_suppressed(session, sender) == []


# A new mail naming a third person who will do the erasing, not whose data is erased.
SOMEONE_ELSE_ERASES = {
    "fi": (
        "Maija Virtanen",
        "maija.virtanen@example.com",
        "Puhuin Annan kanssa, hän sanoi että hänen tiiminsä poistaa tietoni.",
    ),
    "sv": (
        "Elin Lindqvist",
        "elin.lindqvist@example.com",
        "Jag pratade med Anna, hon sa att hennes team raderar mina uppgifter.",
    ),
    "en": (
        "John Smith",
        "john.smith@example.com",
        "I spoke with Anna and she said her team will delete my data. Please do so.",
    ),
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_third_person_who_will_do_the_erasing_leaves_the_writers_erasure_their_own(
    desk: CodeDesk, language: str
) -> None:
    name, sender, text = SOMEONE_ELSE_ERASES[language]
    _signed_mail_in(desk, name, sender, text)

    assert desk.poll(T0) == {"case_opened": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("received", ["erasure"])
    assert "others_data" not in case.evidence["triggers"]


# An opt-out in the thread of a case still waiting for triage.
OPT_OUT_IN_TRIAGE_THREAD = {
    "fi": "Älkää lähettäkö minulle enää markkinointia.\n\nMaija",
    "sv": "Sluta skicka reklam till mig.\n\nElin",
    "en": "Please stop sending me marketing emails.\n\nJohn",
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_an_opt_out_in_the_thread_of_a_case_waiting_for_triage_is_in_force_at_once(
    desk: CodeDesk, language: str
) -> None:
    name, sender, text = SOMEONE_ELSES_DATA[language]
    body = f"{text}\n\n{name}\n"
    message_id, raw = request_mail(
        sender_name=name, sender=sender, subject="GDPR", body=body, at=T0
    )
    desk.mail_in(raw)
    assert desk.poll(T0) == {"case_opened": 1}
    _, _, _, _, _, wrote = ACCESS_THEN_ERASURE[language]
    own = OPT_OUT_IN_TRIAGE_THREAD[language]
    desk.mail_in(
        _in_thread(message_id, name=name, sender=sender, own=own, quoted=body, wrote=wrote)
    )

    assert desk.poll(REPLIED) == {"follow_up": 1}

    (case,) = _cases(desk)
    assert (case.status, case.kinds) == ("needs_triage", [])  # still for a person
    with desk.session() as session:
        assert is_suppressed(session, sender) == ["marketing"]  # Art. 21(3): at once
    assert [e.action for e in desk.events(case.reference)][-1] == "opt_out_in_force"
