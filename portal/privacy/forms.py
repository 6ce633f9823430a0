"""The form that confirms an account deletion; it checks nothing against the database."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    confirm_email = EmailField(_l("Type your email address to confirm"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Delete my account for good"))
