"""Account forms: they validate input and never touch the database."""
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.countries import country_choices
from portal.accounts.mailing import time_zone_names
from portal.accounts.models import EARLIEST_BIRTH_YEAR, Gender, MailDelivery, OrganisationType, Role
from portal.accounts.services import password_problem
from portal.i18n import LANGUAGE_NAMES
from portal.inputs import MailableEmail
from portal.mail import BULK_KINDS, MailKind

GENDER_LABELS = {
    Gender.FEMALE: _l("Female"),
    Gender.MALE: _l("Male"),
    Gender.OTHER: _l("Another gender"),
    Gender.NOT_STATED: _l("Prefer not to say"),
}
ORGANISATION_TYPE_LABELS = {
    OrganisationType.GOVERNMENT: _l("Government ministry or agency"),
    OrganisationType.RESEARCH: _l("Research institute"),
    OrganisationType.UNIVERSITY: _l("University"),
    OrganisationType.PRIVATE: _l("Private sector"),
    OrganisationType.INTERNATIONAL: _l("International organisation"),
    OrganisationType.NGO: _l("Non-governmental organisation (NGO)"),
    OrganisationType.OTHER: _l("Other"),
    OrganisationType.NOT_STATED: _l("Prefer not to say"),
}
ROLE_LABELS = {
    Role.TRAINEE: _l("Trainee"),
    Role.LECTURER: _l("Lecturer"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.ADMIN: _l("Administrator"),
}


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class NewPasswordField(PasswordField):
    """A password field that refuses short and common passwords."""

    def pre_validate(self, form) -> None:
        email = form.email.data if hasattr(form, "email") else ""
        problem = password_problem(self.data or "", email or "")
        if problem:
            raise ValidationError(problem)


def plausible_birth_year(form, field) -> None:
    """A year of birth between 1900 and ten years ago, or none."""
    latest = datetime.now(UTC).year - 10
    if field.data is not None and not EARLIEST_BIRTH_YEAR <= field.data <= latest:
        raise ValidationError(gettext("Give a year between %(earliest)d and %(latest)d, or leave it empty.",
                                      earliest=EARLIEST_BIRTH_YEAR, latest=latest))


class ProfileFields(FlaskForm):
    """The profile fields shared by sign-up and the profile page."""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(check_deliverability=False), MailableEmail(), Length(max=254)],
    )
    country = SelectField(_l("Country"), default="")
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    organisation_type = SelectField(
        _l("Type of organisation"),
        choices=choices((t.value, label) for t, label in ORGANISATION_TYPE_LABELS.items()),
        default=OrganisationType.NOT_STATED.value,
    )
    birth_year = IntegerField(_l("Year of birth (optional)"), validators=[Optional(), plausible_birth_year],
                              render_kw={"inputmode": "numeric", "autocomplete": "bday-year"})
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    gender = SelectField(
        _l("Gender"),
        choices=choices((g.value, label) for g, label in GENDER_LABELS.items()),
        default=Gender.NOT_STATED.value,
    )
    #: By default the language the page is read in: whoever signs up from the Arabic pages reads Arabic.
    language = SelectField(
        _l("Preferred language"), choices=choices(LANGUAGE_NAMES.items()), default=lambda: str(get_locale() or "en")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices(
            [("", _l("Prefer not to say")), *country_choices(str(get_locale() or "en"))]
        )


class SignupForm(ProfileFields):
    password = NewPasswordField(_l("Password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Create my account"))


def time_zone_choices() -> list[SelectChoice]:
    """Every time zone with its offset from UTC today: "Africa/Addis_Ababa (UTC+03:00)"."""
    now = datetime.now(UTC)
    zones = []
    for name in time_zone_names():
        offset = int((now.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)).total_seconds()) // 60
        sign, hours, minutes = "+" if offset >= 0 else "-", abs(offset) // 60, abs(offset) % 60
        zones.append(SelectChoice(name, f"{name.replace('_', ' ')} (UTC{sign}{hours:02d}:{minutes:02d})"))
    return [SelectChoice("", _l("Not chosen: times in UTC")), *zones]


