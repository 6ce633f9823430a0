"""Parallel duplicate enrolments: every request succeeds as if the other had won, one enrolment is kept."""
import threading

import pytest
from sqlalchemy import func, select

from portal.courses.models import Enrolment
from portal.extensions import db
from tests.conftest import PortalClient

PARALLEL = 6


def race(clients: list[PortalClient], url: str, page: str) -> list[int]:
    """POST `url` from every client at the same moment; the status of each answer (500 if it raised)."""
    tokens = [client.csrf_token(page) for client in clients]
    barrier, statuses = threading.Barrier(len(clients)), []

    def send(client: PortalClient, token: str) -> None:
        barrier.wait()
        try:
            statuses.append(client.post(url, data={"csrf_token": token, "key": ""}).status_code)
        except Exception:  # noqa: BLE001 - what a WSGI server turns into a bare 500
            statuses.append(500)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


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
        statuses = race(clients, "/courses/test-course/enrol", "/courses/test-course")
        assert statuses == [302] * PARALLEL, f"round {attempt}: {statuses}"
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
