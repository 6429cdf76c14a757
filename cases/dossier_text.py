"""The dossier's wording in Finnish, Swedish and English (issue 14.9): labels, actions, rules."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

import holidays

from cases import deadlines
from cases.deadlines import DeadlineTrace
from cases.dossier_labels import ACTION, DETAIL
from templates.labels import pick

# (fi, sv, en) per key.
_TEXT: dict[str, tuple[str, str, str]] = {
    "title": (
        "Selvitys pyynnön käsittelystä",
        "Redogörelse för hanteringen av begäran",
        "Case dossier",
    ),
    "version": ("Suomenkielinen versio", "Svensk version", "English version"),
    "intro": (
        "Rekisteröidyn pyyntö rekisterinpitäjälle {controller} ({address}). Laadittu"
        " rightsdeskillä {now}. Ajat ovat Suomen aikaa; perässä on aikaero UTC:hen.",
        "Den registrerades begäran till den personuppgiftsansvarige {controller} ({address})."
        " Sammanställd med rightsdesk {now}. Tiderna anges i finländsk tid med"
        " tidsskillnaden till UTC.",
        "Data-subject request to {controller} ({address}). Generated {now} by rightsdesk."
        " Times are Helsinki local time with their UTC offset.",
    ),
    "compliance": ("Määräajan noudattaminen", "Efterlevnad av tidsfristen", "Compliance"),
    "received": ("Pyyntö saatu", "Begäran mottagen", "Received"),
    # A colleague's forward (mail_intake/forwarded.py): the clock runs from the original's
    # receipt by the controller when its date was plausible, else from the forward's arrival.
    "forwarded_original": (
        "kollegan ({by}) alun perin saama pyyntö, välitetty tietosuojaosoitteeseen {at}",
        "begäran som kollegan ({by}) tog emot först, vidarebefordrad till dataskyddsadressen {at}",
        "as first received by a colleague ({by}), forwarded to the privacy mailbox {at}",
    ),
    "forwarded_arrival": (
        "kollegan ({by}) välittämä {at}; alkuperäisen päiväystä ei voitu käyttää",
        "vidarebefordrad av kollegan ({by}) {at}; originalets datum kunde inte användas",
        "forwarded by a colleague ({by}) {at}; the original's date could not be used",
    ),
    "due": ("Määräpäivä", "Sista dag för svar", "Due"),
    "extended": ("jatkettu", "förlängd", "extended"),
    "answered": ("Vastattu", "Besvarad", "Answered on"),
    "not_answered": ("ei vielä vastattu", "ännu inte besvarad", "not yet answered"),
    "reply_queued": (
        "vastaus on ollut lähtevien jonossa {at} alkaen",
        "svaret har legat i utkön sedan {at}",
        "the reply has been queued since {at}",
    ),
    "reply_failed": (
        "{at} hyväksytyn vastauksen lähetys epäonnistui",
        "svaret som godkändes {at} kunde inte skickas",
        "the reply approved {at} could not be sent",
    ),
    "on_time": ("Vastattiin määräajassa.", "Svaret gavs inom tidsfristen.", "Answered on time."),
    "late": (
        "Vastattiin {days} päivää myöhässä.",
        "Svaret gavs {days} dagar för sent.",
        "Answered late by {days} days.",
    ),
    "late_one": (
        "Vastattiin päivän myöhässä.",
        "Svaret gavs en dag för sent.",
        "Answered late by 1 day.",
    ),
    "open_in_time": (
        "Vastausta ei ole vielä annettu; määräaikaa on jäljellä.",
        "Svaret har ännu inte getts; tidsfristen har inte löpt ut.",
        "Not yet answered; the time limit has not passed.",
    ),
    "open_late": (
        "Vastausta ei ole annettu, ja määräaika on ylittynyt {days} päivällä.",
        "Svaret har inte getts, och tidsfristen har överskridits med {days} dagar.",
        "Not answered, and the time limit was passed {days} days ago.",
    ),
    "how_mail": ("sähköpostilla", "per e-post", "by email"),
    "how_outside": (
        "rightsdeskin ulkopuolella (kirjattu)",
        "utanför rightsdesk (antecknat)",
        "outside rightsdesk (recorded)",
    ),
    "decisions": (
        "Päätökset ja päättäjät",
        "Beslut och beslutsfattare",
        "Decisions and who made them",
    ),
    "decision": ("Päätös", "Beslut", "Decision"),
    "by": ("Päätöksen tekijä", "Beslutsfattare", "By"),
    "when": ("Aika", "Tidpunkt", "When"),
    "responsible": ("Yhteyshenkilö", "Kontaktperson", "Contact person"),
    "summary": ("Yhteenveto", "Sammanfattning", "Summary"),
    "reference": ("Viite", "Referens", "Reference"),
    "rights": ("Pyydetyt oikeudet", "Begärda rättigheter", "Rights invoked"),
    "unclassified": ("ei vielä luokiteltu", "ännu inte klassificerad", "not yet classified"),
    "status": ("Tila", "Status", "Status"),
    "channel": ("Kanava", "Kanal", "Channel"),
    "language": ("Pyynnön kieli", "Begärans språk", "Language of the request"),
    "requester": ("Pyynnön esittäjä", "Den som framställt begäran", "Requester"),
    "assignee": ("Käsittelijä", "Handläggare", "Assignee"),
    "closed": ("Suljettu", "Avslutad", "Closed"),
    "related": ("Saman henkilön muut pyynnöt", "Samma persons övriga ärenden", "Related cases"),
    "no_related": (
        "Samalta henkilöltä ei ole muita pyyntöjä.",
        "Samma person har inga övriga ärenden.",
        "The same person has no other cases.",
    ),
    "deadline": (
        "Määräaika ja sen laskeminen",
        "Tidsfristen och hur den har räknats",
        "The deadline and how it was reckoned",
    ),
    "deadline_intro": (
        "Pyyntö saapui viralliseen kanavaan {at}; vastaanottopäivä on Suomen ajan mukainen"
        " päivämäärä {day}. Määräaika alkaa kulua silloin, luettiinpa pyyntö tai ei (EDPB:n"
        " ohjeet 01/2022, kohta 159).",
        "Begäran kom in via en officiell kanal {at}; mottagningsdagen är datumet i finländsk"
        " tid, {day}. Tidsfristen börjar löpa då, oavsett om någon har läst begäran (EDPB:s"
        " riktlinjer 01/2022, punkt 159).",
        "The request reached an official channel at {at}; the receipt date is the calendar"
        " date in Helsinki, {day}. The clock starts then, whether or not anyone has read the"
        " request (EDPB Guidelines 01/2022 §159).",
    ),
    "one_month": (
        "Kuukausi (tietosuoja-asetuksen 12 artiklan 3 kohta)",
        "En månad (artikel 12.3 i dataskyddsförordningen)",
        "One month (GDPR Art. 12(3))",
    ),
    "receipt_not_counted": (
        "Vastaanottopäivä (ei lasketa)",
        "Mottagningsdag (räknas inte)",
        "Receipt date (not counted)",
    ),
    "same_day": (
        "Sama päivä seuraavassa kuussa",
        "Samma dag följande månad",
        "Same day-number one month later",
    ),
    "clamped": (
        "kuukaudessa ei ole tätä päivää: sen viimeinen päivä (asetus 1182/71, 3 art. 2 c)",
        "månaden har ingen sådan dag: dess sista dag (förordning 1182/71, art. 3.2 c)",
        "the month has no such day: its last day (Reg. 1182/71 Art. 3(2)(c))",
    ),
    "paused_days": (
        "Päivät, joina määräaika ei kulunut",
        "Dagar då tidsfristen inte löpte",
        "Days the clock was paused",
    ),
    "skipped": (
        "Ohitetut vapaapäivät (asetus 1182/71, 3 art. 4)",
        "Överhoppade lediga dagar (förordning 1182/71, art. 3.4)",
        "Non-working days skipped (Reg. 1182/71 Art. 3(4))",
    ),
    "none": ("ei yhtään", "inga", "none"),
    "due_date": ("Määräpäivä", "Sista dag", "Due date"),
    "end_of_day": (
        "klo 23.59.59 Suomen aikaa",
        "kl. 23.59.59 finländsk tid",
        "23:59:59 Helsinki time",
    ),
    "extension": (
        "Jatkaminen kahdella kuukaudella (12 artiklan 3 kohta)",
        "Förlängning med två månader (artikel 12.3)",
        "Extension by two further months (Art. 12(3))",
    ),
    "ground": ("Peruste", "Grund", "Ground"),
    "reasons": (
        "Perustelut (käsittelijän omin sanoin)",
        "Skäl (med handläggarens egna ord)",
        "Reasons (in the contact person's own words)",
    ),
    "decided": ("Päätetty", "Beslutad", "Decided"),
    "within_month": (
        "ensimmäisen kuukauden aikana (määräpäivä {due})",
        "inom den första månaden (sista dag {due})",
        "within the first month (due {due})",
    ),
    "after_month": (
        "ensimmäisen kuukauden jälkeen",
        "efter den första månaden",
        "after the first month",
    ),
    "told": (
        "Ilmoitettu pyynnön esittäjälle",
        "Meddelad till den som framställt begäran",
        "Requester told",
    ),
    "three_months": (
        "Kolme kuukautta vastaanotosta",
        "Tre månader efter mottagandet",
        "Three months after receipt",
    ),
    "extended_due": ("Jatkettu määräpäivä", "Förlängd sista dag", "Extended due date"),
    "pauses": (
        "Keskeytykset (EDPB:n ohjeet 01/2022, kohta 159)",
        "Avbrott (EDPB:s riktlinjer 01/2022, punkt 159)",
        "Pauses (EDPB Guidelines 01/2022 §159)",
    ),
    "waiting_for": ("Odotettiin", "Väntade på", "Waiting for"),
    "reason": ("Syy", "Skäl", "Reason"),
    "from": ("Alkaen", "Från", "From"),
    "until": ("Päättyen", "Till", "Until"),
    "days": ("Päiviä", "Dagar", "Days"),
    "still_paused": ("yhä keskeytetty", "fortfarande avbruten", "still paused"),
    "never_paused": (
        "Määräajan kulku ei keskeytynyt.",
        "Tidsfristen avbröts aldrig.",
        "The clock was never paused.",
    ),
    "due_by": (
        "Vastaus on annettava viimeistään {at}.",
        "Svaret ska ges senast {at}.",
        "The answer is due by {at}.",
    ),
    "identity": (
        "Henkilöllisyyden varmistaminen (12 artiklan 6 kohta)",
        "Kontroll av identiteten (artikel 12.6)",
        "Identity verification (Art. 12(6))",
    ),
    "method": ("Tapa", "Metod", "Method"),
    "checked_by": ("Tarkistaja", "Kontrollerad av", "Checked by"),
    "checked_at": ("Tarkistettu", "Kontrollerad", "Checked at"),
    "code_sent": (
        "Kertakäyttöinen koodi lähetetty",
        "Engångskod skickad",
        "One-time code sent",
    ),
    "code_sent_detail": (
        "rekisterissä olevaan osoitteeseen ({to}); koodista tallennettiin vain tiiviste",
        "till adressen i registret ({to}); endast kodens hashvärde sparades",
        "to the address in the register ({to}); only its hash was stored",
    ),
    "id_documents": ("Henkilöllisyysasiakirjat", "Identitetshandlingar", "Identity documents"),
    "id_documents_detail": (
        "{count} poistettu tarkistuksen jälkeen; säilytettiin vain merkintä ”{note}”",
        "{count} raderade efter kontrollen; endast anteckningen ”{note}” sparades",
        "{count} deleted after the check; kept only the note “{note}”",
    ),
    "kept": (
        "Säilytetyt tiedot ja niiden poistopäivät",
        "Uppgifter som bevaras och när de raderas",
        "Data kept and when it will be deleted",
    ),
    "item": ("Tieto", "Uppgift", "Item"),
    "legal_basis": ("Oikeusperuste", "Rättslig grund", "Legal basis"),
    "kept_until": ("Poistetaan", "Raderas", "Deleted"),
    "erased": ("Poistettu tai anonymisoitu", "Raderat eller anonymiserat", "Erased or anonymised"),
    "no_erasure": (
        "Pyyntö ei koskenut tietojen poistamista.",
        "Begäran gällde inte radering.",
        "No erasure was asked for.",
    ),
    "nothing_kept": (
        "Kaikki tiedot poistettiin; mitään ei säilytetty.",
        "Alla uppgifter raderades; inget bevarades.",
        "Everything was erased; nothing was kept.",
    ),
    "notices": (
        "Ilmoitukset vastaanottajille (19 artikla) ja niiden vahvistukset",
        "Underrättelser till mottagare (artikel 19) och deras bekräftelser",
        "Art. 19 notices to recipients and their confirmations",
    ),
    "recipient": ("Vastaanottaja", "Mottagare", "Recipient"),
    "sent": ("Lähetetty", "Skickad", "Sent"),
    "queued": ("jonossa", "i kö", "queued"),
    "confirmation": ("Vahvistus", "Bekräftelse", "Confirmation"),
    "no_confirmation": ("ei vielä vahvistettu", "ännu inte bekräftad", "not yet confirmed"),
    "no_address": (
        "ei sähköpostiosoitetta: ilmoitettava muuta kautta",
        "ingen e-postadress: ska underrättas på annat sätt",
        "no address: to be told by other means",
    ),
    "no_notices": (
        "Vastaanottajille ei ole tarvinnut ilmoittaa.",
        "Inga mottagare har behövt underrättas.",
        "No recipient needed to be told.",
    ),
    "systems": (
        "Järjestelmät, joista tietoja haettiin"
        " (15 artiklan 1 kohta, 17 artiklan 1 kohta, 19 artikla)",
        "System där uppgifter söktes (artikel 15.1, 17.1 och 19)",
        "Systems searched (Art. 15(1), 17(1), 19)",
    ),
    "system": ("Järjestelmä", "System", "System"),
    "system_done": ("Mitä siellä tehtiin", "Vad som gjordes där", "What was done there"),
    "searched": ("haettu; ei muutoksia", "sökt; inga ändringar", "searched; nothing changed"),
    "system_erased": (
        "poistettu {rows} riviltä",
        "raderat i {rows} rader",
        "erased in {rows} row(s)",
    ),
    "system_rectified": (
        "oikaistu {rows} riviltä",
        "rättat i {rows} rader",
        "rectified in {rows} row(s)",
    ),
    "system_restricted": (
        "käsittelyä rajoitettu {rows} rivillä",
        "behandlingen begränsad i {rows} rader",
        "restricted in {rows} row(s)",
    ),
    "system_restriction_lifted": (
        "käsittelyn rajoitus poistettu {rows} riviltä",
        "begränsningen hävd i {rows} rader",
        "restriction lifted in {rows} row(s)",
    ),
    "rows_kept": ("säilytetty {rows} riviä", "{rows} rader sparade", "{rows} row(s) kept"),
    "system_erasure_interrupted": (
        "keskeytyi; järjestelmän tila: {state}",
        "avbröts; systemets tillstånd: {state}",
        "interrupted; the system was found {state}",
    ),
    "system_restriction_interrupted": (
        "rajoittaminen keskeytyi; järjestelmän tila: {state}",
        "begränsningen avbröts; systemets tillstånd: {state}",
        "restriction interrupted; the system was found {state}",
    ),
    "system_restriction_lift_interrupted": (
        "rajoituksen poistaminen keskeytyi; järjestelmän tila: {state}",
        "hävandet av begränsningen avbröts; systemets tillstånd: {state}",
        "lifting the restriction interrupted; the system was found {state}",
    ),
    # What a run found in a system after a crash in its erasure (SqlConnector.state).
    "state_unchanged": ("ennallaan", "oförändrat", "unchanged"),
    "state_fully_changed": ("kokonaan muutettuna", "helt ändrat", "fully changed"),
    "state_changed_since_the_plan": (
        "muiden muuttamana suunnitelman jälkeen",
        "ändrat av andra efter planen",
        "changed by others since the plan",
    ),
    "waiting_for_system": (
        "odotti järjestelmää: {reason}",
        "väntade på systemet: {reason}",
        "waited for the system: {reason}",
    ),
    "tasks": (
        "Tehtävät manuaalisesti hoidettavissa järjestelmissä",
        "Uppgifter i system som sköts manuellt",
        "Tasks in the systems handled by hand",
    ),
    "task": ("Tehtävä", "Uppgift", "Task"),
    "task_right": ("Oikeus", "Rättighet", "Right"),
    "task_owner": ("Vastuuhenkilö", "Ansvarig", "Owner"),
    "task_outcome": ("Tulos", "Resultat", "Outcome"),
    "task_open": ("kesken", "öppen", "open"),
    # A task's right that is no kind of request: lifting a restriction by hand (Art. 18(3)).
    "task_lift_restriction": (
        "käsittelyn rajoituksen poistaminen",
        "hävande av begränsningen av behandlingen",
        "lifting the restriction of processing",
    ),
    "task_done": ("tehty", "utförd", "done"),
    "nothing_there": ("ei tietoja järjestelmässä", "inga uppgifter i systemet", "nothing there"),
    "not_done": ("ei tehty", "inte utförd", "not done"),
    "file": ("tiedosto", "fil", "file"),
    "case_ended": (
        "tarpeeton, koska asian käsittely päättyi",
        "onödig, eftersom ärendet avslutades",
        "no longer needed: the case ended",
    ),
    "lifted_before_done": (
        "tarpeeton, koska rajoitus poistettiin ennen kuin se tehtiin",
        "onödig, eftersom begränsningen hävdes innan den gjordes",
        "no longer needed: the restriction was lifted before it was done",
    ),
    "messages": (
        "Saapuneet ja lähetetyt viestit",
        "Mottagna och skickade meddelanden",
        "Messages received and sent",
    ),
    "msg_in": ("Saapunut", "Mottaget", "Received"),
    "msg_sent": ("Lähetetty", "Skickat", "Sent"),
    # Ours, written to the outbox but not (yet) handed to the mail server.
    "msg_queued": (
        "Lähtevien jonossa, ei vielä lähetetty; jonoon",
        "I utkön, ännu inte skickat; köat",
        "Queued, not yet sent; queued at",
    ),
    "msg_failed": (
        "Ei lähetetty: lähetys epäonnistui; jonoon",
        "Inte skickat: sändningen misslyckades; köat",
        "Not sent: sending failed; queued at",
    ),
    "msg_from": ("Lähettäjä", "Från", "From"),
    "msg_to": ("Vastaanottaja", "Till", "To"),
    "msg_subject": ("Aihe", "Ämne", "Subject"),
    "sha_in": (
        "Viestin SHA-256 saapuneena",
        "Meddelandets SHA-256 vid mottagandet",
        "SHA-256 of the mail as received",
    ),
    # The bytes are made when the outbox sends the mail: their hash is the sent mail's.
    "sha_out": (
        "Viestin SHA-256 lähetettynä",
        "Meddelandets SHA-256 som skickat",
        "SHA-256 of the mail as sent",
    ),
    # Our mail's bytes are written when the outbox sends it (mail_intake/compose.py).
    "sha_pending": (
        "ei vielä muodostettu: viesti muodostetaan lähetettäessä",
        "inte skapat ännu: meddelandet skapas när det skickas",
        "not yet made: the mail is made when it is sent",
    ),
    "attachment": ("Liite", "Bilaga", "Attachment"),
    "deleted": ("poistettu", "raderad", "deleted"),
    "no_text": ("(ei tekstiä)", "(ingen text)", "(no text)"),
    "no_mail": (
        "Asiaan ei liity tallennettua sähköpostia (pyynnön kanava: {channel}).",
        "Inga e-postmeddelanden har sparats i ärendet (begäran kom via {channel}).",
        "No mail is stored for this case (it came by {channel}).",
    ),
    "timeline": (
        "Tapahtumat kirjausketjussa",
        "Händelser i granskningskedjan",
        "Timeline of the audit trail",
    ),
    "who": ("Kuka", "Vem", "Who"),
    "what": ("Mitä", "Vad", "What"),
    "details": ("Tiedot", "Uppgifter", "Details"),
    "audit": ("Kirjausketjun tarkistus", "Kontroll av granskningskedjan", "Audit-chain check"),
    "chain_ok": (
        "Eheä: jokainen tapahtuma ensimmäisestä uusimpaan vastaa SHA-256-tiivistettään ja"
        " viittaa edelliseen; tämän asian {checked} tapahtumaa tarkistettu.",
        "Intakt: varje händelse från den första till den senaste stämmer med sitt SHA-256-"
        "hashvärde och pekar på den föregående; {checked} händelser i ärendet kontrollerade.",
        "Intact: every event of the trail, from the first to the newest, matches its SHA-256"
        " hash and links to the one before; {checked} events of this case verified.",
    ),
    "chain_bad": ("RIKKI tapahtumassa", "BRUTEN vid händelse", "BROKEN at event"),
    "prev_hash": ("Edellinen tiiviste", "Föregående hashvärde", "Previous hash"),
    "hash": ("Tiiviste", "Hashvärde", "Hash"),
}

STATUS: dict[str, tuple[str, str, str]] = {
    "received": ("vastaanotettu", "mottagen", "received"),
    "needs_triage": ("luokittelematta", "oklassificerad", "needs triage"),
    "awaiting_identity": (
        "odottaa henkilöllisyyden varmistamista",
        "väntar på identitetskontroll",
        "awaiting identity",
    ),
    "awaiting_clarification": (
        "odottaa tarkennusta",
        "väntar på precisering",
        "awaiting clarification",
    ),
    "in_progress": ("käsittelyssä", "under behandling", "in progress"),
    "responded": ("vastattu", "besvarad", "responded"),
    "refused": ("hylätty", "avslagen", "refused"),
    "withdrawn": ("peruttu", "återkallad", "withdrawn"),
    "closed": ("suljettu", "avslutad", "closed"),
    "unverified": ("varmistamatta", "inte kontrollerad", "unverified"),
    "verified": ("varmistettu", "kontrollerad", "verified"),
    "failed": ("ei voitu varmistaa", "kunde inte kontrolleras", "failed"),
    "email": ("sähköposti", "e-post", "email"),
    "slack": ("Slack", "Slack", "Slack"),
    "letter": ("kirje", "brev", "letter"),
    "phone": ("puhelin", "telefon", "phone"),
    "identity": ("henkilöllisyyden varmistamista", "identitetskontroll", "identity"),
    # The Art. 12(3) ground, as a regulator reads it.
    "complexity": (
        "pyynnön monimutkaisuus",
        "hur komplicerad begäran är",
        "the request's complexity",
    ),
    "number_of_requests": (
        "pyyntöjen suuri määrä",
        "det stora antalet begäranden",
        "the number of requests",
    ),
    # How identity was checked (Art. 12(6)).
    "sender_match": (
        "lähettäjän osoite vastaa rekisteriä",
        "avsändaradressen stämmer med registret",
        "sender match",
    ),
    "code": ("kertakäyttöinen koodi", "engångskod", "one-time code"),
    "manual": ("käsin tarkistettu", "kontrollerad manuellt", "checked by hand"),
    "document": ("asiakirja", "handling", "document"),
    "in_person": ("henkilökohtaisesti", "personligen", "in person"),
    "phone_callback": ("takaisinsoitto", "återuppringning", "phone callback"),
    "clarification": ("tarkennusta", "precisering", "clarification"),
}


def texts(lang: str) -> dict[str, str]:
    """Every dossier label in `lang`."""
    return {key: pick(_TEXT, key, lang) for key in _TEXT}


_YES_NO: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {"yes": ("kyllä", "ja", "yes"), "no": ("ei", "nej", "no")}
)


def system_state(code: str, lang: str) -> str | None:
    """What a run found in a system after a crash (SqlConnector.state) in `lang`, if known."""
    key = "state_" + code.replace(" ", "_")
    return pick(_TEXT, key, lang) if key in _TEXT else None


def detail_label(code: str, lang: str) -> str:
    """The name of an audit event's detail item in `lang`; unknown codes readable as they are."""
    return pick(DETAIL, code, lang).replace("_", " ")


