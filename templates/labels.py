"""Labels in Finnish, Swedish and English: rights, register fields and legal reasons."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")

MONTHS = {
    "sv": "januari februari mars april maj juni juli augusti september oktober november december",
    "en": "January February March April May June July August September October November December",
}
# (fi, sv, en) per code.
KIND_LABELS: dict[str, tuple[str, str, str]] = {
    "access": ("tietojen tarkastaminen", "rätt till tillgång", "access to your data"),
    "rectification": ("tietojen oikaiseminen", "rättelse", "rectification"),
    "erasure": ("tietojen poistaminen", "radering", "erasure"),
    "restriction": (
        "käsittelyn rajoittaminen",
        "begränsning av behandling",
        "restriction of processing",
    ),
    "portability": (
        "tietojen siirtäminen järjestelmästä toiseen",
        "dataportabilitet",
        "data portability",
    ),
    "objection": ("käsittelyn vastustaminen", "invändning mot behandling", "objection"),
    "marketing_opt_out": (
        "suoramarkkinoinnin kieltäminen",
        "förbud mot direktmarknadsföring",
        "opting out of direct marketing",
    ),
    "publication_opt_out": (
        "tietojen julkaisemisen kieltäminen luetteloissa",
        "förbud mot publicering i förteckningar",
        "opting out of publication in lists",
    ),
}
FIELD_LABELS: dict[str, tuple[str, str, str]] = {
    "customer_number": ("asiakasnumero", "kundnummer", "customer number"),
    "name": ("nimi", "namn", "name"),
    "organisation": (
        "edustamasi organisaatio",
        "organisation som du företräder",
        "organisation represented",
    ),
    # The same field when a notice to a recipient speaks of the data subject (Art. 19).
    "subject_organisation": (
        "edustamansa organisaatio",
        "organisation som den registrerade företräder",
        "organisation represented",
    ),
    "email": ("sähköpostiosoite", "e-postadress", "email address"),
    "postal_address": ("postiosoite", "postadress", "postal address"),
    "phone": ("puhelinnumero", "telefonnummer", "telephone number"),
    "www": ("www-osoite", "webbadress", "website"),
    "ip_address": ("IP-osoite", "IP-adress", "IP address"),
    "relationship_start": ("asiakkuus alkanut", "kundförhållandet började", "customer since"),
    "relationship_end": ("asiakkuus päättynyt", "kundförhållandet upphörde", "customer until"),
    "restricted": ("käsittely rajoitettu", "behandlingen begränsad", "processing restricted"),
    "order_number": ("tilausnumero", "ordernummer", "order number"),
    "ordered_on": ("tilattu", "beställd", "ordered on"),
    "description": ("kuvaus", "beskrivning", "description"),
    "amount": ("summa", "belopp", "amount"),
    "number": ("laskun numero", "fakturanummer", "invoice number"),
    "issued_on": ("päivätty", "daterad", "issued on"),
    "due_on": ("eräpäivä", "förfallodag", "due on"),
    "status": ("tila", "status", "status"),
    "reference": ("viite", "referens", "reference"),
    "kinds": ("pyydetyt oikeudet", "begärda rättigheter", "rights asked for"),
    "receipt_date": ("vastaanotettu", "mottagen", "received on"),
    "outcome": ("ratkaisu", "utfall", "outcome"),
    "case": ("pyyntö", "begäran", "request"),
    "direction": (
        "suunta (in = sinulta, out = meiltä)",
        "riktning (in = från dig, out = från oss)",
        "direction (in = from you, out = from us)",
    ),
    "date": ("päivämäärä", "datum", "date"),
    "subject": ("aihe", "ämne", "subject"),
    "paid_on": ("maksettu", "betald", "paid on"),
    "customer": ("asiakastiedot", "kunduppgifter", "customer details"),
    "orders": ("tilaukset", "beställningar", "orders"),
    "invoices": ("laskut", "fakturor", "invoices"),
    "disclosures": ("tiedot luovutuksista", "uppgifter om utlämnanden", "records of disclosures"),
    "recipient": ("vastaanottaja", "mottagare", "recipient"),
    "disclosed_on": ("luovutettu", "utlämnad", "disclosed on"),
    "purpose": ("tarkoitus", "ändamål", "purpose"),
    "open": ("avoin", "öppen", "open"),
    "paid": ("maksettu", "betald", "paid"),
    "in_collection": ("perinnässä", "under indrivning", "in debt collection"),
}
# Standard reasons for keeping data after an erasure request (Art. 17(3); design §1.3).
KEPT_REASONS: dict[str, tuple[str, str, str]] = {
    "open_invoice": (
        "avoin saatava on oikeusvaatimus, jonka esittämiseksi tiedot ovat tarpeen "
        "(tietosuoja-asetuksen 17 artiklan 3 kohdan e alakohta)",
        "en obetald fordran är ett rättsligt anspråk som uppgifterna behövs för att göra "
        "gällande (artikel 17.3 e i dataskyddsförordningen)",
        "an unpaid invoice is a legal claim that the data is needed to establish "
        "(Article 17(3)(e) GDPR)",
    ),
    "debt_collection": (
        "perinnässä oleva saatava on oikeusvaatimus (tietosuoja-asetuksen 17 artiklan 3 kohdan "
        "e alakohta); velan yleinen vanhentumisaika on kolme vuotta (laki velan "
        "vanhentumisesta 728/2003)",
        "en fordran under indrivning är ett rättsligt anspråk (artikel 17.3 e i "
        "dataskyddsförordningen); den allmänna preskriptionstiden är tre år (lagen om "
        "preskription av skulder 728/2003)",
        "a debt in collection is a legal claim (Article 17(3)(e) GDPR); the general "
        "limitation period is three years (Finnish Act on the Limitation of Debts 728/2003)",
    ),
    "bookkeeping": (
        "kirjanpitolain (1336/1997) 2 luvun 10 §:n mukaan kirjanpito ja tilinpäätös on "
        "säilytettävä 10 vuotta tilikauden päättymisestä; lakisääteinen velvoite "
        "(tietosuoja-asetuksen 17 artiklan 3 kohdan b alakohta)",
        "enligt 2 kap. 10 § i bokföringslagen (1336/1997) ska bokföringen och bokslutet "
        "bevaras i 10 år från räkenskapsperiodens utgång; en rättslig förpliktelse "
        "(artikel 17.3 b i dataskyddsförordningen)",
        "the Finnish Accounting Act (1336/1997), chapter 2, section 10, requires the books "
        "and financial statements to be kept for 10 years from the end of the financial "
        "year; a legal obligation (Article 17(3)(b) GDPR)",
    ),
    "voucher": (
        "kirjanpitolain (1336/1997) 2 luvun 10 §:n mukaan laskut ja muut tositteet on "
        "säilytettävä 6 vuotta sen vuoden lopusta, jonka aikana tilikausi päättyi; "
        "lakisääteinen velvoite (tietosuoja-asetuksen 17 artiklan 3 kohdan b alakohta)",
        "enligt 2 kap. 10 § i bokföringslagen (1336/1997) ska fakturor och andra "
        "verifikationer bevaras i 6 år från utgången av det år då räkenskapsperioden "
        "upphörde; en rättslig förpliktelse (artikel 17.3 b i dataskyddsförordningen)",
        "the Finnish Accounting Act (1336/1997), chapter 2, section 10, requires invoices "
        "and other vouchers to be kept for 6 years from the end of the year in which the "
        "financial year ended; a legal obligation (Article 17(3)(b) GDPR)",
    ),
    "claim_evidence": (
        "tilaukset ovat näyttöä saatavasta, joka on oikeusvaatimus (tietosuoja-asetuksen "
        "17 artiklan 3 kohdan e alakohta)",
        "beställningarna är bevis för en fordran som är ett rättsligt anspråk (artikel 17.3 e "
        "i dataskyddsförordningen)",
        "the orders are the evidence of a claim, which is a legal claim (Article 17(3)(e) GDPR)",
    ),
    "disclosure_log": (
        "tieto luovutuksista tarvitaan, jotta voimme ilmoittaa vastaanottajille poistosta ja "
        "osoittaa ilmoittaneemme (tietosuoja-asetuksen 19 artikla ja 5 artiklan 2 kohta)",
        "uppgiften om utlämnanden behövs för att vi ska kunna underrätta mottagarna om "
        "raderingen och visa att vi har gjort det (artikel 19 och 5.2 i dataskyddsförordningen)",
        "the record of disclosures is needed to tell the recipients of the erasure and to show "
        "that we did (Articles 19 and 5(2) GDPR)",
    ),
    "kept_with_row": (
        "tiedot kuuluvat säilytettävään riviin (esimerkiksi tilauksen osoitteet) ja "
        "säilytetään sen kanssa samasta syystä",
        "uppgifterna hör till en rad som bevaras (till exempel beställningens adresser) och "
        "bevaras med den av samma skäl",
        "the data belongs to a row that is kept (for example an order's addresses) and is "
        "kept with it for the same reason",
    ),
    "marketing_suppression": (
        "sähköpostiosoite säilytetään markkinointikieltoluettelossa, jotta voimme noudattaa "
        "kieltoasi (tietosuoja-asetuksen 21 artiklan 3 kohta)",
        "e-postadressen finns kvar i vår spärrlista för marknadsföring så att vi kan "
        "respektera ditt förbud (artikel 21.3 i dataskyddsförordningen)",
        "your email address stays on our marketing suppression list so that we can honour "
        "your objection (Article 21(3) GDPR)",
    ),
}

# The two grounds Art. 12(3) allows for extending by two further months, chosen per case.
EXTENSION_GROUNDS: dict[str, tuple[str, str, str]] = {
    "complexity": (
        "pyyntösi on monimutkainen",
        "din begäran är komplicerad",
        "your request is complex",
    ),
    "number_of_requests": (
        "olemme saaneet paljon pyyntöjä",
        "vi har fått ett stort antal begäranden",
        "we have received a large number of requests",
    ),
}


def pick(table: Mapping[str, tuple[str, str, str]], key: str, lang: str) -> str:
    """`key`'s (fi, sv, en) text in `lang` (Finnish for an unknown language); else `key`."""
    texts = table.get(key)
    if texts is None:
        return key
    return texts[LANGUAGES.index(lang) if lang in LANGUAGES else 0]


def kind_label(code: str, lang: str) -> str:
    """The name of a kind of request in `lang`; an unknown code is shown as is."""
    return pick(KIND_LABELS, str(code), lang)


def field_label(key: str, lang: str) -> str:
    """A register field's (or invoice status') name in `lang`; unknown keys as is."""
    return pick(FIELD_LABELS, str(key), lang)


def kept_reason(reason: str, lang: str) -> str:
    """A `KEPT_REASONS` code written out in `lang`; any other text is returned unchanged."""
    return pick(KEPT_REASONS, str(reason), lang)


def extension_ground(code: str, lang: str) -> str:
    """An `EXTENSION_GROUNDS` code written out in `lang`; an unknown code is shown as is."""
    return pick(EXTENSION_GROUNDS, str(code), lang)
