"""Forms of assignments: the trainee's draft, the reviewer's verdict, the coordinator's due dates."""
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateTimeLocalField, SelectField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from portal.assignments.models import COMMENT_LENGTH
from portal.i18n import lazy_text as _l
from portal.inputs import TextArea, WithinYears


class DraftForm(FlaskForm):
    text = TextArea(_l("Your text"), validators=[Optional()])
    files = MultipleFileField(_l("Add files"))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Hand in for review"))


class RemoveFileForm(FlaskForm):
    remove = SubmitField(_l("Remove"))


class ReviewForm(FlaskForm):
    """The rubric's levels are read from radio buttons named `criterion-<id>`; these are the rest."""

    comment = TextArea(_l("Overall comment"), validators=[Length(max=COMMENT_LENGTH)])
    ask_second = BooleanField(_l("Ask another reviewer for a second review before the work is returned"))
    passed = SubmitField(_l("Return as passed"))
    revise = SubmitField(_l("Return to be revised and resubmitted"))


class DecideForm(FlaskForm):
    review = SelectField(_l("The review that stands"), coerce=int, validators=[InputRequired()])
    decide = SubmitField(_l("Decide and return the work"))


class CohortAssignmentForm(FlaskForm):
    due_at = DateTimeLocalField(_l("Due (UTC)"), validators=[Optional(), WithinYears()])
    accepts_late = BooleanField(_l("Accept late work (marked late)"))
    is_blind = BooleanField(_l("Blind review: trainees are not told who reviewed their work"))
    save = SubmitField(_l("Save"))


class ExtensionForm(FlaskForm):
    trainee = SelectField(_l("Trainee"), coerce=int, validators=[InputRequired()])
    due_at = DateTimeLocalField(_l("New due date (UTC)"), validators=[InputRequired(), WithinYears()])
    grant = SubmitField(_l("Grant the extension"))
