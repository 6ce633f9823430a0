"""Reading a meeting service's attendance report (Zoom, Microsoft Teams, Google Meet): every row
checked, every problem reported with its line, as roster files are. No database here.

The three services export differently:
- Zoom: "Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", one row
  per time a person joined, sometimes below a meeting summary ("Meeting ID", "Topic", ...) and a blank line.
- Microsoft Teams: a "1. Summary" section, then "2. Participants" with "Name", "First Join",
  "Last Leave", "In-Meeting Duration" ("1h 2m 3s"), "Email", then "3. In-Meeting Activities";
  often UTF-16 with tabs. Its older attendance list logs actions instead: "Full Name", "User Action"
  ("Joined", "Joined before", "Left"), "Timestamp", one line each, which are paired here.
- Google Meet: "First name", "Last name", "Email", "Duration" ("1 hr 2 min"), "Time joined", "Time exited".

Dates are written in the exporting account's locale and time zone: the uploader says which zone, and a
date such as 02/12/2026 is read month-first or day-first, whichever falls on the session's day."""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from flask_babel import LazyString

from portal.accounts.services import normalise_email
from portal.cohorts.roster import CONTROL_CHARACTER
from portal.i18n import lazy_text as _l

#: More rows than any meeting has: a larger file is refused before it is matched to anyone.
MAX_ROWS = 5000
NAME_LENGTH = 200
#: The longest a row may last. A session ends at most a day after it starts (an end before its start is the
#: next day), so a longer duration, or a join and leave further apart, is a slip in the file, not a stay (and a
#: trainee's total over MAX_ROWS rows still fits a database integer).
MAX_HOURS = 24
MAX_DURATION = timedelta(hours=MAX_HOURS)


class ReportFormat(StrEnum):
    ZOOM = "zoom"
    TEAMS = "teams"
    MEET = "meet"


FORMAT_NAMES = {ReportFormat.ZOOM: "Zoom", ReportFormat.TEAMS: "Microsoft Teams", ReportFormat.MEET: "Google Meet"}

#: For each format, the headings (lower case) of each column this reader uses; the first heading
#: found in a line's cells is the column. "name" in Meet is built from "first name" and "last name".
HEADINGS: dict[ReportFormat, dict[str, tuple[str, ...]]] = {
    ReportFormat.ZOOM: {
        "name": ("name (original name)", "name (original name) ", "participant", "name"),
        "email": ("user email", "email"),
        "joined": ("join time",),
        "left": ("leave time",),
        "minutes": ("duration (minutes)", "duration(minutes)", "duration (mins)"),
    },
    ReportFormat.TEAMS: {
        "name": ("name", "full name"),
        "email": ("email", "participant id (upn)"),
        "joined": ("first join", "join time"),
        "left": ("last leave", "leave time"),
        "minutes": ("in-meeting duration", "duration"),
        "upn": ("participant id (upn)",),
    },
    ReportFormat.MEET: {
        "first_name": ("first name",),
        "last_name": ("last name",),
        "email": ("email",),
        "joined": ("time joined",),
        "left": ("time exited",),
        "minutes": ("duration",),
    },
}
#: What makes a line the header of each format's participants list.
SIGNATURES = {
    ReportFormat.ZOOM: ("name (original name)", "join time"),
    ReportFormat.TEAMS: ("first join", "last leave"),
    ReportFormat.MEET: ("first name", "time joined"),
}
#: Teams' older attendance list: one line per action.
ACTION_LOG = ("full name", "user action", "timestamp")
JOINED, LEFT = ("joined", "joined before"), ("left",)


class ReportError(Exception):
    """The file as a whole cannot be read: not a report of a known service, not text, no rows."""


@dataclass(frozen=True)
class ReportRow:
    line: int
    #: The names the row may be matched by: Zoom's "Name (Original Name)" gives both.
    names: tuple[str, ...]
    email: str
    joined_at: datetime | None
    left_at: datetime | None
    minutes: int | None

    @property
    def name(self) -> str:
        return self.names[0] if self.names else ""


@dataclass
class AttendanceReport:
    format: ReportFormat
    rows: list[ReportRow] = field(default_factory=list)
    problems: list[tuple[int, LazyString]] = field(default_factory=list)

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.format]

    @property
    def bad_lines(self) -> set[int]:
        return {line for line, _ in self.problems}


