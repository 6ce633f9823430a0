"""The programme of live sessions: members read it in their time zone and join, coordinators run it,
lecturers attach recordings; calendar feeds and reminders keep people on time."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.accounts.access import ANYONE, SIGNED_IN, allow
from portal.accounts.forms import time_zone_choices
from portal.accounts.mailing import zone_of
from portal.accounts.models import User
from portal.accounts.services import find_user_by_email
from portal.cohorts.models import Cohort
from portal.courses.storage import blob_response
from portal.db_types import utcnow
from portal.extensions import db
from portal.inputs import problem_errors
from portal.learning.services import outlines
from portal.live import attendance, calendars, recordings, services
from portal.live.forms import ButtonForm, RecordingForm, SessionForm
from portal.live.models import LiveSession

bp = Blueprint("live", __name__, template_folder="templates")


def visible_cohort(cohort_id: int) -> Cohort:
    """A cohort whose programme the current user may see; others get 404 (not even its existence leaks)."""
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    if not services.can_see(current_user, cohort):
        abort(404)
    return cohort


def visible_session(session_id: int) -> LiveSession:
    session = db.session.get(LiveSession, session_id) or abort(404)
    if not services.can_see(current_user, session.cohort):
        abort(404)
    return session


def managed_session(session_id: int) -> LiveSession:
    session = visible_session(session_id)
    if not services.can_manage(current_user, session.cohort):
        abort(403)
    return session


@bp.route("/cohorts/<int:cohort_id>/programme")
@allow(SIGNED_IN)
def show_programme(cohort_id: int):
    cohort = visible_cohort(cohort_id)
    now, zone = utcnow(), zone_of(current_user)
    sessions = services.programme(cohort.id)
    by_session = recordings.recordings_of([s.id for s in sessions])
    return render_template("live/programme.html", cohort=cohort, lines=services.programme_lines(sessions, zone, now),
                           recordings=by_session, zone=services.zone_label(zone, now),
                           can_manage=services.can_manage(current_user, cohort),
                           feed=calendars.feed_of(current_user), feed_form=ButtonForm())


# Adding and changing sessions

def part_of_choices(cohort: Cohort) -> list[SelectChoice]:
    """The modules and lessons of the cohort's published courses, as "course id:module[:lesson]"."""
    courses = [course for course in cohort.courses if course.published_revision_id is not None]
    steps = outlines([course.published_revision_id for course in courses if course.published_revision_id])
    choices = [SelectChoice("", _("None"))]
    for course in courses:
        title = course.published_revision.title if course.published_revision else course.slug
        seen_modules = set()
        for step in steps.get(course.published_revision_id or 0, []):
            if step.module_key not in seen_modules:
                seen_modules.add(step.module_key)
                choices.append(SelectChoice(f"{course.id}:{step.module_key}", f"{title} – {step.module_title}"))
            if step.kind == "lesson":
                choices.append(SelectChoice(f"{course.id}:{step.module_key}:{step.key}",
                                            f"{title} – {step.module_title} – {step.title}"))
    return choices


def session_form(cohort: Cohort, session: LiveSession | None) -> SessionForm:
    form = SessionForm()
    form.time_zone.choices = [choice for choice in time_zone_choices() if choice.value] + [SelectChoice("UTC", "UTC")]
    form.part_of.choices = part_of_choices(cohort)
    if request.method == "GET":
        zone = zone_of(current_user)
        form.time_zone.data = str(zone)
        if session is not None:
            start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
            form.title.data, form.description.data, form.join_url.data = session.title, session.description, session.join_url
            form.day.data, form.starts.data, form.ends.data = start.date(), start.time(), end.time()
            form.lecturer_emails.data = "\n".join(lecturer.user.email for lecturer in session.lecturers
                                                   if lecturer.user is not None)
            form.guests.data = "\n".join(f"{lecturer.guest_name}, {lecturer.guest_affiliation or ''}".rstrip(", ")
                                         for lecturer in session.lecturers if lecturer.user is None)
            if session.course_id and session.module_key:
                form.part_of.data = ":".join(str(part) for part in (session.course_id, session.module_key, session.lesson_key) if part)
    return form