class ProfileForm(ProfileFields):
    #: The hint is shown by static/js/time-zone.js when it pre-fills an empty choice from the browser's zone.
    time_zone = SelectField(_l("Time zone"), default="",
                            render_kw={"data-guess-time-zone": _l("Guessed from your browser: save your profile to keep it.")})
    submit = SubmitField(_l("Save my profile"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_zone.choices = time_zone_choices()
        if self.time_zone.data is None:
            self.time_zone.data = ""


class MailChoicesForm(FlaskForm):
    """The bulk kinds of mail a person receives; the mail their account needs is always sent."""

    kinds = SelectMultipleField(_l("Mail I receive"), choices=choices((kind.value, label) for kind, label in BULK_KINDS.items()),
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    announcement_delivery = RadioField(_l("Announcements arrive"), default=MailDelivery.IMMEDIATE.value, choices=choices([
        (MailDelivery.IMMEDIATE.value, _l("One by one, as soon as they are posted")),
        (MailDelivery.DAILY.value, _l("Together, once a day, in the daily digest")),
    ]))
    review_delivery = RadioField(_l("Work handed in for me to review arrives"), default=MailDelivery.IMMEDIATE.value,
                                 choices=choices([
                                     (MailDelivery.IMMEDIATE.value, _l("One by one, as soon as it is handed in")),
                                     (MailDelivery.DAILY.value, _l("Together, once a day, in the daily digest")),
                                 ]))
    submit = SubmitField(_l("Save my mail choices"))

    def offer(self, kinds: list[MailKind]) -> "MailChoicesForm":
        """Offer only these bulk kinds (a trainee is not offered the mail of reviewers)."""
        self.kinds.choices = choices((kind.value, BULK_KINDS[kind]) for kind in kinds)
        return self


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = NewPasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change my password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(FlaskForm):
    password = NewPasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set my new password"))


class ConfirmEmailForm(FlaskForm):
    """A button, so that opening the mailed link (as mail scanners do) changes nothing."""

    submit = SubmitField(_l("Confirm my address"))


class SignOutEverywhereForm(FlaskForm):
    submit = SubmitField(_l("Sign out everywhere"))


class EndSessionForm(FlaskForm):
    submit = SubmitField(_l("End this session"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices((r.value, label) for r, label in ROLE_LABELS.items()))
    submit = SubmitField(_l("Change role"))


class UserSearchForm(FlaskForm):
    """A GET search: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=choices([("", _l("Any role")), *((r.value, label) for r, label in ROLE_LABELS.items())]),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Search"))


def code_field(label: Any = None, field_id: str = "code", required: bool = True) -> StringField:
    """A field for a code from the authenticator app or a recovery code; ids differ when one page has several."""
    return StringField(
        label or _l("Sign-in code"),
        validators=[DataRequired() if required else Optional(), Length(max=20)],
        id=field_id,
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
    )


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = code_field()
    submit = SubmitField(_l("Continue"))


class ConfirmTwoStepForm(CodeForm):
    submit = SubmitField(_l("Turn on two-step sign-in"))


class StartTwoStepForm(FlaskForm):
    """Start a set-up; when two-step sign-in is on already (a new phone), a current code is needed."""

    code = code_field(_l("A current code or a recovery code"), "start-code", required=False)
    submit = SubmitField(_l("Set up an authenticator app"))


class RecoveryCodesForm(FlaskForm):
    code = code_field(field_id="codes-code")
    submit = SubmitField(_l("Make new recovery codes"))


class DisableTwoStepForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired()], id="disable-password")
    code = code_field(field_id="disable-code")
    submit = SubmitField(_l("Turn off two-step sign-in"))
