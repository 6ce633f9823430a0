"""A cohort with a coordinator, a session lecturer, members in Cairo and Dili, and an outsider."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.extensions import db
from portal.live import services
from portal.live.models import LiveSession


@dataclass
class Edition:
    cohort: Cohort
    coordinator: User
    lecturer: User
    cairo: User
    dili: User
    outsider: User

    def add_session(self, title: str, starts_at: datetime, minutes: int = 90, join_url: str | None = None,
                    guests: list[tuple[str, str]] | None = None) -> LiveSession:
        session = services.save_session(
            self.cohort, None, self.coordinator, title=title, description="About **policy**.", starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes), join_url=join_url, course_id=None, module_key=None,
            lesson_key=None, lecturers=services.Lecturers([self.lecturer], guests or []))
        db.session.commit()
        return session


@pytest.fixture
def edition(make_course, make_user) -> Edition:
    make_course()
    coordinator = make_user(Role.COORDINATOR, name="Carmen Coordinator", email="carmen@example.org")
    lecturer = make_user(Role.LECTURER, name="Lucas Lecturer", email="lucas@example.org")
    cairo = make_user(name="Omar Farouk", email="omar@example.org")
    dili = make_user(name="Maria Soares", email="maria@example.org", language="fr")
    cairo.time_zone, dili.time_zone = "Africa/Cairo", "Asia/Dili"
    outsider = make_user(name="Lin Elsewhere", email="lin@example.org")
    cohort = Cohort(name="STI policy workshop", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12),
                    courses=[db.session.scalar(select(Course))], coordinators=[coordinator])
    db.session.add(cohort)
    db.session.flush()
    for member in (cairo, dili):
        cohorts.add_member(cohort, member, "manual")
    db.session.commit()
    return Edition(cohort, coordinator, lecturer, cairo, dili, outsider)


def in_minutes(minutes: int) -> datetime:
    return utcnow().replace(microsecond=0) + timedelta(minutes=minutes)
