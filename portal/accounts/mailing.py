"""Mail to a person: in their language, with times in their time zone, and bulk kinds only while
they want them. Every service that mails someone calls mail_user(); these flush, views commit."""
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_time, get_datetime_format
from flask import current_app, render_template
from flask_babel import LazyString, force_locale, get_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import MailDelivery, MailPreference, User
from portal.db_types import utcnow
from portal.extensions import db
from portal.i18n import native_digits
from portal.links import external_url
from portal.mail import BULK_KINDS, MailKind, send_mail

UNSUBSCRIBE_SALT = "mail-unsubscribe"
#: The bulk kinds a person may have gathered in the daily digest instead of sent one by one.
DIGESTIBLE_KINDS = (MailKind.ANNOUNCEMENT, MailKind.REVIEW_REQUEST)


#: The regions of the IANA time zone database; others ("US/Pacific", "Etc/GMT+3") are old aliases.
TIME_ZONE_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
                     "Indian", "Pacific")


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """The IANA time zones this system knows ("Africa/Addis_Ababa"), sorted, for the profile."""
    return tuple(sorted(name for name in available_timezones() if name.split("/", 1)[0] in TIME_ZONE_REGIONS))


def zone_of(user: User) -> tzinfo:
    """The user's time zone; UTC when they have chosen none (or the system no longer knows theirs)."""
    try:
        return ZoneInfo(user.time_zone) if user.time_zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def recipient_time(moment: datetime, zone: tzinfo) -> str:
    """A moment in the current language, in `zone`, with its UTC offset: "5 janvier 2026 à 15:04 UTC+01:00"."""
    locale = get_locale() or "en"
    local = moment.astimezone(zone)
    time_text = f'{format_time(local, "short", locale=locale)} {format_time(local, "ZZZZ", locale=locale)}'
    pattern = str(get_datetime_format("long", locale=locale)).replace("'", "")
    return native_digits(pattern.format(time_text, format_date(local, "long", locale=locale)), str(locale))


def language_of(user: User) -> str:
    """The language mail to the user is written in: their profile's, if the portal offers it."""
    config = current_app.config
    return user.language if user.language in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def mail_user(user: User, kind: MailKind, subject: LazyString, template: str, *,
              reply_to: str | None = None, to: str | None = None, **context: Any) -> bool:
    """Write `template` to the user in their language and send it; False when not sent.

    Templates get `local_time(moment)`, which gives a time in the recipient's time zone. Nothing goes
    to a deactivated account; a bulk kind goes only to someone who has not turned it off, with a link
    that turns it off.
    `reply_to` is an address someone typed for answers (a cohort's contact address), never a
    person's login address; without it, answers go to MAIL_REPLY_TO. `to` is for the one message that goes
    elsewhere than the account's address: the link that proves a new one."""
    if not user.is_active:
        return False  # deactivated or deleted: no kind of mail, a password reset included
    unsubscribe_url = ""
    if kind.is_bulk:
        if not wants(user, kind):
            return False
        unsubscribe_url = external_url("accounts.unsubscribe", token=unsubscribe_token(user, kind))
    zone = zone_of(user)
    with force_locale(language_of(user)):
        body = render_template(template, user=user, local_time=lambda moment: recipient_time(moment, zone), **context)
        if unsubscribe_url:
            body += render_template("mail/unsubscribe.txt", kind=BULK_KINDS[kind], link=unsubscribe_url)
        subject_text = str(subject)
    send_mail(to or user.email, subject_text, body, kind=kind, reply_to=reply_to or "",
              unsubscribe_url=unsubscribe_url)
    return True


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, kind: MailKind) -> str:
    """A signed token naming one person and one bulk kind; it does not expire, as old messages stay in inboxes."""
    return _serializer().dumps([user.id, kind.value])


def read_unsubscribe_token(token: str) -> tuple[User, MailKind] | None:
    """The person and bulk kind a token names, or None if it is forged or the account was deleted."""
    try:
        user_id, value = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    kind = MailKind(value) if value in MailKind._value2member_map_ else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if kind is None or not kind.is_bulk or user is None or user.is_deleted:
        return None
    return user, kind


def mail_choices(user: User) -> dict[MailKind, bool]:
    """Each bulk kind and whether the user receives it."""
    off = set(db.session.scalars(select(MailPreference.kind).where(
        MailPreference.user_id == user.id, MailPreference.unsubscribed_at.is_not(None))))
    return {kind: kind not in off for kind in BULK_KINDS}


def wants(user: User, kind: MailKind) -> bool:
    """Whether the user receives this kind: always for transactional kinds."""
    return not kind.is_bulk or mail_choices(user)[kind]


def choose_mail(user: User, kind: MailKind, receive: bool) -> bool:
    """Turn one bulk kind on or off for the user; returns whether that changed anything."""
    if not kind.is_bulk:
        raise ValueError(f"{kind} mail cannot be turned off")
    row = db.session.get(MailPreference, (user.id, kind))
    if row is None:
        if receive:
            return False
        try:
            with db.session.begin_nested():
                db.session.add(MailPreference(user_id=user.id, kind=kind, unsubscribed_at=utcnow()))
        except IntegrityError:
            return False  # the same link was followed a moment ago (mail clients may send it twice)
        return True
    if (row.unsubscribed_at is None) == receive:
        return False
    row.unsubscribed_at = None if receive else utcnow()
    db.session.flush()
    return True


#: Bulk kinds that only reach those who review assignments (lecturers, coordinators, admins).
FOR_REVIEWERS = (MailKind.REVIEW_REQUEST,)


def offered_kinds(user: User) -> list[MailKind]:
    """The bulk kinds the user's profile offers: those for reviewers only to people who review."""
    reviews = user.is_staff or user.can_teach
    return [kind for kind in BULK_KINDS if reviews or kind not in FOR_REVIEWERS]


def set_mail_choices(user: User, wanted: set[MailKind]) -> None:
    """The bulk kinds the user receives, as chosen on their profile; the others offered are turned off."""
    for kind in offered_kinds(user):
        choose_mail(user, kind, kind in wanted)


def delivery_of(user: User, kind: MailKind) -> MailDelivery:
    """Whether the user receives this kind at once or in the daily digest (at once without a choice)."""
    row = db.session.get(MailPreference, (user.id, kind))
    return row.delivery if row is not None else MailDelivery.IMMEDIATE


def choose_delivery(user: User, kind: MailKind, delivery: MailDelivery) -> bool:
    """Have one kind that may wait sent at once or in the daily digest; returns whether that changed anything."""
    if kind not in DIGESTIBLE_KINDS:
        raise ValueError(f"{kind} mail is not gathered in digests")
    row = db.session.get(MailPreference, (user.id, kind))
    if row is None:
        if delivery == MailDelivery.IMMEDIATE:
            return False
        try:
            with db.session.begin_nested():
                db.session.add(MailPreference(user_id=user.id, kind=kind, delivery=delivery))
        except IntegrityError:
            return False  # the same form, sent twice at once
        return True
    if row.delivery == delivery:
        return False
    row.delivery = delivery
    db.session.flush()
    return True