def yes_no(value: bool, lang: str) -> str:
    """A yes or a no in `lang` (Finnish for an unknown language)."""
    return pick(_YES_NO, "yes" if value else "no", lang)


def status_label(code: str | None, lang: str) -> str:
    """A status, channel or identity state in `lang`; unknown codes readable as they are."""
    return pick(STATUS, code, lang).replace("_", " ") if code else "–"


def action_label(code: str, lang: str) -> str:
    """An audit action in `lang`; unknown codes readable as they are."""
    return pick(ACTION, code, lang).replace("_", " ")


# The holidays package names Finnish holidays in these locales (checked on holidays 0.109).
_HOLIDAY_LOCALE = {"fi": "fi", "sv": "sv_FI"}
_WEEKEND = {"Saturday": ("lauantai", "lördag"), "Sunday": ("sunnuntai", "söndag")}


@functools.lru_cache(maxsize=32)
def _holiday_names(year: int, lang: str) -> Mapping[date, str]:
    found = holidays.country_holidays(
        "FI", years=year, categories=("public",), language=_HOLIDAY_LOCALE[lang]
    )
    return MappingProxyType({day: _in_sentence(str(name)) for day, name in found.items()})


def _in_sentence(name: str) -> str:
    """Finnish and Swedish write holiday names in lower case, but "Kristi" keeps its capital."""
    return name if name.startswith("Kristi") else name[:1].lower() + name[1:]


