"""The forms of a cohort's discussion: a post, a new thread, an edit, a report, a moderator's action."""
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp, ValidationError

from portal.discussion.models import REASON_LENGTH, TITLE_LENGTH
from portal.i18n import lazy_text as _l
from portal.inputs import FORM_TOKEN_PATTERN, TextArea, new_form_token


class PostLength:
    """No longer than DISCUSSION_POST_MAX_LENGTH characters (read when the form is checked)."""

    def __call__(self, form: Any, field: Any) -> None:
        limit = current_app.config["DISCUSSION_POST_MAX_LENGTH"]
        if len(field.data or "") > limit:
            raise ValidationError(_l("A post can be at most %(max)d characters long; this one has %(count)d.",
                                     max=limit, count=len(field.data)))


class PostForm(FlaskForm):
    body = TextArea(_l("Your post"), validators=[DataRequired(), PostLength()])
    #: Made when the form is shown: sending this form twice posts once.
    token = HiddenField(default=new_form_token, validators=[DataRequired(), Regexp(FORM_TOKEN_PATTERN)])
    submit = SubmitField(_l("Post"))


class ThreadForm(PostForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_LENGTH)])
    submit = SubmitField(_l("Start the thread"))


class EditForm(FlaskForm):
    body = TextArea(_l("Your post"), validators=[DataRequired(), PostLength()])
    submit = SubmitField(_l("Save"))


class ReportForm(FlaskForm):
    reason = StringField(_l("What is wrong with it (optional)"), validators=[Optional(), Length(max=REASON_LENGTH)])
    submit = SubmitField(_l("Report to the moderators"))


class ActionForm(FlaskForm):
    """A button that changes one thing (hide, restore, unmute): only the CSRF token."""


class AnswerForm(FlaskForm):
    mark = HiddenField(validators=[AnyOf(["yes", "no"])])


class MuteForm(FlaskForm):
    #: The view fills the choices with the members who may be muted.
    user_id = SelectField(_l("Member"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Mute"))
