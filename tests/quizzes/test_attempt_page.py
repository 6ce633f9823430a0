"""What an attempt page sends to the browser, and what the server accepts back from it."""
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.quizzes import services
from portal.quizzes.models import AttemptAnswer, QuizAttempt
from tests.learning.helpers import RIGHT, WRONG, field_names, form_for, start

AUTHORED_IDS = {"a", "b", "c"}
CHOICE_INPUT = re.compile(r'<input[^>]*type="(?:radio|checkbox)"[^>]*>')


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course()
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def attempt_url(attempt_id: int) -> str:
    return f"/learn/test-course/attempts/{attempt_id}"


def quiz_form(html: str) -> str:
    start = html.index('<form method="post" class="quiz"')
    return html[start:html.index("</form>", start)]


def choice_values(html: str, name: str) -> list[str]:
    """The values the page gives the choices of the question whose field is `name`, in page order."""
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in CHOICE_INPUT.findall(quiz_form(html))
            if f'name="{name}"' in tag]


def test_choice_values_differ_between_attempts_and_are_never_the_authored_ids(client, trainee):
    first = start(client)
    first_page = client.get(attempt_url(first)).get_data(as_text=True)
    client.submit(attempt_url(first), form_for(first, WRONG))
    second = start(client)
    second_page = client.get(attempt_url(second)).get_data(as_text=True)
    names = field_names(db.session.get(QuizAttempt, first).quiz_version_id)

    values = {}
    for attempt_id, page in ((first, first_page), (second, second_page)):
        values[attempt_id] = choice_values(page, names["frascati"]) + choice_values(page, names["instruments"])
        assert len(values[attempt_id]) == 5 and len(set(values[attempt_id])) == 5
        assert not set(values[attempt_id]) & AUTHORED_IDS, "an authored choice id reached the page"
    assert not set(values[first]) & set(values[second]), "two attempts share a choice value"


def test_nothing_else_in_the_form_carries_an_authored_choice_id(client, trainee):
    attempt_id = start(client)
    form = quiz_form(client.get(attempt_url(attempt_id)).get_data(as_text=True))
    # The CSRF token and the per-attempt choice values are random (the test above checks the values):
    # a "-a-" inside one of them is chance, not an authored id, so they are taken out before looking.
    tags = [tag for tag in re.findall(r"<[^>]+>", form) if 'name="csrf_token"' not in tag]
    random_values = {value for tag in tags if re.search(r'type="(?:radio|checkbox)"|<option', tag)
                     for value in re.findall(r'\svalue="([^"]+)"', tag)} - AUTHORED_IDS
    for tag in tags:
        for attribute, value in re.findall(r'\s((?:id|for|value|name|data-[\w-]+))="([^"]*)"', tag):
            structured = value
            for random_value in sorted(random_values, key=len, reverse=True):
                structured = structured.replace(random_value, "")
            parts = set(re.split(r"[-_:]", structured))
            assert not parts & AUTHORED_IDS, f'{attribute}="{value}" names an authored choice id'


def test_saved_choices_are_shown_again_when_the_attempt_is_resumed(client, trainee):
    attempt_id = start(client)
    sent = form_for(attempt_id, {"frascati": "a", "instruments": ["b"]}, action="save")
    client.submit(attempt_url(attempt_id), sent)
    names = field_names(db.session.get(QuizAttempt, attempt_id).quiz_version_id)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).answers == {names["frascati"][1:]: "a",
                                                                names["instruments"][1:]: ["b"]}
    page = client.get(attempt_url(attempt_id)).get_data(as_text=True)
    checked = {re.search(r'value="([^"]*)"', tag).group(1) for tag in CHOICE_INPUT.findall(quiz_form(page))
               if "checked" in tag}
    assert checked == {sent[names["frascati"]], *sent[names["instruments"]]}


