"""A published course, trainees who completed it, a coordinator's cohort and a lecturer: for survey tests."""
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.extensions import db
from portal.learning.models import CourseCompletion
from portal.surveys import services
from portal.surveys.models import Survey, SurveyKind
from tests.discussion.conftest import make_cohort

#: Answers to the built-in end-of-course evaluation, as its form sends them.
GOOD_ANSWERS = {"q_relevant": "5", "q_objectives": "4", "q_materials": "4", "q_workload": "1", "q_recommend": "9",
                "q_best": "The case studies", "q_improve": ""}


def complete(user: User, course: Course, when: datetime | None = None) -> CourseCompletion:
    """Record that `user` completed `course` (as the learning package does, without walking the lessons)."""
    assert course.published_revision_id is not None
    completion = CourseCompletion(user_id=user.id, course_id=course.id, revision_id=course.published_revision_id,
                                  completed_at=when or utcnow())
    db.session.add(completion)
    db.session.commit()
    return completion


def answers(relevant: int = 4, recommend: int = 9, best: str = "", workload: int = 1) -> dict:
    """Answers to the built-in end-of-course evaluation, as stored."""
    given = {"relevant": relevant, "objectives": 4, "materials": 3, "workload": workload, "recommend": recommend}
    if best:
        given["best"] = best
    return given


@dataclass
class Setting:
    course: Course
    coordinator: User
    lecturer: User
    trainees: list[User]

    def course_survey(self) -> Survey:
        key, definition = services.course_survey(self.course)
        return services.ensure_survey(key, SurveyKind.COURSE, definition, course_id=self.course.id)


@pytest.fixture
def setting(make_course, make_user) -> Setting:
    make_course()
    course = db.session.scalar(select(Course))
    lecturer = make_user(Role.LECTURER, name="Lena Lecturer")
    course.lecturers = [lecturer]
    coordinator = make_user(Role.COORDINATOR, name="Carmen Coordinator")
    trainees = [make_user(name=f"Trainee {number}", email=f"trainee{number}@example.org") for number in range(7)]
    make_cohort("February 2026", coordinator, trainees)
    db.session.commit()
    return Setting(course, coordinator, lecturer, trainees)
