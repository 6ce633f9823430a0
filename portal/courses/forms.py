"""Forms for lecturers' course pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional


class CourseUploadForm(FlaskForm):
    archive = FileField(_l("Zip file"), validators=[FileRequired(_l("Choose a zip file to upload."))])
    submit = SubmitField(_l("Upload and check"))


class RevisionUploadForm(CourseUploadForm):
    kind = RadioField(
        _l("The zip holds"),
        choices=[SelectChoice("course", _l("the whole course")), SelectChoice("module", _l("one module"))],
        default="module",
        validators=[DataRequired()],
    )


class QuizFileForm(FlaskForm):
    """One module's quiz as a GIFT or Aiken file; the view lists the course's modules."""

    module = SelectField(_l("Module"), validators=[DataRequired()])
    file_format = RadioField(
        _l("The file is in"),
        choices=[SelectChoice("gift", _l("GIFT (Moodle's format, .gift or .txt)")),
                 SelectChoice("aiken", _l("Aiken (single-answer multiple choice, .txt)"))],
        default="gift",
        validators=[DataRequired()],
    )
    quiz_file = FileField(_l("Question file"), validators=[FileRequired(_l("Choose a GIFT or Aiken file to upload."))])
    submit = SubmitField(_l("Upload the quiz and check"))


class LecturerForm(FlaskForm):
    email = EmailField(_l("Lecturer's email"), validators=[DataRequired(), Email(check_deliverability=False)])
    submit = SubmitField(_l("Assign"))


class DecisionForm(FlaskForm):
    """Publish, discard, remove: a button and its CSRF token."""

    submit = SubmitField(_l("Confirm"))


class CatalogueSearchForm(FlaskForm):
    """A GET search: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    topic = SelectField(_l("Topic"), validators=[Optional()], validate_choice=False)
    language = SelectField(_l("Language"), validators=[Optional()], validate_choice=False)
    submit = SubmitField(_l("Find courses"))


class EnrolForm(FlaskForm):
    key = StringField(_l("Enrolment key"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Enrol"))


class EnrolmentKeyForm(FlaskForm):
    key = StringField(_l("Enrolment key (leave empty for open enrolment)"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Save the key"))
