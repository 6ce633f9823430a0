"""The form staff post an announcement with."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp
from wtforms.widgets import HiddenInput

from portal.announcements.models import BODY_LENGTH, TITLE_LENGTH
from portal.inputs import FORM_TOKEN_PATTERN, TextArea, new_form_token


class AnnouncementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_LENGTH)])
    body = TextArea(_l("Text"), validators=[DataRequired(), Length(max=BODY_LENGTH)])
    #: Made when the form is shown: sending this form twice posts one announcement.
    token = HiddenField(default=new_form_token, validators=[DataRequired(), Regexp(FORM_TOKEN_PATTERN)])
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Post and mail to the members"))


class MarkReadForm(FlaskForm):
    """Marks the announcements shown, up to the newest, as read (a POST: opening the page changes nothing)."""

    newest = IntegerField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])
    submit = SubmitField(_l("Mark as read"))
