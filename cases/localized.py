"""Texts in each supported language, as the controller's config gives them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from templates.labels import LANGUAGES

__all__ = ["LANGUAGES", "Localized", "LocalizedList", "StrictModel", "check_text"]


def check_text(value: str) -> str:
    """The text without surrounding blanks; empty is a mistake."""
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


class StrictModel(BaseModel):
    """Immutable, and strict about unknown keys so a misspelt TOML key is reported."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Localized(StrictModel):
    """One text in each supported language."""

    fi: str
    sv: str
    en: str

    @field_validator("fi", "sv", "en")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        return check_text(value)

    def get(self, lang: str, fallback: str = "fi") -> str:
        """The text in `lang`, or in `fallback` when `lang` is not supported."""
        return str(getattr(self, lang if lang in LANGUAGES else fallback))

    def __str__(self) -> str:
        return self.fi


class LocalizedList(StrictModel):
    """The same list of items in each supported language, item for item."""

    fi: list[str]
    sv: list[str]
    en: list[str]

    @field_validator("fi", "sv", "en")
    @classmethod
    def _items_not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must list at least one item")
        return [check_text(item) for item in value]

    @model_validator(mode="after")
    def _same_length(self) -> LocalizedList:
        # A translation that drops an item silently tells one language group less.
        if not len(self.fi) == len(self.sv) == len(self.en):
            raise ValueError(
                f"the languages list different numbers of items "
                f"(fi {len(self.fi)}, sv {len(self.sv)}, en {len(self.en)})"
            )
        return self

    def get(self, lang: str, fallback: str = "fi") -> list[str]:
        """The items in `lang`, or in `fallback` when `lang` is not supported."""
        items: list[str] = getattr(self, lang if lang in LANGUAGES else fallback)
        return list(items)
