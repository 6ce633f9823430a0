"""The button that tries a failed job again."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class RetryJobForm(FlaskForm):
    submit = SubmitField(_l("Try again"))
