"""The dossier's deadline reckoning and skipped days in Finnish and Swedish (issue 14.9)."""

from __future__ import annotations

from datetime import date

import pytest

from cases import deadlines
from cases.dossier import detail_items
from cases.dossier_text import action_label, day_reason, rule_text, status_label, texts

# 5 March 2026 + 1 month = 5 April (Easter Sunday); one paused day moves it to Easter
# Monday, so the answer is due on Tuesday 7 April.
EASTER = deadlines.explain(date(2026, 3, 5), paused_days=1)
# 31 January + 1 month has no 31st: 28 February, a Saturday, then Sunday 1 March.
SHORT_MONTH = deadlines.explain(date(2026, 1, 31))
EXTENDED = deadlines.explain(date(2026, 3, 31), months=deadlines.EXTENDED_MONTHS)

EXPECTED = {
    "fi": (
        "Tietosuoja-asetuksen 12 artiklan 3 kohdan mukainen määräaika on kuukausi",
        "vastaanottopäivää 2026-03-05 ei lasketa määräaikaan",
        "samanumeroisena päivänä 2026-04-05",
        "keskeytettynä 1 päivän ajan",
        "siirtyi päivään 2026-04-06",
        "Koska 2026-04-06 (toinen pääsiäispäivä) ei ole työpäivä",
        "seuraavana työpäivänä 2026-04-07",
        "viimeistään 2026-04-07 klo 23.59.59 Suomen aikaa",
    ),
    "sv": (
        "Enligt artikel 12.3 i dataskyddsförordningen är tidsfristen en månad",
        "räknas mottagningsdagen 2026-03-05 inte in i fristen",
        "samma nummer, 2026-04-05",
        "avbruten i 1 dag i väntan",
        "flyttade slutdagen till 2026-04-06",
        "Eftersom 2026-04-06 (annandag påsk) inte är en arbetsdag",
        "närmast följande arbetsdag, 2026-04-07",
        "senast den 2026-04-07 kl. 23.59.59 finländsk tid",
    ),
}


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_the_rule_is_told_in_the_case_language_with_its_holiday_names(lang: str) -> None:
    text = rule_text(EASTER, lang)
    for phrase in EXPECTED[lang]:
        assert phrase in text, phrase
    for english in ("GDPR", "Easter", "working day", "Regulation", "Helsinki time"):
        assert english not in text, english


def test_english_keeps_the_deadline_modules_own_paragraph() -> None:
    assert rule_text(EASTER, "en") == EASTER.rule


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        (
            "fi",
            (
                "kuukauden viimeisenä päivänä 2026-02-28, koska kuukaudessa ei ole 31. päivää",
                "Koska 2026-02-28 (lauantai) ja 2026-03-01 (sunnuntai) eivät ole työpäiviä",
            ),
        ),
        (
            "sv",
            (
                "på månadens sista dag, 2026-02-28, eftersom månaden saknar en 31:a dag",
                "Eftersom 2026-02-28 (lördag) och 2026-03-01 (söndag) inte är arbetsdagar",
            ),
        ),
    ],
)
def test_a_short_month_and_a_weekend_are_told_in_the_case_language(
    lang: str, phrases: tuple[str, ...]
) -> None:
    text = rule_text(SHORT_MONTH, lang)
    for phrase in phrases:
        assert phrase in text, phrase


def test_an_extended_period_says_so_and_a_working_day_is_not_moved() -> None:
    fi, sv = rule_text(EXTENDED, "fi"), rule_text(EXTENDED, "sv")
    assert "kolme kuukautta" in fi and "jatkettu kahdella kuukaudella" in fi
    assert "ei siirrä määräaikaa" in fi
    assert "tre månader" in sv and "förlängd med två månader" in sv
    assert "flyttar inte slutdagen" in sv


@pytest.mark.parametrize(
    ("day", "english", "fi", "sv"),
    [
        (date(2026, 12, 24), "Christmas Eve", "jouluaatto", "julafton"),
        (date(2026, 5, 14), "Ascension Day", "helatorstai", "Kristi himmelsfärdsdag"),
        (date(2026, 6, 19), "Midsummer Eve", "juhannusaatto", "midsommarafton"),
        (date(2026, 3, 7), "Saturday", "lauantai", "lördag"),
    ],
)
def test_skipped_days_are_named_in_the_case_language(
    day: date, english: str, fi: str, sv: str
) -> None:
    assert deadlines.non_working_reason(day) == english
    assert (day_reason(day, english, "fi"), day_reason(day, english, "sv")) == (fi, sv)
    assert day_reason(day, english, "en") == english


