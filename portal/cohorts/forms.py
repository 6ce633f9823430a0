"""Forms for cohorts: the cohort itself, a roster upload, joining by key, coordinators."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.i18n import LANGUAGE_NAMES
from portal.inputs import FORM_TOKEN_PATTERN, BoundedIntegerField, MailableEmail, WithinYears, new_form_token


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired(), WithinYears()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired(), WithinYears()])
    seat_cap = BoundedIntegerField(_l("Seats (leave empty for no limit)"), validators=[Optional()],
                                   minimum=1, maximum=100000)
    enrolment_key = StringField(_l("Enrolment key (leave empty: by invitation only)"), validators=[Optional(), Length(max=100)])
    contact_email = EmailField(_l("Contact address (optional)"), validators=[
        Optional(), Length(max=254), Email(check_deliverability=False), MailableEmail()])
    language = SelectField(_l("Language of invitations"), choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
                           default="en")
    attendance_required_percent = BoundedIntegerField(
        _l("Share of the live sessions to attend to complete, in percent (leave empty for no such rule)"),
        validators=[Optional()], minimum=0, maximum=100)
    watched_recording_counts = BooleanField(_l("Watching a session's recording counts as attending it"))
    courses = SelectMultipleField(_l("Courses"), coerce=int, validators=[DataRequired()],
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    #: New with each new-cohort form: the same form sent twice (a double click, the back button) creates one.
    token = HiddenField(default=new_form_token, validators=[Optional(), Regexp(FORM_TOKEN_PATTERN)])
    submit = SubmitField(_l("Save the cohort"))

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))


class RosterForm(FlaskForm):
    roster = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    only_good_rows = BooleanField(_l("Import the good rows even if some rows have problems"))
    submit = SubmitField(_l("Check and import"))


class JoinForm(FlaskForm):
    key = StringField(_l("Cohort enrolment key"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Join"))


class CoordinatorForm(FlaskForm):
    email = EmailField(_l("Coordinator's email"), validators=[DataRequired(), Email(check_deliverability=False)])
    submit = SubmitField(_l("Add coordinator"))


class AnswerForm(FlaskForm):
    """Accepting or declining an invitation: nothing to fill in but the CSRF token."""
