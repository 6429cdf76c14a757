"""A Finnish or Swedish dossier reads in its language: no code and no English sentence.

Each journey is a desk on the example shop's data map (examples/woocommerce): every right
carried out through `rightsdesk cases`, a refusal after an extension and a pause, a one-time
code, a colleague's forward and a right added in a thread taken in by `rightsdesk poll
--once`; then `rightsdesk dossier` for each case, read as a regulator reads it.
"""

from __future__ import annotations

import json
import mailbox
import re
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cases.code_check import CodeCheck
from cases.dossier_values import OUTCOME, SENTENCE
from cases.drafts import KIND_TEMPLATES
from cases.kinds import KIND_CODES
from cases.lifecycle import Status
from store.actions import AuditAction
from tests.e2e.outbox_journey import desk_env, rightsdesk
from tests.e2e.test_new_request_in_thread import ACCESS_THEN_ERASURE, _in_thread
from tests.e2e.test_tasks_cli import tasks
from tests.replies_support import request_mail
from tests.servers.smtp import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "woocommerce"
FIXTURES = ROOT / "tests" / "fixtures" / "mail"
MAIJA = ("Maija Esimerkki", "maija.esimerkki@example.com")
KALLE = ("Kalle Koe", "kalle.koe@example.com", "kalle.toinen@example.com")
ARRIVED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FORWARD = {"fi": "fi_forwarded_by_colleague.eml", "sv": "sv_forwarded_as_attachment.eml"}
PHONE = {"fi": "+358 40 999 0001", "sv": "+358 40 999 0002"}
REASON = {"fi": "soitettiin takaisin", "sv": "ringde upp"}

# Every code the trail keeps as a value: none may stand as a word in a fi or sv dossier.
TEMPLATES = {p.name.split(".")[0] for p in (ROOT / "templates" / "email" / "fi").iterdir()}
CODES = (
    {a.value for a in AuditAction}
    | set(KIND_CODES)
    | {s.value for s in Status}
    | {t for t in TEMPLATES if not t.startswith("_")}
    | set(KIND_TEMPLATES.values())
    | {c.value for c in CodeCheck}
    | set(OUTCOME)
    | {"done", "nothing_there", "case_ended", "anonymised", "kept_for_claim", "not_found"}
    | {"suppression", "sql", "manual", "complexity", "number_of_requests"}
    | {"lift_restriction", "update", "delete"}
)
# The desk's own English sentences, up to their first parameter.
SENTENCES = {en.split("{")[0] for _, _, en in SENTENCE.values()}


class _HumanText(HTMLParser):
    """The words of one language's section, without the mails and hashes quoted verbatim."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang, self.inside, self.verbatim, self.words = lang, False, 0, [""]
        self.in_mail = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.inside = dict(attrs).get("lang") == self.lang
        if tag == "div" and "message" in (dict(attrs).get("class") or ""):
            self.in_mail = True  # a mail as received or sent (section 8): quoted, not ours
            self.verbatim += 1
        if tag == "code":
            self.verbatim += 1
        if tag in ("tr", "td", "th", "div", "p", "li", "h1", "h2", "h3", "pre"):
            self.words.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" or (tag == "div" and self.in_mail):
            self.verbatim -= 1
            self.in_mail = self.in_mail and tag != "div"

    def handle_data(self, data: str) -> None:
        if self.inside and not self.verbatim:
            self.words.append(data)


def human_text(html: str, lang: str) -> str:
    parser = _HumanText(lang)
    parser.feed(html)
    return "".join(parser.words)


def reference_of(opened: str) -> str:
    return str(json.loads(opened)["reference"])


def carry_out(env: dict[str, str], kind: str, lang: str) -> str:
    """A case for Maija asking for `kind`, verified by hand, carried out, its reply sent."""
    reference = reference_of(
        rightsdesk(
            env, "cases", "open", "--kinds", kind, "--email", MAIJA[1], "--name", MAIJA[0],
            "--language", lang, "--json",
        )
    )  # fmt: skip
    rightsdesk(env, "cases", "verify", reference, "--method", "manual", "--reason", REASON[lang])
    # A restriction without typed reasons: the desk's own words name it.
    how = {"rectification": ["--set", f"phone={PHONE[lang]}"]}.get(kind, [])
    rightsdesk(env, "cases", "fulfil", reference, *how)
    waiting = [t for t in tasks(env, reference) if t["status"] == "open"]
    for n, task in enumerate(waiting):
        answer = ["--nothing-there"] if n % 2 else ["--note", "tehty / utfört"]
        rightsdesk(env, "tasks", "done", str(task["id"]), *answer)
    if waiting:
        rightsdesk(env, "cases", "fulfil", reference, *how)
    rightsdesk(env, "cases", "approve", reference)
    return reference


def refused_after_extension(env: dict[str, str], lang: str) -> str:
    """Extended for complexity, paused for a clarification, then refused (Art. 12(3)-(4))."""
    reference = reference_of(
        rightsdesk(env, "cases", "open", "--kinds", "access", "--email", MAIJA[1],
                   "--language", lang, "--channel", "letter", "--json")
    )  # fmt: skip
    rightsdesk(env, "cases", "extend", reference, "--reason", "12 järjestelmää",
               "--ground", "complexity")  # fmt: skip
    rightsdesk(env, "cases", "pause", reference, "--reason", "tarkennus / precisering",
               "--waiting-for", "clarification")  # fmt: skip
    rightsdesk(env, "cases", "resume", reference)
    rightsdesk(env, "cases", "refuse", reference, "--reasons", "ilmeisen perusteeton")
    rightsdesk(env, "cases", "approve", reference)
    return reference


def code_sent(env: dict[str, str], lang: str) -> str:
    """A letter from Kalle's other address, linked to his register row: a code is mailed."""
    reference = reference_of(
        rightsdesk(env, "cases", "open", "--kinds", "erasure", "--email", KALLE[2],
                   "--language", lang, "--channel", "letter", "--json")
    )  # fmt: skip
    rightsdesk(env, "cases", "link", reference, "C-2")
    rightsdesk(env, "cases", "identify", reference)
    return reference


