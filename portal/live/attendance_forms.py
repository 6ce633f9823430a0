"""Forms for attendance: a trainee's check-in, a lecturer's new code, a report upload and its
confirmation, a coordinator's correction."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from portal.accounts.forms import time_zone_choices
from portal.i18n import lazy_text as _l
from portal.inputs import TextArea
from portal.live.models import NOTE_LENGTH


class CheckInForm(FlaskForm):
    code = StringField(_l("Check-in code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "off", "inputmode": "numeric"})
    submit = SubmitField(_l("Check in"))


class NewCodeForm(FlaskForm):
    """Giving the session a new code: nothing to fill in but the CSRF token."""

    submit = SubmitField(_l("Give a new code"))


class ReportForm(FlaskForm):
    report = FileField(_l("Attendance report (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))])
    time_zone = SelectField(_l("Time zone of the times in the report"), default="")
    only_good_rows = BooleanField(_l("Record the good rows even if some rows have problems"))
    submit = SubmitField(_l("Check the report"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()


class ConfirmReportForm(FlaskForm):
    """The report checked on the page before, sent again to be recorded."""

    text = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[Length(max=200)])
    time_zone = HiddenField(validators=[Length(max=64)])
    only_good_rows = HiddenField()
    submit = SubmitField(_l("Record this attendance"))


class CorrectionForm(FlaskForm):
    attended = RadioField(_l("Attendance"), choices=[SelectChoice("yes", _l("Present")), SelectChoice("no", _l("Absent"))],
                          validators=[InputRequired()])
    reason = TextArea(_l("Reason"), validators=[DataRequired(_l("Give the reason for the correction.")),
                                                     Length(max=NOTE_LENGTH)])
    submit = SubmitField(_l("Save the correction"))
