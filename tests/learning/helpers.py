"""Helpers for tests that walk a trainee through the test course."""
import re
from decimal import Decimal

from babel.numbers import format_decimal
from sqlalchemy import select

from portal.accounts.models import User
from portal.courses.models import Question, QuestionVersion, QuizVersion
from portal.extensions import db
from portal.quizzes.models import QuizAttempt
from portal.quizzes.services import choice_values

RIGHT = {"frascati": "a", "instruments": ["a", "b"], "gerd": "true", "manual-name": " oslo ", "intensity": "0.5"}
WRONG = {"frascati": "b", "instruments": ["c"], "gerd": "false", "manual-name": "Frascati", "intensity": "7"}


def field_names(quiz_version_id: int) -> dict[str, str]:
    rows = db.session.execute(
        select(Question.key, QuestionVersion.id).join(QuestionVersion, QuestionVersion.question_id == Question.id)
        .where(QuestionVersion.quiz_version_id == quiz_version_id)
    )
    return {key: f"q{version_id}" for key, version_id in rows}


def form_value(attempt: QuizAttempt, key: str, answer):
    """What the attempt's form sends for `answer`: choices by this attempt's values, not the file's ids,
    numbers as the trainee's language writes them (0,5 in French)."""
    question = next(q for q in attempt.quiz_version.questions if q.question.key == key)
    if question.type == "numeric" and answer:
        language = db.session.get(User, attempt.user_id).language
        return format_decimal(Decimal(answer), locale=language, decimal_quantization=False)
    values = choice_values(attempt, question)
    if not values:
        return answer
    return [values[a] for a in answer] if isinstance(answer, list) else values[answer]


def form_for(attempt_id: int, answers: dict, action: str = "submit") -> dict:
    attempt = db.session.get(QuizAttempt, attempt_id)
    names = field_names(attempt.quiz_version_id)
    data = {names[key]: form_value(attempt, key, value) for key, value in answers.items()}
    data[action] = "1"
    return data


def start(client, slug: str = "test-course", quiz: str = "basics") -> int:
    response = client.submit(f"/learn/{slug}/quizzes/{quiz}/start", page=f"/learn/{slug}/quizzes/{quiz}")
    match = re.search(r"/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def take_quiz(client, answers: dict, slug: str = "test-course", quiz: str = "basics"):
    attempt_id = start(client, slug, quiz)
    url = f"/learn/{slug}/attempts/{attempt_id}"
    assert client.submit(url, form_for(attempt_id, answers)).status_code == 302
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


def complete_lessons(client, keys, slug: str = "test-course") -> None:
    for key in keys:
        response = client.submit(f"/learn/{slug}/lessons/{key}/complete", page=f"/learn/{slug}/lessons/{key}")
        assert response.status_code == 302, response.get_data(as_text=True)


def current_quiz_version_id() -> int:
    return db.session.scalar(select(QuizVersion.id).order_by(QuizVersion.id.desc()))


def choose(client, language: str) -> None:
    """Switch the signed-in reader's language, as the header's buttons do."""
    client.submit("/language", {"language": language, "next": "/"}, page="/")
