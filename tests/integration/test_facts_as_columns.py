"""What the desk reads back lives in columns, not in audit events: a refusal's reasons on its
draft, each right carried out as a `fulfilment` row; old databases get them from their trail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from rightsdesk.cli import main
from store import migrate
from store.engine import new_session
from store.models import Case, Draft, Fulfilment
from tests.replies_support import EXAMPLE_CONFIG, T0, open_case, seed_register, verified_case

REASONS = "The same request was answered on 2 March 2026; a copy was sent then."
BEFORE_FACTS = "0011_extension_ground"  # the last revision that kept these facts in events only


@pytest.fixture
def desk(engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The example desk: Maija asks for her data, Elin opts out, John wants his restricted."""
    monkeypatch.setenv("RIGHTSDESK_DATABASE_URL", db_url)
    monkeypatch.setenv("RIGHTSDESK_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv("RIGHTSDESK_NOW", T0.isoformat())
    monkeypatch.chdir(tmp_path)
    with new_session(engine) as session:
        seed_register(session)
        verified_case(session, kinds=["access"], email="maija.virtanen@example.com", name="Maija")
        open_case(
            session,
            kinds=["marketing_opt_out"],
            email="elin.lindqvist@example.com",
            name="Elin",
            language="sv",
        )
        verified_case(session, kinds=["restriction"], email="john.smith@example.com", name="John")
    return engine


def cli(*args: str) -> None:
    assert main(list(args)) == 0, args


def case_row(engine: Engine, reference: str) -> Case:
    with new_session(engine) as session:
        return session.exec(select(Case).where(Case.reference == reference)).one()


def facts(engine: Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The refusal drafts' reasons and the rights carried out, as the desk reads them."""
    with new_session(engine) as session:
        drafts = session.exec(select(Draft).where(Draft.template == "refusal")).all()
        done = session.exec(select(Fulfilment).order_by(col(Fulfilment.id))).all()
        return (
            [(d.refusal_reasons, d.refusal_partial) for d in drafts],
            [(f.kind, f.done_at, f.done_by, f.case_id, f.reply_context) for f in done],
        )


def test_approving_a_refusal_refuses_with_the_reasons_stored_on_its_draft(desk: Engine) -> None:
    cli("cases", "draft", "DSR-2026-0001", "--template", "refusal", "--reasons", REASONS)
    with new_session(desk) as session:
        draft = session.exec(select(Draft).where(Draft.template == "refusal")).one()
        assert (draft.refusal_reasons, draft.refusal_partial) == (REASONS, False)

    cli("cases", "approve", "DSR-2026-0001")

    case = case_row(desk, "DSR-2026-0001")
    assert (case.status, case.outcome) == ("refused", f"refused: {REASONS}")


def test_a_partial_refusal_leaves_the_case_open_for_the_rest_of_the_answer(desk: Engine) -> None:
    cli(
        "cases",
        "draft",
        "DSR-2026-0001",
        "--template",
        "refusal",
        "--reasons",
        REASONS,
        "--partial",
    )
    cli("cases", "approve", "DSR-2026-0001")

    assert case_row(desk, "DSR-2026-0001").status == "in_progress"


def test_a_right_carried_out_is_a_row_and_its_reply_is_drafted_again_from_it(desk: Engine) -> None:
    cli("cases", "fulfil", "DSR-2026-0002")
    with new_session(desk) as session:
        done = session.exec(select(Fulfilment)).one()
        assert (done.kind, done.done_at) == ("suppression", T0)
        assert done.reply_context is not None

    # Drafting the reply again does not opt the address out a second time: it reads the row.
    cli("cases", "draft", "DSR-2026-0002", "--template", "objection_confirmation")
    with new_session(desk) as session:
        assert len(session.exec(select(Fulfilment)).all()) == 1
        drafts = session.exec(select(Draft).order_by(col(Draft.id))).all()
        assert [d.status for d in drafts] == ["superseded", "pending"]


def test_a_database_from_before_the_columns_keeps_its_refusal_reasons_and_rights_carried_out(
    desk: Engine,
) -> None:
    cli("cases", "draft", "DSR-2026-0001", "--template", "refusal", "--reasons", REASONS)
    cli("cases", "fulfil", "DSR-2026-0002")
    before = facts(desk)
    # The schema as it was before: the facts are only in the audit trail's events.
    migrate.downgrade(desk, BEFORE_FACTS)
    migrate.upgrade(desk)

    assert facts(desk) == before
    assert before[0] == [(REASONS, False)] and before[1][0][:2] == ("suppression", T0)
    cli("cases", "approve", "DSR-2026-0001")
    assert case_row(desk, "DSR-2026-0001").outcome == f"refused: {REASONS}"
    cli("cases", "draft", "DSR-2026-0002", "--template", "objection_confirmation")
    cli("audit", "verify")


def test_the_retention_purge_erases_the_reasons_and_the_reply_data_but_keeps_the_facts(
    desk: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli("cases", "draft", "DSR-2026-0001", "--template", "refusal", "--reasons", REASONS)
    cli("cases", "approve", "DSR-2026-0001")
    cli("cases", "close", "DSR-2026-0001")
    cli("cases", "fulfil", "DSR-2026-0003")  # John's data restricted; the reply not yet sent
    cli("cases", "withdraw", "DSR-2026-0003", "--reason", "John asked us to stop by phone")
    cli("cases", "close", "DSR-2026-0003")
    (restriction,) = facts(desk)[1]
    assert restriction[0] == "restriction" and restriction[4]  # what his reply is written from

    later = T0 + timedelta(days=4 * 366)
    monkeypatch.setenv("RIGHTSDESK_NOW", later.isoformat())
    # A restriction in force holds its record (what lifting puts back); lifted, it may go.
    capsys.readouterr()
    cli("retention", "sweep", "--dry-run")
    assert "held DSR-2026-0003: restriction in force" in capsys.readouterr().out
    told = later.date().isoformat()
    cli("cases", "lift-restriction", "DSR-2026-0003", "--reason", "gone", "--informed-at", told)
    cli("retention", "sweep")

    refused, restricted = case_row(desk, "DSR-2026-0001"), case_row(desk, "DSR-2026-0003")
    assert (refused.status, refused.outcome) == ("closed", "refused")
    assert facts(desk) == ([], [(*restriction[:4], None)])
    assert restriction[3] == restricted.id
    cli("audit", "verify")
