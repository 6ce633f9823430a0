"""Attendance pages: a trainee's check-in, the lecturer's code, report uploads, corrections, and the
attendance of a session and of a whole cohort."""
from datetime import tzinfo
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import SIGNED_IN, allow
from portal.accounts.mailing import time_zone_names
from portal.accounts.models import Role, User
from portal.cohorts.models import Cohort
from portal.cohorts.reports import count_attendance
from portal.db_types import utcnow
from portal.extensions import db, limiter
from portal.inputs import paginate
from portal.live import attendance as services
from portal.live.attendance_forms import CheckInForm, ConfirmReportForm, CorrectionForm, NewCodeForm, ReportForm
from portal.live.attendance_report import ReportError, read_attendance_report
from portal.live.models import AttendanceSource, LiveSession
from portal.live.recordings import watched_session_ids

attendance_bp = Blueprint("attendance", __name__, template_folder="templates")

STAFF = (Role.LECTURER, Role.COORDINATOR)


@attendance_bp.context_processor
def source_labels() -> dict:
    return {"source_labels": {AttendanceSource.CHECK_IN: _("check-in"), AttendanceSource.REPORT: _("meeting report"),
                              AttendanceSource.CORRECTION: _("correction")}}


def session_of(cohort_id: int, session_id: int) -> LiveSession:
    session = db.session.get(LiveSession, session_id)
    if session is None or session.cohort_id != cohort_id:
        abort(404)
    return session


def run_session(cohort_id: int, session_id: int) -> LiveSession:
    """A session the current user lectures or whose cohort they run; others get 404."""
    session = session_of(cohort_id, session_id)
    if not services.may_run(current_user, session):
        abort(404)
    return session


def coordinated_session(cohort_id: int, session_id: int) -> LiveSession:
    """A session of a cohort the current user runs (corrections are the coordinators'); others get 404."""
    session = session_of(cohort_id, session_id)
    if not session.cohort.is_run_by(current_user):
        abort(404)
    return session


def check_in_key() -> str:
    return f"check-in:{current_user.get_id()}"


def check_in_limit() -> str:
    return current_app.config["CHECK_IN_LIMIT"]


@attendance_bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/check-in", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit(check_in_limit, methods=["POST"], key_func=check_in_key)
def check_in(cohort_id: int, session_id: int):
    """A member enters the code the lecturer reads out."""
    session = session_of(cohort_id, session_id)
    runs = services.may_run(current_user, session)
    if not runs and not services.is_active_member(current_user, session.cohort):
        abort(404)
    now = utcnow()
    entry = services.entry_of(session, current_user)
    form = CheckInForm()
    status = 200
    if not runs and form.validate_on_submit():
        try:
            entry = services.check_in(current_user, session, form.code.data, now)
        except services.CheckInClosed:
            form.code.errors.append(_("Check-in is closed: it is open only during the session."))
            status = 409
        except services.SetByCoordinator:
            form.code.errors.append(_("A coordinator has set your attendance for this session. Ask them to correct it."))
            status = 409
        except services.WrongCode:
            form.code.errors.append(_("This is not the session's code. Check it with the lecturer."))
            status = 422
        else:
            db.session.commit()
            flash(_("You are checked in. Thank you."), "success")
            return redirect(url_for("live.show_session", session_id=session_id))
    elif form.is_submitted():
        status = 400
    return render_template("live/attendance/check_in.html", session=session, form=form, entry=entry, runs=runs,
                           is_open=services.check_in_open(session, now),
                           closes_at=session.ends_at + services.check_in_grace()), status


@attendance_bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/check-in-code", methods=["GET", "POST"])
@allow(*STAFF)
def show_check_in_code(cohort_id: int, session_id: int):
    """The code to read out, and a button for a new one (when the code has spread beyond the session)."""
    session = run_session(cohort_id, session_id)
    form = NewCodeForm()
    now = utcnow()
    if form.validate_on_submit():
        if now >= session.ends_at + services.check_in_grace():
            flash(_("The session has ended: check-in is closed."), "error")
        else:
            services.new_check_in_code(session, current_user)
            db.session.commit()
            flash(_("The session has a new check-in code. The previous one no longer works."), "success")
        return redirect(url_for("attendance.show_check_in_code", cohort_id=cohort_id, session_id=session_id))
    return render_template("live/attendance/code.html", session=session, form=form,
                           code=services.check_in_code(session), is_open=services.check_in_open(session, now),
                           closes_at=session.ends_at + services.check_in_grace())


@attendance_bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance")
@allow(*STAFF)
def show_session_attendance(cohort_id: int, session_id: int):
    """Every trainee of the cohort with their entry for this session, a page at a time."""
    session = run_session(cohort_id, session_id)
    page = paginate(services.trainees_of(session.cohort))
    found = services.entries([session.id], [user.id for user in page.items])
    return render_template("live/attendance/session.html", session=session, page=page,
                           entries={user_id: entry for (user_id, _), entry in found.items()},
                           corrects=session.cohort.is_run_by(current_user))


def report_zone(name: str) -> tzinfo | None:
    """The time zone of a report's times: one of the portal's list (the upload form's choices), UTC when none
    was chosen; None for any other name (the confirmation's hidden field changed)."""
    if not name:
        return ZoneInfo("UTC")
    return ZoneInfo(name) if name in time_zone_names() else None


