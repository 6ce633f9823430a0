"""The ISO 3166-1 country list, named in the reader's language."""
from functools import lru_cache

import pycountry
from babel import Locale

ISO_CODES = frozenset(country.alpha_2 for country in pycountry.countries)


@lru_cache(maxsize=8)
def country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """(code, name) pairs for every ISO 3166-1 country, sorted by name in `locale`."""
    names = Locale.parse(locale).territories
    fallback = {country.alpha_2: country.name for country in pycountry.countries}
    pairs = [(code, names.get(code, fallback[code])) for code in ISO_CODES]
    return tuple(sorted(pairs, key=lambda pair: pair[1].casefold()))


def country_name(code: str | None, locale: str) -> str:
    """The name of a country code in `locale`, or an empty string."""
    if not code:
        return ""
    return dict(country_choices(locale)).get(code, code)