def form_times(form: SessionForm) -> tuple[datetime, datetime]:
    zone = ZoneInfo(form.time_zone.data)
    starts = datetime.combine(form.day.data, form.starts.data, tzinfo=zone)
    ends = datetime.combine(form.day.data, form.ends.data, tzinfo=zone)
    if ends <= starts:
        ends += timedelta(days=1)
    return starts, ends


def form_lecturers(form: SessionForm) -> services.Lecturers | None:
    accounts: list[User] = []
    for email in form.email_lines():
        user = find_user_by_email(email)
        if user is None or not user.is_active:
            form.lecturer_emails.errors = [_("No account has the address %(email)s; add them as a guest instead.", email=email)]
            return None
        if user not in accounts:
            accounts.append(user)
    return services.Lecturers(accounts, form.guest_lines())


def save_form(cohort: Cohort, session: LiveSession | None, form: SessionForm):
    lecturers = form_lecturers(form)
    if lecturers is None:
        return None
    course_id = module_key = lesson_key = None
    if form.part_of.data:
        parts = form.part_of.data.split(":")
        course_id, module_key = int(parts[0]), parts[1]
        lesson_key = parts[2] if len(parts) > 2 else None
    starts, ends = form_times(form)
    try:
        saved = services.save_session(cohort, session, current_user, title=form.title.data,
                                      description=form.description.data or "", starts_at=starts, ends_at=ends,
                                      join_url=(form.join_url.data or "").strip() or None, course_id=course_id,
                                      module_key=module_key, lesson_key=lesson_key, lecturers=lecturers)
    except services.MarkdownRefused as refused:
        form.description.errors = problem_errors(refused.problems)
        return None
    except services.Refused as refused:
        form.ends.errors = [str(refused.message)]
        return None
    except services.AlreadySaved:
        flash(_("This session is in the programme already: it was not added again."), "info")
        return redirect(url_for("live.show_programme", cohort_id=cohort.id))
    db.session.commit()
    flash(_("The session is saved."), "success")
    return redirect(url_for("live.show_session", session_id=saved.id))


@bp.route("/cohorts/<int:cohort_id>/programme/new", methods=["GET", "POST"])
@allow(SIGNED_IN)
def add_session(cohort_id: int):
    cohort = visible_cohort(cohort_id)
    if not services.can_manage(current_user, cohort):
        abort(403)
    form = session_form(cohort, None)
    if form.validate_on_submit() and (response := save_form(cohort, None, form)) is not None:
        return response
    return render_template("live/session_form.html", form=form, cohort=cohort, session=None), 400 if form.errors else 200


