"""Language choice: the switcher, then the user's preference, then the browser's; lazy text; dates
and numbers in the reader's language, with the digits Babel gives as that language's own."""
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Domain, LazyString, get_domain, get_locale, get_translations, gettext
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import format_time as babel_format_time
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from portal.content.languages import CONTENT_LANGUAGES, direction
from portal.extensions import babel

#: The first digit of each numbering system a portal language may default to (CLDR names the
#: system, Unicode holds the ten digits in a row from this one); "latn" needs no change.
ZERO_DIGITS = {"arab": "\u0660", "arabext": "\u06f0", "deva": "\u0966", "beng": "\u09e6"}

#: Languages offered, each named in its own language for the switcher (the list is config.LANGUAGES).
LANGUAGE_NAMES = CONTENT_LANGUAGES


@cache
def _digit_table(code: str) -> dict[int, int]:
    zero = ZERO_DIGITS.get(Locale.parse(code).default_numbering_system)
    return {} if zero is None else {ord("0") + n: ord(zero) + n for n in range(10)}


def native_digits(text: str, code: str | None = None) -> str:
    """`text` with Western digits written in the language's default numbering system (Persian: ۱۲۳)."""
    return text.translate(_digit_table(code or _locale_code()))


#: Each portal language's own digits back to Western ones.
_WESTERN_DIGITS = {ord(zero) + n: ord("0") + n for zero in ZERO_DIGITS.values() for n in range(10)}


def western_digits(text: str) -> str:
    """`text` with Western digits only: for the cells of files people compute on (CSV, XLSX), where a
    translated message must say "5", not the "۵" or "٥" the page shows a Persian or Arabic reader."""
    return text.translate(_WESTERN_DIGITS)


#: Where a request keeps its reader's messages: (the locale they are for, translations, language code).
_KEPT_MESSAGES = "_portal_messages"


def _messages() -> tuple[Any, str]:
    """The reader's translations and language code. Flask-Babel finds them anew for every message it
    translates (three lookups of its state in the request and the locale's name, each time: a sixth of a
    page's time where every word goes through gettext). They are kept for the request beside the locale
    they are for, which is Flask-Babel's own; `force_locale` sets another, and is obeyed."""
    if not has_app_context():
        return get_translations(), str(get_locale() or "en")
    kept_here = g._get_current_object().__dict__
    babel_state = kept_here.get("_flask_babel")
    locale = babel_state.__dict__.get("babel_locale") if babel_state is not None else None
    kept = kept_here.get(_KEPT_MESSAGES)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1], kept[2]
    translations = Domain.get_translations(get_domain())  # Flask-Babel's own; it chooses the locale if need be
    locale = get_locale()
    code = str(locale or "en")
    kept_here[_KEPT_MESSAGES] = (locale, translations, code)
    return translations, code


def _locale_code() -> str:
    return _messages()[1]


#: A placeholder of an old-style format string (`%(num)d`, `%(share).1f`, `%(name)s`), or an escaped `%%`.
_PLACEHOLDER = re.compile(r"%%|%\((?P<key>[^)]*)\)(?P<flags>[#0\- +]*\d*(?:\.\d+)?)(?P<kind>[diouxXeEfFgGs])")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def interpolate(message: str, variables: Mapping[str, Any], code: str | None = None) -> str:
    """`message % variables`, with the numbers among the variables written in the language's own digits
    (Persian: "۱۲ دوره" where English has "12 courses"); text variables (names, codes, links, dates
    already formatted) are filled in as they are. A Markup message stays Markup, its variables escaped."""
    table = _digit_table(code or _locale_code())
    numbers = {key for key, value in variables.items() if _is_number(value)} if table else set()
    if not numbers:
        return message % variables
    written: dict[str, str] = {}

    def spell(found: re.Match) -> str:
        key = found.group("key")
        if key not in numbers:
            return found.group(0)
        value = variables[key]
        if found.group("kind") == "s" and not isinstance(value, int):
            text = format_decimal_number(value)  # 0.5 → ۰٫۵, with the language's decimal sign
        else:
            text = ("%" + found.group("flags") + found.group("kind")) % value
        name = f"\0{len(written)}"  # a key no caller uses
        written[name] = text.translate(table)
        return f"%({name})s"

    rewritten = _PLACEHOLDER.sub(spell, str(message))
    if isinstance(message, Markup):
        return Markup(rewritten) % {**variables, **written}
    return rewritten % {**variables, **written}


