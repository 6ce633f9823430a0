"""Reading a roster CSV (name, email, country, organisation, gender, language): every row checked,
every problem reported with its line. No database here.

Messages are lazy strings: the template and its parameters are kept apart and translated when
shown, in the reader's language. They are lazy_text, so the cells quoted in them are escaped in pages."""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import LazyString

from portal.accounts.models import Gender
from portal.accounts.services import normalise_email
from portal.i18n import LANGUAGE_NAMES
from portal.i18n import lazy_text as _l

COLUMNS = ("name", "email", "country", "organisation", "gender", "language")
REQUIRED = ("name", "email")
#: Other headings people use for the same columns.
SYNONYMS = {
    "full name": "name", "full_name": "name", "nom": "name",
    "e-mail": "email", "email address": "email", "courriel": "email",
    "organization": "organisation", "institution": "organisation",
    "sex": "gender", "genre": "gender",
    "preferred language": "language", "langue": "language",
    "pays": "country",
}
GENDERS = {
    "female": Gender.FEMALE, "f": Gender.FEMALE, "woman": Gender.FEMALE, "femme": Gender.FEMALE,
    "male": Gender.MALE, "m": Gender.MALE, "man": Gender.MALE, "homme": Gender.MALE,
    "other": Gender.OTHER, "another gender": Gender.OTHER, "autre": Gender.OTHER,
    "not_stated": Gender.NOT_STATED, "not stated": Gender.NOT_STATED, "prefer not to say": Gender.NOT_STATED, "": Gender.NOT_STATED,
}


#: More rows than any workshop has: a larger file is refused before anything is read into accounts.
MAX_ROWS = 5000
#: C0 control characters other than tab, line feed and carriage return: no roster needs them, and
#: PostgreSQL cannot store U+0000 at all.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class RosterError(Exception):
    """The file as a whole cannot be read: not CSV, not UTF-8, no header."""


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    email: str
    country: str | None
    organisation: str
    gender: Gender
    #: None when the row gives none: the invitation is then written in the cohort's language.
    language: str | None


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[tuple[int, LazyString]] = field(default_factory=list)

    @property
    def bad_lines(self) -> set[int]:
        return {line for line, _ in self.problems}

    @property
    def good_rows(self) -> list[RosterRow]:
        return [row for row in self.rows if row.line not in self.bad_lines]


def _decode(data: bytes) -> str:
    if not data.strip():
        raise RosterError(_l("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        raise RosterError(_l("This is an Excel or zip file, not CSV. In Excel, use File > Save As > CSV UTF-8."))
    if data.startswith(b"%PDF") or b"\x00" in data[:4096]:
        raise RosterError(_l("This is not a CSV file. Save the list as CSV UTF-8 and upload that."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RosterError(_l(
            "The file is not UTF-8 text (line %(line)d has a character in another encoding). "
            "In Excel, use File > Save As > CSV UTF-8; in LibreOffice, choose the character set Unicode (UTF-8).",
            line=line,
        )) from None
    control = CONTROL_CHARACTER.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        raise RosterError(_l(
            "Line %(line)d holds a control character (%(code)s), which a CSV file of names and addresses "
            "cannot contain. Save the list again as CSV UTF-8 from your spreadsheet and upload that.",
            line=line, code=f"U+{ord(control.group()):04X}",
        ))
    return text


def _plain(word: str) -> str:
    """A word lower-cased and without accents, as people type language names: "Français" → "francais"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.strip().lower()) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _language_words() -> dict[str, str]:
    """The portal's languages by code, own name, English name and French name ("fr", "Français", "French")."""
    words = {}
    for code, own_name in LANGUAGE_NAMES.items():
        locale = Locale.parse(code)
        for word in (code, own_name, locale.english_name or code, locale.get_display_name("fr") or code):
            words[_plain(word)] = code
    return words


def _language(value: str) -> str | None:
    if not value.strip():
        return None
    try:
        return _language_words()[_plain(value)]
    except KeyError:
        raise ValueError(value) from None


def _country(value: str) -> str | None:
    if not value:
        return None
    try:
        return pycountry.countries.lookup(value.strip()).alpha_2
    except LookupError:
        raise ValueError(value) from None


def read_roster(data: bytes) -> Roster:
    """Every row of a roster file, and every problem with its line (the header is line 1)."""
    text = _decode(data)
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise RosterError(_l("The file has no header line.")) from None
    names = [SYNONYMS.get(h.strip().lower(), h.strip().lower()) for h in header]
    missing = [column for column in REQUIRED if column not in names]
    if missing:
        raise RosterError(_l("The header line (line 1) lacks the column(s) %(missing)s. Expected columns: %(expected)s.",
                                 missing=", ".join(missing), expected=", ".join(COLUMNS)))
    roster, first_seen = Roster(), dict[str, int]()
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(roster.rows) >= MAX_ROWS:
                raise RosterError(_l("The file has more than %(count)d rows. Split it into smaller files.", count=MAX_ROWS))
            record = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names)}
            problems: list[LazyString] = []
            name = record.get("name", "")
            if not name:
                problems.append(_l("the name is missing"))
            elif len(name) > 200:
                problems.append(_l("the name is longer than 200 characters"))
            email, typed = "", record.get("email", "")
            try:
                email = normalise_email(validate_email(typed, check_deliverability=False).normalized)
            except EmailNotValidError:
                problems.append(_l("'%(email)s' is not a valid email address", email=typed))
            else:
                if not email.isascii():
                    problems.append(_l("'%(email)s' has other characters than unaccented Latin letters, digits "
                                       "and . _ - + before the @: many mail servers cannot deliver to it", email=typed))
                    email = ""
            if email and email in first_seen:
                problems.append(_l("the email %(email)s is already on line %(line)d", email=email, line=first_seen[email]))
            elif email:
                first_seen[email] = line
            try:
                country = _country(record.get("country", ""))
            except ValueError:
                problems.append(_l("unknown country '%(country)s': use a country name in English or its two-letter ISO code",
                                   country=record.get("country", "")))
                country = None
            gender = GENDERS.get(record.get("gender", "").lower())
            if gender is None:
                problems.append(_l("unknown gender '%(gender)s': use female, male, other or not_stated",
                                   gender=record["gender"]))
            try:
                language = _language(record.get("language", ""))
            except ValueError:
                problems.append(_l("unknown language '%(language)s': use one of %(codes)s",
                                   language=record["language"], codes=", ".join(LANGUAGE_NAMES)))
                language = None
            roster.problems.extend((line, problem) for problem in problems)
            roster.rows.append(RosterRow(line, name, email, country, record.get("organisation", "")[:200],
                                         gender or Gender.NOT_STATED, language))
    except csv.Error as error:
        raise RosterError(_l("The CSV is malformed near line %(line)d: %(error)s.", line=reader.line_num,
                             error=str(error))) from None
    if not roster.rows:
        raise RosterError(_l("The file has a header but no rows."))
    return roster