def normalise_name(name: str) -> str:
    """A name as people are matched by it: compatible Unicode form, case folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ReportError(_l("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        raise ReportError(_l("This is an Excel or zip file, not CSV. Download the report as CSV and upload that."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ReportError(_l("The file is not readable UTF-16 text.")) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise ReportError(_l("The file is not UTF-8 text (line %(line)d has a character in another encoding). "
                                 "Download the report again as CSV and upload it unchanged.", line=line)) from None
    control = CONTROL_CHARACTER.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        raise ReportError(_l("Line %(line)d holds a control character (%(code)s), which an attendance report cannot "
                             "contain. Download the report again and upload it unchanged.",
                             line=line, code=f"U+{ord(control.group()):04X}"))
    return text


def _cells(line: str, delimiter: str) -> list[str]:
    try:
        return [cell.strip().lower() for cell in next(csv.reader([line], delimiter=delimiter), [])]
    except csv.Error:
        return []


def _find_header(lines: list[str]) -> tuple[int, ReportFormat, str, bool]:
    """The index of the participants' header line, the format it belongs to, its delimiter, and
    whether it is a log of actions (Teams' older list)."""
    for index, line in enumerate(lines):
        delimiter = "\t" if line.count("\t") > line.count(",") else ","
        cells = _cells(line, delimiter)
        if all(heading in cells for heading in ACTION_LOG):
            return index, ReportFormat.TEAMS, delimiter, True
        for report_format, signature in SIGNATURES.items():
            if all(heading in cells for heading in signature):
                return index, report_format, delimiter, False
    raise ReportError(_l("This is not an attendance report of Zoom, Microsoft Teams or Google Meet: no line has "
                         "their participants' column headings (for example Zoom's \"Name (Original Name)\" and "
                         "\"Join Time\"). Upload the report as the meeting service exported it."))


DURATION_PART = re.compile(r"(\d+)\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b", re.I)


def parse_minutes(value: str) -> int:
    """Minutes from "58", "1h 2m 3s", "1 hr 2 min", "45 min" or "1:02:03" (rounded to the nearest minute)."""
    value = value.strip()
    if value.isascii() and value.isdecimal():
        return int(value)
    if re.fullmatch(r"\d+(:\d\d){1,2}", value):
        parts = [int(part) for part in value.split(":")]
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2] if len(parts) == 3 else parts[0] * 60 + parts[1]
        return round(seconds / 60)
    found: list[tuple[str, str]] = DURATION_PART.findall(value)
    if not found or DURATION_PART.sub("", value).strip(" ,"):
        raise ValueError(value)
    seconds = 0
    for number, unit in found:
        unit = unit.lower()
        seconds += int(number) * (3600 if unit.startswith("h") else 60 if unit.startswith("m") else 1)
    return round(seconds / 60)


DATE_FORMATS = ("%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y", "%d/%m/%y", "%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d")
TIME_FORMATS = ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M")


def parse_moment(value: str, zone: tzinfo, day: date) -> datetime:
    """A join or leave time, aware and in UTC. Times without a date are on `day` (the session's date in
    `zone`); a date that reads both ways is taken as the reading nearest to `day`. Raises ValueError,
    for a moment out of range too (the year 9999 in a zone behind UTC)."""
    try:
        return _moment(value, zone, day)
    except OverflowError:
        raise ValueError(value) from None


def _moment(value: str, zone: tzinfo, day: date) -> datetime:
    value = " ".join(value.replace(",", " ").split())
    value = re.sub(r"\s*(GMT|UTC)$", "", value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        pass
    else:
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)
    candidates: list[datetime] = []
    for time_format in TIME_FORMATS:
        try:
            clock = datetime.strptime(value.upper(), time_format).time()
        except ValueError:
            continue
        candidates.append(datetime.combine(day, clock))
        break
    for date_format in DATE_FORMATS:
        for time_format in TIME_FORMATS:
            try:
                candidates.append(datetime.strptime(value.upper(), f"{date_format} {time_format}"))
            except ValueError:
                continue
    if not candidates:
        raise ValueError(value)
    noon = datetime.combine(day, time(12))
    best = min(candidates, key=lambda moment: abs(moment - noon))
    return best.replace(tzinfo=zone).astimezone(UTC)


def _names(report_format: ReportFormat, record: dict[str, str]) -> tuple[str, ...]:
    if report_format == ReportFormat.MEET:
        full = " ".join(part for part in (record.get("first_name", ""), record.get("last_name", "")) if part)
        return (full,) if full else ()
    name = record.get("name", "")
    if not name:
        return ()
    # Zoom: "Display name (Original name)" when the person renamed themselves in the meeting.
    renamed = re.fullmatch(r"(.+?)\s*\((.+)\)", name) if report_format == ReportFormat.ZOOM else None
    return (name, renamed.group(1), renamed.group(2)) if renamed else (name,)


def read_attendance_report(data: bytes, zone: tzinfo, day: date) -> AttendanceReport:
    """Every participant row of a report and every problem with its line (the file's first line is 1).

    `zone` is the time zone of the times in the file; `day` the session's date in it."""
    text = _decode(data)
    lines = text.splitlines()
    header_index, report_format, delimiter, action_log = _find_header(lines)
    cells = _cells(lines[header_index], delimiter)
    headings_of = ({"name": ("full name",), "action": ("user action",), "at": ("timestamp",)} if action_log
                   else HEADINGS[report_format])
    columns: dict[str, int] = {}
    for key, headings in headings_of.items():
        found = next((cells.index(heading) for heading in headings if heading in cells), None)
        if found is not None:
            columns[key] = found
    report = AttendanceReport(report_format)
    actions: list[tuple[int, str, str, datetime]] = []
    reader = csv.reader(io.StringIO("\n".join(lines[header_index + 1:])), delimiter=delimiter)
    try:
        for values in reader:
            line = header_index + 1 + reader.line_num
            if not any(value.strip() for value in values):
                break  # the end of the participants' section (Teams goes on with its activities)
            if len(report.rows) >= MAX_ROWS:
                raise ReportError(_l("The file has more than %(count)d rows.", count=MAX_ROWS))
            record = {key: values[index].strip() if index < len(values) else "" for key, index in columns.items()}
            if action_log:
                action = _action(report, line, record, zone, day)
                if action is not None:
                    actions.append(action)
            else:
                report.rows.append(_row(report, line, record, zone, day))
    except csv.Error as error:
        raise ReportError(_l("The CSV is malformed near line %(line)d: %(error)s.",
                             line=header_index + 1 + reader.line_num, error=str(error))) from None
    report.rows.extend(_paired(report, actions))
    if not report.rows and not report.problems:
        raise ReportError(_l("The report lists no participants."))
    return report


