"""Who gave the care, as a line names it: a Dutch provider by its AGB code (8 digits), a provider
abroad - in no Dutch register - by the identifier on its invoice; and where (`country`)."""

from __future__ import annotations

import re

from zorgclaim.domain.countries import HOME, is_country

# any provider's identifier: letters, digits, spaces, dots and hyphens, at most 16 (the store's width)
PROVIDER_ID = r"^[A-Za-z0-9][A-Za-z0-9 .\-]{0,15}$"
_AGB = re.compile(r"^\d{8}$")


def checked_country(country: str | None) -> str | None:
    """`country` if it is an ISO 3166-1 alpha-2 code (None: the Netherlands); ValueError otherwise."""
    if country is not None and not is_country(country):
        raise ValueError(f"{country!r} is no ISO 3166-1 alpha-2 country code (e.g. BE, DE, ES)")
    return country


def checked_provider(provider: str, country: str | None) -> str:
    """`provider` if it names the provider as care in `country` must: in the Netherlands (None or
    NL) by its AGB code; abroad by an identifier that is no AGB code (8 digits would name a Dutch
    provider, whose lines and patients it would then be shown as); ValueError otherwise."""
    home = country in (None, HOME)
    if home and not _AGB.match(provider):
        raise ValueError("care in the Netherlands is identified by the provider's AGB code (8 digits); for care "
                         "abroad give the country")
    if not home and (_AGB.match(provider) or not re.match(PROVIDER_ID, provider)):
        raise ValueError("a provider abroad is identified by its own identifier from the invoice (letters and "
                         "digits, at most 16, not 8 digits alone: that is a Dutch AGB code), e.g. ES-12345678")
    return provider
