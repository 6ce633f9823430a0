"""The review queue: narrowed to a cohort or an assignment, a page at a time, in a fixed number of queries."""
from textwrap import dedent

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.assignments.conftest import make_people
from tests.assignments.test_reviewing import hand_in, queries_of
from tests.discussion.conftest import make_cohort

BRIEF_PAGE = "/learn/test-course/assignments/policy-brief"
POLICY_BRIEF = dedent("""\
    key: policy-brief
    title: A policy brief
    instructions: Write a one-page brief.
    submission: {text: true}
    rubric:
      - id: clarity
        title: Clarity
        levels:
          - {points: 0, descriptor: Unclear.}
          - {points: 2, descriptor: Clear.}
    pass_mark: 50
    """)


@pytest.fixture
def people(make_course, make_user) -> dict[str, User]:
    return make_people(make_course, make_user, {"02-measuring/assignment-brief.yaml": POLICY_BRIEF})


def brief(client, text: str = "A brief.") -> None:
    client.submit(BRIEF_PAGE, {"text": text, "submit": "Hand in"})


def names_in(page: str) -> list[str]:
    return [name for name in ("Amina Diallo", "Bilal Khan", "Noor Haddad") if name in page]


def test_the_queue_is_narrowed_to_a_cohort_or_an_assignment(client_for, make_user, people):
    noor = make_user(name="Noor Haddad", email="noor@example.org")
    tunis = make_cohort("Atelier de Tunis", people["coordinator"], [people["amina"], noor])
    dili = make_cohort("Dili workshop", people["other_coordinator"], [people["bilal"]])
    amina, bilal, noor_client = client_for(people["amina"]), client_for(people["bilal"]), client_for(noor)
    hand_in(amina)
    brief(bilal)
    brief(noor_client)
    staff = client_for(people["lecturer"])
    page = staff.get("/reviews").get_data(as_text=True)
    assert names_in(page) == ["Amina Diallo", "Bilal Khan", "Noor Haddad"]
    assert "3 pieces of work are waiting" in page
    assert ">Atelier de Tunis (2)</option>" in page and ">Dili workshop (1)</option>" in page
    assert ">A policy brief (2)</option>" in page
    assert names_in(staff.get(f"/reviews?cohort={tunis.id}").get_data(as_text=True)) == ["Amina Diallo", "Noor Haddad"]
    assert names_in(staff.get(f"/reviews?cohort={dili.id}").get_data(as_text=True)) == ["Bilal Khan"]
    brief_id = db.session.scalar(select(db.metadata.tables["assignments"].c.id).where(
        db.metadata.tables["assignments"].c.key == "policy-brief"))
    narrowed = staff.get(f"/reviews?cohort={tunis.id}&assignment={brief_id}").get_data(as_text=True)
    assert names_in(narrowed) == ["Noor Haddad"] and "1 piece of work is waiting" in narrowed
    # The coordinator of Tunis sees, and may narrow to, only their cohort; a cohort not theirs shows the whole queue.
    carmen = client_for(people["coordinator"])
    theirs = carmen.get("/reviews").get_data(as_text=True)
    assert names_in(theirs) == ["Amina Diallo", "Noor Haddad"] and "Dili workshop" not in theirs
    assert names_in(carmen.get(f"/reviews?cohort={dili.id}").get_data(as_text=True)) == ["Amina Diallo", "Noor Haddad"]
    for outsider in ("other_lecturer",):
        page = client_for(people[outsider]).get(f"/reviews?cohort={tunis.id}&assignment={brief_id}").get_data(as_text=True)
        assert names_in(page) == [] and "Atelier de Tunis" not in page and "A policy brief" not in page
    assert staff.get("/reviews?page=2").status_code == 404


def test_the_queue_is_paged_in_a_fixed_number_of_queries(app, client_for, make_user, people):
    app.config["ASSIGNMENT_QUEUE_SIZE"] = 2
    staff = client_for(people["lecturer"])
    make_cohort("Atelier de Tunis", people["coordinator"], [people["amina"]])
    hand_in(client_for(people["amina"]))
    one = queries_of(staff, ["/reviews"])
    members = [make_user(name=f"Trainee {n}", email=f"t{n}@example.org") for n in range(4)]
    another = make_cohort("Another workshop", people["coordinator"], members)
    for member in members:
        brief(client_for(member))
    assert queries_of(staff, ["/reviews", "/reviews?page=2", f"/reviews?page=2&cohort={another.id}"]) == one * 3
    first = staff.get("/reviews").get_data(as_text=True)
    assert "5 pieces of work are waiting" in first and "Page 1 of 3" in first and 'rel="next"' in first
    third = staff.get("/reviews?page=3").get_data(as_text=True)
    assert "Trainee 3" in third and "Amina Diallo" not in third
