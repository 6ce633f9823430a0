"""Account pages: thin views that call services and own the commit."""
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal.accounts import mailing, services, two_step
from portal.accounts.access import ANYONE, SIGNED_IN, allow
from portal.accounts.forms import (
    ROLE_LABELS,
    ChangePasswordForm,
    CodeForm,
    ConfirmEmailForm,
    ConfirmTwoStepForm,
    DisableTwoStepForm,
    EndSessionForm,
    ForgotPasswordForm,
    LoginForm,
    MailChoicesForm,
    ProfileForm,
    RecoveryCodesForm,
    ResetPasswordForm,
    RoleForm,
    SignOutEverywhereForm,
    SignupForm,
    StartTwoStepForm,
    UserSearchForm,
)
from portal.accounts.models import Gender, MailDelivery, OrganisationType, Role, User
from portal.extensions import csrf, db, limiter, login_manager
from portal.inputs import is_number, paginate
from portal.mail import BULK_KINDS, MailKind
from portal.security import is_safe_next
from portal.viewer import remember_viewer

bp = Blueprint("accounts", __name__, template_folder="templates")

PROFILE_FIELDS = ("name", "email", "country", "organisation", "organisation_type", "birth_year", "job_title", "gender",
                  "language", "time_zone")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user a session or remember-me cookie names, if that sign-in has not ended and its session version is current."""
    number, version, token = (user_id.split(":") + ["", ""])[:3]
    if not (is_number(number) and is_number(version) and token):
        return None
    user = services.user_for_session(int(number), int(version), token)
    if user is None:
        return None
    remember_viewer(user)
    return user


#: Login limits are shared by the password and the two-step code pages, so codes count too.
LOGIN_ADDRESS_SCOPE = "login-address"
LOGIN_ACCOUNT_SCOPE = "login-account"


def login_account_key() -> str:
    """Rate-limit key for one account, whatever case the address was typed in."""
    return "login:" + services.normalise_email(request.form.get("email", ""))


def failed_attempt(response) -> bool:
    """Only refused logins count towards the limit; a success redirects."""
    return response.status_code != 302


def login_account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def login_address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def too_many_logins() -> str:
    return _("Too many failed login attempts. Please wait a few minutes, or reset your password.")


def redirect_next(default: str = "core.index"):
    target = request.args.get("next") or request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for(default))


def start_session(user: User, remember: bool = False) -> None:
    """Sign the user in on this browser: a new sign-in row, whose token the session cookie carries."""
    services.begin_session(user, request.user_agent.string)
    db.session.commit()
    login_user(user, remember=remember)
    remember_viewer(user)
    session["language"] = user.language


@bp.route("/signup", methods=["GET", "POST"])
@allow(ANYONE)
@limiter.limit("10 per hour", methods=["POST"], key_func=get_remote_address)
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = SignupForm()
    if form.validate_on_submit():
        # The same answer whether or not the address has an account: the mail says which.
        services.sign_up(
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            country=form.country.data,
            organisation=form.organisation.data or "",
            job_title=form.job_title.data or "",
            gender=Gender(form.gender.data),
            organisation_type=OrganisationType(form.organisation_type.data),
            birth_year=form.birth_year.data,
            language=form.language.data,
        )
        db.session.commit()
        return redirect(url_for("accounts.check_mail"))
    return render_template("accounts/signup.html", form=form)


@bp.route("/signup/check-mail")
@allow(ANYONE)
def check_mail():
    """After sign-up: the confirmation link is on its way."""
    return render_template("accounts/check_mail.html")


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@allow(ANYONE)
def confirm_email(token: str) -> ResponseReturnValue:
    """The mailed link: a button confirms the address and logs the new account in."""
    user = services.user_for_confirmation_token(token)
    if user is None:
        # A reset link confirms the address too, and unlike signing up again it reaches the owner.
        flash(_("This confirmation link is invalid or expired. Use 'Forgot your password?' to get a new link."), "error")
        return redirect(url_for("accounts.forgot_password"))
    if user.is_email_confirmed:
        flash(_("Your address is already confirmed. You can log in."), "info")
        return redirect(url_for("accounts.login"))
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        services.confirm_email(user)
        db.session.commit()
        start_session(user)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("core.index"))
    return render_template("accounts/confirm_email.html", form=form, user=user)


def refused_code(response: Response) -> bool:
    return response.status_code == 400


def limit_logins(
    key_func: Callable[[], str], deduct_when: Callable[[Response], bool] = refused_code
) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]]:
    """Count refused passwords or codes against the login limits of the account and the address, which both steps share."""
    def decorate(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
        view = limiter.shared_limit(
            login_account_limit, LOGIN_ACCOUNT_SCOPE, methods=["POST"], key_func=key_func,
            deduct_when=deduct_when, error_message=too_many_logins,
        )(view)
        return limiter.shared_limit(
            login_address_limit, LOGIN_ADDRESS_SCOPE, methods=["POST"], key_func=get_remote_address,
            deduct_when=deduct_when, error_message=too_many_logins,
        )(view)
    return decorate


@bp.route("/login", methods=["GET", "POST"])
@allow(ANYONE)
@limit_logins(login_account_key, deduct_when=failed_attempt)
def login():
    if current_user.is_authenticated:
        return redirect_next()
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and not user.is_email_confirmed:
            form.email.errors.append(_(
                "Confirm your address first: open the link we mailed you. "
                "No mail? Use 'Forgot your password?' to get a link."
            ))
        elif user is not None:
            db.session.commit()
            if two_step.is_enabled(user):
                return ask_for_code(user, remember=form.remember.data)
            start_session(user, remember=form.remember.data)
            return redirect_next()
        else:
            form.password.errors.append(_("Wrong email or password."))
    return render_template("accounts/login.html", form=form, next=request.args.get("next", "")), (
        400 if form.is_submitted() else 200
    )


@bp.route("/logout", methods=["POST"])
@allow(ANYONE)
def logout():
    """Log out on this device: this sign-in ends, so copies of its cookies stop working; other devices stay signed in."""
    if current_user.is_authenticated:
        services.end_session(current_user)
        db.session.commit()
    logout_user()
    session.pop("language", None)
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.index"))


def email_change_key() -> str:
    """Rate-limit key: links mailed to new addresses count per account (each is a message to an address that
    has not agreed to anything yet)."""
    return f"email-change:{getattr(current_user, 'id', '')}"


def mailed_a_change_link(_response: Response) -> bool:
    return bool(g.get("mailed_email_change"))


@bp.route("/profile", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("5 per hour", methods=["POST"], key_func=email_change_key, deduct_when=mailed_a_change_link)
def edit_profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in PROFILE_FIELDS}
        fields["gender"] = Gender(fields["gender"])
        fields["organisation_type"] = OrganisationType(fields["organisation_type"])
        fields["country"] = fields["country"] or None
        fields["time_zone"] = fields["time_zone"] or None
        new_email = fields.pop("email")
        try:
            services.update_profile(current_user, **fields)
            asked = g.mailed_email_change = services.request_email_change(current_user, new_email)
        except services.EmailTaken:
            db.session.rollback()
            form.email.errors.append(_("Another account already uses this email."))
        except services.AccountDeleted:
            db.session.rollback()
            logout_user()
            return redirect(url_for("core.index"))
        else:
            db.session.commit()
            session["language"] = current_user.language
            with force_locale(mailing.language_of(current_user)):  # the next page is in the new language
                flash(_("Your profile is saved."), "success")
                if asked:
                    flash(_("To use %(new)s, open the link we have sent there. Until then, the account keeps %(email)s.",
                            new=services.normalise_email(new_email), email=current_user.email), "info")
            return redirect(url_for("accounts.edit_profile"))
    choices = mailing.mail_choices(current_user)
    return render_template(
        "accounts/profile.html", form=form, sign_out_form=SignOutEverywhereForm(),
        sessions=services.active_sessions(current_user), end_session_form=EndSessionForm(),
        mail_form=MailChoicesForm(formdata=None, kinds=[kind.value for kind, on in choices.items() if on],
                                  announcement_delivery=mailing.delivery_of(current_user, MailKind.ANNOUNCEMENT).value,
                                  review_delivery=mailing.delivery_of(current_user, MailKind.REVIEW_REQUEST).value
                                  ).offer(mailing.offered_kinds(current_user)),
    )


@bp.route("/profile/email/<token>", methods=["GET", "POST"])
@allow(SIGNED_IN)
def confirm_email_change(token: str) -> ResponseReturnValue:
    """The link mailed to a new address: a button (mail scanners open links) gives the account that address,
    pressed by the account's owner, signed in: the mailbox alone is not enough (a mistyped address's owner
    could otherwise take the account), nor the account alone (anyone could claim another's address)."""
    found = services.email_change_for_token(token)
    if found is None or found[0].id != current_user.id:
        flash(_("This link is invalid, expired or already used. Change your address again on your profile."), "error")
        return redirect(url_for("accounts.edit_profile"))
    user, new_email = found
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            services.change_email(user, new_email)
        except services.EmailTaken:
            db.session.rollback()
            flash(_("Another account already uses this email."), "error")
        except services.AccountDeleted:
            db.session.rollback()
            abort(404)
        else:
            db.session.commit()
            flash(_("Your email address is now %(email)s.", email=new_email), "success")
        return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/confirm_email_change.html", form=form, user=user, new_email=new_email)


@bp.route("/profile/mail", methods=["POST"])
@allow(SIGNED_IN)
def save_mail_choices():
    """The bulk kinds of mail the person receives, as ticked on their profile."""
    form = MailChoicesForm().offer(mailing.offered_kinds(current_user))
    if form.validate_on_submit():
        mailing.set_mail_choices(current_user, {MailKind(value) for value in form.kinds.data or []})
        mailing.choose_delivery(current_user, MailKind.ANNOUNCEMENT, MailDelivery(form.announcement_delivery.data))
        if current_user.is_staff or current_user.can_teach:
            mailing.choose_delivery(current_user, MailKind.REVIEW_REQUEST, MailDelivery(form.review_delivery.data))
        db.session.commit()
        flash(_("Your mail choices are saved."), "success")
    return redirect(url_for("accounts.edit_profile", _anchor="mail"))


@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
@allow(ANYONE)
@csrf.exempt
def unsubscribe(token: str):
    """The link in bulk mail: GET asks for confirmation and changes nothing (mail scanners open links);
    POST turns that kind of mail off for that person only, signed in or not.

    Exempt from CSRF because RFC 8058's one-click unsubscribe is a POST from the recipient's mail
    provider, which has no session and no token. The signed token in the address names the person
    and the kind, and the only thing it can do is turn that mail off, so a forged POST gains nothing."""
    found = mailing.read_unsubscribe_token(token)
    if found is None:
        return render_template("accounts/unsubscribe.html", kind=None), 404
    user, kind = found
    done = request.method == "POST"
    if done:
        mailing.choose_mail(user, kind, receive=False)
        db.session.commit()
    # In the language the mail was written in, the recipient's, whatever browser opens the link.
    with force_locale(mailing.language_of(user)):
        return render_template("accounts/unsubscribe.html", kind=BULK_KINDS[kind], email=user.email, done=done)


@bp.route("/profile/sessions/<int:session_id>/end", methods=["POST"])
@allow(SIGNED_IN)
def end_other_session(session_id: int):
    """End one sign-in of the account on another device, from the list on the profile."""
    form = EndSessionForm()
    if form.validate_on_submit() and session_id != current_user.session_id:
        if services.end_session(current_user, session_id):
            db.session.commit()
            flash(_("That session has ended."), "info")
    return redirect(url_for("accounts.edit_profile"))


@bp.route("/profile/sign-out-everywhere", methods=["POST"])
@allow(SIGNED_IN)
def sign_out_everywhere():
    """End every session of the account, on every device, this one included."""
    form = SignOutEverywhereForm()
    if form.validate_on_submit():
        services.end_all_sessions(current_user)
        db.session.commit()
        logout_user()
        session.pop("language", None)
        flash(_("You are signed out on every device."), "info")
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.edit_profile"))


@bp.route("/profile/password", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit("10 per 15 minutes", methods=["POST"], key_func=get_remote_address)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if services.check_password(current_user, form.current.data):
            user = current_user._get_current_object()
            remembered = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
            services.set_password(user, form.password.data)
            # Every session has ended; this browser carries on with a new one.
            start_session(user, remember=remembered is not None)
            flash(_("Your password is changed. You are signed out on your other devices."), "success")
            return redirect(url_for("accounts.edit_profile"))
        form.current.errors.append(_("This is not your current password."))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@allow(ANYONE)
@limiter.limit("5 per hour", methods=["POST"], key_func=get_remote_address)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_password_reset(form.email.data)
        flash(
            _("If an account uses this address, a reset link is on its way. Check your inbox."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@allow(ANYONE)
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid, expired or already used. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data or "")
        db.session.commit()
        flash(_("Your new password is set. You can log in now."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@allow(ANYONE)
def accept_invitation(token: str):
    """An invited trainee chooses a password, and is logged in."""
    user = services.user_for_invitation_token(token)
    if user is None:
        flash(_("This invitation link is invalid, expired or already used. Use 'Forgot your password?' to get a new link."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data or "")
        db.session.commit()
        start_session(user)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("learning.show_dashboard"))
    return render_template("accounts/accept_invitation.html", form=form, user=user)


@bp.route("/admin/users")
@allow(Role.ADMIN)
def list_users():
    form = UserSearchForm(request.args)
    role = Role(form.role.data) if form.role.data in Role._value2member_map_ else None
    page = paginate(services.search_users(form.q.data or "", role))
    return render_template(
        "accounts/admin_users.html",
        form=form,
        page=page,
        role_form=RoleForm(),
        role_labels=ROLE_LABELS,
    )


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@allow(Role.ADMIN)
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != Role.ADMIN:
            flash(_("You cannot remove your own administrator role."), "error")
        else:
            services.set_role(user, Role(form.role.data), current_user)
            db.session.commit()
            flash(
                _("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]),
                "success",
            )
    else:
        flash(_("Choose a valid role."), "error")
    return redirect(url_for("accounts.list_users", q=request.args.get("q", "")))


# Two-step sign-in: the code page after the password, and the set-up pages of the profile.

PENDING_KEY = "two_step_pending"


def ask_for_code(user: User, remember: bool) -> ResponseReturnValue:
    """The password was right: remember who is signing in, for a few minutes, and ask for a code."""
    target = request.args.get("next") or request.form.get("next") or ""
    session[PENDING_KEY] = {
        "user_id": user.id,
        "email": user.email,
        "remember": bool(remember),
        "next": target if is_safe_next(target) else "",
        "until": time.time() + current_app.config["TWO_STEP_PENDING_SECONDS"],
    }
    return redirect(url_for("accounts.enter_code"))


def pending_sign_in() -> dict[str, Any] | None:
    """The sign-in waiting for its code, unless it expired."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    return pending


def pending_account_key() -> str:
    """The same per-account key as the password step, so that wrong codes count against it too."""
    pending = pending_sign_in()
    return "login:" + (pending["email"] if pending else "")


def current_account_key() -> str:
    return "login:" + (current_user.email if current_user.is_authenticated else "")


@bp.route("/login/code", methods=["GET", "POST"])
@allow(ANYONE)
@limit_logins(pending_account_key, deduct_when=failed_attempt)
def enter_code() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect_next()
    pending = pending_sign_in()
    user = db.session.get(User, pending["user_id"]) if pending else None
    if pending is None or user is None or not user.is_active or not two_step.is_enabled(user):
        session.pop(PENDING_KEY, None)
        flash(_("Please log in again: the time to enter your code ran out."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_step.check_code(user, form.code.data or ""):
            session.pop(PENDING_KEY, None)
            db.session.commit()
            start_session(user, remember=pending["remember"])
            return redirect(pending["next"] if is_safe_next(pending["next"]) else url_for("core.index"))
        form.code.errors.append(_("This code is wrong or was used already. Wait for the next code, or use a recovery code."))
    return render_template("accounts/login_code.html", form=form), (400 if form.is_submitted() else 200)


def two_step_page(status: int = 200, **forms: Any) -> ResponseReturnValue:
    """The two-step page; a refused form shows its errors with 400, so the login limits count it."""
    setup = two_step.setup_of(current_user)
    context: dict[str, Any] = {
        "start_form": StartTwoStepForm(formdata=None),
        "codes_form": RecoveryCodesForm(formdata=None),
        "disable_form": DisableTwoStepForm(formdata=None),
        **forms,
    }
    return render_template(
        "accounts/two_step.html",
        enabled=setup is not None and setup.is_enabled,
        set_up_pending=setup is not None and setup.pending_secret is not None,
        remaining=two_step.remaining_recovery_codes(current_user),
        may_disable=two_step.may_disable(current_user),
        **context,
    ), status


#: For pages with a secret or recovery codes on them: browsers and proxies must not keep them.
NOT_STORED = {"Cache-Control": "no-store"}


@bp.route("/profile/two-step")
@allow(SIGNED_IN)
def show_two_step() -> ResponseReturnValue:
    return two_step_page()


@bp.route("/profile/two-step/setup", methods=["POST"])
@allow(SIGNED_IN)
@limit_logins(current_account_key)
def start_two_step() -> ResponseReturnValue:
    form = StartTwoStepForm()
    if form.validate_on_submit():
        if not two_step.is_enabled(current_user) or two_step.check_code(current_user, form.code.data or ""):
            two_step.begin_setup(current_user)
            db.session.commit()
            return redirect(url_for("accounts.confirm_two_step"))
        form.code.errors.append(_("Enter a current code from your app, or a recovery code."))
    return two_step_page(400, start_form=form)


@bp.route("/profile/two-step/confirm", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limit_logins(current_account_key)
def confirm_two_step() -> ResponseReturnValue:
    secret = two_step.pending_secret(current_user)
    if secret is None:
        flash(_("Start the set-up first."), "info")
        return redirect(url_for("accounts.show_two_step"))
    form = ConfirmTwoStepForm()
    if form.validate_on_submit():
        codes = two_step.confirm_setup(current_user, form.code.data or "")
        if codes is not None:
            db.session.commit()
            flash(_("Two-step sign-in is on."), "success")
            return render_template("accounts/recovery_codes.html", codes=codes), NOT_STORED
        form.code.errors.append(_("This code is wrong. Check the time on your phone and enter the newest code."))
    uri = two_step.provisioning_uri(current_user, secret)
    page = render_template(
        "accounts/two_step_setup.html",
        form=form,
        qr_code=two_step.qr_code(uri),
        secret=two_step.format_secret(secret),
    )
    return page, (400 if form.is_submitted() else 200), NOT_STORED


@bp.route("/profile/two-step/recovery-codes", methods=["POST"])
@allow(SIGNED_IN)
@limit_logins(current_account_key)
def regenerate_recovery_codes() -> ResponseReturnValue:
    if not two_step.is_enabled(current_user):
        return redirect(url_for("accounts.show_two_step"))
    form = RecoveryCodesForm()
    if form.validate_on_submit():
        if two_step.check_code(current_user, form.code.data or ""):
            codes = two_step.regenerate_recovery_codes(current_user)
            db.session.commit()
            flash(_("Your new recovery codes are ready; the old ones no longer work."), "success")
            return render_template("accounts/recovery_codes.html", codes=codes), NOT_STORED
        form.code.errors.append(_("This code is wrong or was used already."))
    return two_step_page(400, codes_form=form)


@bp.route("/profile/two-step/disable", methods=["POST"])
@allow(SIGNED_IN)
@limit_logins(current_account_key)
def disable_two_step() -> ResponseReturnValue:
    if not two_step.is_enabled(current_user):
        return redirect(url_for("accounts.show_two_step"))
    if not two_step.may_disable(current_user):
        flash(_("Coordinators and administrators must keep two-step sign-in on."), "error")
        return redirect(url_for("accounts.show_two_step"))
    form = DisableTwoStepForm()
    if form.validate_on_submit():
        if not services.check_password(current_user, form.password.data or ""):
            form.password.errors.append(_("This is not your current password."))
        elif not two_step.check_code(current_user, form.code.data or ""):
            form.code.errors.append(_("This code is wrong or was used already."))
        else:
            two_step.disable(current_user)
            db.session.commit()
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("accounts.show_two_step"))
    return two_step_page(400, disable_form=form)