def test_labels_come_from_one_table_per_language() -> None:
    assert texts("sv")["compliance"] == "Efterlevnad av tidsfristen"
    assert status_label("awaiting_identity", "fi") == "odottaa henkilöllisyyden varmistamista"
    assert status_label(None, "fi") == "–"
    assert status_label("some_new_state", "sv") == "some new state"
    assert action_label("extend", "sv") == "tidsfristen förlängd"


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        ("fi", ("Löytyi: taulu customers: 1; tilaukset: 2", "Taulu: customers", "Sarakkeet")),
        (
            "sv",
            ("Hittades: tabell customers: 1; beställningar: 2", "Tabell: customers", "Kolumner"),
        ),
    ],
)
def test_an_external_systems_tables_and_columns_keep_their_names_under_a_label(
    lang: str, phrases: tuple[str, ...]
) -> None:
    detail = {
        "system": "Verkkokauppa",
        "found": {"customers": 1, "orders": 2},
        "changes": [{"table": "customers", "key": "7", "columns": ["email", "name"]}],
    }
    text = " | ".join(f"{name}: {value}" for name, value, _ in detail_items(detail, lang))
    for phrase in phrases:
        assert phrase in text, text
    assert "found" not in text and "changes" not in text and "columns" not in text


def test_a_forwards_and_an_opt_outs_codes_and_times_read_in_the_sections_language() -> None:
    forwarded = {"form": "inline", "original_date": "2026-11-23T12:05:00+00:00"}
    assert detail_items(forwarded, "fi") == [
        ("Muoto", "viestin tekstissä", False),
        ("Alkuperäisen päiväys", "2026-11-23 14:05:00 +0200", False),
    ]
    (scopes,) = detail_items({"scopes": ["marketing", "publication"]}, "sv")
    assert scopes[1] == "direktmarknadsföring, publicering"


def test_a_coded_sentence_reads_in_the_sections_language_and_an_old_one_as_recorded() -> None:
    reason = "sender address matches customer C-7 in the register; dmarc=pass for example.com"
    coded = {
        "reason": reason,
        "reason_code": "sender_matches_customer",
        "reason_params": {"customer_number": "C-7", "auth": "dmarc=pass for example.com"},
    }
    assert detail_items(coded, "sv") == [
        (
            "Skäl",
            "avsändaradressen stämmer med kund C-7 i registret; dmarc=pass for example.com",
            False,
        )
    ]
    assert detail_items(coded, "fi")[0][1].startswith(
        "lähettäjän osoite vastaa rekisterin asiakasta C-7"
    )
    # An event recorded before the code existed keeps its own words.
    assert detail_items({"reason": reason}, "fi") == [("Syy", reason, False)]


def test_a_reply_about_another_persons_data_reads_in_finnish_and_swedish() -> None:
    result = "a reply asks about another person's data; a person decides"
    coded = {"result": result, "result_code": "others_data_in_thread"}
    assert detail_items(coded, "fi")[0][1].startswith("vastaus koskee toisen henkilön tietoja")
    assert detail_items(coded, "sv")[0][1].startswith("svaret gäller en annan persons uppgifter")
    assert detail_items(coded, "en")[0][1] == result


def test_a_forward_that_joined_a_case_reads_in_finnish_and_swedish() -> None:
    result = "a colleague's forward joined this case; no case of its own"
    coded = {"joined": True, "result": result, "result_code": "forward_joined"}
    fi = dict((label, value) for label, value, _ in detail_items(coded, "fi"))
    assert fi["Liitetty olemassa olevaan asiaan"] == "kyllä"
    assert any(v.startswith("kollegan välittämä viesti liitettiin") for v in fi.values())
    sv = [value for _, value, _ in detail_items(coded, "sv")]
    assert any(v.startswith("en kollegas vidarebefordran fogades") for v in sv)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", "käsittelyn rajoituksen poistaminen"),
        ("sv", "hävande av begränsningen av behandlingen"),
        ("en", "lifting the restriction of processing"),
    ],
)
def test_a_lift_task_names_its_right_in_words_in_each_language(lang: str, words: str) -> None:
    detail = {"system": "Tilitoimisto Esimerkki Oy", "task_id": 2, "task_kind": "lift_restriction"}
    (*_, (_, right, _)) = detail_items(detail, lang)
    assert right == words


