"""The dossier's names for audit actions and their detail items, in fi, sv and en.

Every action of the audit trail (store.actions.AuditAction) has a name here, so no
Finnish or Swedish section shows an action's code (issue 14.9).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from templates.labels import FIELD_LABELS, pick

# (fi, sv, en) per action code.
ACTION: dict[str, tuple[str, str, str]] = {
    "open": ("pyyntö kirjattu", "begäran registrerad", "request recorded"),
    "message_received": ("viesti saapui", "meddelande mottaget", "message received"),
    "assign": ("käsittelijä nimetty", "handläggare utsedd", "assigned"),
    "verify": ("henkilöllisyys varmistettu", "identiteten kontrollerad", "identity verified"),
    "verification_code_sent": ("koodi lähetetty", "kod skickad", "code sent"),
    "pause": ("määräaika keskeytetty", "tidsfristen avbruten", "clock paused"),
    "resume": ("määräaika jatkuu", "tidsfristen löper igen", "clock resumed"),
    "extend": ("määräaikaa jatkettu", "tidsfristen förlängd", "time limit extended"),
    "extension_notified": (
        "jatkamisesta ilmoitettu",
        "förlängningen meddelad",
        "extension notified",
    ),
    "fulfil": ("pyyntö toteutettu", "begäran verkställd", "right carried out"),
    "draft": ("vastausluonnos laadittu", "svarsutkast upprättat", "reply drafted"),
    "reply_approved": (
        "vastaus hyväksytty ja lähetetty",
        "svaret godkänt och skickat",
        "reply approved and sent",
    ),
    "recipient_notified": (
        "vastaanottajalle ilmoitettu (19 art.)",
        "mottagaren underrättad (art. 19)",
        "recipient told (Art. 19)",
    ),
    "recipient_notice_needed": (
        "vastaanottajalle ilmoitettava muuta kautta",
        "mottagaren ska underrättas på annat sätt",
        "recipient to be told by other means",
    ),
    "respond": ("vastattu", "besvarad", "answered"),
    "refuse": ("pyyntö hylätty", "begäran avslagen", "refused"),
    "close": ("asia suljettu", "ärendet avslutat", "closed"),
    "reopen": ("asia avattu uudelleen", "ärendet återöppnat", "reopened"),
    "note": ("merkintä", "anteckning", "note"),
    "identity_documents_deleted": (
        "henkilöllisyysasiakirjat poistettu",
        "identitetshandlingar raderade",
        "identity documents deleted",
    ),
    "opt_out_in_force": ("kielto voimassa", "förbudet gäller", "opt-out in force"),
    "link_customer": ("liitetty asiakkaaseen", "kopplad till kund", "linked to customer"),
    "set_kinds": ("oikeudet määritetty", "rättigheter fastställda", "kinds set"),
    "kinds_added": (
        "uusi oikeus pyydetty samassa viestiketjussa",
        "ny rättighet begärd i samma meddelandetråd",
        "new right asked for in the thread",
    ),
    "separate_case_opened": (
        "ketjun uusi pyyntö kirjattu omaksi asiakseen",
        "ny begäran i tråden registrerad som eget ärende",
        "new request in the thread opened as its own case",
    ),
    "others_data_in_thread": (
        "ketjun viesti koskee toisen henkilön tietoja",
        "meddelande i tråden gäller en annan persons uppgifter",
        "reply in the thread about another person's data",
    ),
    "forwarded_request": (
        "pyyntö välitetty kollegalta",
        "begäran vidarebefordrad av en kollega",
        "request forwarded by a colleague",
    ),
    "withdraw": ("pyyntö peruttu", "begäran återkallad", "withdrawn"),
    "task_opened": ("tehtävä annettu", "uppgift tilldelad", "task opened"),
    "task_done": ("tehtävä tehty", "uppgiften utförd", "task done"),
    "task_not_done": (
        "tehtävää ei tehdä",
        "uppgiften utförs inte",
        "task will not be done",
    ),
    "task_answer_received": (
        "tehtävän vastaus saapui sähköpostitse",
        "uppgiftens svar kom med e-post",
        "task answer received by mail",
    ),
    "triage": ("pyyntö luokiteltu", "begäran klassificerad", "triaged"),
    "mark_complex": (
        "merkitty monimutkaiseksi",
        "markerad som komplicerad",
        "marked complex",
    ),
    "dismiss": (
        "suljettu, koska ei ollut pyyntö",
        "avslutat, eftersom det inte var en begäran",
        "dismissed: not a request",
    ),
    "tasks_ended": (
        "avoimet tehtävät päätetty",
        "öppna uppgifter avslutade",
        "open tasks ended",
    ),
    "requester_reminded": (
        "pyynnön esittäjää muistutettu",
        "den som framställt begäran påmind",
        "requester reminded",
    ),
    "sender_match_unauthenticated": (
        "lähettäjän osoite vastaa rekisteriä, mutta sitä ei ole todennettu",
        "avsändaradressen stämmer med registret men är inte autentiserad",
        "sender matches the register but is not authenticated",
    ),
    "code_voided": ("koodi mitätöity", "koden ogiltigförklarad", "code voided"),
    "code_reply_rejected": (
        "koodivastaus hylätty",
        "kodsvaret avvisat",
        "code reply rejected",
    ),
    "access_compiled": (
        "tiedot koottu tarkastusta varten",
        "uppgifterna sammanställda för tillgång",
        "access report compiled",
    ),
    "portability_exported": (
        "siirrettävät tiedot viety tiedostoiksi",
        "portabla uppgifter exporterade",
        "portability export made",
    ),
    "restriction_lifted": (
        "käsittelyn rajoitus poistettu",
        "begränsningen av behandlingen hävd",
        "restriction lifted",
    ),
    "system_erasure_started": (
        "poistaminen järjestelmästä aloitettu",
        "radering i systemet påbörjad",
        "erasure in a system started",
    ),
    "system_erased": (
        "poistettu järjestelmästä",
        "raderat i systemet",
        "erased in a system",
    ),
    "system_rectified": (
        "oikaistu järjestelmässä",
        "rättat i systemet",
        "rectified in a system",
    ),
    "system_restricted": (
        "käsittelyä rajoitettu järjestelmässä",
        "behandlingen begränsad i systemet",
        "restricted in a system",
    ),
    "system_restriction_started": (
        "käsittelyn rajoittaminen järjestelmässä aloitettu",
        "begränsningen av behandlingen i systemet påbörjad",
        "restriction in a system started",
    ),
    "system_restriction_interrupted": (
        "käsittelyn rajoittaminen järjestelmässä keskeytyi",
        "begränsningen av behandlingen i systemet avbröts",
        "restriction in a system interrupted",
    ),
    "system_restriction_lifted": (
        "käsittelyn rajoitus poistettu järjestelmässä",
        "begränsningen av behandlingen hävd i systemet",
        "restriction lifted in a system",
    ),
    "system_restriction_lift_started": (
        "käsittelyn rajoituksen poistaminen järjestelmässä aloitettu",
        "hävandet av begränsningen i systemet påbörjat",
        "lifting a restriction in a system started",
    ),
    "system_restriction_lift_interrupted": (
        "käsittelyn rajoituksen poistaminen järjestelmässä keskeytyi",
        "hävandet av begränsningen i systemet avbröts",
        "lifting a restriction in a system interrupted",
    ),
    "system_erasure_interrupted": (
        "poistaminen järjestelmästä keskeytyi",
        "raderingen i systemet avbröts",
        "erasure in a system interrupted",
    ),
    "waiting_for_system": (
        "odotetaan järjestelmää",
        "väntar på systemet",
        "waiting for a system",
    ),
    "retention_purge": (
        "tiedot poistettu säilytysajan päätyttyä",
        "uppgifter raderade efter lagringstiden",
        "purged after the retention period",
    ),
    "retention_anonymise": (
        "anonymisoitu säilytysajan päätyttyä",
        "anonymiserad efter lagringstiden",
        "anonymised after the retention period",
    ),
    "register_import": ("rekisteri tuotu", "registret importerat", "register imported"),
    "reclassified": (
        "pyyntö luokiteltu uudelleen",
        "begäran omklassificerad",
        "reclassified",
    ),
    "third_party_message": (
        "viesti kolmannelta osapuolelta",
        "meddelande från tredje part",
        "message from a third party",
    ),
    "colleague_message": (
        "kollegan viesti",
        "meddelande från en kollega",
        "message from a colleague",
    ),
    "non_request": (
        "viesti ei ollut pyyntö",
        "meddelandet var inte en begäran",
        "not a request",
    ),
    "quarantine": ("viesti eristetty", "meddelandet i karantän", "quarantined"),
    "machine_mail": (
        "automaattinen viesti",
        "automatiskt meddelande",
        "machine mail",
    ),
    "bounce": (
        "palautusilmoitus (viesti ei mennyt perille)",
        "studsmeddelande (meddelandet kom inte fram)",
        "bounce (mail not delivered)",
    ),
    "mail_original_redacted": (
        "alkuperäinen viesti korvattu peitetyllä",
        "originalmeddelandet ersatt med ett maskerat",
        "original mail redacted",
    ),
    "slack_access_denied": (
        "pääsy Slackissa estetty",
        "åtkomst i Slack nekad",
        "Slack access denied",
    ),
}


# The names of an audit event's detail items, shown in the timeline of each language's
# section; an item without a name here is shown by its code with spaces for underscores.
DETAIL: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "action": ("Toimenpide", "Åtgärd", "Action"),
        "added": ("Lisätty", "Tillagt", "Added"),
        "after": ("Jälkeen", "Efter", "After"),
        "after_sha256": ("SHA-256 jälkeen", "SHA-256 efter", "SHA-256 after"),
        "attempts": ("Yrityksiä", "Försök", "Attempts"),
        "attempts_left": ("Yrityksiä jäljellä", "Försök kvar", "Attempts left"),
        "before": ("Ennen", "Före", "Before"),
        "before_sha256": ("SHA-256 ennen", "SHA-256 före", "SHA-256 before"),
        "case_id": ("Pyynnön tunniste", "Ärendets id", "Case id"),
        "changes": ("Muutokset", "Ändringar", "Changes"),
        "closed": ("Suljettu", "Avslutad", "Closed"),
        "columns": ("Sarakkeet", "Kolumner", "Columns"),
        "event_id": ("Tapahtuma", "Händelse", "Event"),
        "events_redacted": ("Peitetyt tapahtumat", "Maskerade händelser", "Events redacted"),
        "expires_at": ("Voimassa asti", "Giltig till", "Expires at"),
        "failed": ("Epäonnistui", "Misslyckades", "Failed"),
        "file_sha256": ("Tiedoston SHA-256", "Filens SHA-256", "File SHA-256"),
        "filename": ("Tiedosto", "Fil", "File"),
        "informed_at": ("Ilmoitettu", "Underrättad", "Informed at"),
        "interrupted": ("Keskeytyi", "Avbröts", "Interrupted"),
        "kept": ("Säilytetty", "Bevarat", "Kept"),
        "key": ("Avain", "Nyckel", "Key"),
        "law": ("Laki", "Lag", "Law"),
        "mail": ("Viesti", "Meddelande", "Mail"),
        "messages": ("Viestit", "Meddelanden", "Messages"),
        "partial": ("Osittainen", "Delvis", "Partial"),
        "paused_days": ("Keskeytyspäivät", "Dagar avbrutna", "Paused days"),
        "previous": ("Aiempi pyyntö", "Tidigare ärende", "Previous case"),
        "quarantine_id": ("Eristyksen tunniste", "Karantänens id", "Quarantine id"),
        "refusal_reasons": ("Hylkäyksen perusteet", "Skäl för avslaget", "Reasons for refusal"),
        "relationship_end": (
            "Asiakkuus päättyi",
            "Kundförhållandet upphörde",
            "Relationship ended",
        ),
        "replanned": ("Suunniteltu uudelleen", "Planerad på nytt", "Replanned"),
        "retention_years": ("Säilytysaika (vuotta)", "Lagringstid (år)", "Retention (years)"),
        "sha256": ("SHA-256", "SHA-256", "SHA-256"),
        "source": ("Lähde", "Källa", "Source"),
        "surface": ("Slackin näkymä", "Vy i Slack", "Slack surface"),
        "systems": ("Järjestelmät", "System", "Systems"),
        "table": ("Taulu", "Tabell", "Table"),
        "task_due": ("Tehtävän määräpäivä", "Uppgiftens förfallodag", "Task due"),
        "task_id": ("Tehtävä", "Uppgift", "Task"),
        "task_ids": ("Tehtävät", "Uppgifter", "Tasks"),
        "task_kind": ("Tehtävän oikeus", "Uppgiftens rättighet", "Task right"),
        "text": ("Teksti", "Text", "Text"),
        "receipt_from_original": (
            "Saapumispäivä alkuperäisestä",
            "Mottagningsdag från originalet",
            "Receipt from the original",
        ),
        "form": ("Muoto", "Form", "Form"),
        "forwarded_by": ("Välittäjä", "Vidarebefordrad av", "Forwarded by"),
        "original_date": ("Alkuperäisen päiväys", "Originalets datum", "Original's date"),
        "original_message": (
            "Alkuperäisen viestin tunniste",
            "Originalets meddelande-id",
            "Original's message id",
        ),
        "separate_case": ("Erillinen pyyntö", "Separat ärende", "Separate case"),
        "joined": (
            "Liitetty olemassa olevaan asiaan",
            "Fogat till ett befintligt ärende",
            "Joined an existing case",
        ),
        "assignee": ("Vastuuhenkilö", "Handläggare", "Assignee"),
        "attachments": ("Liitteet", "Bilagor", "Attachments"),
        "body_text": ("Viestin teksti", "Meddelandets text", "Body text"),
        "channel": ("Kanava", "Kanal", "Channel"),
        "count": ("Määrä", "Antal", "Count"),
        "customer_number": ("Asiakasnumero", "Kundnummer", "Customer number"),
        "customer_outcome": (
            "Tulos asiakasrekisterissä",
            "Utfall i kundregistret",
            "Customer outcome",
        ),
        "days": ("Päivät", "Dagar", "Days"),
        "due": ("Määräpäivä", "Förfallodag", "Due date"),
        "due_date": ("Määräpäivä", "Förfallodag", "Due date"),
        "error": ("Virhe", "Fel", "Error"),
        "extended_due": ("Pidennetty määräpäivä", "Förlängd förfallodag", "Extended due date"),
        "extended_due_date": ("Pidennetty määräpäivä", "Förlängd förfallodag", "Extended due date"),
        "files": ("Tiedostot", "Filer", "Files"),
        "found": ("Löytyi", "Hittades", "Found"),
        "ground": ("Peruste", "Grund", "Ground"),
        "kind": ("Oikeus", "Rättighet", "Kind"),
        "kinds": ("Oikeudet", "Rättigheter", "Kinds"),
        "language": ("Kieli", "Språk", "Language"),
        "message": ("Viesti", "Meddelande", "Message"),
        "message_id": ("Viestin tunniste", "Meddelande-id", "Message id"),
        "method": ("Tapa", "Metod", "Method"),
        "note": ("Huomautus", "Anteckning", "Note"),
        "outcome": ("Tulos", "Utfall", "Outcome"),
        "reason": ("Syy", "Skäl", "Reason"),
        "reasons": ("Syyt", "Skäl", "Reasons"),
        "recipients": ("Vastaanottajat", "Mottagare", "Recipients"),
        "result": ("Tulos", "Resultat", "Result"),
        "rows": ("Rivit", "Rader", "Rows"),
        "scopes": ("Laajuus", "Omfattning", "Scopes"),
        "sent_to": ("Lähetetty osoitteeseen", "Skickat till", "Sent to"),
        "state": ("Tila", "Läge", "State"),
        "status": ("Tila", "Status", "Status"),
        "subject": ("Aihe", "Ämne", "Subject"),
        "suppressed": ("Estetty", "Undertryckt", "Suppressed"),
        "system": ("Järjestelmä", "System", "System"),
        "systems_searched": ("Tutkitut järjestelmät", "Genomsökta system", "Systems searched"),
        "systems_restricted": (
            "Järjestelmät, joissa käsittely rajoitettiin",
            "System där behandlingen begränsades",
            "Systems restricted",
        ),
        "systems_by_hand": (
            "Järjestelmät, joissa rajoitus tehdään käsin",
            "System där begränsningen görs för hand",
            "Systems restricted by hand",
        ),
        "restricted": ("Rajoitettu", "Begränsat", "Restricted"),
        "systems_lifted": (
            "Järjestelmät, joissa rajoitus poistettiin",
            "System där begränsningen hävdes",
            "Systems where the restriction was lifted",
        ),
        "systems_lifted_by_hand": (
            "Järjestelmät, joissa rajoitus poistetaan käsin",
            "System där begränsningen hävs för hand",
            "Systems where the restriction is lifted by hand",
        ),
        # A lift while another case's restriction of the same person stands (Art. 18).
        "still_restricted_by": (
            "Rajoitus on yhä voimassa näiden pyyntöjen vuoksi",
            "Begränsningen gäller ännu på grund av dessa ärenden",
            "Still restricted because of",
        ),
        "released": (
            "Palautettu myös näiden aiemmin poistettujen rajoitusten tiedot",
            "Även återställt för dessa tidigare hävda begränsningar",
            "Also put back for these earlier lifted restrictions",
        ),
        "restored": ("Palautettu", "Återställt", "Restored"),
        "left": (
            "Jätetty ennalleen (muutettu rajoittamisen jälkeen)",
            "Lämnat orört (ändrat efter begränsningen)",
            "Left as it was (changed since the restriction)",
        ),
        "template": ("Pohja", "Mall", "Template"),
        "to": ("Vastaanottaja", "Mottagare", "To"),
        "until": ("Saakka", "Till och med", "Until"),
        "waiting_for": ("Odottaa", "Väntar på", "Waiting for"),
    }
)

# The word put before a table's own name: a table of an external system keeps the name
# it has there, so a regulator can find it; the register's own tables are named.
_TABLE: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {"table": ("taulu", "tabell", "table")}
)


def table_label(name: str, lang: str) -> str:
    """A table in `lang`: the register's by its name in words, another as "taulu NAME"."""
    if name in FIELD_LABELS:
        return pick(FIELD_LABELS, name, lang)
    return f"{pick(_TABLE, 'table', lang)} {name}"
