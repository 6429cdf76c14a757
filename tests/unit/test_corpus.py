"""The shared corpus: hostile MIME never crashes intake; real GDPR letters are understood."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.classifier_scores import corpus_scores, fixture_oracle, readme_oracle
from mail_intake.errors import UnparseableMessage
from mail_intake.understand import classify_json, understand
from tests.servers import in_ci

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
# The corpus is part of the suite: in CI (shared/ is cloned beside the repository) it must run.
needs_corpus = pytest.mark.skipif(
    not CORPUS.exists() and not in_ci(), reason="shared/corpus is not beside the repository"
)


def corpus_files(folder: str) -> list[str]:
    path = CORPUS / folder
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


@needs_corpus
@pytest.mark.parametrize("name", corpus_files("mime-edge"))
def test_every_mime_edge_case_is_understood_or_refused_with_a_reason(name: str) -> None:
    raw = (CORPUS / "mime-edge" / name).read_bytes()
    try:
        seen = understand(raw)
    except UnparseableMessage as exc:
        assert exc.reason
    else:
        assert seen.parsed.raw_sha256
        assert seen.classification.language in ("fi", "sv", "en")
        parsed = seen.parsed
        texts = [parsed.subject, parsed.body_text, parsed.stripped_text, *parsed.headers.values()]
        "".join(texts).encode("utf-8")  # no lone surrogates left to break storage


@needs_corpus
def test_the_readme_table_covers_every_request_letter() -> None:
    assert sorted(readme_oracle(CORPUS)) == corpus_files("requests")


@needs_corpus
@pytest.mark.parametrize("name", corpus_files("requests"))
def test_every_request_letter_gets_the_kinds_and_language_of_the_readme(name: str) -> None:
    expected = readme_oracle(CORPUS)[name]
    found = classify_json(CORPUS / "requests" / name)
    assert sorted(found["kinds"]) == sorted(expected["kinds"])
    assert found["language"] == expected["language"]
    assert found["auto_reply"] is False


@needs_corpus
@pytest.mark.parametrize(
    ("name", "category", "refers_to"),
    [
        ("en_admonition.eml", "follow_up", ["access"]),
        ("sv_admonition.eml", "follow_up", ["erasure"]),
        ("en_complaint.eml", "complaint", ["access"]),
        ("sv_complaint.eml", "complaint", ["erasure"]),
    ],
)
def test_reminders_and_complaints_keep_the_right_of_the_earlier_request(
    name: str, category: str, refers_to: list[str]
) -> None:
    found = understand((CORPUS / "requests" / name).read_bytes()).classification
    assert (found.category, found.kinds) == (category, refers_to)


@pytest.mark.parametrize("name", sorted(fixture_oracle(FIXTURES)))
def test_each_fixture_is_understood_as_expected_json_says(name: str) -> None:
    expected = fixture_oracle(FIXTURES)[name]
    seen = understand((FIXTURES / name).read_bytes(), own_addresses=["privacy@rightsdesk.invalid"])
    found = seen.classification
    assert sorted(found.kinds) == sorted(expected["kinds"])
    assert found.language == expected["language"]
    assert found.category == expected["category"]
    assert (seen.machine.kind if seen.machine else None) == expected["machine"]


def test_every_fixture_file_has_an_expected_row() -> None:
    assert sorted(fixture_oracle(FIXTURES)) == sorted(p.name for p in FIXTURES.glob("*.eml"))


def test_classify_json_gives_exactly_the_cli_fields() -> None:
    found = classify_json(FIXTURES / "auto_reply_headers.eml")
    assert found == {
        "file": str(FIXTURES / "auto_reply_headers.eml"),
        "kinds": [],
        "language": "fi",
        "auto_reply": True,
    }


def test_classify_json_reports_an_unreadable_message_with_an_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\x01\x02 not mail")
    assert classify_json(junk) == {
        "file": str(junk),
        "kinds": [],
        "language": "fi",
        "auto_reply": False,
        "error": "binary data where the headers should be",
    }
    missing = classify_json(tmp_path / "missing.eml")
    assert missing["kinds"] == [] and missing["error"].startswith("cannot read the file")


@needs_corpus
def test_the_classifier_scores_for_the_readme_are_perfect_on_the_labelled_mail() -> None:
    scores = corpus_scores()
    assert scores["misses"] == []
    assert all(row["precision"] == row["recall"] == 1.0 for row in scores["per_kind"].values())