@pytest.mark.parametrize(("question", "sent"), [
    ("frascati", "a"),                    # the authored id, read from the quiz file or guessed
    ("frascati", "not-one-of-ours"),
    ("instruments", ["a", "b"]),
    ("gerd", "maybe"),
])
@pytest.mark.parametrize("action", ["save", "submit"])
def test_forged_choice_values_are_refused_with_a_message(client, trainee, question, sent, action):
    attempt_id = start(client)
    names = field_names(db.session.get(QuizAttempt, attempt_id).quiz_version_id)
    response = client.submit(attempt_url(attempt_id), {names[question]: sent, action: "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "not one of this question&#39;s choices" in page or "not one of this question's choices" in page
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.is_open and attempt.answers == {}
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == 0


def test_a_value_from_another_attempt_is_refused(client, trainee):
    first = start(client)
    stale = form_for(first, {"frascati": "a"})
    client.submit(attempt_url(first), form_for(first, WRONG))
    second = start(client)
    response = client.submit(attempt_url(second), stale)
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(QuizAttempt, second).is_open


def test_more_ticks_than_choices_are_refused(client, trainee):
    attempt_id = start(client)
    names = field_names(db.session.get(QuizAttempt, attempt_id).quiz_version_id)
    ticked = form_for(attempt_id, {"instruments": ["a"]})[names["instruments"]]
    response = client.submit(attempt_url(attempt_id), {names["instruments"]: ticked * 4, "save": "1"})
    assert response.status_code == 422
    assert "more choices than the question has" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).answers == {}


@pytest.mark.parametrize(("question", "limit"), [("manual-name", 300), ("intensity", 40)])
@pytest.mark.parametrize("action", ["save", "submit"])
def test_answers_longer_than_their_type_allows_are_refused_not_stored(client, trainee, question, limit, action):
    attempt_id = start(client)
    url = attempt_url(attempt_id)
    client.submit(url, form_for(attempt_id, {"manual-name": "Oslo"}, action="save"))
    names = field_names(db.session.get(QuizAttempt, attempt_id).quiz_version_id)

    response = client.submit(url, {names[question]: "9" * 100_000, action: "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"at most {limit} characters" in page and "Please correct the fields marked below." in page
    assert 'aria-invalid="true"' in page and "9" * 100_000 in page  # kept for the trainee to shorten
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.is_open and attempt.answers == {str(names["manual-name"][1:]): "Oslo"}

    at_limit = "9" * limit
    assert client.submit(url, {names[question]: at_limit, "save": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).answers[names[question][1:]] == at_limit


def test_the_limits_hold_for_any_caller_of_the_services(client, trainee):
    attempt_id = start(client)
    attempt = db.session.get(QuizAttempt, attempt_id)
    names = field_names(attempt.quiz_version_id)
    with pytest.raises(services.AnswersRefused) as refused:
        services.save_answers(attempt, {names["manual-name"][1:]: "x" * 100_000})
    assert list(refused.value.problems) == [int(names["manual-name"][1:])]
    with pytest.raises(services.AnswersRefused):
        services.submit_attempt(attempt, {names["frascati"][1:]: "a"})
    db.session.rollback()
    assert db.session.get(QuizAttempt, attempt_id).is_open


def test_right_answers_still_grade_through_the_attempt_values(client, trainee):
    attempt_id = start(client)
    client.submit(attempt_url(attempt_id), form_for(attempt_id, RIGHT))
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.score == 6
    stored = {answer.response if not isinstance(answer.response, list) else tuple(answer.response)
              for answer in attempt.graded_answers}
    assert "a" in stored and ("a", "b") in stored  # graded answers keep the authored ids for statistics


@pytest.mark.parametrize(("language", "typed", "stored"), [
    ("en", "0.5", "0.5"), ("fr", "0,5", "0.5"), ("en", "1,000.5", "1000.5"), ("fr", "1 000,5", "1000.5"),
])
def test_a_number_is_read_in_the_page_language(client, trainee, language, typed, stored):
    client.submit("/language", {"language": language, "next": "/"}, page="/")
    attempt_id = start(client)
    names = field_names(db.session.get(QuizAttempt, attempt_id).quiz_version_id)
    assert client.submit(attempt_url(attempt_id), {names["intensity"]: typed, "submit": "1"}).status_code == 302
    db.session.expire_all()
    [answer] = [answer for answer in db.session.get(QuizAttempt, attempt_id).graded_answers
                if f"q{answer.question_version_id}" == names["intensity"]]
    assert answer.response == stored and answer.is_correct is (stored == "0.5")


@pytest.mark.parametrize(("language", "typed", "example"), [
    ("en", "0,5", "1,234.5"), ("en", "200.000,5", "1,234.5"), ("fr", "0.5", "1\u202f234,5"),
    ("fr", "200.000", "1\u202f234,5"),
])
@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_number_the_page_language_does_not_write_so_is_refused_and_kept(client, trainee, language, typed, example,
                                                                          action):
    """'0,5' is a half in French and a mistake in English; '200.000' in French, 200 or 200 000."""
    client.submit("/language", {"language": language, "next": "/"}, page="/")
    attempt_id = start(client)
    names = field_names(db.session.get(QuizAttempt, attempt_id).quiz_version_id)
    response = client.submit(attempt_url(attempt_id), {names["intensity"]: typed, action: "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'value="{typed}"' in page and example in page
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.is_open and attempt.answers == {}


def test_a_saved_number_is_shown_again_as_the_page_language_writes_it(client, trainee):
    client.submit("/language", {"language": "fr", "next": "/"}, page="/")
    attempt_id = start(client)
    names = field_names(db.session.get(QuizAttempt, attempt_id).quiz_version_id)
    client.submit(attempt_url(attempt_id), {names["intensity"]: "1 000,5", "save": "1"})
    assert 'value="1\u202f000,5"' in client.get(attempt_url(attempt_id)).get_data(as_text=True)
    client.submit("/language", {"language": "en", "next": "/"}, page="/")
    assert 'value="1,000.5"' in client.get(attempt_url(attempt_id)).get_data(as_text=True)