def _action(report: AttendanceReport, line: int, record: dict[str, str], zone: tzinfo,
            day: date) -> tuple[int, str, str, datetime] | None:
    """One line of Teams' older list: who, joined or left, when; None (and a problem) when unreadable."""
    name, action, value = record.get("name", ""), record.get("action", "").strip().lower(), record.get("at", "")
    problems: list[LazyString] = []
    if not name:
        problems.append(_l("the row gives neither a name nor an email address"))
    elif len(name) > NAME_LENGTH:
        problems.append(_l("the name is longer than %(count)d characters", count=NAME_LENGTH))
    if action not in JOINED + LEFT:
        problems.append(_l("'%(value)s' is not an action this reader knows: Joined or Left", value=action[:100]))
    moment = None
    try:
        moment = parse_moment(value, zone, day)
    except ValueError:
        problems.append(_l("'%(value)s' is not a date and time this reader knows", value=value[:100]))
    report.problems.extend((line, problem) for problem in problems)
    if problems or moment is None:
        return None
    return line, name, action, moment


def _paired(report: AttendanceReport, actions: list[tuple[int, str, str, datetime]]) -> list[ReportRow]:
    """Each person's joins paired with the leave that follows, as one row each (on the join's line); a pair
    further apart than a session lasts is a problem of the join's line."""
    rows: list[ReportRow] = []
    opened: dict[str, tuple[int, datetime, str]] = {}
    for line, name, action, moment in sorted(actions, key=lambda action: (action[3], action[0])):
        key = normalise_name(name)
        if action in JOINED:
            if key in opened:  # joined again without leaving (a second device): the first join stands
                continue
            opened[key] = (line, moment, name)
            continue
        joined = opened.pop(key, None)
        if joined is None:
            rows.append(ReportRow(line, (name,), "", None, moment, None))
        elif moment - joined[1] > MAX_DURATION:
            report.problems.append((joined[0], _too_far_apart()))
        else:
            rows.append(ReportRow(joined[0], (name,), "", joined[1], moment,
                                  round((moment - joined[1]) / timedelta(minutes=1))))
    for line, moment, name in opened.values():
        rows.append(ReportRow(line, (name,), "", moment, None, None))
    return sorted(rows, key=lambda row: row.line)


def _row(report: AttendanceReport, line: int, record: dict[str, str], zone: tzinfo, day: date) -> ReportRow:
    problems: list[LazyString] = []
    names = _names(report.format, record)
    email = normalise_email(record.get("email", ""))
    if "@" not in email and "@" in record.get("upn", ""):
        email = normalise_email(record["upn"])
    if "@" not in email:
        email = ""
    if not names and not email:
        problems.append(_l("the row gives neither a name nor an email address"))
    elif any(len(name) > NAME_LENGTH for name in names):
        problems.append(_l("the name is longer than %(count)d characters", count=NAME_LENGTH))
    moments: dict[str, datetime | None] = {}
    for key in ("joined", "left"):
        value = record.get(key, "")
        moments[key] = None
        if value:
            try:
                moments[key] = parse_moment(value, zone, day)
            except ValueError:
                problems.append(_l("'%(value)s' is not a date and time this reader knows", value=value[:100]))
    minutes = None
    if record.get("minutes"):
        try:
            minutes = parse_minutes(record["minutes"])
        except ValueError:
            problems.append(_l("'%(value)s' is not a duration this reader knows", value=record["minutes"][:100]))
    joined, left = moments["joined"], moments["left"]
    if joined and left and left < joined:
        problems.append(_l("the leave time is before the join time"))
    elif joined and left and left - joined > MAX_DURATION:
        problems.append(_too_far_apart())
    elif minutes is None and joined and left:
        minutes = round((left - joined) / timedelta(minutes=1))
    if minutes is not None and minutes > MAX_DURATION / timedelta(minutes=1):
        problems.append(_l("the duration is more than %(hours)d hours, longer than any session", hours=MAX_HOURS))
    report.problems.extend((line, problem) for problem in problems)
    return ReportRow(line, names, email, joined, left, minutes)


def _too_far_apart() -> LazyString:
    return _l("the join and leave times are more than %(hours)d hours apart, longer than any session", hours=MAX_HOURS)
