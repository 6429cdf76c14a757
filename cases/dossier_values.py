"""The dossier's words for the codes the audit trail keeps as values, in fi, sv and en.

The trail is append-only and hash-chained, so its values stay codes (a template's name,
an outcome, a task's result); the dossier names them in each language when it renders.
Sentences the desk used to record in English get a code and parameters going forward
(`<key>_code`, `<key>_params` in an event's detail); an older event's sentence is shown
as it was recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from templates.labels import KIND_LABELS, pick

# (fi, sv, en) per value code. An unknown value is shown as it is.
VALUE: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        # How a forward came, an opt-out's scopes.
        "inline": ("viestin tekstissä", "i meddelandets text", "in the mail's text"),
        "attached": ("liitteenä", "som bilaga", "attached"),
        "marketing": ("suoramarkkinointi", "direktmarknadsföring", "direct marketing"),
        "publication": ("julkaiseminen", "publicering", "publication"),
        "processing": ("käsittely", "behandling", "processing"),
        # The replies (templates/email/*): what was sent, not the file it came from.
        "acknowledgement": ("vastaanottokuittaus", "mottagningsbekräftelse", "acknowledgement"),
        "access_response": (
            "vastaus tarkastuspyyntöön",
            "svar på begäran om tillgång",
            "access response",
        ),
        "clarification_request": (
            "tarkennuspyyntö",
            "begäran om precisering",
            "request for clarification",
        ),
        "erasure_done": (
            "ilmoitus tietojen poistamisesta",
            "besked om radering",
            "erasure confirmation",
        ),
        "extension_notice": (
            "ilmoitus määräajan jatkamisesta",
            "besked om förlängd tidsfrist",
            "extension notice",
        ),
        "identity_request": (
            "pyyntö varmistaa henkilöllisyys",
            "begäran om identitetsuppgifter",
            "request for identity details",
        ),
        "objection_confirmation": (
            "vahvistus vastustamisen käsittelystä",
            "bekräftelse på behandlad invändning",
            "objection confirmation",
        ),
        "portability_export": (
            "tiedot siirrettävässä muodossa",
            "uppgifterna i överförbart format",
            "portability export",
        ),
        "publication_opt_out_confirmation": (
            "vahvistus julkaisukiellosta",
            "bekräftelse på förbud mot publicering",
            "publication opt-out confirmation",
        ),
        "recipient_notice": (
            "ilmoitus vastaanottajalle (19 art.)",
            "underrättelse till mottagare (art. 19)",
            "notice to a recipient (Art. 19)",
        ),
        "rectification_done": (
            "ilmoitus tietojen oikaisemisesta",
            "besked om rättelse",
            "rectification confirmation",
        ),
        "refusal": ("päätös pyynnön hylkäämisestä", "beslut om avslag", "refusal"),
        "restriction_confirmation": (
            "vahvistus käsittelyn rajoittamisesta",
            "bekräftelse på begränsning",
            "restriction confirmation",
        ),
        "verification_code": ("vahvistuskoodi", "verifieringskod", "verification code"),
        # What a task's owner answered (cases.tasks) and what the register row became.
        "done": ("tehty", "utförd", "done"),
        "nothing_there": (
            "ei tietoja järjestelmässä",
            "inga uppgifter i systemet",
            "nothing there",
        ),
        "not_done": ("ei tehty", "inte utförd", "not done"),
        "case_ended": (
            "tarpeeton, koska asian käsittely päättyi",
            "onödig, eftersom ärendet avslutades",
            "no longer needed: the case ended",
        ),
        # A restriction task its case's lift made moot (cases.fulfilment.lifting, Art. 18(3)).
        "lifted_before_done": (
            "tarpeeton, koska rajoitus poistettiin ennen kuin se tehtiin",
            "onödig, eftersom begränsningen hävdes innan den gjordes",
            "no longer needed: the restriction was lifted before it was done",
        ),
        "deleted": ("poistettu", "raderad", "deleted"),
        # What a system's transaction did to a row (cases.sql_connector's planned changes).
        "update": ("muutettu", "ändrad", "updated"),
        "delete": ("poistettu", "raderad", "deleted"),
        "anonymised": ("anonymisoitu", "anonymiserad", "anonymised"),
        "kept_for_claim": (
            "säilytetty oikeusvaatimuksen vuoksi",
            "bevarad för ett rättsligt anspråk",
            "kept for a legal claim",
        ),
        "not_found": ("ei löytynyt", "hittades inte", "not found"),
        "replaced": ("korvattu", "ersatt", "replaced"),
        # A one-time code's check (cases.code_check.CodeCheck).
        "verified": ("varmistettu", "kontrollerad", "verified"),
        "wrong": ("väärä koodi", "fel kod", "wrong code"),
        "expired": ("vanhentunut koodi", "koden har gått ut", "expired code"),
        "void": ("koodi mitätöity", "koden ogiltig", "code void"),
        "no_code": ("ei koodia", "ingen kod", "no code"),
        # The kinds of system of the data map (cases.systems.SystemKind).
        "register": ("asiakasrekisteri", "kundregister", "register"),
        "sql": ("tietokanta", "databas", "database"),
        "manual": ("käsin hoidettava", "sköts manuellt", "by hand"),
        # The languages of a request.
        "fi": ("suomi", "finska", "Finnish"),
        "sv": ("ruotsi", "svenska", "Swedish"),
        "en": ("englanti", "engelska", "English"),
        # A task's right that is no kind of request: lifting by hand what was restricted by
        # hand (cases.fulfilment.lifting.LIFT_TASK, Art. 18(3)).
        "lift_restriction": (
            "käsittelyn rajoituksen poistaminen",
            "hävande av begränsningen av behandlingen",
            "lifting the restriction of processing",
        ),
        # The right an opt-out or objection was carried out as (cases.fulfilment.suppression).
        "suppression": (
            "kielto kirjattu estolistalle",
            "förbudet infört i spärrlistan",
            "opt-out recorded in the suppression list",
        ),
    }
)

# What a case's outcome starts with (cases.operations, cases.replies): "answered: <templates>",
# "refused: <reasons>", "withdrawn", "not a request: <reason>".
OUTCOME: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "answered": ("vastattu", "besvarad", "answered"),
        "refused": ("hylätty", "avslagen", "refused"),
        "withdrawn": ("peruttu", "återkallad", "withdrawn"),
        "not a request": ("ei ollut pyyntö", "var inte en begäran", "not a request"),
    }
)

# Sentences recorded as a code and parameters (`<key>_code`, `<key>_params`).
SENTENCE: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "sender_matches_customer": (
            "lähettäjän osoite vastaa rekisterin asiakasta {customer_number}{auth}",
            "avsändaradressen stämmer med kund {customer_number} i registret{auth}",
            "sender address matches customer {customer_number} in the register{auth}",
        ),
        "code_returned": (
            "rekisterissä olevaan osoitteeseen {sent_on} lähetetty kertakäyttöinen koodi"
            " palautettiin",
            "engångskoden som skickades till adressen i registret {sent_on} returnerades",
            "the one-time code sent to the address in the register on {sent_on} was returned",
        ),
        "code_sent": (
            "kertakäyttöinen koodi lähetetty rekisterissä olevaan osoitteeseen",
            "engångskod skickad till adressen i registret",
            "one-time code sent to the address in the register",
        ),
        "code_attempts_spent": (
            "yritykset käytetty; lähetä uusi koodi tai varmista henkilöllisyys käsin",
            "försöken förbrukade; skicka en ny kod eller kontrollera identiteten manuellt",
            "attempt budget spent; send a new code or verify by hand",
        ),
        "restriction_requested": (
            "rekisteröidyn pyytämä ({reference})",
            "begärd av den registrerade ({reference})",
            "requested by the data subject ({reference})",
        ),
        "opt_out_sender_only": (
            "kielto koskee vain osoitetta, josta pyyntö tuli",
            "förbudet gäller bara adressen som begäran kom från",
            "the opt-out concerns only the address the request came from",
        ),
        "no_contact_address": (
            "rekisterissä ei ole yhteysosoitetta",
            "registret har ingen kontaktadress",
            "no contact address in the register",
        ),
        "asked_requester": (
            "pyynnön esittäjältä kysyttiin ({template})",
            "den som framställt begäran tillfrågades ({template})",
            "asked the requester ({template})",
        ),
        "requester_answered": (
            "pyynnön esittäjä vastasi",
            "den som framställt begäran svarade",
            "the requester answered",
        ),
        "requester_answered_forwarded": (
            "pyynnön esittäjä vastasi (kollega välitti vastauksen)",
            "den som framställt begäran svarade (en kollega vidarebefordrade svaret)",
            "the requester answered (forwarded by a colleague)",
        ),
        "third_party_unchanged": (
            "ei pyynnön esittäjältä eikä rekisterin osoitteesta; määräaika ja"
            " henkilöllisyys ennallaan",
            "inte från den som framställt begäran eller registrets adress; tidsfristen och"
            " identiteten oförändrade",
            "not from the requester or the register's address; clock and identity unchanged",
        ),
        "colleague_message": (
            "kollegan viesti asian viestiketjussa; määräaika ja henkilöllisyys ennallaan",
            "en kollegas meddelande i ärendets tråd; tidsfristen och identiteten oförändrade",
            "a colleague's mail in the case's thread; clock and identity unchanged",
        ),
        "task_answer_noted": (
            "merkintä yhteyshenkilölle; tehtävä pysyy ennallaan, kunnes hän kirjaa sen",
            "en anteckning för kontaktpersonen; uppgiften förblir oförändrad tills hen"
            " registrerar den",
            "a note for the contact person; the task stays as it was until they record it",
        ),
        "others_data_in_thread": (
            "vastaus koskee toisen henkilön tietoja; henkilö päättää, voiko kirjoittaja toimia"
            " hänen puolestaan",
            "svaret gäller en annan persons uppgifter; en person avgör om skribenten får"
            " företräda hen",
            "a reply asks about another person's data; a person decides",
        ),
        "forward_joined": (
            "kollegan välittämä viesti liitettiin tähän asiaan; sille ei avattu omaa asiaa",
            "en kollegas vidarebefordran fogades till detta ärende; inget eget ärende öppnades",
            "a colleague's forward joined this case; no case of its own",
        ),
        "kind_added_same_deadline": (
            "asian viestiketjussa pyydettiin uutta oikeutta; asian määräaika koskee myös sitä",
            "en ny rättighet begärdes i ärendets tråd; ärendets tidsfrist gäller även den",
            "a new right was asked for in the case's thread; the case's deadline holds for it",
        ),
        "other_persons_request": (
            "toisen henkilön pyyntö tässä viestiketjussa; hänen viestinsä on vain sen asian"
            " tiedoissa",
            "en annan persons begäran i tråden; hens meddelande finns bara i det ärendet",
            "another person's request in this thread; their mail is on that case only",
        ),
        "own_case_for_right": (
            "oikeudella, jota tämä asia ei voi ottaa määräaikansa puitteissa, on oma asiansa",
            "en rättighet som ärendet inte kan ta inom sin tidsfrist har ett eget ärende",
            "a right this case cannot take under its deadline has its own case",
        ),
        "opened_from_thread": (
            "avattu asian {reference} viestiketjun viestistä ({whose})",
            "öppnat från ett meddelande i tråden för {reference} ({whose})",
            "opened from a mail in the thread of {reference} ({whose})",
        ),
    }
)

# Whose request a mail in another case's thread was: a parameter of "opened_from_thread".
_WHOSE: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "requester": (
            "pyynnön esittäjän pyyntö",
            "den som framställt begäran",
            "the requester's request",
        ),
        "other_person": (
            "toisen henkilön pyyntö",
            "en annan persons begäran",
            "another person's request",
        ),
    }
)


def value_label(code: str, lang: str) -> str:
    """A value code's name in `lang`, or the value itself when it is no known code."""
    return pick(VALUE, code, lang) if code in VALUE else code