class NativeDigitsDomain(Domain):
    """Flask-Babel's message domain, filling numbers into messages in the reader's digits."""

    def get_translations(self) -> Any:
        return _messages()[0]

    def gettext(self, string: str, **variables: Any) -> str:
        text = self.get_translations().ugettext(string)
        return interpolate(text, variables) if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return interpolate(self.get_translations().ungettext(singular, plural, num), variables)

    def pgettext(self, context: str, string: str, **variables: Any) -> str:
        text = self.get_translations().upgettext(context, string)
        return interpolate(text, variables) if variables else text

    def npgettext(self, context: str, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return interpolate(self.get_translations().unpgettext(context, singular, plural, num), variables)


def _in_page(context: Context, text: str) -> str:
    return Markup(text) if context.eval_ctx.autoescape else text


# The templates' `_`, `gettext`, `ngettext`, `pgettext` and `npgettext`: Jinja's own ("new style":
# always a format string, variables escaped), with numbers in the reader's digits.
@pass_context
def _template_gettext(context: Context, string: str, **variables: Any) -> str:
    return interpolate(_in_page(context, _messages()[0].ugettext(string)), variables)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return interpolate(_in_page(context, _messages()[0].ungettext(singular, plural, num)), variables)


@pass_context
def _template_pgettext(context: Context, string_context: str, string: str, **variables: Any) -> str:
    variables.setdefault("context", string_context)
    return interpolate(_in_page(context, _messages()[0].upgettext(string_context, string)), variables)


@pass_context
def _template_npgettext(context: Context, string_context: str, singular: str, plural: str, num: int,
                        **variables: Any) -> str:
    variables.setdefault("context", string_context)
    variables.setdefault("num", num)
    text = _messages()[0].unpgettext(string_context, singular, plural, num)
    return interpolate(_in_page(context, text), variables)


class LazyText(LazyString):
    """A lazy translation that is text, not HTML. Flask-Babel's LazyString tells Jinja it is safe
    markup (`__html__`), so values filled into one (a cell of an uploaded file, a name) would reach
    the page unescaped; this one is escaped like any string."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_text(string: str, **variables: Any) -> LazyString:
    """Like Flask-Babel's lazy_gettext, but escaped in pages: import it as `_l` wherever values
    someone typed or uploaded are filled in."""
    return LazyText(gettext, string, **variables)


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    offered = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if chosen in offered:
        return str(chosen)
    if current_user.is_authenticated and current_user.language in offered:
        return current_user.language
    return request.accept_languages.best_match(offered) or current_app.config["BABEL_DEFAULT_LOCALE"]


def language_context() -> dict:
    code = _locale_code()
    return {
        "current_language": code,
        "text_direction": direction(code),
        "language_names": {c: LANGUAGE_NAMES[c] for c in current_app.config["LANGUAGES"]},
        "content_language_names": CONTENT_LANGUAGES,
    }


def format_date(value: date | datetime | None, format: str = "medium") -> str:
    """A date in the reader's language and digits (Flask-Babel's, which moves it to their time zone)."""
    return native_digits(babel_format_date(value, format))


def format_datetime(value: datetime | None, format: str = "medium") -> str:
    """A date and time in the reader's language, time zone and digits."""
    return native_digits(babel_format_datetime(value, format))


def format_time(value: datetime | None, format: str = "medium") -> str:
    """A time of day in the reader's language, time zone and digits."""
    return native_digits(babel_format_time(value, format))


def format_decimal_number(value: float | Decimal, places: int | None = None) -> str:
    """A number in the reader's language, without needless decimals: 2 → "2", 0.5 → "0,5" in French,
    "۰٫۵" in Persian; or with exactly `places` decimals (a rate: 37.5 with 1 place, 40 with 0)."""
    code = _locale_code()
    pattern = "#,##0.##" if places is None else "#,##0" + ("." + "0" * places if places else "")
    return native_digits(format_decimal(value, format=pattern, locale=code, numbering_system="default"), code)


def format_percent_number(value: float) -> str:
    """A percentage (0 to 100) in the reader's language and digits: "25 %" in French, "۲۵%" in Persian."""
    code = _locale_code()
    return native_digits(format_percent(value / 100, locale=code), code)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Every message, in Python and in templates, fills its numbers in with the reader's digits.
    babel.domain_instance = NativeDigitsDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext,
                                 pgettext=_template_pgettext, npgettext=_template_npgettext)
    app.context_processor(language_context)
    # In place of Flask-Babel's filters of the same names: the same formats, in the language's digits.
    app.add_template_filter(format_date, "dateformat")
    app.add_template_filter(format_datetime, "datetimeformat")
    app.add_template_filter(format_time, "timeformat")
    app.add_template_filter(format_decimal_number, "decimal")
    app.add_template_filter(format_percent_number, "percent")
    # `lang="{{ code }}" dir="{{ code|direction }}"` on every block of course content.
    app.add_template_filter(direction, "direction")
