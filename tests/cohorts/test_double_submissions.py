"""A coordinator's forms sent twice, one after the other (the back button) or at the same moment (a double
click, two tabs): each thing is made once, and every answer is a page, never a 500."""
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.cohorts.models import Cohort, cohort_coordinators
from portal.courses.models import Course, course_lecturers
from portal.extensions import db
from tests.conftest import race
from tests.discussion.conftest import make_cohort


def new_cohort_form(client, key: str = "") -> dict:
    """The new-cohort form as the browser shows it: its one-use token included."""
    page = client.get("/cohorts/new").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert token, "the form carries a one-use token"
    return {"name": "Atelier de Tunis", "starts_on": "2027-01-04", "ends_on": "2027-01-15", "seat_cap": "30",
            "enrolment_key": key, "courses": str(db.session.scalar(select(Course.id))),
            "token": token.group(1)}


def cohorts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Cohort))


@pytest.fixture
def coordinator(make_course, make_user):
    make_course()
    return make_user(Role.COORDINATOR)


def test_the_same_new_cohort_form_sent_again_makes_no_second_cohort(client_for, coordinator):
    client = client_for(coordinator)
    form = new_cohort_form(client)
    first = client.submit("/cohorts/new", form)
    again = client.submit("/cohorts/new", form)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert cohorts() == 1
    other = client.submit("/cohorts/new", new_cohort_form(client))  # a new form is a new cohort
    assert other.status_code == 302 and cohorts() == 2


def pg_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("parallel requests are tested on PostgreSQL (run with TEST_DATABASE_URL)")


def test_a_new_cohort_form_sent_four_times_at_once_makes_one_cohort(database_url, client_for, coordinator):
    pg_only(database_url)
    clients = [client_for(coordinator) for _ in range(4)]
    form = new_cohort_form(clients[0], key="TUNIS-2027")
    statuses = race(clients, "/cohorts/new", "/cohorts/new", [form] * 4)
    assert statuses == [302] * 4 and cohorts() == 1


def test_two_new_cohorts_taking_one_key_at_once_make_one_with_it(database_url, client_for, coordinator):
    pg_only(database_url)
    clients = [client_for(coordinator) for _ in range(4)]
    forms = [new_cohort_form(client, key="TUNIS-2027") for client in clients]
    statuses = race(clients, "/cohorts/new", "/cohorts/new", forms)
    assert sorted(statuses) == [302, 409, 409, 409] and cohorts() == 1


def test_a_double_click_on_add_coordinator_adds_them_once(database_url, client_for, coordinator, make_user):
    pg_only(database_url)
    make_user(Role.COORDINATOR, email="olga@example.org")
    cohort = make_cohort("Workshop", coordinator, [])
    clients = [client_for(coordinator) for _ in range(4)]
    statuses = race(clients, f"/cohorts/{cohort.id}/coordinators", f"/cohorts/{cohort.id}",
                    [{"email": "olga@example.org"}] * 4)
    assert statuses == [302] * 4
    assert db.session.scalar(select(func.count()).select_from(cohort_coordinators)) == 2


def test_a_double_click_on_assign_lecturer_assigns_them_once(database_url, client_for, coordinator, make_user):
    pg_only(database_url)
    admin = make_user(Role.ADMIN)
    make_user(Role.LECTURER, email="lena@example.org")
    clients = [client_for(admin) for _ in range(4)]
    statuses = race(clients, "/teach/test-course/lecturers", "/teach/test-course", [{"email": "lena@example.org"}] * 4)
    assert statuses == [302] * 4
    assert db.session.scalar(select(func.count()).select_from(course_lecturers)) == 1
