"""Matching and ordering questions through the attempt page and its review."""
import re
from textwrap import dedent

import pytest

from portal.accounts.models import Role
from portal.extensions import db
from portal.quizzes import forms, services
from portal.quizzes.models import QuizAttempt
from portal.quizzes.services import choice_values
from tests.coursefiles import course_files
from tests.learning.helpers import start

QUIZ = dedent("""\
    title: Match and order
    pass_mark: 100
    attempts: 2
    questions:
      - id: manuals
        type: matching
        points: 3
        text: Which manual measures what?
        feedback: The OECD's Frascati family of manuals.
        pairs:
          - {prompt: Frascati Manual, answer: Research and development}
          - {prompt: Oslo Manual, answer: Innovation}
          - {prompt: Canberra Manual, answer: Human resources in S&T}
          - {answer: Trade in services}
      - id: stages
        type: ordering
        points: 3
        text: Put the stages of R&D in order.
        items: [Basic research, Applied research, Experimental development]
    """)
PAIRS = {"p1": "a1", "p2": "a2", "p3": "a3"}
ORDER = {"i1": 1, "i2": 2, "i3": 3}
AUTHORED = {"p1", "p2", "p3", "a1", "a2", "a3", "a4", "i1", "i2", "i3"}


@pytest.fixture
def trainee(client, make_course, login_as):
    make_course(course_files({"01-basics/quiz.yaml": QUIZ}))
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def url(attempt_id: int) -> str:
    return f"/learn/test-course/attempts/{attempt_id}"


def questions(attempt: QuizAttempt) -> dict[str, object]:
    return {question.question.key: question for question in attempt.quiz_version.questions}


def select(question_id: int, value: str) -> str:
    """The name of the select this attempt's page gives the part it calls `value`."""
    return f"q{question_id}-v{value}"


