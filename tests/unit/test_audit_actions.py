"""Audit actions are one StrEnum whose values are the strings already in the hash chain."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from cases.dossier_text import ACTION
from store.actions import AuditAction
from store.audit import PURGE_ACTION, event_hash

ROOT = Path(__file__).resolve().parents[2]
# Every action a stored trail may hold: a value may be added, never renamed or dropped.
STORED = frozenset(
    """
    open message_received triage set_kinds kinds_added assign note verify pause resume extend
    extension_notified mark_complex respond refuse withdraw dismiss close reopen tasks_ended
    draft reply_approved recipient_notified recipient_notice_needed requester_reminded
    verification_code_sent sender_match_unauthenticated identity_documents_deleted
    code_voided code_reply_rejected link_customer fulfil access_compiled portability_exported
    restriction_lifted opt_out_in_force system_erasure_started system_erased system_rectified
    system_erasure_interrupted waiting_for_system task_opened task_done task_not_done
    task_answer_received
    system_restricted system_restriction_lifted system_restriction_started
    system_restriction_interrupted system_restriction_lift_started
    system_restriction_lift_interrupted
    retention_purge
    retention_anonymise register_import reclassified third_party_message colleague_message
    separate_case_opened
    others_data_in_thread non_request
    quarantine machine_mail bounce mail_original_redacted forwarded_request slack_access_denied
    """.split()  # noqa: SIM905 (a word list reads better than 54 quoted strings)
)
_NAMES = "|".join(sorted(STORED))
# An event's action compared with, or recorded as, a bare string: it must name the enum.
LITERAL = re.compile(
    r"""\.action\s*(==|!=|in|not in)\s*[("]"""
    rf"""|\baction=(?P<q>["'])({_NAMES})(?P=q)"""
    r"""|_ACTIONS?\s*=\s*(frozenset\(\{|\(|")"""
)
PACKAGES = ("cases", "store", "mail_intake", "bot", "rightsdesk")


def test_each_action_has_one_name_and_no_two_names_share_a_value() -> None:
    assert len(AuditAction.__members__) == len({a.value for a in AuditAction})


def test_every_stored_action_string_reads_back_as_the_same_member() -> None:
    assert {a.value for a in AuditAction} == STORED
    for value in STORED:
        assert AuditAction(value) == value and AuditAction(value).value == value


def test_an_event_hashes_the_same_whether_its_action_is_the_enum_or_the_stored_string() -> None:
    at = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    args = {"prev_hash": "0" * 64, "event_id": 7, "case_id": 3, "at": at, "actor": "aino"}
    for action in AuditAction:
        assert event_hash(action=action, detail={}, **args) == event_hash(
            action=action.value, detail={}, **args
        )
    assert json.dumps(AuditAction.RETENTION_PURGE) == '"retention_purge"'
    assert PURGE_ACTION is AuditAction.RETENTION_PURGE


def test_the_dossier_names_every_action_and_only_actions_that_exist() -> None:
    assert set(ACTION) == STORED


def test_no_code_compares_or_records_an_action_as_a_bare_string() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LITERAL.search(line) and "AuditAction" not in line
    ]
    assert found == []
