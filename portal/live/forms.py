"""Forms of the programme: a session, its recording, the calendar token, marking a recording watched."""
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, SubmitField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.i18n import lazy_text as _l
from portal.inputs import TextArea, WithinYears
from portal.live.models import DESCRIPTION_LENGTH, JOIN_URL_LENGTH, NAME_LENGTH, TITLE_LENGTH, URL_LENGTH

#: At most this many lecturers (accounts and guests together) per session.
MAX_LECTURERS = 20


def is_https_url(value: str) -> bool:
    """An absolute https address with a host, and nothing a browser would read differently (spaces, controls)."""
    if any(character.isspace() or ord(character) < 32 or ord(character) == 127 for character in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)


class HttpsUrl:
    """The field holds an https address (any meeting service), or nothing."""

    def __call__(self, form: FlaskForm, field) -> None:
        if field.data and not is_https_url(field.data.strip()):
            raise ValidationError(_l("Give a full https:// address."))


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_LENGTH)])
    day = DateField(_l("Day"), validators=[DataRequired(), WithinYears()])
    starts = TimeField(_l("Starts at"), validators=[DataRequired()])
    ends = TimeField(_l("Ends at"), validators=[DataRequired()],
                     description=_l("An end before the start means the next day."))
    time_zone = SelectField(_l("In the time zone"), validators=[DataRequired()])
    join_url = StringField(_l("Join link (https)"), validators=[Optional(), Length(max=JOIN_URL_LENGTH), HttpsUrl()])
    lecturer_emails = TextArea(_l("Lecturers with an account on the portal (their emails, one a line)"),
                                    validators=[Optional(), Length(max=5000)])
    guests = TextArea(_l("Guest lecturers (one a line: name, affiliation)"), validators=[Optional(), Length(max=5000)])
    part_of = SelectField(_l("Part of (optional)"), default="")
    description = TextArea(_l("Description"), validators=[Optional(), Length(max=DESCRIPTION_LENGTH)])
    submit = SubmitField(_l("Save the session"))

    def guest_lines(self) -> list[tuple[str, str]]:
        """(name, affiliation) of each guest line; the affiliation is what follows the first comma."""
        guests = []
        for line in (self.guests.data or "").splitlines():
            name, _, affiliation = line.partition(",")
            if name.strip():
                guests.append((" ".join(name.split()), " ".join(affiliation.split())))
        return guests

    def email_lines(self) -> list[str]:
        return [line.strip() for line in (self.lecturer_emails.data or "").replace(",", "\n").splitlines() if line.strip()]

    def validate_guests(self, field) -> None:
        for name, affiliation in self.guest_lines():
            if len(name) > NAME_LENGTH or len(affiliation) > NAME_LENGTH:
                raise ValidationError(_l("A name or affiliation is longer than %(max)d characters.", max=NAME_LENGTH))
        if len(self.guest_lines()) + len(self.email_lines()) > MAX_LECTURERS:
            raise ValidationError(_l("A session has at most %(max)d lecturers.", max=MAX_LECTURERS))


class RecordingForm(FlaskForm):
    video_url = StringField(_l("Link to the recording (https)"), validators=[Optional(), Length(max=URL_LENGTH), HttpsUrl()])
    video = FileField(_l("Or upload the video (MP4 or WebM)"))
    slides = FileField(_l("Slides (PDF)"))
    captions = FileField(_l("Captions or transcript (WebVTT)"))
    submit = SubmitField(_l("Attach"))


class ButtonForm(FlaskForm):
    """A form that is only a button (and its CSRF token): reset the calendar address, mark as watched, delete."""

    submit = SubmitField()
