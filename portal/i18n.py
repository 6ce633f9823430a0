"""Language choice: the switcher, then the user's preference, then the browser's; lazy text."""
from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import LazyString, format_decimal, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup, escape

from portal.content.languages import CONTENT_LANGUAGES, direction
from portal.extensions import babel

#: Languages offered, each named in its own language for the switcher.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية", "zh": "中文"}


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
    code = str(get_locale() or "en")
    return {
        "current_language": code,
        "text_direction": direction(code),
        "language_names": {c: LANGUAGE_NAMES[c] for c in current_app.config["LANGUAGES"]},
        "content_language_names": CONTENT_LANGUAGES,
    }


def format_decimal_number(value: float) -> str:
    """A number in the reader's language, without needless decimals: 2 → "2", 0.5 → "0,5" in French."""
    return format_decimal(value, format="#,##0.##")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(language_context)
    app.add_template_filter(format_decimal_number, "decimal")
    # `lang="{{ code }}" dir="{{ code|direction }}"` on every block of course content.
    app.add_template_filter(direction, "direction")
