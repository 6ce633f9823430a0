"""The forms of learning pages: mark a lesson complete; record a completion the rules already meet."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class CompleteLessonForm(FlaskForm):
    submit = SubmitField(_l("Mark as complete"))


class RecordCompletionForm(FlaskForm):
    submit = SubmitField(_l("Record my completion"))
