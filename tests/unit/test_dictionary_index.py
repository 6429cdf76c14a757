"""The lemma dictionaries' block index is built once, kept on disk and read back unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import simplemma

from cases.classify import dictionaries

ROOT = Path(__file__).resolve().parents[2]
WORDS = {
    "fi": ["tietoni", "poistakaa", "henkilötietojen", "rekisterissä", "asiakkuuteni", "xqzzv"],
    "sv": ["uppgifter", "radera", "personuppgifterna", "kunden", "xqzzv"],
    "en": ["deleted", "data", "records", "processing", "xqzzv"],
}


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Path]:
    """An empty cache dir and no dictionary opened yet; the suite's own settings after."""
    before = dictionaries._cache_dir
    dictionaries._FACTORY._get_dictionary.cache_clear()
    dictionaries.use_index_cache(tmp_path)
    yield tmp_path
    dictionaries._FACTORY._get_dictionary.cache_clear()
    dictionaries.use_index_cache(before)


def _reopen() -> None:
    dictionaries._FACTORY._get_dictionary.cache_clear()


def _answers() -> list[tuple[str, bool]]:
    return [
        (dictionaries.lemmatize(w, lang), dictionaries.is_known(w, lang))
        for lang, words in WORDS.items()
        for w in words
    ]


def test_the_first_use_writes_one_index_per_language(fresh: Path) -> None:
    _answers()
    names = sorted(p.name for p in fresh.iterdir())
    assert len(names) == 3
    assert [n.split("-")[2] for n in names] == ["en", "fi", "sv"]


def test_a_dictionary_opened_from_its_index_answers_as_simplemma_does(fresh: Path) -> None:
    _answers()
    _reopen()
    assert _answers() == [
        (
            simplemma.lemmatize(w, lang=lang, low_memory=True),
            simplemma.is_known(w, lang=lang, low_memory=True),
        )
        for lang, words in WORDS.items()
        for w in words
    ]
    for text in ("Tack så mycket", "wanna see my data", "poistakaa tietoni"):
        assert dictionaries.langdetect(text, ("fi", "sv", "en")) == simplemma.langdetect(
            text, lang=("fi", "sv", "en"), low_memory=True
        )


def test_a_damaged_index_is_ignored_and_rewritten(fresh: Path) -> None:
    expected = _answers()
    for index in fresh.iterdir():
        index.write_bytes(b"\x00not an index")
    _reopen()
    assert _answers() == expected
    _reopen()
    assert _answers() == expected  # read from the rewritten index
    assert all(p.stat().st_size > 1000 for p in fresh.iterdir())


def test_an_index_of_another_stream_is_not_used(fresh: Path) -> None:
    expected = _answers()
    en = next(p for p in fresh.iterdir() if "-en-" in p.name)
    fi = next(p for p in fresh.iterdir() if "-fi-" in p.name)
    fi.write_bytes(en.read_bytes())  # the record count tells them apart
    _reopen()
    assert _answers() == expected


def test_an_unwritable_cache_dir_costs_speed_not_answers(fresh: Path) -> None:
    blocker = fresh / "not-a-dir"
    blocker.write_text("a file where the cache dir would be")  # even root cannot mkdir here
    dictionaries.use_index_cache(blocker / "cache")
    assert _answers()[0] == (simplemma.lemmatize("tietoni", lang="fi", low_memory=True), True)
    assert [p.name for p in fresh.iterdir()] == ["not-a-dir"]


def test_without_a_cache_dir_nothing_is_written(fresh: Path) -> None:
    dictionaries.use_index_cache(None)
    assert _answers()[0][1] is True
    assert list(fresh.iterdir()) == []


def _request(tmp_path: Path) -> Path:
    mail = tmp_path / "request.eml"
    mail.write_bytes(
        b"From: Aino Example <aino@example.com>\r\nTo: privacy@example.com\r\n"
        b"Subject: Tietopyynto\r\nMessage-ID: <idx-1@example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Hei, haluan tietää mitä tietoja minusta on tallennettu.\r\n".encode()
    )
    return mail


def _classify(mail: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rightsdesk", "classify", "--json", str(mail)],
        env=env,
        cwd=mail.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_classify_command_keeps_the_index_in_rightsdesk_cache_dir(tmp_path: Path) -> None:
    mail = _request(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTSDESK_")}
    env["RIGHTSDESK_CACHE_DIR"] = str(tmp_path / "cache")
    runs = [_classify(mail, env) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
    assert '"access"' in runs[0].stdout
    assert sorted(p.name.split("-")[2] for p in (tmp_path / "cache").iterdir()) == ["fi"]


def test_classifying_needs_no_valid_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTSDESK_")}
    env["RIGHTSDESK_DAILY_AUTO_MAIL_CAP"] = "many"  # a setting `classify` does not use
    run = _classify(_request(tmp_path), env)
    assert run.returncode == 0, run.stderr
    assert '"access"' in run.stdout


def test_taking_in_mail_keeps_the_index_in_rightsdesk_cache_dir(tmp_path: Path) -> None:
    # `poll --once` builds the intake's collaborators as `run` does (mail_wiring.intake_deps).
    inbox = tmp_path / "mail" / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    _request(tmp_path).rename(inbox / "new" / "request.eml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTSDESK_")}
    env.update(
        RIGHTSDESK_CACHE_DIR=str(tmp_path / "cache"),
        RIGHTSDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'desk.db'}",
        RIGHTSDESK_MAILDIR=str(tmp_path / "mail"),
        RIGHTSDESK_CONFIG=str(ROOT / "rightsdesk.example.toml"),
    )
    run = subprocess.run(
        [sys.executable, "-m", "rightsdesk", "poll", "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "1 case_opened" in run.stdout
    # The Finnish request opened the Finnish dictionary, from the index it wrote.
    assert sorted(p.name.split("-")[2] for p in (tmp_path / "cache").iterdir()) == ["fi"]
