"""`flask setup` gives a person a workshop edition to run: the demo coordinator's cohort with the demo trainee,
a sample course and a programme of three sessions (one past with a recording, one today, one next week), once."""
from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.db_types import utcnow
from portal.extensions import db
from portal.live import services
from portal.live.models import LiveSession, Recording


def test_setup_gives_a_demo_edition_with_three_sessions_once(app, runner):
    app.config["LOAD_SAMPLE_COURSES"] = True
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    year = utcnow().year
    assert f"Demo cohort AI capacity workshop {year} (online): a programme of three live sessions" in result.output
    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0 and "its programme kept" in again.output
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 1
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 3

    cohort = cohorts.demo_cohort()
    trainee = db.session.scalar(select(User).where(User.email == "trainee@example.org"))
    assert [coordinator.email for coordinator in cohort.coordinators] == ["coordinator@example.org"]
    assert cohorts.member_ids(cohort) == {trainee.id}
    assert [course.slug for course in cohort.courses] == ["national-ai-capacity"]
    assert cohort.attendance_required_percent == 70

    now = utcnow()
    past, today, next_week = services.programme(cohort.id)
    assert past.has_ended(now) and today.is_live(now) and next_week.starts_at - now > timedelta(days=6)
    assert db.session.scalar(select(Recording.video_url).where(Recording.session_id == past.id))
    assert services.shows_join_link(trainee, today, now)
    assert (today.course.slug, today.lesson_key) == ("national-ai-capacity", "ai-competency-frameworks")
    assert [lecturer.display_name for lecturer in today.lecturers] == ["Lucas Lecturer", "Dr. Nadia Haddad"]


def test_setup_leaves_a_cohort_the_demo_coordinator_already_runs(runner):
    assert runner.invoke(args=["setup"]).exit_code == 0
    cohort = cohorts.demo_cohort()
    assert cohort.courses == [], "no sample courses imported: the edition has none"
    for session_id in services.session_ids_for_cohort(cohort.id):
        db.session.delete(db.session.get(LiveSession, session_id))
    services.save_session(cohort, None, None, title="Our own session", description="", starts_at=utcnow(),
                          ends_at=utcnow() + timedelta(hours=1), join_url=None, course_id=None, module_key=None,
                          lesson_key=None, lecturers=services.Lecturers([], []))
    db.session.commit()
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert [session.title for session in services.programme(cohort.id)] == ["Our own session"]