@bp.route("/live/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@allow(SIGNED_IN)
def edit_session(session_id: int):
    session = managed_session(session_id)
    form = session_form(session.cohort, session)
    if form.validate_on_submit() and (response := save_form(session.cohort, session, form)) is not None:
        return response
    return (render_template("live/session_form.html", form=form, cohort=session.cohort, session=session,
                            delete_form=ButtonForm()), 400 if form.errors else 200)


@bp.route("/live/sessions/<int:session_id>/delete", methods=["POST"])
@allow(SIGNED_IN)
def delete_session(session_id: int):
    session = managed_session(session_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    cohort_id = session.cohort_id
    services.delete_session(session, current_user)
    db.session.commit()
    flash(_("The session is removed from the programme."), "success")
    return redirect(url_for("live.show_programme", cohort_id=cohort_id))


# A session's page, its recording and calendar file

def session_page(session: LiveSession, recording_form: RecordingForm | None = None, status: int = 200):
    now, zone = utcnow(), zone_of(current_user)
    recording = recordings.recording_of(session)
    can_attach = services.can_attach(current_user, session)
    is_member = services.is_member(current_user, session.cohort_id)
    return render_template(
        "live/session.html", session=session, line=services.programme_lines([session], zone, now)[0],
        zone=services.zone_label(zone, now), recording=recording, part_of=services.part_of(session),
        join_url=session.join_url if services.shows_join_link(current_user, session, now) else None,
        is_member=is_member,
        check_in_open=attendance.check_in_open(session, now),
        entry=attendance.entry_of(session, current_user) if is_member else None,
        runs_attendance=attendance.may_run(current_user, session),
        watched=recording is not None and recordings.has_watched(recording, current_user),
        can_manage=services.can_manage(current_user, session.cohort), button_form=ButtonForm(),
        recording_form=(recording_form or RecordingForm()) if can_attach else None), status


@bp.route("/live/sessions/<int:session_id>")
@allow(SIGNED_IN)
def show_session(session_id: int):
    return session_page(visible_session(session_id))


def uploaded(field) -> bytes | None:
    data = field.data.read() if field.data else b""
    return data or None


@bp.route("/live/sessions/<int:session_id>/recording", methods=["POST"])
@allow(SIGNED_IN)
def attach_recording(session_id: int):
    session = visible_session(session_id)
    if not services.can_attach(current_user, session):
        abort(403)
    form = RecordingForm()
    if not form.validate_on_submit():
        return session_page(session, form, 400)
    video_url = (form.video_url.data or "").strip() or None
    files = {name: uploaded(getattr(form, name)) for name in ("video", "slides", "captions")}
    if not video_url and not any(files.values()):
        form.video_url.errors = [_("Give a link, or choose a file to upload.")]
        return session_page(session, form, 400)
    try:
        recordings.attach_recording(session, current_user, video_url=video_url, **files)
    except services.Refused as refused:
        form.video.errors = [str(refused.message)]
        return session_page(session, form, 422)
    db.session.commit()
    flash(_("The recording is attached."), "success")
    return redirect(url_for("live.show_session", session_id=session.id, _anchor="recording"))


MEDIA = {"video": "video_sha256", "slides": "slides_sha256", "captions": "captions_sha256"}


@bp.route("/live/sessions/<int:session_id>/recording/<part>")
@allow(SIGNED_IN)
def recording_file(session_id: int, part: str):
    """The recording's video, slides or captions, served as course media is: with ETag and range requests."""
    session = visible_session(session_id)
    recording = recordings.recording_of(session)
    sha256 = getattr(recording, MEDIA[part]) if recording is not None and part in MEDIA else None
    if recording is None or sha256 is None:
        abort(404)
    # WebVTT is UTF-8 by definition; the local backend adds the charset to text types itself.
    mimetype = {"video": recording.video_type or "video/mp4", "slides": "application/pdf", "captions": "text/vtt"}[part]
    extension = {"video": "webm" if mimetype == "video/webm" else "mp4", "slides": "pdf", "captions": "vtt"}[part]
    # Members only: cached by the browser alone, never by a shared cache.
    return blob_response(sha256, mimetype, download_name=f"session-{session.id}-{part}.{extension}", public=False)


@bp.route("/live/sessions/<int:session_id>/watched", methods=["POST"])
@allow(SIGNED_IN)
def mark_watched(session_id: int):
    session = visible_session(session_id)
    recording = recordings.recording_of(session)
    if recording is None or not recording.has_video:
        abort(404)
    if not services.is_member(current_user, session.cohort_id):
        abort(403)
    if not ButtonForm().validate_on_submit():
        abort(400)
    recordings.mark_watched(recording, current_user)
    db.session.commit()
    flash(_("Marked as watched."), "success")
    return redirect(url_for("live.show_session", session_id=session.id, _anchor="recording"))


def ics_response(body: bytes, filename: str, attachment: bool) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'{"attachment" if attachment else "inline"}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/live/sessions/<int:session_id>.ics")
@allow(SIGNED_IN)
def session_calendar(session_id: int):
    session = visible_session(session_id)
    return ics_response(calendars.calendar([session], session.title), f"session-{session.id}.ics", attachment=True)


@bp.route("/live/calendar/<token>.ics")
@allow(ANYONE)
def calendar_feed(token: str):
    """A person's private feed, for calendar apps (which send no cookie): the token is the key."""
    user = calendars.user_of_feed(token) or abort(404)
    name = _("Live sessions") + f" – {current_app.config['PORTAL_NAME']}"
    return ics_response(calendars.calendar(calendars.feed_sessions(user), name), "live-sessions.ics", attachment=False)


@bp.route("/live/calendar", methods=["POST"])
@allow(SIGNED_IN)
def reset_calendar():
    """Make (or remake) the current user's calendar address; the old one stops working."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    calendars.reset_feed(current_user)
    db.session.commit()
    flash(_("Your calendar address is ready. An address you gave out before no longer works."), "success")
    back = request.form.get("back", "")
    return redirect(back if back.startswith(("/live/", "/cohorts/")) else url_for("learning.show_dashboard"))

