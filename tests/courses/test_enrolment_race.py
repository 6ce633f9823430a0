"""Parallel duplicate enrolments: every request succeeds as if the other had won, one enrolment is kept."""
import pytest
from sqlalchemy import func, select

from portal.courses.models import Enrolment
from portal.extensions import db
from tests.conftest import race

PARALLEL = 6


def test_parallel_enrolments_all_succeed_and_make_one_enrolment(app, database_url, make_user, make_course,
                                                               client_for):
    if not database_url.startswith("postgresql"):
        pytest.skip("parallel enrolment is tested on PostgreSQL (run with TEST_DATABASE_URL)")
    make_course()
    trainee = make_user()
    for attempt in range(3):  # a race is not won every time; three rounds make a loss very likely
        db.session.execute(Enrolment.__table__.delete())
        db.session.commit()
        clients = [client_for(trainee) for _ in range(PARALLEL)]
        statuses = race(clients, "/courses/test-course/enrol", "/courses/test-course", [{"key": ""}] * PARALLEL)
        assert statuses == [302] * PARALLEL, f"round {attempt}: {statuses}"
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
