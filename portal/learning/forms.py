"""The one form of a lesson page: mark it complete."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class CompleteLessonForm(FlaskForm):
    submit = SubmitField(_l("Mark as complete"))
