"""Limits on what people send: no control characters in text, numbers within bounds before they
are converted, so hostile or mistyped input gets a clear answer instead of a database error."""
import re
import secrets
from collections.abc import Sequence
from typing import Any, overload

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map
from wtforms import IntegerField, TextAreaField
from wtforms.validators import NumberRange, ValidationError

from portal.content.markdown import MarkdownProblem
from portal.extensions import db
from portal.i18n import lazy_text as _l

#: C0 control characters other than tab, line feed and carriage return. PostgreSQL text cannot
#: hold NUL at all, and none of them belongs in a name, a search or a key.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: What no file's name holds: every C0 control character, tab and line breaks included, and DEL. A browser
#: never sends one; a name with a line break could not even be named in a download's Content-Disposition.
FILE_NAME_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

#: A form's one-use token: made when the form is shown and stored (unique) with what the form creates, so
#: that the same form sent twice (a double click, the back button) creates one thing.
FORM_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


#: The largest value of a database integer column (and so of any id in an address).
MAX_ID = 2**31 - 1
#: The highest page number a list accepts in its `page` query argument.
MAX_PAGE = 100_000
#: Days people give (a session's, a due date) are in these years: a typing slip (year 0001, 9999) gets an answer,
#: not a moment out of range once it is shown in a time zone east or west of UTC.
FIRST_YEAR, LAST_YEAR = 2000, 2099


class ControlCharacters(BadRequest):
    """A form field, query argument or address holds a control character."""


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def without_controls(text: str) -> str:
    """The text without its control characters (tab and line breaks stay): spreadsheets refuse them."""
    return CONTROL_CHARACTERS.sub("", text)


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@overload
def plain_newlines(text: str) -> str: ...


@overload
def plain_newlines(text: None) -> None: ...


def plain_newlines(text: str | None) -> str | None:
    """Text from a form with each line break one character (a line feed), as the browser's maxlength counted
    it: browsers send CRLF. Count a text's length after this (it is also a WTForms filter of text areas)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


class TextArea(TextAreaField):
    """A text area whose line breaks count as one character each, as the browser's maxlength counts them (it
    sends each as CRLF): the portal's every text area, so that a text the page let someone type is not refused
    as too long."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.data = plain_newlines(self.data)


def refuse_control_characters() -> None:
    """Answer 400 to any request whose address, query or form holds a control character, or whose uploaded
    file's name does."""
    values: list[str] = [value for value in (request.view_args or {}).values() if isinstance(value, str)]
    # Werkzeug reads a form only from a body of these types: for any other request (every GET) the form
    # is empty, and not building it saves a page a little.
    sources = (request.args, request.form) if request.mimetype in _FORM_TYPES else (request.args,)
    for source in sources:
        for key, items in source.lists():
            values.append(key)
            values.extend(items)
    if any(has_control_characters(value) for value in values):
        raise ControlCharacters()
    if request.mimetype == "multipart/form-data":
        for key, upload in request.files.items(multi=True):
            if has_control_characters(key) or FILE_NAME_CONTROL_CHARACTERS.search(upload.filename or ""):
                raise ControlCharacters()


class IdConverter(IntegerConverter):
    """`<int:...>` in addresses: no more than a database integer holds, so that an id of 400 digits
    is a 404 rather than an overflow in the database driver."""

    regex = r"\d{1,10}"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def is_number(raw: str, max_digits: int | None = None) -> bool:
    """Whether `raw` is a whole number in ASCII digits (of at most `max_digits`): str.isdigit() also accepts
    "²" or "①", which int() refuses."""
    return raw.isascii() and raw.isdecimal() and (max_digits is None or len(raw) <= max_digits)


def page_number() -> int:
    """The `page` query argument of a long list: 1 when absent or not a number, 404 when out of range."""
    raw = request.args.get("page", "").strip()
    digits = raw[1:] if raw.startswith("-") else raw
    if not is_number(digits):
        return 1
    if raw.startswith("-") or len(digits) > len(str(MAX_PAGE)) or not 1 <= int(digits) <= MAX_PAGE:
        abort(404)
    return int(digits)


def paginate(statement: Select[Any], per_page: int | None = None) -> Pagination:
    """One page of a long list, of `per_page` rows (default PAGE_SIZE); a page past the last one is a 404,
    not an empty page."""
    page = db.paginate(statement, page=page_number(), per_page=per_page or current_app.config["PAGE_SIZE"],
                       error_out=False)
    if page.page > max(page.pages, 1):
        abort(404)
    return page


class ListPagination(Pagination):
    """A page of a list already in memory (a report's rows), for the same pager as database lists."""

    def __init__(self, rows: Sequence[Any], page: int, per_page: int) -> None:
        self._rows = rows
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self) -> list[Any]:
        return list(self._rows[self._query_offset:self._query_offset + self.per_page])

    def _query_count(self) -> int:
        return len(self._rows)


def paginate_list(rows: Sequence[Any]) -> Pagination:
    """One page of PAGE_SIZE rows of a list in memory; a page past the last one is a 404."""
    page = ListPagination(rows, page_number(), current_app.config["PAGE_SIZE"])
    if page.page > max(page.pages, 1):
        abort(404)
    return page


class BoundedIntegerField(IntegerField):
    """A whole number between `minimum` and `maximum`: longer input is refused before it is
    converted, so that a 400-digit number is a form error, not an OverflowError."""

    def __init__(self, label: Any = None, validators: list | None = None, *, minimum: int, maximum: int,
                 **kwargs: Any) -> None:
        message = _l("Enter a whole number from %(min)s to %(max)s.", min=minimum, max=maximum)
        super().__init__(label, [*(validators or []), NumberRange(min=minimum, max=maximum, message=message)],
                         **kwargs)
        self.max_length = max(len(str(minimum)), len(str(maximum)))
        self.bounds_message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and isinstance(valuelist[0], str) and len(valuelist[0].strip()) > self.max_length:
            self.data = None
            raise ValueError(str(self.bounds_message))
        super().process_formdata(valuelist)


class WithinYears:
    """The field's date (or date and time) is in the years FIRST_YEAR to LAST_YEAR, or it is empty."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
            raise ValidationError(_l("Give a day between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


class MailableEmail:
    """Refuses an address with other characters than ASCII before the @ ("josé@…"): mail to it needs
    SMTPUTF8, which many mail servers lack. A domain in another script is fine: it is stored and sent
    in its ASCII form (see accounts.services.normalise_email)."""

    def __call__(self, form: Any, field: Any) -> None:
        if not (field.data or "").strip().rpartition("@")[0].isascii():
            raise ValidationError(_l("Use an address with only unaccented Latin letters, digits and . _ - + before "
                                     "the @: many mail servers cannot deliver to others."))


def init_app(app: Flask) -> None:
    """Refuse control characters in every request; bound every `<int:...>` in the address map."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_control_characters)


def problem_errors(problems: list[MarkdownProblem]) -> list[str]:
    """Markdown problems in the reader's language, each with its line in the text."""
    errors = []
    for line, message, params in problems:
        text = _(message, **params)
        errors.append(f'{_("Line %(line)d:", line=line)} {text}' if line else text)
    return errors
