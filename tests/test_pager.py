"""Every long list has the same pager: page 2 is reachable from page 1, and the filters stay on."""
import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import record
from portal.certificates.models import Certificate
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.extensions import db
from portal.learning.models import CourseCompletion


def next_link(page: str) -> str:
    match = re.search(r'<nav aria-label="Pages" class="pager">.*?<a rel="next" href="([^"]+)">', page, re.DOTALL)
    assert match, "page 1 has no link to the next page"
    return html.unescape(match.group(1))


def follow(client, url: str, **filters: str) -> tuple[str, str]:
    """Page 1 and page 2 of a list, reached through page 1's own link; the link keeps the filters."""
    first = client.get(url)
    assert first.status_code == 200
    link = next_link(first.get_data(as_text=True))
    query = parse_qs(urlsplit(link).query)
    assert query["page"] == ["2"] and {key: query[key] for key in filters} == {k: [v] for k, v in filters.items()}
    second = client.get(link)
    assert second.status_code == 200
    page = second.get_data(as_text=True)
    assert 'rel="prev"' in page and 'rel="next"' not in page and "Page 2 of 2" in page
    return first.get_data(as_text=True), page


@pytest.fixture
def small_pages(app):
    app.config["PAGE_SIZE"] = 2


def test_audit_log_pages_keep_the_kind_of_action(client, login_as, small_pages):
    admin = login_as(Role.ADMIN)
    for number in range(3):
        record(admin, "cohort.created", f"Cohort {number}")
    record(admin, "role.changed", "someone@example.org")
    db.session.commit()
    first, second = follow(client, "/admin/audit?action=cohort", action="cohort")
    assert "Cohort 2" in first and "Cohort 1" in first and "Cohort 0" in second
    assert "someone@example.org" not in first + second


def test_users_pages_keep_the_search_and_role(client, login_as, make_user, small_pages):
    login_as(Role.ADMIN)
    for number in range(3):
        make_user(Role.LECTURER, name=f"Pager Lecturer {number}")
    make_user(Role.TRAINEE, name="Pager Trainee")
    first, second = follow(client, "/admin/users?q=pager&role=lecturer", q="pager", role="lecturer")
    names = re.findall(r"<td>(Pager [^<]+)</td>", first + second)
    assert sorted(names) == ["Pager Lecturer 0", "Pager Lecturer 1", "Pager Lecturer 2"]


def test_cohort_list_pages(client, login_as, make_course, small_pages):
    make_course()
    coordinator = login_as(Role.COORDINATOR)
    for number in range(3):
        cohort = Cohort(name=f"Edition {number}", starts_on=utcnow().date() + timedelta(days=number),
                        ends_on=utcnow().date() + timedelta(days=30))
        cohort.coordinators.append(coordinator)
        db.session.add(cohort)
    db.session.commit()
    first, second = follow(client, "/cohorts")
    assert "Edition 2" in first and "Edition 0" in second and "Edition 0" not in first


def test_certificates_management_pages_keep_the_search(client, login_as, make_user, make_course):
    make_course()
    course = db.session.scalar(select(Course))
    trainee = make_user(Role.TRAINEE)
    completion = CourseCompletion(user_id=trainee.id, course_id=course.id, revision_id=course.published_revision_id)
    db.session.add(completion)
    db.session.flush()
    start = utcnow()
    for number in range(52):
        db.session.add(Certificate(
            code=f"PAGER{number:04d}", completion_id=completion.id, sequence=number, user_id=trainee.id,
            course_id=course.id, revision_id=course.published_revision_id,
            recipient_name=f"Pager Person {number}" if number else "Someone Else", course_title="Testing",
            course_slug=course.slug, revision_number=1, hours=1.0, language="en", issuer_name="Portal",
            issued_at=start + timedelta(minutes=number), status_index=1000 + number,
            credential_json="{}", credential_jwt=""))
    db.session.commit()
    login_as(Role.ADMIN)
    first, second = follow(client, "/certificates/manage?q=pager", q="pager")
    assert "Pager Person 51" in first and "Pager Person 1<" in second and "Someone Else" not in first + second


@pytest.mark.parametrize("url", ["/admin/audit", "/admin/users", "/cohorts", "/certificates/manage"])
def test_a_page_past_the_last_is_not_found_and_an_empty_list_has_its_first_page(client, login_as, url):
    login_as(Role.ADMIN)
    assert client.get(url).status_code == 200
    assert client.get(f"{url}?page=1").status_code == 200
    assert client.get(f"{url}?page=99").status_code == 404