@attendance_bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance/report", methods=["GET", "POST"])
@allow(*STAFF)
def upload_report(cohort_id: int, session_id: int):
    """Check a meeting service's report and show what it would record; nothing is recorded yet."""
    session = run_session(cohort_id, session_id)
    form = ReportForm()
    if request.method == "GET":
        form.time_zone.data = current_user.time_zone or ""
    if not form.validate_on_submit():
        return render_template("live/attendance/report.html", session=session, form=form), \
            400 if request.method == "POST" else 200
    data = form.report.data.read(current_app.config["ATTENDANCE_REPORT_MAX_BYTES"] + 1)
    if len(data) > current_app.config["ATTENDANCE_REPORT_MAX_BYTES"]:
        return render_template("live/attendance/report.html", session=session, form=form, file_error=_(
            "The file is larger than %(size)d kB: this is not an attendance report.",
            size=current_app.config["ATTENDANCE_REPORT_MAX_BYTES"] // 1000)), 413
    filename = (form.report.data.filename or "report.csv")[:200]
    return _checked(session, data, filename, form.time_zone.data or "", form.only_good_rows.data, form)


def _checked(session: LiveSession, data: bytes, filename: str, zone_name: str, only_good_rows: bool,
             form: ReportForm, record: bool = False):
    zone = report_zone(zone_name)
    if zone is None:
        return render_template("live/attendance/report.html", session=session, form=form, file_error=_(
            "'%(zone)s' is not a time zone the portal knows. Upload the report again and choose its time zone.",
            zone=zone_name)), 400
    try:
        report = read_attendance_report(data, zone, session.starts_at.astimezone(zone).date())
    except ReportError as error:
        return render_template("live/attendance/report.html", session=session, form=form, file_error=str(error)), 422
    plan = services.plan_report(session, report)
    if record and (only_good_rows or not plan.problems):
        written = services.record_report(session, plan, current_user, filename, only_good_rows=only_good_rows)
        db.session.commit()
        flash(_("Attendance recorded from %(file)s: %(count)d trainees.", file=filename, count=written), "success")
        return redirect(url_for("attendance.show_session_attendance", cohort_id=session.cohort_id,
                                session_id=session.id))
    confirm = ConfirmReportForm(formdata=None, text=data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff")
                                                                else "utf-8-sig"),
                                filename=filename, time_zone=zone_name, only_good_rows="y" if only_good_rows else "")
    blocked = bool(plan.problems) and not only_good_rows
    return render_template("live/attendance/report.html", session=session, form=form, plan=plan, confirm=confirm,
                           blocked=blocked), 422 if blocked else 200


@attendance_bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance/report/confirm", methods=["POST"])
@allow(*STAFF)
def confirm_report(cohort_id: int, session_id: int):
    """Record the report checked before (read and matched again: all of it, or none)."""
    session = run_session(cohort_id, session_id)
    confirm = ConfirmReportForm()
    if not confirm.validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for("attendance.upload_report", cohort_id=cohort_id, session_id=session_id))
    text = confirm.text.data or ""
    if len(text) > current_app.config["ATTENDANCE_REPORT_MAX_BYTES"]:
        abort(413)
    return _checked(session, text.encode(), confirm.filename.data or "report.csv", confirm.time_zone.data or "",
                    confirm.only_good_rows.data == "y", ReportForm(formdata=None), record=True)


@attendance_bp.route("/cohorts/<int:cohort_id>/sessions/<int:session_id>/attendance/<int:user_id>",
                     methods=["GET", "POST"])
@allow(Role.COORDINATOR)
def correct_attendance(cohort_id: int, session_id: int, user_id: int):
    """A coordinator sets a trainee present or absent, with a reason."""
    session = coordinated_session(cohort_id, session_id)
    user = db.session.get(User, user_id)
    if user is None or not services.is_active_member(user, session.cohort):
        abort(404)
    entry = services.entry_of(session, user)
    form = CorrectionForm()
    if request.method == "GET" and entry is not None:
        form.attended.data = "yes" if entry.attended else "no"
    if form.validate_on_submit():
        services.correct(session, user, form.attended.data == "yes", form.reason.data or "", current_user)
        db.session.commit()
        flash(_("The attendance of %(name)s is corrected.", name=user.name), "success")
        return redirect(url_for("attendance.show_session_attendance", cohort_id=cohort_id, session_id=session_id))
    return render_template("live/attendance/correct.html", session=session, user=user, entry=entry, form=form), \
        400 if form.is_submitted() else 200


@attendance_bp.route("/cohorts/<int:cohort_id>/attendance")
@allow(Role.COORDINATOR)
def show_cohort_attendance(cohort_id: int):
    """Trainees by sessions: who attended what, a page of trainees at a time."""
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    if not cohort.is_run_by(current_user):
        abort(404)
    sessions = services.sessions_of(cohort)
    page = paginate(services.trainees_of(cohort))
    user_ids = [user.id for user in page.items]
    now = utcnow()
    # Where watching counts, a recording watched fills the trainee's cell when nothing else was recorded.
    watched = watched_session_ids(cohort.id, user_ids) if cohort.watched_recording_counts else {}
    return render_template("live/attendance/cohort.html", cohort=cohort, sessions=sessions, page=page, now=now,
                           entries=services.entries([s.id for s in sessions], user_ids), watched=watched,
                           figures=count_attendance(cohort, user_ids) or {})
