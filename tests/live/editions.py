"""A workshop edition with live sessions: a coordinator, a lecturer, trainees, and sessions around now
(a fixture for the attendance tests here and the browser test)."""
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.extensions import db
from portal.live.models import LiveSession, SessionLecturer


@dataclass
class Edition:
    cohort: Cohort
    coordinator: User
    lecturer: User
    trainees: list[User]
    sessions: dict[str, LiveSession] = field(default_factory=dict)

    def add_session(self, key: str, starts_in: timedelta, minutes: int = 60, title: str = "") -> LiveSession:
        starts_at = utcnow() + starts_in
        session = LiveSession(cohort_id=self.cohort.id, title=title or f"Session {key}", starts_at=starts_at,
                              ends_at=starts_at + timedelta(minutes=minutes))
        session.lecturers.append(SessionLecturer(user_id=self.lecturer.id, position=0))
        db.session.add(session)
        db.session.commit()
        self.sessions[key] = session
        return session

    def url(self, key: str, path: str) -> str:
        return f"/cohorts/{self.cohort.id}/sessions/{self.sessions[key].id}/{path}"


@pytest.fixture
def edition(app, make_user, make_course) -> Edition:
    make_course()
    coordinator = make_user(Role.COORDINATOR, name="Carmen Coordinator", email="carmen@example.org")
    lecturer = make_user(Role.LECTURER, name="Luis Lecturer", email="luis@example.org")
    trainees = [make_user(name=name, email=email) for name, email in (
        ("Amina Haddad", "amina@example.org"), ("Bilal Khan", "bilal@example.org"),
        ("Chen Wei", "chen@example.org"), ("Dalia Farouk", "dalia@example.org"))]
    course = db.session.scalars(select(Course)).one()
    cohort = Cohort(name="STI Policy Workshop", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 12),
                    courses=[course], coordinators=[coordinator])
    db.session.add(cohort)
    db.session.flush()
    for trainee in trainees:
        cohorts.add_member(cohort, trainee, "manual")
    db.session.commit()
    return Edition(cohort, coordinator, lecturer, trainees)
