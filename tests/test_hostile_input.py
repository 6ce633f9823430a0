"""Hostile and unusual input: control characters and oversized numbers get a clear answer, never a 500;
what people type or upload is escaped in pages."""
import ast
from pathlib import Path
from urllib.parse import quote

import pytest
from markupsafe import escape
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cohorts.models import Cohort
from portal.courses.models import Course
from portal.extensions import db

NUL = "\x00"


@pytest.fixture
def course_id(make_course) -> int:
    make_course()
    return db.session.scalar(select(Course.id))


# (role that sends it, method, url, form data): each carries a NUL somewhere a person can type.
NUL_REQUESTS = [
    (None, "POST", "/login", {"email": f"a{NUL}@example.org", "password": "whatever-long"}),
    (None, "POST", "/signup", {"email": "new@example.org", "name": f"Nul{NUL}Name", "password": "x" * 12}),
    (None, "POST", "/password/forgot", {"email": f"x{NUL}@example.org"}),
    (None, "GET", f"/courses?q=policy{NUL}", None),
    (None, "GET", f"/courses?topic=AI{NUL}", None),
    (None, "GET", f"/courses/test{NUL}course", None),
    (None, "GET", f"/media/{'0' * 64}/a{NUL}.png", None),
    (None, "GET", f"/verify?code=AB{NUL}CD", None),
    (None, "GET", f"/verify/AB{NUL}CD", None),
    (Role.TRAINEE, "POST", "/profile", {"name": f"Amina{NUL}", "email": "amina@example.org", "country": "DZ",
                                        "organisation": f"Min{NUL}", "job_title": "", "gender": "female",
                                        "language": "en"}),
    (Role.TRAINEE, "POST", "/cohorts/join", {"key": f"KEY{NUL}"}),
    (Role.TRAINEE, "POST", "/courses/test-course/enrol", {"key": f"key{NUL}"}),
    (Role.TRAINEE, "GET", f"/learn/test-course/lessons/a{NUL}b", None),
    (Role.COORDINATOR, "POST", "/cohorts/new", {"name": f"Workshop{NUL}", "starts_on": "2026-12-01",
                                                "ends_on": "2026-12-12", "enrolment_key": f"K{NUL}"}),
    (Role.COORDINATOR, "GET", f"/certificates/manage?q=Amina{NUL}", None),
    (Role.COORDINATOR, "POST", "/certificates/ABCD/revoke", {"reason": f"fraud{NUL}"}),
    (Role.COORDINATOR, "POST", "/certificates/ABCD/reissue", {"name": f"Aicha{NUL}"}),
    (Role.ADMIN, "GET", f"/admin/users?q=a{NUL}", None),
    (Role.ADMIN, "GET", f"/admin/audit?action=x{NUL}", None),
    (Role.LECTURER, "POST", "/teach/test-course/key", {"key": f"k{NUL}"}),
    (None, "GET", "/courses?q=bell\x07", None),
    (None, "GET", "/courses?q=esc\x1b[0m", None),
    (None, "GET", f"/courses?{NUL}=policy", None),
]


@pytest.mark.parametrize("role, method, url, data", NUL_REQUESTS,
                         ids=[f"{m} {u.split('?')[0]}" for _, m, u, _ in NUL_REQUESTS])
def test_control_characters_are_refused_with_a_clear_400(app, client, login_as, course_id,
                                                         role, method, url, data):
    if role is not None:
        login_as(role)
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.open(url, method=method, data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400, body
    assert "characters that are not allowed" in body
    assert 'id="main"' in body


@pytest.mark.parametrize("content_type", ["multipart/form-data", "application/x-www-form-urlencoded; charset=UTF-8"])
def test_control_characters_in_a_form_of_either_encoding_are_refused(app, client, login_as, course_id, content_type):
    login_as(Role.COORDINATOR)
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/cohorts/new", data={"name": f"Workshop{NUL}", "starts_on": "2026-12-01"},
                           content_type=content_type)
    assert response.status_code == 400
    assert "characters that are not allowed" in response.get_data(as_text=True)


def test_the_refusal_speaks_the_users_language(app, client):
    client.submit("/language", {"language": "fr", "next": "/"}, page="/")
    response = client.get(f"/courses?q=x{NUL}")
    assert response.status_code == 400
    assert '<html lang="fr"' in response.get_data(as_text=True)


def test_tabs_and_line_breaks_are_still_welcome(app, client, login_as):
    login_as(Role.TRAINEE, email="amina@example.org")
    response = client.submit("/profile", {"name": "Amina Haddad", "email": "amina@example.org", "country": "DZ",
                                          "organisation": "Ministry\tof\r\nScience", "job_title": "",
                                          "gender": "female", "language": "en"})
    assert response.status_code == 302
    assert client.get("/courses?q=a\tb").status_code == 200


# Numbers out of any sensible range: a form error or a 404, never an OverflowError or a DataError.
HUGE = "9" * 400


def cohort_form(course_id: int, **fields: str) -> dict:
    form = {"name": "Workshop", "starts_on": "2026-12-01", "ends_on": "2026-12-12", "courses": str(course_id)}
    form.update(fields)
    return form


