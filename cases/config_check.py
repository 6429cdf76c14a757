"""What a controller config still lacks before replies may quote it: `rightsdesk config check`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cases.controller import ControllerConfig

# Facts only the controller can vouch for; each reply that states them needs its word.
CONFIRM: dict[str, str] = {
    "legal_basis": "the legal basis of each purpose (Art. 6(1); Art. 13(1)(c))",
    "transfers": "transfers outside the EEA and their safeguards (Art. 15(2), Art. 46)",
    "automated_decision_making": "that no decision is based solely on automated processing"
    " (Art. 15(1)(h), Art. 22)",
    "recipients": "the recipients by name (Art. 15(1)(c); CJEU C-154/21)",
}
# Optional facts a reply shows when they are there.
OPTIONAL = {
    "business_id": "the business id (Y-tunnus)",
    "website": "the website",
}
_EXAMPLE_NAMES = ("esimerkki ", "example oy")  # the example's placeholder companies


@dataclass(frozen=True)
class Finding:
    """One thing to fix: missing, still an example value, or not yet confirmed."""

    kind: Literal["missing", "example", "confirm"]
    field: str
    text: str

    def line(self) -> str:
        """The finding as `rightsdesk config check` prints it."""
        label = {"missing": "missing", "example": "example value", "confirm": "confirm"}[self.kind]
        return f"{label}: {self.field}: {self.text}"


def _looks_like_example(value: str) -> bool:
    """An address on the example's own .example domain (RFC 2606), or a placeholder name."""
    lowered = value.casefold().strip()
    if "@" in lowered:
        return lowered.rsplit("@", 1)[1].endswith(".example")
    return lowered.startswith(_EXAMPLE_NAMES)


def findings(config: ControllerConfig) -> list[Finding]:
    """Everything `config check` reports, in the order of the file."""
    found: list[Finding] = []
    for name, what in OPTIONAL.items():
        if not getattr(config, name):
            found.append(Finding("missing", name, f"{what} is not given"))
    for name in ("email", "privacy_email"):
        if _looks_like_example(getattr(config, name)):
            found.append(Finding("example", name, "an address on a reserved example domain"))
    for i, domain in enumerate(config.own_domains):
        if _looks_like_example(f"@{domain}"):
            found.append(Finding("example", f"own_domains[{i}]", "a reserved example domain"))
    if _looks_like_example(config.contact_person.email):
        found.append(Finding("example", "contact_person.email", "an example address"))
    for i, recipient in enumerate(config.recipients):
        if _looks_like_example(recipient.name):
            found.append(
                Finding("example", f"recipients[{i}].name", f"{recipient.name!r} is a placeholder")
            )
    for name in config.placeholders:
        found.append(Finding("example", name, "a placeholder: the privacy notice does not say"))
    for name, what in CONFIRM.items():
        if name not in config.confirmed:
            found.append(
                Finding("confirm", name, f"{what}; add {name!r} to `confirmed` once checked")
            )
    return found