def day_reason(day: date, reason: str, lang: str) -> str:
    """Why `day` was skipped (`reason` as cases.deadlines gives it, in English) in `lang`."""
    if lang not in _HOLIDAY_LOCALE:
        return reason
    if reason in _WEEKEND:
        return _WEEKEND[reason][0 if lang == "fi" else 1]
    return _holiday_names(day.year, lang).get(day, reason)


def _listed(items: list[str], lang: str) -> str:
    last = {"fi": " ja ", "sv": " och "}.get(lang, " and ")
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + last + items[-1]


def _sv_ordinal(number: int) -> str:
    """29:e, 30:e, 31:a: Swedish ordinals take :a after 1 and 2 (but not 11 and 12)."""
    return (
        f"{number}:a" if number % 10 in (1, 2) and number % 100 not in (11, 12) else f"{number}:e"
    )


def rule_text(trace: DeadlineTrace, lang: str) -> str:
    """How `trace.due` was reached, as one paragraph in `lang` (issue 14.9).

    The English paragraph is cases.deadlines' own; Finnish and Swedish say the same steps.
    """
    if lang not in _HOLIDAY_LOCALE:
        return trace.rule
    fi = lang == "fi"
    receipt, base, after, due = (
        d.isoformat() for d in (trace.receipt, trace.base, trace.after_pause, trace.due)
    )
    extended = trace.months == deadlines.EXTENDED_MONTHS
    if fi:
        period = "kolme kuukautta" if extended else "kuukausi"
        parts = [
            f"Tietosuoja-asetuksen 12 artiklan 3 kohdan mukainen määräaika on {period}"
            " pyynnön vastaanottamisesta"
            + (" (kuukausi, jota on jatkettu kahdella kuukaudella)." if extended else ".")
        ]
        parts.append(
            f"Asetuksen 1182/71 3 artiklan 1 kohdan mukaan vastaanottopäivää {receipt} ei lasketa"
            " määräaikaan, ja 3 artiklan 2 kohdan c alakohdan mukaan määräaika päättyy"
            + (
                f" kuukauden viimeisenä päivänä {base}, koska kuukaudessa ei ole"
                f" {trace.receipt.day}. päivää."
                if trace.clamped
                else f" samanumeroisena päivänä {base}."
            )
        )
        if trace.paused_days:
            parts.append(
                f"Määräajan kulku oli keskeytettynä {trace.paused_days} päivän ajan, kun"
                " pyynnön esittäjältä odotettiin tietoja (EDPB:n ohjeet 01/2022, kohta 159),"
                f" joten päättymispäivä siirtyi päivään {after}."
            )
    else:
        period = "tre månader" if extended else "en månad"
        parts = [
            f"Enligt artikel 12.3 i dataskyddsförordningen är tidsfristen {period} från"
            " mottagandet" + (" (en månad förlängd med två månader)." if extended else ".")
        ]
        parts.append(
            f"Enligt artikel 3.1 i förordning 1182/71 räknas mottagningsdagen {receipt} inte"
            " in i fristen, och enligt artikel 3.2 c löper fristen ut"
            + (
                f" på månadens sista dag, {base}, eftersom månaden saknar en"
                f" {_sv_ordinal(trace.receipt.day)} dag."
                if trace.clamped
                else f" den dag i månaden som har samma nummer, {base}."
            )
        )
        if trace.paused_days:
            days = "dag" if trace.paused_days == 1 else "dagar"
            parts.append(
                f"Tidsfristen var avbruten i {trace.paused_days} {days} i väntan på uppgifter"
                " från den som framställt begäran (EDPB:s riktlinjer 01/2022, punkt 159),"
                f" vilket flyttade slutdagen till {after}."
            )
    if trace.skipped:
        passed = _listed(
            [f"{d.isoformat()} ({day_reason(d, why, lang)})" for d, why in trace.skipped], lang
        )
        one = len(trace.skipped) == 1
        parts.append(
            (
                f"Koska {passed} {'ei ole työpäivä' if one else 'eivät ole työpäiviä'},"
                f" 3 artiklan 4 kohdan mukaan määräaika päättyy seuraavana työpäivänä {due}."
            )
            if fi
            else (
                f"Eftersom {passed} {'inte är en arbetsdag' if one else 'inte är arbetsdagar'},"
                f" flyttar artikel 3.4 slutdagen till närmast följande arbetsdag, {due}."
            )
        )
    else:
        parts.append(
            f"Päivä {due} on työpäivä, joten 3 artiklan 4 kohta ei siirrä määräaikaa."
            if fi
            else f"Dagen {due} är en arbetsdag, så artikel 3.4 flyttar inte slutdagen."
        )
    parts.append(
        f"Vastaus on annettava viimeistään {due} klo 23.59.59 Suomen aikaa."
        if fi
        else f"Svaret ska ges senast den {due} kl. 23.59.59 finländsk tid."
    )
    return " ".join(parts)
