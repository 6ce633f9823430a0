"""People and cohorts for the discussion tests: a cohort on the test course with its coordinator, a lecturer
of the course, two trainees, and another cohort whose member must not read the first one's discussion."""
import secrets
from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.cohorts import services as cohorts
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.discussion.models import Post
from portal.extensions import db

LESSON_URL = "/learn/test-course/lessons/what-is-rd"


def make_cohort(name: str, coordinator: User, members: list[User], starts_on: date = date(2026, 12, 1)) -> Cohort:
    cohort = Cohort(name=name, starts_on=starts_on, ends_on=date(2026, 12, 12),
                    courses=[db.session.scalar(select(Course))], coordinators=[coordinator])
    db.session.add(cohort)
    db.session.flush()
    for member in members:
        cohorts.add_member(cohort, member, "manual")
    db.session.commit()
    return cohort


@pytest.fixture
def people(make_course, make_user) -> dict[str, User]:
    make_course()
    lecturer = make_user(Role.LECTURER, name="Lena Lecturer", email="lena@example.org")
    course = db.session.scalar(select(Course))
    course.lecturers = [lecturer]
    db.session.commit()
    return {
        "coordinator": make_user(Role.COORDINATOR, name="Carmen Coordinator", email="carmen@example.org"),
        "lecturer": lecturer,
        "amina": make_user(name="Amina Diallo", email="amina@example.org"),
        "bilal": make_user(name="Bilal Khan", email="bilal@example.org"),
        "outsider": make_user(name="Lin Elsewhere", email="lin@example.org"),
    }


@pytest.fixture
def cohort(people) -> Cohort:
    make_cohort("Other workshop", people["coordinator"], [people["outsider"]])
    return make_cohort("Atelier de Tunis", people["coordinator"], [people["amina"], people["bilal"]])


def token() -> str:
    return secrets.token_urlsafe(24)


def start(client, cohort_id: int, title: str = "Where is the reading list?", body: str = "Has anyone found it?",
          **extra):
    return client.submit(f"/cohorts/{cohort_id}/discussion",
                         {"title": title, "body": body, "token": token(), **extra})


def reply(client, thread_id: int, body: str = "It is in **module 1**.", **extra):
    return client.submit(f"/discussion/threads/{thread_id}", {"body": body, "token": token(), **extra})


def posts() -> list[Post]:
    db.session.expire_all()
    return list(db.session.scalars(select(Post).order_by(Post.id)))
