"""Forms for lecturers' course pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email


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


class LecturerForm(FlaskForm):
    email = EmailField(_l("Lecturer's email"), validators=[DataRequired(), Email(check_deliverability=False)])
    submit = SubmitField(_l("Assign"))


class DecisionForm(FlaskForm):
    """Publish, discard, remove: a button and its CSRF token."""

    submit = SubmitField(_l("Confirm"))