@pytest.mark.parametrize("seats", [HUGE, "9" * 5000, "2147483648", "-1", "1e400", "0"])
def test_a_seat_count_out_of_range_is_a_form_error(app, client, login_as, course_id, seats):
    login_as(Role.COORDINATOR)
    response = client.submit("/cohorts/new", cohort_form(course_id, seat_cap=seats))
    assert response.status_code in (200, 400), response.status_code
    assert "Seats" in response.get_data(as_text=True)
    assert db.session.scalar(select(Cohort.id)) is None


def test_a_course_choice_out_of_range_is_a_form_error(app, client, login_as, course_id):
    login_as(Role.COORDINATOR)
    response = client.submit("/cohorts/new", cohort_form(course_id, courses=HUGE))
    assert response.status_code in (200, 400)
    assert db.session.scalar(select(Cohort.id)) is None


@pytest.mark.parametrize("role, url", [
    (Role.COORDINATOR, f"/cohorts/{HUGE}"),
    (Role.COORDINATOR, f"/cohorts/{HUGE}/edit"),
    (Role.COORDINATOR, f"/cohorts/1/trainees/{HUGE}"),
    (Role.COORDINATOR, f"/cohorts/{'9' * 5000}"),
    (Role.COORDINATOR, "/cohorts/2147483648"),
    (Role.TRAINEE, f"/learn/test-course/attempts/{HUGE}"),
    (Role.LECTURER, f"/teach/test-course/revisions/{HUGE}"),
])
def test_ids_in_addresses_out_of_range_are_not_found(app, client, login_as, course_id, role, url):
    login_as(role)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role, url", [
    (Role.ADMIN, "/admin/users"),
    (Role.ADMIN, "/admin/audit"),
    (Role.COORDINATOR, "/certificates/manage"),
])
@pytest.mark.parametrize("page", [HUGE, "9" * 5000, "99999999999999999999", "-3"])
def test_page_numbers_out_of_range_are_not_found(app, client, login_as, role, url, page):
    login_as(role)
    response = client.get(f"{url}?page={page}")
    assert response.status_code == 404, response.status_code


def test_ordinary_page_numbers_still_work(app, client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/admin/users?page=1").status_code == 200
    assert client.get("/admin/users?page=7").status_code == 404  # past the last page
    assert client.get("/admin/users?page=abc").status_code == 200
    assert client.get("/admin/users?page=²").status_code == 200, "a digit int() refuses is no page number"


@pytest.mark.parametrize("query", ["cohort=²", "assignment=①", "cohort=¹&assignment=³"])
def test_queue_filters_in_digits_int_refuses_show_the_whole_queue(app, client, login_as, query):
    login_as(Role.LECTURER)
    assert client.get(f"/reviews?{query}").status_code == 200


def test_a_session_cookie_with_odd_digits_signs_no_one_in(app):
    from portal.accounts.views import load_user

    with app.test_request_context():
        assert load_user("²:1:token") is None and load_user("1:³:token") is None


def test_a_two_step_code_in_other_digits_is_refused_not_an_error():
    import pyotp

    from portal.accounts.two_step import _matching_step

    secret = pyotp.random_base32()
    assert _matching_step(secret, "²²²²²²") is None and _matching_step(secret, "١٢٣٤٥٦") is None


def test_inactive_days_out_of_range_are_clamped(app, client, login_as, course_id):
    login_as(Role.COORDINATOR)
    response = client.submit("/cohorts/new", cohort_form(course_id))
    cohort = response.headers["Location"]
    for days in (HUGE, "9" * 5000, "-5"):
        assert client.get(f"{cohort}?inactive_days={days}").status_code == 200


def test_lazy_text_escapes_the_values_filled_in(app):
    from portal.i18n import lazy_text
    with app.test_request_context():
        assert str(escape(lazy_text("'%(email)s' is not a valid email address", email="<b>x</b>"))) == \
            "&#39;&lt;b&gt;x&lt;/b&gt;&#39; is not a valid email address"


def test_lazy_strings_with_values_are_text_not_html():
    """Flask-Babel's lazy strings count as safe HTML: values are filled into lazy strings only through
    portal.i18n's lazy_text (imported as `_l`), which escapes them in pages."""
    offenders = []
    for path in sorted(Path("portal").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        babel_lazy = {alias.asname or alias.name for node in ast.walk(tree)
                      if isinstance(node, ast.ImportFrom) and node.module == "flask_babel"
                      for alias in node.names if alias.name.startswith("lazy_")}
        offenders += [f"{path}:{node.lineno}" for node in ast.walk(tree)
                      if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                      and node.func.id in babel_lazy and node.keywords]
    assert offenders == []


@pytest.mark.parametrize("name", ["note\x00.pdf", "note\none.pdf", "note\r.pdf", "note\t.pdf", "note\x7f.pdf"])
def test_a_file_whose_name_holds_a_control_character_is_refused_with_a_clear_400(app, client, login_as, name):
    """Werkzeug decodes such a name from RFC 2231's filename* (no browser sends one): kept, it would end in
    PostgreSQL's refusal of NUL, or in a download no Content-Disposition can name."""
    login_as(Role.TRAINEE)
    token = client.csrf_token("/profile")
    body = (f'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f"--B\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''{quote(name)}\r\n"
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--B--\r\n").encode()
    response = client.post("/learn/test-course/assignments/note", data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400
    assert "characters that are not allowed" in response.get_data(as_text=True)
