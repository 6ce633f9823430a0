"""The languages course content is written in, and the way each is written: the one place the
portal decides `dir`, for its interface and for every block of course content."""

#: The languages a course, or a translation of one, may be written in, each named in itself.
CONTENT_LANGUAGES = {
    "en": "English", "fr": "Français", "ar": "العربية", "zh": "中文",
    "es": "Español", "ru": "Русский", "pt": "Português", "fa": "فارسی",
}
#: Languages written right to left (Arabic, Persian, Hebrew, Urdu), by their two-letter code.
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


def direction(language: str) -> str:
    """`rtl` or `ltr`: how text in `language` runs ('fa', 'ar-EG' and 'ur_PK' run right to left)."""
    base = language.replace("_", "-").split("-", 1)[0].lower()
    return "rtl" if base in RIGHT_TO_LEFT else "ltr"