def right_label(code: str, lang: str) -> str:
    """A right (or the opt-out it was carried out as) in `lang`; unknown codes as they are."""
    return pick(KIND_LABELS, code, lang) if code in KIND_LABELS else value_label(code, lang)


def outcome_text(outcome: str, lang: str) -> str:
    """A case's outcome in `lang`: its code named, an answer's replies named, words kept."""
    head, sep, rest = outcome.partition(": ")
    if head not in OUTCOME:
        return outcome
    if head == "answered" and sep:
        names = ", ".join(value_label(t.strip(), lang) for t in rest.split(","))
        return f"{pick(OUTCOME, head, lang)}: {names}"
    return f"{pick(OUTCOME, head, lang)}{sep}{rest}"


def sentence_text(text: str, code: Any, params: Any, lang: str) -> str:
    """A recorded sentence in `lang` from its code and parameters; else `text` as recorded."""
    if not isinstance(code, str) or code not in SENTENCE:
        return text
    given = {str(k): str(v) for k, v in (params or {}).items()} if isinstance(params, dict) else {}
    if "whose" in given:
        given["whose"] = pick(_WHOSE, given["whose"], lang)
    if "template" in given:
        given["template"] = value_label(given["template"], lang)
    if given.get("auth"):
        given["auth"] = f"; {given['auth']}"  # the mail's authentication results, verbatim
    try:
        return pick(SENTENCE, code, lang).format_map({"auth": "", **given})
    except KeyError:  # a parameter missing from an event: the recorded words say it all
        return text
