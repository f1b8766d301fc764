"""Countries where care can be given, by their ISO 3166-1 alpha-2 codes (pycountry's list), with
their names in Dutch or English: for care abroad, paid up to the Dutch tariff."""

from __future__ import annotations

import functools
import gettext

import pycountry

HOME = "NL"


def is_country(code: str | None) -> bool:
    """An ISO 3166-1 alpha-2 code of a country (any case)."""
    return bool(code) and len(code) == 2 and alpha_2(code) is not None


def alpha_2(code: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code (upper case) of a country given by its alpha-2 or alpha-3 code (any
    case, as FHIR's Address.country may carry either); None for anything else (a name, a number)."""
    code = (code or "").strip().upper()
    if len(code) == 2 and code.isalpha():
        return code if pycountry.countries.get(alpha_2=code) is not None else None
    if len(code) == 3 and code.isalpha():
        found = pycountry.countries.get(alpha_3=code)
        return found.alpha_2 if found is not None else None
    return None


def by_name(name: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country written out by its name in Dutch or English (any
    case; 'Nederland', 'Duitsland', 'Germany'), as an address may give it; None for any other text."""
    return _names().get((name or "").strip().casefold())


@functools.cache
def _names() -> dict[str, str]:
    out: dict[str, str] = {}
    for lang in ("en", "nl"):
        names = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True).gettext
        for c in pycountry.countries:
            for name in {c.name, getattr(c, "common_name", c.name), getattr(c, "official_name", c.name)}:
                out.setdefault(names(name).casefold(), c.alpha_2)
                out.setdefault(name.casefold(), c.alpha_2)
    return out


def country_name(code: str | None, lang: str = "nl") -> str:
    """The country's name in `lang` (the code itself if it is none)."""
    return dict(choices(lang)).get((code or "").upper(), code or "")


@functools.cache
def choices(lang: str = "nl") -> tuple[tuple[str, str], ...]:
    """(code, name) of every country, the Netherlands first and the others by name in `lang`."""
    names = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True).gettext
    named = sorted(((c.alpha_2, names(c.name)) for c in pycountry.countries if c.alpha_2 != HOME), key=lambda x: x[1])
    return ((HOME, names(pycountry.countries.get(alpha_2=HOME).name)), *named)
