"""Forms for looking up, revoking and re-issuing certificates."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class VerifyForm(FlaskForm):
    """A GET lookup: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(_l("Certificate code"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Check"))


class CertificateSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Code, name or course"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Search"))


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Revoke"))


class ReissueForm(FlaskForm):
    name = StringField(_l("Corrected name"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Re-issue with this name"))