# A restriction's event as the chain and its personal part hold it (cases.fulfilment.systems).
RESTRICTED = {
    "system": "Verkkokauppa",
    "changes": [{"action": "update", "columns": ["user_status"], "key": "1", "table": "wp_users"}],
    "restricted": {"wp_users": 1, "wp_wc_customer_lookup": 1},
    "rows": [
        {
            "table": "wp_users",
            "key": "1",
            "before": {"user_status": 0},
            "after": {"user_status": 1},
        },
        {
            "table": "wp_wc_customer_lookup",
            "key": "1",
            "before": {"state": ""},
            "after": {"state": "RESTRICTED"},
        },
    ],
}


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        (
            "fi",
            (
                "Rajoitettu: taulu wp_users: 1; taulu wp_wc_customer_lookup: 1",
                "Toimenpide: muutettu",
                "Rivit: taulu wp_users, avain 1: user_status 0 → 1\n"
                'taulu wp_wc_customer_lookup, avain 1: state "" → RESTRICTED',
            ),
        ),
        (
            "sv",
            (
                "Begränsat: tabell wp_users: 1; tabell wp_wc_customer_lookup: 1",
                "Åtgärd: ändrad",
                "Rader: tabell wp_users, nyckel 1: user_status 0 → 1",
            ),
        ),
        (
            "en",
            (
                "Restricted: table wp_users: 1; table wp_wc_customer_lookup: 1",
                "Action: updated",
                "Rows: table wp_users, key 1: user_status 0 → 1",
            ),
        ),
    ],
)
def test_a_restrictions_rows_read_as_table_key_and_each_column_before_and_after(
    lang: str, phrases: tuple[str, ...]
) -> None:
    text = " | ".join(f"{name}: {value}" for name, value, _ in detail_items(RESTRICTED, lang))
    for phrase in phrases:
        assert phrase in text, text
    for raw in ("{'", "wp users", "after", "before", ": update;"):
        assert raw not in text, raw


def test_a_lifts_restored_tables_keep_their_names_and_a_deleted_row_says_so() -> None:
    lifted = {
        "restored": {"wp_users": 1},
        "rows": [{"table": "wp_users", "key": "2", "before": {"user_email": "x"}, "after": None}],
    }
    assert detail_items(lifted, "fi") == [
        ("Palautettu", "taulu wp_users: 1", False),
        ("Rivit", "taulu wp_users, avain 2: poistettu (user_email x)", False),
    ]


def test_a_colleagues_mail_in_the_thread_reads_as_a_colleagues_in_each_language() -> None:
    result = "a colleague's mail in the case's thread; clock and identity unchanged"
    coded = {"result": result, "result_code": "colleague_message"}
    assert action_label("colleague_message", "fi") == "kollegan viesti"
    assert action_label("colleague_message", "sv") == "meddelande från en kollega"
    assert action_label("colleague_message", "en") == "message from a colleague"
    fi = detail_items(coded, "fi")[0][1]
    sv = detail_items(coded, "sv")[0][1]
    assert fi.startswith("kollegan viesti asian viestiketjussa")
    assert sv.startswith("en kollegas meddelande i ärendets tråd")
    assert detail_items(coded, "en")[0][1] == result
    for text in (fi, sv):
        assert "kolmas" not in text and "tredje" not in text


def test_what_a_run_found_after_a_crash_in_a_restriction_reads_in_each_language() -> None:
    interrupted = {"system": "Verkkokauppa", "state": "changed since the plan"}
    assert detail_items(interrupted, "fi")[1] == (
        "Tila",
        "muiden muuttamana suunnitelman jälkeen",
        False,
    )
    assert detail_items(interrupted, "sv")[1][1] == "ändrat av andra efter planen"
    finished = {"restored": {"wp_users": 1}, "interrupted": "fully changed"}
    assert detail_items(finished, "fi")[1] == ("Keskeytyi", "kokonaan muutettuna", False)
