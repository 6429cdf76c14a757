"""Precision and recall of the request classifier per kind, over the corpus and our fixtures.

Run: `.venv/bin/python -m benchmarks.classifier_scores` (prints a Markdown table for the README).
The oracles: the table in shared/corpus/README.md for requests/, and
tests/fixtures/mail/expected.json for our own fixtures.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cases.kinds import KIND_CODES
from mail_intake.understand import classify_json, understand

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
FIXTURES = REPO / "tests" / "fixtures" / "mail"
# Short texts that matter most and that detectors find hardest: one-liners and greetings.
SHORT_TEXTS: dict[str, list[str]] = {
    "fi": [
        "Poistakaa tietoni.",
        "Mitä teette tiedoillani?",
        "En halua suoramarkkinointia.",
        "Osoitteeni on muuttunut.",
        "Vastustan tietojeni käsittelyä",
        "Kiitos",
        "Tietopyyntö",
        "Lasku",
        "Muistutus",
        "Onko teillä tietojani?",
        "Hei, milloin tilaukseni saapuu?",
        "Hei",
        "Moi",
        "Kiitos paljon",
        "Hyvää huomenta",
        "Apua",
        "Poista",
    ],
    "sv": [
        "Radera mina uppgifter.",
        "Vad har ni för uppgifter om mig?",
        "Min adress har ändrats.",
        "Jag vill inte ha direktreklam.",
        "Jag invänder mot behandlingen",
        "Tack",
        "Registerutdrag",
        "Påminnelse",
        "Har ni mina uppgifter?",
        "Ta bort mig från listan",
        "Tack så mycket",
        "Hej",
        "God morgon",
        "Hjälp",
        "Radera",
    ],
    "en": [
        "Please delete my data.",
        "plese delte my data",
        "What data do you hold about me?",
        "My address has changed.",
        "I object to the processing",
        "Thanks",
        "Access request",
        "Reminder",
        "Unsubscribe me",
        "Do you have my data?",
        "Stop sending newsletters",
        "Thank you",
        "Hello",
        "Hi there",
        "Good morning",
        "Stop",
        "Help",
        "Delete",
    ],
}

# Written before the classifier saw them and scored once, blind (see README): text, language,
# expected kinds as classify_json reports them (["follow_up"], ["complaint"], [] = non_request).
HELD_OUT: list[tuple[str, str, list[str]]] = [
    ("Haluan tietää, mitä tietoja olette minusta tallentaneet.", "fi", ["access"]),
    ("Pyydän kopion kaikista minua koskevista henkilötiedoista.", "fi", ["access"]),
    ("Poistakaa minut asiakasrekisteristänne.", "fi", ["erasure"]),
    ("Haluan, että tietoni poistetaan järjestelmästänne.", "fi", ["erasure"]),
    ("Sukunimeni on vaihtunut avioliiton myötä, uusi on Testinen.", "fi", ["rectification"]),
    ("Puhelinnumeroni on väärin, oikea numero on 040 123 4567.", "fi", ["rectification"]),
    ("Älkää soittako minulle enää myyntipuheluita.", "fi", ["marketing_opt_out"]),
    ("En halua saada uutiskirjettänne.", "fi", ["marketing_opt_out"]),
    ("Kiellän tietojeni luovuttamisen suoramarkkinointiin.", "fi", ["marketing_opt_out"]),
    ("Siirtäkää tietoni toiselle operaattorille.", "fi", ["portability"]),
    ("Rajoittakaa tietojeni käsittelyä.", "fi", ["restriction"]),
    ("Vastustan profilointia.", "fi", ["objection"]),
    (
        "Muistutus: lähetin teille tietopyynnön kuukausi sitten enkä ole saanut vastausta.",
        "fi",
        ["follow_up"],
    ),
    ("Teen kantelun tietosuojavaltuutetulle, koska ette ole vastanneet.", "fi", ["complaint"]),
    ("Tilaukseni ei ole vielä saapunut, milloin se toimitetaan?", "fi", []),
    ("Voinko maksaa laskun osissa?", "fi", []),
    ("Onko tietojani myyty eteenpäin?", "fi", ["access"]),
    ("Jag vill ha ett registerutdrag.", "sv", ["access"]),
    ("Vänligen ta bort alla mina personuppgifter.", "sv", ["erasure"]),
    ("Mitt efternamn är felstavat, det ska vara Lindqvist.", "sv", ["rectification"]),
    ("Jag vill inte få fler nyhetsbrev från er.", "sv", ["marketing_opt_out"]),
    ("Jag motsätter mig behandlingen av mina uppgifter.", "sv", ["objection"]),
    ("Skicka mina uppgifter i ett maskinläsbart format.", "sv", ["portability"]),
    ("Kan ni begränsa behandlingen av mina uppgifter?", "sv", ["restriction"]),
    ("När levereras min beställning?", "sv", []),
    ("Please send me a copy of the personal data you hold about me.", "en", ["access"]),
    ("I'd like to exercise my right to be forgotten.", "en", ["erasure"]),
    ("Please remove my account and all associated data.", "en", ["erasure"]),
    ("My surname is misspelled in your records; it should be Virtanen.", "en", ["rectification"]),
    ("Take me off your marketing lists.", "en", ["marketing_opt_out"]),
    ("I object to you using my data for profiling.", "en", ["objection"]),
    (
        "Please transfer my data to another provider in a machine-readable format.",
        "en",
        ["portability"],
    ),
    ("Please stop processing my data until the dispute is resolved.", "en", ["restriction"]),
    (
        "This is my second request: I still have not received a response to my access request.",
        "en",
        ["follow_up"],
    ),
    ("I will file a complaint with the data protection authority.", "en", ["complaint"]),
    ("Can you tell me when my order ships?", "en", []),
    ("Do you offer discounts for students?", "en", []),
    ("What personal information do you store about me?", "en", ["access"]),
    ("Please update my email address to jane.doe@example.com.", "en", ["rectification"]),
    ("Where did you get my phone number?", "en", ["access"]),
]


def held_out_scores() -> dict[str, Any]:
    """Exact-kinds and language accuracy on HELD_OUT, with the misses."""
    from cases.classify import classify_request

    misses = []
    language_ok = 0
    for text, language, expected in HELD_OUT:
        found = classify_request("", text)
        kinds = [found.category] if found.category in ("follow_up", "complaint") else found.kinds
        language_ok += found.language == language
        if sorted(kinds) != sorted(expected) or found.language != language:
            misses.append(f"{text!r}: {found.language} {kinds} (expected {language} {expected})")
    return {
        "messages": len(HELD_OUT),
        "exact_kinds": 1 - sum("(expected" in m for m in misses) / len(HELD_OUT),
        "language_accuracy": language_ok / len(HELD_OUT),
        "misses": misses,
    }


def readme_oracle(corpus: Path = CORPUS) -> dict[str, dict[str, Any]]:
    """requests/ file -> {"language", "kinds"} from the table in the corpus README."""
    text = (corpus / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+\.eml) \| (\w\w) \| ([\w, ]+?) \|", text, re.MULTILINE)
    return {
        name: {"language": lang, "kinds": [k.strip() for k in rights.split(",")]}
        for name, lang, rights in rows
    }


def fixture_oracle(fixtures: Path = FIXTURES) -> dict[str, dict[str, Any]]:
    """Our fixture -> {"kinds", "language", "category", "machine"} from expected.json."""
    table: dict[str, dict[str, Any]] = json.loads((fixtures / "expected.json").read_text("utf-8"))
    return {name: row for name, row in table.items() if not name.startswith("_")}


def corpus_scores() -> dict[str, Any]:
    """Per-kind precision/recall and language accuracy over requests/ + our fixtures."""
    cases: list[tuple[str, set[str], bool, set[str]]] = []  # name, expected, language ok, got
    seconds = 0.0
    sources = [(CORPUS / "requests", readme_oracle())] if CORPUS.exists() else []
    sources.append((FIXTURES, fixture_oracle()))
    classify_json(FIXTURES / "fi_erasure_oneliner.eml")  # load the dictionaries before timing
    for folder, oracle in sources:
        for name, row in oracle.items():
            started = time.perf_counter()
            got = classify_json(folder / name)
            seconds += time.perf_counter() - started
            same_language = got["language"] == row["language"]
            cases.append((name, set(row["kinds"]), same_language, set(got["kinds"])))
    per_kind: dict[str, dict[str, float]] = {}
    for kind in (*KIND_CODES, "follow_up", "complaint"):
        tp = sum(kind in exp and kind in got for _, exp, _, got in cases)
        fp = sum(kind not in exp and kind in got for _, exp, _, got in cases)
        fn = sum(kind in exp and kind not in got for _, exp, _, got in cases)
        per_kind[kind] = {
            "support": tp + fn,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
        }
    return {
        "messages": len(cases),
        "exact_kinds": sum(exp == got for _, exp, _, got in cases) / len(cases),
        "language_accuracy": sum(ok for _, _, ok, _ in cases) / len(cases),
        "per_kind": per_kind,
        "ms_per_message": 1000 * seconds / len(cases),
        "misses": [name for name, exp, ok, got in cases if exp != got or not ok],
    }


def language_detectors() -> dict[str, Callable[[str], str]]:
    """The candidates compared, all limited to fi/sv/en; the first is what rightsdesk uses."""
    from cases.classify.language import detect_language, py3langid_detector

    langid = py3langid_detector()
    found: dict[str, Callable[[str], str]] = {
        "simplemma + lingua-low (chosen)": detect_language,
        "py3langid": lambda text: langid(text) or "fi",
    }
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return found
    codes = {Language.FINNISH: "fi", Language.SWEDISH: "sv", Language.ENGLISH: "en"}
    full = LanguageDetectorBuilder.from_languages(*codes).build()

    def lingua_high(text: str) -> str:
        language = full.detect_language_of(text)
        return "fi" if language is None else codes[language]

    low = LanguageDetectorBuilder.from_languages(*codes).with_low_accuracy_mode().build()

    def lingua_low(text: str) -> str:
        language = low.detect_language_of(text)
        return "fi" if language is None else codes[language]

    found["lingua-high"] = lingua_high
    found["lingua-low alone"] = lingua_low
    return found


def language_scores() -> dict[str, dict[str, float]]:
    """Each detector's accuracy on the short texts and on the subject + own words of every mail."""
    mails: list[tuple[str, str]] = []
    sources = [(CORPUS / "requests", readme_oracle())] if CORPUS.exists() else []
    sources.append((FIXTURES, fixture_oracle()))
    for folder, oracle in sources:
        for name, row in oracle.items():
            parsed = understand((folder / name).read_bytes()).parsed
            mails.append((row["language"], f"{parsed.subject}\n\n{parsed.stripped_text}"))
    short = [(lang, text) for lang, texts in SHORT_TEXTS.items() for text in texts]
    short += [(lang, text) for text, lang, _ in HELD_OUT]
    return {
        name: {
            "short_texts": sum(detect(t) == lang for lang, t in short) / len(short),
            "mails": sum(detect(t) == lang for lang, t in mails) / len(mails),
        }
        for name, detect in language_detectors().items()
    }


def main() -> None:
    scores = corpus_scores()
    print(
        f"{scores['messages']} messages; exact kinds {scores['exact_kinds']:.0%}; "
        f"language {scores['language_accuracy']:.0%}; {scores['ms_per_message']:.1f} ms each"
    )
    print("\n| kind | support | precision | recall |\n| --- | --- | --- | --- |")
    for kind, row in scores["per_kind"].items():
        print(f"| {kind} | {row['support']:.0f} | {row['precision']:.2f} | {row['recall']:.2f} |")
    if scores["misses"]:
        print("\nmisses:", ", ".join(scores["misses"]))
    held = held_out_scores()
    print(
        f"\nheld-out one-liners: {held['messages']}; exact kinds {held['exact_kinds']:.0%}; "
        f"language {held['language_accuracy']:.0%}"
    )
    for miss in held["misses"]:
        print("  miss:", miss)
    print("\n| language detector | short texts | mails |\n| --- | --- | --- |")
    for name, row in language_scores().items():
        print(f"| {name} | {row['short_texts']:.0%} | {row['mails']:.0%} |")


if __name__ == "__main__":
    main()