def by_mail(env: dict[str, str], tmp_path: Path, lang: str) -> list[str]:
    """A colleague's forward and a request whose thread asks for erasure too, by poll --once."""
    inbox = mailbox.Maildir(tmp_path / "mail" / "inbox", create=True)
    inbox.add((FIXTURES / FORWARD[lang]).read_bytes())
    name, sender, subject, body, own, wrote = ACCESS_THEN_ERASURE[lang]
    message_id, raw = request_mail(
        sender_name=name, sender=sender, subject=subject, body=body, at=ARRIVED
    )
    inbox.add(raw)
    rightsdesk(env, "poll", "--once")
    inbox.add(_in_thread(message_id, name=name, sender=sender, own=own, quoted=body, wrote=wrote))
    rightsdesk(env, "poll", "--once")
    listed = json.loads(rightsdesk(env, "cases", "list", "--json"))
    return [c["reference"] for c in listed if c["requester_email"] not in (MAIJA[1], KALLE[2])]


@pytest.fixture
def env(tmp_path: Path, smtp_sink: SmtpSink) -> dict[str, str]:
    """A desk on the example shop's data map with Maija and Kalle in its register."""
    shop = f"sqlite:///{tmp_path / 'shop.db'}"
    seeded = subprocess.run(
        [sys.executable, str(EXAMPLE / "seed.py"), shop], capture_output=True, check=False
    )
    assert seeded.returncode == 0, seeded.stderr
    environment = desk_env(
        f"sqlite:///{tmp_path / 'desk.db'}",
        tmp_path,
        smtp_sink.port,
        RIGHTSDESK_CONFIG=str(EXAMPLE / "rightsdesk.toml"),
        RIGHTSDESK_NOW="2026-12-02T10:00:00+02:00",
        SHOP_DATABASE_URL=shop,
    )
    rightsdesk(environment, "db", "upgrade")
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "customer_number,name,email,relationship_start,relationship_end\n"
        f"C-1,{MAIJA[0]},{MAIJA[1]},2020-01-01,\nC-2,{KALLE[0]},{KALLE[1]},2019-01-01,\n",
        encoding="utf-8",
    )
    rightsdesk(environment, "register", "import", str(customers))
    return environment


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_finnish_or_swedish_dossier_names_every_code_and_sentence_in_its_language(
    env: dict[str, str], tmp_path: Path, lang: str
) -> None:
    references = [carry_out(env, kind, lang) for kind in KIND_CODES]
    # The restriction lifted again, told after its reply went (2026-12-02): a task for the
    # manual system that holds it (Art. 18(3)).
    restricted = references[KIND_CODES.index("restriction")]
    rightsdesk(env, "poll", "--once")  # the replies go out: the confirmation before the lift
    rightsdesk(env, "cases", "lift-restriction", restricted, "--reason", REASON[lang],
               "--informed-at", "2026-12-02")  # fmt: skip
    references += [refused_after_extension(env, lang), code_sent(env, lang)]
    references += by_mail(env, tmp_path, lang)
    actions = {
        e["action"]
        for r in references
        for e in json.loads(rightsdesk(env, "cases", "show", r, "--json"))["events"]
    }
    assert {"forwarded_request", "kinds_added", "verification_code_sent", "task_done"} <= actions

    texts = {}
    for reference in references:
        out = tmp_path / f"{reference}.html"
        rightsdesk(env, "dossier", reference, "--out", str(out))
        html = out.read_text(encoding="utf-8")
        assert f'<section lang="{lang}"' in html, reference
        texts[reference] = human_text(html, lang)
    everything = "\n".join(texts.values())
    for code in sorted(CODES):
        found = re.search(rf"(?<![\w@./:-]){re.escape(code)}(?![\w@-])", everything)
        assert found is None, (code, everything[max(0, found.start() - 120) : found.end() + 40])
    for sentence in SENTENCES:
        assert sentence not in everything, sentence
    # A rectified row's values read as a column's before and after, not as a Python
    # mapping, and a table keeps its name in the shop (wp_users), underscores and all.
    assert "{'" not in everything and "wp users" not in everything

    # A few names exactly as a regulator reads them.
    expected = {
        "fi": (
            "Pohja: vastaus tarkastuspyyntöön",
            "Kieli: suomi",
            "Tulos: vastattu: vastaus tarkastuspyyntöön",
            "Tehtävän oikeus: tietojen tarkastaminen",
            "Peruste: pyynnön monimutkaisuus",
            "kertakäyttöinen koodi lähetetty rekisterissä olevaan osoitteeseen",
            "Verkkokauppa (tietokanta)",
            "Syy: rekisteröidyn pyytämä (DSR-2026-",
            "Tehtävän oikeus: käsittelyn rajoituksen poistaminen",
            "Toimenpide: muutettu",
        ),
        "sv": (
            "Mall: svar på begäran om tillgång",
            "Språk: svenska",
            "Utfall: besvarad: svar på begäran om tillgång",
            "Uppgiftens rättighet: rätt till tillgång",
            "Grund: hur komplicerad begäran är",
            "engångskod skickad till adressen i registret",
            "Verkkokauppa (databas)",
            "Skäl: begärd av den registrerade (DSR-2026-",
            "Uppgiftens rättighet: hävande av begränsningen av behandlingen",
            "Åtgärd: ändrad",
        ),
    }[lang]
    for phrase in expected:
        assert phrase in everything, phrase
