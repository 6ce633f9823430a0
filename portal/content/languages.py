"""The languages of the portal and of course content, and the way each is written: the one place the
portal decides `dir`, for its interface and for every block of course content.

The list itself is `LANGUAGES` in config.py; each language's own name and its direction come from
Babel's locale data, so adding a language is adding its code there (and its catalogue)."""
from functools import cache

from babel import Locale, UnknownLocaleError

from config import LANGUAGES


def own_name(code: str) -> str:
    """A language named in itself, as its speakers look for it in a list: "Español", "فارسی"."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


#: The languages a course, or a translation of one, may be written in (the interface's), each named in itself.
CONTENT_LANGUAGES = {code: own_name(code) for code in LANGUAGES}


@cache
def direction(language: str) -> str:
    """`rtl` or `ltr`: how text in `language` runs, as Babel's locale data says ('fa', 'ar-EG' and
    'ur_PK' run right to left); a code Babel does not know runs left to right."""
    base = language.replace("_", "-").split("-", 1)[0].lower()
    try:
        order = Locale.parse(base).character_order
    except (ValueError, UnknownLocaleError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


#: The portal's languages written right to left (Arabic, Persian).
RIGHT_TO_LEFT = frozenset(code for code in LANGUAGES if direction(code) == "rtl")
