"""`flask setup` gives the demo cohort a programme of three sessions, once."""
from datetime import date, timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.db_types import utcnow
from portal.extensions import db
from portal.live import services
from portal.live.models import LiveSession, Recording


def test_setup_gives_the_demo_cohort_a_programme_once(runner):
    assert runner.invoke(args=["setup"]).exit_code == 0
    assert db.session.scalar(select(LiveSession.id)) is None, "no demo cohort, no programme"
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@example.org"))
    trainee = db.session.scalar(select(User).where(User.email == "trainee@example.org"))
    cohort = Cohort(name="Demo workshop", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12), coordinators=[coordinator])
    db.session.add(cohort)
    db.session.flush()
    cohorts.add_member(cohort, trainee, "manual")
    db.session.commit()

    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "Demo cohort Demo workshop: a programme of three live sessions" in result.output
    runner.invoke(args=["setup"])
    sessions = services.programme(cohort.id)
    assert len(sessions) == 3
    now = utcnow()
    past, today, next_week = sessions
    assert past.has_ended(now) and today.is_live(now) and next_week.starts_at - now > timedelta(days=6)
    assert db.session.scalar(select(Recording.video_url).where(Recording.session_id == past.id))
    assert services.shows_join_link(trainee, today, now)