def form_for(attempt_id: int, pairs: dict, positions: dict, action: str = "submit") -> dict:
    """What the page's selects send: named and valued by this attempt's values, never authored ids."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    manuals, stages = questions(attempt)["manuals"], questions(attempt)["stages"]
    matching, ordering = choice_values(attempt, manuals), choice_values(attempt, stages)
    data = {select(manuals.id, matching[prompt]): matching[answer] for prompt, answer in pairs.items()}
    data.update({select(stages.id, ordering[item]): str(position) for item, position in positions.items()})
    data[action] = "1"
    return data


def quiz_form(html: str) -> str:
    begin = html.index('<form method="post" class="quiz"')
    return html[begin:html.index("</form>", begin)]


def shown(html: str, select_name_part: str) -> list[str]:
    """The option texts of the first select whose name contains `select_name_part`, in page order."""
    select = re.search(rf'<select[^>]*name="[^"]*{re.escape(select_name_part)}[^"]*"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def labels(html: str) -> list[str]:
    return re.findall(r'<label for="q\d+-[^"]+">([^<]*)</label>', html)


def test_the_page_tells_neither_the_pairs_nor_the_order(client, trainee):
    pages = []
    for _ in range(2):
        attempt_id = start(client)
        page = quiz_form(client.get(url(attempt_id)).get_data(as_text=True))
        pages.append(page)
        for attribute, value in re.findall(r'\s((?:id|for|value|name|data-[\w-]+))="([^"]*)"', page):
            assert not set(re.split(r"[-_:]", value)) & AUTHORED, f'{attribute}="{value}" names an authored id'
        attempt = db.session.get(QuizAttempt, attempt_id)
        manuals = questions(attempt)["manuals"]
        answers = shown(page, f"q{manuals.id}-")
        assert sorted(answers[1:]) == sorted(["Research and development", "Innovation",
                                              "Human resources in S&amp;T", "Trade in services"])
        items = [label for label in labels(page) if "research" in label or "development" in label]
        assert sorted(items) == ["Applied research", "Basic research", "Experimental development"]
        assert "Choose the answer that goes with each item." in page and "1 for the first" in page
        client.submit(url(attempt_id), form_for(attempt_id, {}, {}))
    first, second = (set(re.findall(r'value="([^"]+)"', page)) - {"1", "2", "3"} for page in pages)
    assert not {value for value in first if len(value) == 16} & second, "two attempts share a value"


def test_right_pairs_and_order_earn_every_point_and_the_review_says_what_was_given(client, trainee):
    attempt_id = start(client)
    response = client.submit(url(attempt_id), form_for(attempt_id, PAIRS, ORDER))
    assert response.status_code == 302
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.score == 6 and attempt.passed
    assert {answer.question_version.question.key: answer.response for answer in attempt.graded_answers} == {
        "manuals": PAIRS, "stages": ORDER}
    review = client.get(url(attempt_id)).get_data(as_text=True)
    assert "Frascati Manual → Research and development" in review
    assert "1. Basic research" in review and "3. Experimental development" in review
    assert "The OECD&#39;s Frascati family" in review or "The OECD's Frascati family" in review


def test_partly_right_pairs_and_order_earn_part_of_the_points(client, trainee):
    attempt_id = start(client)
    wrong_pairs = {"p1": "a1", "p2": "a4", "p3": "a2"}
    client.submit(url(attempt_id), form_for(attempt_id, wrong_pairs, {"i1": 2, "i2": 1, "i3": 3}))
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.score == pytest.approx(1 + 2) and not attempt.passed   # one pair of three; two of three
    review = client.get(url(attempt_id)).get_data(as_text=True)
    assert review.count("Partly right.") == 2
    assert "A right answer" not in review                                 # an attempt is left
    attempt_id = start(client)
    client.submit(url(attempt_id), form_for(attempt_id, wrong_pairs, {"i1": 3, "i2": 2, "i3": 1}))
    review = client.get(url(attempt_id)).get_data(as_text=True)
    assert "Canberra Manual → Human resources in S&amp;T" in review      # none left: right answers shown
    assert "Not right." in review


def test_saved_selects_are_shown_again_when_the_attempt_is_resumed(client, trainee):
    attempt_id = start(client)
    sent = form_for(attempt_id, {"p2": "a2"}, {"i3": 1}, action="save")
    assert client.submit(url(attempt_id), sent).status_code == 302
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    ids = {key: question.id for key, question in questions(attempt).items()}
    assert attempt.answers == {str(ids["manuals"]): {"p2": "a2"}, str(ids["stages"]): {"i3": 1}}
    page = quiz_form(client.get(url(attempt_id)).get_data(as_text=True))
    selected = re.findall(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', page)
    chosen = {first or second for first, second in selected}
    assert chosen == {value for name, value in sent.items() if name != "save"}


@pytest.mark.parametrize("action", ["save", "submit"])
def test_forged_selects_are_refused_with_a_message(client, trainee, action):
    attempt_id = start(client)
    attempt = db.session.get(QuizAttempt, attempt_id)
    manuals = questions(attempt)["manuals"]
    prompt_value = choice_values(attempt, manuals)["p1"]
    response = client.submit(url(attempt_id), {select(manuals.id, prompt_value): "a1", action: "1"})
    assert response.status_code == 422
    assert "not one of this question" in response.get_data(as_text=True)
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.is_open and attempt.answers == {}


TEN = [f"Step {n}" for n in range(1, 11)]
SHORT_QUIZ = dedent("""\
    title: Order
    pass_mark: 100
    attempts: 0
    questions:
      - id: steps
        type: ordering
        text: Put the steps in order.
        items: [{items}]
      - id: two
        type: ordering
        text: Which comes first?
        items: [Basic research, Experimental development]
      - id: pairs
        type: matching
        text: Match.
        pairs:
          - {{prompt: Frascati, answer: R&D}}
          - {{prompt: Oslo, answer: Innovation}}
    """).format(items=", ".join(TEN))


@pytest.fixture
def short_quiz(client, make_course, login_as):
    make_course(course_files({"01-basics/quiz.yaml": SHORT_QUIZ}))
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user


def test_every_item_gets_a_select_even_when_its_value_begins_with_an_underscore(client, short_quiz, monkeypatch):
    """A form ignores fields named with a leading "_", and about one value in 64 begins with one:
    every value here does, and every item must still get its select and earn its points."""
    def underscored(attempt, question):
        return {part: f"_{value}" for part, value in choice_values(attempt, question).items()}

    monkeypatch.setattr(forms, "choice_values", underscored)
    monkeypatch.setattr(services, "choice_values", underscored)
    attempt_id = start(client)
    steps = questions(db.session.get(QuizAttempt, attempt_id))["steps"]
    values = underscored(db.session.get(QuizAttempt, attempt_id), steps)
    page = client.get(url(attempt_id)).get_data(as_text=True)
    assert len(re.findall(rf'<select[^>]*name="q{steps.id}-', page)) == 10
    data = {select(steps.id, values[f"i{n}"]): str(n) for n in range(1, 11)}
    assert client.submit(url(attempt_id), {**data, "submit": "1"}).status_code == 302
    db.session.expire_all()
    answer = next(answer for answer in db.session.get(QuizAttempt, attempt_id).graded_answers
                  if answer.question_version_id == steps.id)
    assert answer.is_correct, answer.response


@pytest.mark.parametrize("forged", ["0", "3", "1.0", "-1", "x", "99999999999999999999999"])
def test_forged_positions_get_the_422_and_the_other_answers_are_kept(client, short_quiz, forged):
    attempt_id = start(client)
    attempt = db.session.get(QuizAttempt, attempt_id)
    two, pairs = questions(attempt)["two"], questions(attempt)["pairs"]
    two_values, pair_values = choice_values(attempt, two), choice_values(attempt, pairs)
    data = {select(two.id, two_values["i1"]): forged, select(pairs.id, pair_values["p1"]): pair_values["a1"],
            "save": "1"}
    response = client.submit(url(attempt_id), data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    option = re.search(rf'<option (selected )?value="{re.escape(pair_values["a1"])}"( selected)?', page)
    assert option.group(0).count("selected") == 1


def test_a_two_item_ordering_is_shown_in_either_order_and_the_same_on_reload(client, short_quiz):
    """Never showing the written order would show two items always reversed: the answer."""
    seen = set()
    for _ in range(40):
        attempt_id = start(client)
        page = client.get(url(attempt_id)).get_data(as_text=True)
        order = tuple(label for label in labels(page) if label in ("Basic research", "Experimental development"))
        assert labels(client.get(url(attempt_id)).get_data(as_text=True)) == labels(page)
        seen.add(order)
        client.submit(url(attempt_id), {"submit": "1"})
        if len(seen) == 2:
            break
    assert len(seen) == 2, f"always shown as {seen}"


@pytest.mark.parametrize(("language", "arrow"), [("ar", "←"), ("fr", "→")])
def test_the_arrow_of_a_matched_pair_points_the_way_the_page_reads(client, trainee, language, arrow):
    attempt_id = start(client)
    client.submit(url(attempt_id), form_for(attempt_id, PAIRS, ORDER))
    client.submit("/language", {"language": language, "next": "/"}, page="/")
    review = client.get(url(attempt_id)).get_data(as_text=True)
    assert f"Frascati Manual {arrow} Research and development" in review
