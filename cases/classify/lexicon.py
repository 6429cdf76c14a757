"""The words that name each right, in Finnish, Swedish and English, formal and informal.

A rule is tokens separated by spaces; "a|b" alternatives; "x*" a prefix of the word or its
lemma; "~" lets up to five words come between; "@self" / "@data" the named word sets below.
STRONG rules count alone; WEAK ones only in a mail about personal data or next to "my".
All languages at once: a Finnish mail may quote English and vice versa.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """The space-separated words of a text, as a set."""
    return frozenset(text.split())


_ADS = (
    "ads|advert*|spam*|spämm*|mainoks*|mainos*|mainont*|reklam*|marketing|markkinoin*|"
    "promo|promos|promotion*|roskaposti*|utskick*|newsletters"
)
STRONG: dict[str, tuple[str, ...]] = {
    "access": (
        "tarkastusoikeu*|tarkastuspyyn*|tietopyyn*|registerutdrag*|dsar|insynsrätt*",
        "subject access",
        "right of|to access",
        "access request",
        "rätt till tillgång",
    ),
    "rectification": (
        "rectification|rectify|rectified|oikaisu*|oikaista|oikaise*|korjauspyyn*|rättelse*|"
        "rätta|rättas|rättar|osoitteenmuutos*|nimenmuutos*|adressändring*|namnändring*",
        "change of address",
        "new address",
        "uusi osoite",
        "ny adress",
    ),
    "erasure": (
        "erasure|erase|forgotten|poisto-oikeu*|unohdetu*|hävittä*|hävite*|radera*|radering*|"
        "glömd*|glömmas",
    ),
    "restriction": ("restriction|restrict|restricted|rajoittamisoikeu*|begränsning*",),
    "portability": (
        "portability|dataportabilitet*|portabilitet*|siirrettävyy*|siirto-oikeu*|siirtopyyn*|"
        "machine-readable|maskinläsbar*|koneluettav*",
        "machine readable",
    ),
    "objection": ("objection|vastust*|invänd*|motsätt*", "right to object"),
    # Words that refuse by themselves; words that only name marketing are MARKETING_TOPIC.
    "marketing_opt_out": (
        "unsubscribe|unsub|opt-out|avregistrera*|avprenumerera*|markkinointikiel*|"
        "suoramarkkinointikiel*|mainoskiel*|marknadsföringsförbud*|reklamförbud*|reklamspärr*",
        "opt out",
        "remove|delete|take|poista*|ota|otta*|ta ~ list|lists|lista*|listo*|listor|mailing|"
        "postituslist*|sähköpostilist*|utskickslist*|sändlist*|newsletter*|uutiskirje*|nyhetsbrev*",
        "avsluta ~ prenumeration*",
        f"stop|quit|lopettakaa|lopeta|lopettaa|sluta|stoppa ~ {_ADS}",
        f"no|ei|inga|ingen|älkää more|enää|mer|fler|mera {_ADS}",
        f"no|inga|ingen {_ADS}",  # "Please, no newsletters"
        "inga|ingen nyhetsbrev*",  # "Inga nyhetsbrev, tack"
        # "Älkää soitelko enää", "don't call me again", "ring inte mer": a standing no to
        # being contacted is the Art. 21(3) opt-out.
        "älkää|älä ~ soit*|soitel*|lähettä*|lähettel*|spämm*|mailat* ~ enää",
        "don't|dont|never ~ call|text|email|mail|contact|spam ~ again|anymore",
        "ring|ringa|skicka|maila|mejla|spamma ~ inte|aldrig ~ mer|igen|längre",
    ),
    "publication_opt_out": (
        "postitustarr*|osoitetarr*|adressetikett*|julkaisukiel*",
        "mailing label|labels",
    ),
}
# Slang and typed-in-a-hurry forms sit beside the formal ones: "dellatkaa", "fixa", "spämmi".
WEAK: dict[str, tuple[str, ...]] = {
    "access": (
        "access|tarkastaa|tarkistaa|tarkastus|pääsy*|tillgång*|utdrag",
        "copy|kopio*|kopia|kopior ~ @self",
        # A copy of a third person's data, to be read as theirs (see THIRD_PERSON).
        "copy|kopio*|kopia|kopior ~ her|his|hänen|hennes|hans",
        "@self ~ copy|kopio*|kopia",
        "see|view|nähdä|se @self",
        "see|view|gimme|download|nähdä|nähä|ladata|ladda ~ @self @data",
    ),
    "rectification": (
        "correct|correction|corrected|update*|change|changed|changes|amend*|inaccurate|"
        "incorrect|wrong|outdated|misspelled|moved|fix|fixed|korja*|päivit*|muuttaa|muuttua|"
        "muutos|vaihtaa|vaihtua|virhee*|virheelli*|vanhentun*|korrigera*|uppdatera*|ändra*|"
        "ändring*|felaktig*|fel|felstava*|felskriv*|felregistrera*|flyttat|byta|bytt|fixa*|"
        "väär*|misspel*",
    ),
    "erasure": (
        "delete|deletion|remove|removal|wipe|purge|poista*|poiste*|poisto*|poistam*|anonymise|"
        "anonymize|anonymisoi*|anonymisera|deletoi*|dellat*|dellaa|deleta*|tuhot*|tuhoa*|"
        "rensa*|sudda*",
        "ta bort",
        "get rid of",
        "delete|remove|wipe|erase|poista*|deletoi*|dellat*|dellaa|tuhot*|tuhoa*|radera|rensa* "
        "~ @data",
    ),
    "restriction": (
        "rajoit*|begränsa*",
        "limit*|suspend*|freeze|block*|jäädyt*|keskeyt*|spärra*|frysa ~ processing|käsittely*|"
        "behandling*",
    ),
    "portability": (
        "transfer|transmit|port|siirtää|siirtä*|siirrä*|överföra|överför ~ another|other|new|"
        "toinen|toise*|uusi|uute*|annan|annat|andra|ny|nya",
    ),
    "objection": (
        "object",
        "kieltää ~ käsittely|käsittelyn|käsittelyä",
        "stop|cease|quit|lopettaa|lopettakaa|lopeta|sluta ~ processing|using|käsittely*|"
        "käyttämä*|käyttö*|behandla*|behandling*|använda*",
        "en|ei|don't|dont|not|inte halua|want|vill ~ käyt*|käsittel*|use|using|process*|"
        "använd*|behandla* ~ @data",
    ),
    "marketing_opt_out": (
        "stop|quit|lopettaa|lopettakaa|lopeta|sluta ~ sending|send|emailing|mailing|calling|"
        "texting|messaging|contacting|lähettä*|lähettel*|soitt*|soitel*|skicka*|ringa|ring*|"
        "maila*|mejla*|spamma*",
    ),
    "publication_opt_out": (
        "julkai*|luettelo*|publish*|publication|publicer*|publicering*|directory|directories|"
        "förteckning*|katalog*",
    ),
}
# Words that name marketing (Art. 21(2)-(3); the privacy notice adds distance selling,
# telemarketing and market research). Alone they are a topic, not an opt-out: "Head of
# Marketing" in a signature, "keep sending me the newsletter". They count tied to a refusal.
MARKETING_TOPIC = (
    "suoramarkkinoin*|suoramain*|direktmarknadsför*|direktreklam*|newsletter*|uutiskirje*|"
    "nyhetsbrev*|etämyyn*|puhelinmyyn*|telemarketing|telemarknadsför*|telefonförsälj*|"
    "markkinatutkimu*|mielipidetutkimu*|marknadsundersökning*|opinionsundersökning*|"
    "markkinointiviest*|mainospost*|reklamutskick*|postituslist*|sähköpostilist*|"
    "utskickslist*|sändlist*|myyntipuhel*|markkinointipuhel*|telemarkkinoin*|säljsamtal*|"
    "marketing|markkinoin*|marknadsför*|mainon*|mainos*|reklam*|advertis*|ads|spam*|"
    "spämm*|roskaposti*|utskick*|promotional|promo|promos",
    "direct marketing",
    "market|opinion research",
    "mailing list",
)
# What ties a refusal to marketing in its clause, besides a negation ("en halua", "skicka
# inte"): stop, unsubscribe, object, forbid, withdraw consent, take me off.
MARKETING_REFUSAL = (
    "stop|stopping|quit|cease|unsubscribe|unsub|remove|delete|object|objecting|objection|"
    "refuse*|forbid*|prohibit*|withdraw*|revoke*|cancel*|opt-out|"
    "lopet*|poista*|vastust*|kiellä*|kielt*|kielto*|perua|perun|perukaa|peruu*|peruut*|"
    "irtisano*|estäkää|sluta|stoppa|avsluta*|avregistrera*|avprenumerera*|avbeställ*|bort|"
    "invänd*|motsätt*|förbjud*|förbud*|spärra*|återkall*|radera*",
    "opt out",
    "no longer|more",
    "inga|ingen fler|mer|mera",
    "ei enää",
)
FOLLOW_UP = (
    "reminder|admonition|påminnelse*|förmaning*|muistutus*|karhu*",
    "not|n't received ~ answer|reply|response",
    "no answer|reply|response",
    "still waiting",
    "inget svar",
    "inte fått ~ svar",
    "väntar fortfarande",
    "ole saanut|saaneet ~ vastau*|vastaus*|vastaust*",
    "odotan edelleen|vielä",
    "previous|earlier request",
    "tidigare begäran|förfrågan",
    "aiempa*|aiemm*|edellise* pyyn*|viest*",
)
COMPLAINT = ("complaint|complain|klagomål*|klaga|kantelu*|valitus|valituksen|anmälan",)
AUTHORITY = (
    "supervisory|authority|ombudsman|tietosuojavaltuutet*|valvontaviranomai*|"
    "tietosuojaviranomai*|tillsynsmyndighet*|integritetsskyddsmyndighet*|imy|"
    "dataskyddsmyndighet*|dpa|ico",
)
# Data protection as the topic of the mail: reason enough to give it to a person.
PRIVACY_TOPIC = (
    "gdpr|dsgvo|henkilötie*|tietosuoj*|personuppgift*|dataskydd*|integritet*|privacy|"
    "rekisteröi*|registrerad*|asiakasrekister*|rekisteri*",
    "personal data|information",
    "data protection",
)
# The sender's own data: "my data", "tietoni", "info on me", "uppgifter om mig".
OWN_DATA = (
    "@self @data",
    "@mydata",
    "@data about|concerning|regarding|on|om|minusta|minua|musta @self",
)
PERSONAL_DATA = PRIVACY_TOPIC + OWN_DATA
# A mail of the thread, not the writer's data: "delete my previous email", "poistakaa
# edellinen viestini", "radera mitt förra mejl". Deleting a message is not Art. 17 erasure.
_MAIL = (
    "email|emails|e-mail|e-mails|mail|mails|message|messages|viesti*|sähköposti|sähköpostin|"
    "sähköpostini|sähköpostia|sähköpostiani|meili*|maili*|mejl*|meddelande*|e-post|e-posten|"
    "e-postmeddelande*|brev|brevet"
)
EARLIER_MAIL = (
    "previous|last|earlier|latest|recent|prior|first|accidental|mistaken|duplicate|förra|"
    f"senaste|tidigare|första|sista|edellis*|edellinen|viimei*|aiemp*|aiemm*|aikaisemp*|"
    f"aikaisemm*|äskei*|ensimmäi* {_MAIL}",
    f"{_MAIL} ~ sent|lähetin|skickade|skickat",  # "the email I sent by mistake"
    f"lähettämä*|lähetetty*|lähettämän* {_MAIL}",
)
# Someone else's data: "my husband's data", "mieheni tiedot", "min makes uppgifter". Their
# request, or a representative's (Art. 12(2)), is for a person to judge, not the writer's.
# A person of @other counts after a possessive ("my son", "min son") or with the Finnish
# possessive suffix ("poikani"), not in "data about me as a child" (Art. 17(1)(f)).
POSSESSIVES = words("my our min mitt mina vår vårt våra minun meidän mun")
OTHERS = ("min|mitt|mina man|mans",)
# The rights whose object may be another person's data ("a copy of my wife's data"). The
# opt-outs are left out: they stop marketing to the address the mail came from (Art. 21(3)).
ABOUT_DATA = frozenset(
    {"access", "rectification", "erasure", "restriction", "portability", "objection"}
)
# The rights a triage mail keeps: opt-outs for the writer's own address (Art. 21(3)).
IN_FORCE_AT_ONCE = ("marketing_opt_out", "publication_opt_out")
# A third person as the object: "her data", "hänen tietonsa", "hennes uppgifter", "delete him".
THIRD_PERSON = words("her hers his him hänen hänenkin hänet hänestä häntä hennes hans henne honom")
# The words that may stand beside another person and her data in a clause that only adds
# them to the verb before: "delete my data, and (also all of) her (personal) data too",
# "ja myös hänen tietonsa", "och hennes också". Any other word is a verb of the clause's own
# ("and her data can stay", "och hennes uppgifter får vara kvar").
ADDED_TO_VERB = words(
    "and also too as well even all of the same likewise personal ja sekä myös myöskin kanssa "
    "samoin kaikki koko och samt också även med alla hela likaså"
)
# "Their" may be a company's ("their records" about the shop): another person only in a
# mail that names one, possessed ("my parents") or represented ("on behalf of").
THEIR = words("their theirs them heidän heidät heistä heitä deras dem")
# The writer as a subject beside another person ("my husband and I", "mieheni ja minä", "min
# man och jag"); "me" is colloquial English and the Finnish "we".
SELF_SUBJECT = words("i me minä mä mie jag")
AND = words("and ja sekä och samt")
THIRD_SUBJECT = words("she he hän hon han")  # "she and I", "hän ja minä", "hon och jag"
# The writer and another person are the subject of the opt-out unless one of these words
# stands between them and it: a verb of the pair's own ("my husband and I divorced so...",
# "min man och jag har skilt oss", "mieheni ja minä erosimme"), or a conjunction opening
# another clause ("...love your shop but no more newsletters"). Any other word ("do not",
# "kindly request that you", "vill inte längre få era", "are not interested in", "have
# decided") leaves the opt-out the pair's.
JOINT_BREAK = words(
    "divorced divorce divorcing separated separate split broke moved move moving relocated "
    "married marry live lived living bought ordered used shopped been "
    "but so since because after when as though although while then "
    "skilde skilt skiljer skiljas separerade separerat flyttade flyttat flyttar flytta "
    "gifte gift bor bodde älskar gillar köpte handlade varit "
    "men så eftersom när efter fast medan sedan därför "
    "erosimme eronneet eroamme erottiin muutimme muuttaneet muutamme menimme naimisiin "
    "olleet asumme asuimme rakastamme pidämme ostimme "
    "mutta joten koska kun jälkeen vaikka sitten siksi"
)
# Whose data a name before them says: a person's data, whole words as written or as lemmas
# ("Maija's data", "Annas uppgifter", "Maijan tiedot"), or a compound of a data noun
# (NAMED_DATA_ENDINGS: "Pekan osoitetiedot", "Eriks kontaktuppgifter"). Not a store of data:
# "Acmen tietokanta" is a company's, and "Stockholms kontor" is an office.
NAMED_DATA = words(
    "data information info details detail address addresses email emails e-mail name phone "
    "number contact ssn "
    "tieto tiedot tietoja tietojen henkilötieto henkilötiedot henkilötietoja henkilötietojen "
    "yhteystieto yhteystiedot yhteystietoja osoite osoitteen osoitteet sähköposti sähköpostin "
    "sähköpostiosoite sähköpostiosoitteen nimi nimen puhelin puhelinnumero puhelinnumeron "
    "numero numeron henkilötunnus henkilötunnuksen "
    "uppgift uppgifter uppgifterna personuppgift personuppgifter personuppgifterna "
    "kontaktuppgift kontaktuppgifter adress adressen adresser e-post e-postadress "
    "e-postadressen mejladress mailadress namn namnet telefon telefonnummer telefonnumret nummer "
    "personnummer personnumret personnumren"
)
NAMED_DATA_ENDINGS = ("tiedot", "tietoja", "tietojen", "uppgifter", "uppgifterna")
# An account or a profile is a person's ("Pekka's account", "Pekan tili", "Eriks konto"), but
# a company's one the writer holds ("Apple's account details you have about me", "Ikeas konto
# som jag skapade", "Googlen tilillä luotu tilini") when the sentence says it is hers: the
# writer (SETS "@self", SELF_SUBJECT) or one of ACCOUNT_OWN ("linked to this email", "jonka
# loin"). A bare "Delete Adidas account." reads as a person's: a person looks at it.
NAMED_ACCOUNT = words(
    "account accounts profile profiles login "
    "tili tilin tilit tilinsä profiili profiilin profiilit käyttäjätili käyttäjätilin "
    "asiakastili asiakastilin käyttäjätunnus käyttäjätunnuksen "
    "konto kontot kontona profil profilen profiler användarkonto användarkontot kundkonto "
    "kundkontot"
)
# A reason or purpose after the request's verb opens a clause of its own: a person in it is
# not the right's object ("delete my account so my husband cannot see it", "koska mieheni",
# "eftersom min man"). Swedish "så" only in "så att".
REASON = words("because since so koska jotta ettei sillä eftersom ty")
NOT_SO_THAT = words("and or do even")  # "and so on", "do so": no reason follows
# "Delete Pekka's account for me", "radera Eriks konto åt/för mig": done for the writer, not
# hers.
FOR_SOMEONE = words("for åt för")
ACCOUNT_OWN = words(
    "linked link connected created registered signed opened "
    "luotu luodun loin luomani rekisteröin rekisteröity rekisteröimäni avasin avattu "
    "yhdistin yhdistetty liitetty tällä "
    "skapade skapat skapad registrerade registrerat registrerad öppnade öppnat kopplade "
    "kopplat kopplad länkade länkat"
)
# Words before a titlecase genitive that make it no person's ("from Acme's records", "your
# CEO's email", "the Times's data"): a person named by a first name stands without them.
NOT_BEFORE_NAME = POSSESSIVES | words(
    "your the a an this that from at in on by to via teidän sinun din er ert era den det "
    "från hos i på ur av vid till"
)
# The words that may stand between a fronted object and its verb: the subject, a modal, "also"
# ("her data you can also delete", "hänen tietonsa voitte myös poistaa", "hans uppgifter får
# ni gärna ta bort"). Any other word makes the data the subject of a verb of its own.
FRONTED_BRIDGE = words(
    "you can may could might should would please kindly also just too "
    "te voitte voit voisitte saatte saat voi voisi myös kyllä vain ihan "
    "ni du kan kunde får fick gärna också även bara"
)
# Written for someone else: "on behalf of my mother", "äitini puolesta", "för min mammas
# räkning", "å hans vägnar". A representative's request is for a person to judge (Art. 12(2)).
BEHALF = words("behalf puolesta räkning vägnar")
# The writer as the object of a right besides "my data": "delete me", "poistakaa minut".
SELF_OBJECT = words("me myself mig mej minut minua itseni")
SETS: dict[str, tuple[str, ...]] = {
    "@self": (
        "my|me|mine|myself|mina|min|mitt|mig|mej|minun|minua|minusta|minulle|minulla|minut|"
        "minulta|omat|omia|mun|mulle|mulla|multa|mua|musta|mut|miun",
    ),
    "@data": (
        "data*|information|info*|details|address*|addy|email*|e-mail*|name|phone*|"
        "account|tieto*|tiedo*|henkilötie*|osoite*|osoitt*|sähköposti*|nimi*|nime*|puhelin*|"
        "tili*|uppgift*|personuppgift*|adress*|e-post*|namn*|telefon*|konto*|profil*",
    ),
    # Family, partners and friends; Swedish "man" only after "min" (see OTHERS).
    "@other": (
        "husband*|wife|wife's|wives|spouse*|son|son's|sons|daughter*|child|child's|children*|"
        "kid|kid's|kids|mother*|father*|mom|mom's|mum|mum's|dad|dad's|parent|parent's|"
        "parents|brother*|sister*|friend|friend's|friends|colleague*|boyfriend*|girlfriend*|"
        "grandmother*|grandfather*|grandma*|grandpa*|fiancé*|fiance*|mies|miehe*|vaimo*|"
        "puoliso*|avopuoliso*|avomie*|poika*|poja*|tytär|tyttäre*|lapsi|lapse*|lasten|äiti*|"
        "isä|isäni|isän|isälle|vanhemp*|vanhemm*|veli|velje*|sisko*|sisar*|ystävä*|kaveri*|työkaveri*|kollega*|"
        "isoäiti*|isoisä*|mummo*|mummi*|ukki*|vaari*|make|makes|maka|makas|maken|makens|makan|"
        "fru|frun|frus|fruns|sambo*|sonen*|dotter*|döttrar*|barn|barnet|barnets|barnen|barns|"
        "mamma*|pappa*|far|fars|mor|mors|förälder*|föräldrar*|bror|brors|brodern*|syster*|vän|väns|vännen*|"
        "kompis*|mormor*|farmor*|morfar*|farfar*|pojkvän*|flickvän*",
    ),
    # "Where did you get my number?": data only in a question, never "my order number".
    "@number": ("number|numbers|numero*|nummer*",),
}
# Mail that is recognisably something else. With no right asked for and no data-protection
# topic, one of these makes a mail a non-request; anything else goes to a person (needs_triage),
# since the clock runs from receipt whether or not we understood it (EDPB 01/2022 §159).
NOT_A_REQUEST: dict[str, tuple[str, ...]] = {
    "invoice": (
        "invoice*|lasku*|faktura*|fakturor*|eräpäivä*|förfallodag*|payment*|maksu*|"
        "betalning*|kuitti*|kvitto*|receipt|refund*|hyvitys*|återbetalning*|osamaksu*|"
        "avbetalning*|erääntyn*|reskontra*",
        "due date",
    ),
    "order": (
        "tilau*|tilaus*|beställning*|ordern|ordernummer*|orderbekräftelse*|leverans*|levereras|toimitu*|toimite*|toimitet*|"
        "delivery|shipping|shipment|ships|parcel|paketti*|paket*|tracking|discount*|"
        "alennu*|rabatt*|price*|hinta*|hinna*|pris*|coupon*|voucher*|lahjakort*|presentkort*",
        "my|your|our|the|an|this order|orders",
        "order number|status|confirmation",
    ),
    "sales": (
        "demo|webinar*|partnership*|yhteistyö*|samarbet*|esitellä|esittely*|esittele*|"
        "presentera*|tapaami*|palaveri*|möte|mötet|meeting|agency|byrå|plattform*|platform|"
        "crm|seo|leads|liidi*|asiakkuudenhallin*|tarjou*|erbjud*|offer|offering|ratkaisu*|"
        "lösning*|solution*|pricing|sponsor*|sales|myynti*|försäljning*|reseller|"
        "jälleenmyyj*|återförsälj*",
        "quick|short|brief call|chat",
        "lyhyt puhelu|tapaaminen",
    ),
    "job_application": (
        "cv|resume|résumé|curriculum|työpaik*|työhakemu*|hakemu*|rekry*|harjoittelu*|"
        "internship|trainee|ansökan|ansöka|jobb*|praktik*|työnhak*|vacancy|vacancies|"
        "recruit*|rekryter*|applying",
        "cover letter",
        "open position|positions|role",
        "apply|applied for|to ~ job|position|role",
    ),
    "account_support": (
        "password*|salasana*|lösenord*|login|log-in|kirjautu*|saldo*|balance",
        "log|logga in",
    ),
    "spam": (
        "lottery|lotto*|winner|prize|voittaja*|voitit|vinnare|vunnit|bitcoin|crypto*|krypto*|"
        "viagra|casino|kasino*|inheritance|perintö*|beneficiary|millions",
        "click here",
        "klikkaa tästä|tätä",
        "klicka här",
        "investment opportunity",
        "you have|you've won",
    ),
    "newsletter": (
        "uutuud*|uutuuks*|kampanja*|kampanj*|campaign|alennusmyyn*|rea|realisation|sale",
        "read|view online|in ~ browser",
        "lue|katso verkossa|selaimessa",
        "läs|visa online|webbläsare*",
        "spring|summer|autumn|winter|new collection",
        "kevään|kesän|syksyn|talven uutuudet|mallisto",
        "vårens|sommarens|höstens|vinterns nyheter|kollektion",
    ),
}
# Words worth correcting by one edit ("delte"), when the word itself is unknown (len >= 5).
TYPO_TARGETS = words(
    "delete erase remove rectify correct access unsubscribe objection restrict portability "
    "marketing newsletter poistakaa poistaa poistaminen radera rättelse invänder oikaista "
    "korjatkaa suoramarkkinointia direktmarknadsföring tarkastusoikeus"
)
# GDPR article -> kinds (Arts. 15-18, 20, 21; 21(2)-(3) is the direct-marketing objection).
ARTICLE_KINDS = {
    "15": ("access",),
    "16": ("rectification",),
    "17": ("erasure",),
    "18": ("restriction",),
    "20": ("portability",),
    "21": ("objection",),
}
SV_CONDITIONAL_NEXT = words(
    "du ni jag vi de det han hon man är har kommer kan ska skulle inte behandlar"
)
# "Älkää poistako", "do not delete", "radera inte": a right named in order to refuse it.
# Not for objections and opt-outs, which are negative by nature ("don't send me ads").
NEGATION = words(
    "not don't dont never doesn't didn't won't wont älkää älä ei en emme ette eivät inte ej "
    "aldrig icke"
)
NEGATABLE = frozenset({"access", "rectification", "erasure", "restriction", "portability"})
# Words that may open the main clause of an instruction after its condition: "if you use my
# data for marketing, (then) stop it", "jos ..., niin lopettakaa se", "om ..., så sluta".
INSTRUCTION_LEAD = words("then please kindly just so niin sitten siis så vänligen snälla")
# A question about consequences opens with one of these words and, within three more words,
# one of HAPPEN ("what would happen if I stopped marketing?", "mitä tapahtuisi, jos...", "vad
# skulle hända om...") or "if" right after it ("what if..."): it asks about an opt-out without
# making one. Other questions ("why must I log in if I want to unsubscribe?") keep theirs.
CONSEQUENCE_OPENERS = words("what what's whats mitä mitäs vad")
HAPPEN = words("happen happens happened tapahtuu tapahtuisi tapahtua händer hända hände")
# Words that open a question, colloquial ones too ("onks", "whats"): a sentence that starts
# with one asks even when the sender typed no question mark.
QUESTION_WORDS = words(
    "what what's whats wat which where whether why how do does "
    "mitä mitäs mitkä mikä mistä miksi miks miten onko onks onkse ootteko ootteks oletteko "
    "vad vilka vilken varifrån varför hur har finns"
)
