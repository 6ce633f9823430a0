"""Rules for attempts: starting within the limit, saving, grading once. They flush; views commit."""
import base64
import hashlib
import hmac
import random
from collections.abc import Sequence
from typing import Any

from flask import current_app
from sqlalchemy import Integer, and_, bindparam, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import User
from portal.caching import ProcessCache
from portal.content.questions import KINDS, SCORE_DECIMALS, Judgement
from portal.courses.languages import QuestionText
from portal.courses.models import Course, Enrolment, QuestionVersion, Quiz, QuizVersion
from portal.courses.services import COURSE_TO_LEARN
from portal.db_types import rows_changed, utcnow
from portal.extensions import db
from portal.quizzes.grading import AnswerRefused, question_type
from portal.quizzes.models import AttemptAnswer, QuizAttempt
from portal.quizzes.signals import attempt_graded


class AttemptLimitReached(Exception):
    """Every attempt the quiz allows has been used."""


class AnswersRefused(Exception):
    """Some answers a form sent cannot be kept; `problems` says why, by question version id."""

    def __init__(self, problems: dict[int, str]) -> None:
        super().__init__(problems)
        self.problems = problems


def current_quiz(course: Course, key: str) -> QuizVersion | None:
    """The quiz `key` as the published revision has it, with its questions."""
    return db.session.scalar(
        select(QuizVersion)
        .join(Quiz, Quiz.id == QuizVersion.quiz_id)
        .where(QuizVersion.revision_id == course.published_revision_id, Quiz.key == key)
        .options(selectinload(QuizVersion.questions), selectinload(QuizVersion.module))
    )


def attempts_of(user: User, quiz_id: int) -> list[QuizAttempt]:
    return list(db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz_id)
        .order_by(QuizAttempt.number)
    ))


def attempts_left(quiz_version: QuizVersion, attempts: list[QuizAttempt]) -> int | None:
    """How many more attempts may be started; None when unlimited."""
    if quiz_version.attempts_allowed == 0:
        return None
    used = sum(1 for attempt in attempts if not attempt.is_open)
    return max(0, quiz_version.attempts_allowed - used)


def reveals_answers(quiz_version: QuizVersion, attempts: list[QuizAttempt]) -> bool:
    """Whether reviews may show right answers and the feedback that can give them away: once the
    trainee has passed the quiz or has no attempts left, as before that they would give the next
    attempt away."""
    return any(attempt.passed for attempt in attempts) or attempts_left(quiz_version, attempts) == 0


def draw_questions(quiz_version: QuizVersion, chooser: random.Random) -> list[QuestionVersion]:
    """The questions one attempt asks, in the file's order: every question outside the quiz's pools
    and, from each pool (a category), as many as it draws, at random."""
    counts = {pool["category"]: pool["count"] for pool in quiz_version.draw or []}
    drawn: set[int] = set()
    for category, count in counts.items():
        pool = [question.id for question in quiz_version.questions if question.category == category]
        drawn.update(chooser.sample(pool, min(count, len(pool))))
    return [question for question in quiz_version.questions if question.category not in counts or question.id in drawn]


def _layout(quiz_version: QuizVersion, shuffle: bool) -> list[dict[str, Any]]:
    """The questions this attempt asks and the order of them and their parts (choices, prompts,
    items); drawn once when it starts and kept, so reloads and resumes show the same."""
    chooser = random.SystemRandom()
    questions = draw_questions(quiz_version, chooser)
    if shuffle:
        chooser.shuffle(questions)
    return [{"question": question.id, "choices": question_type(question.type).arrange(question.config, shuffle, chooser)}
            for question in questions]


def start_attempt(user: User, quiz_version: QuizVersion) -> QuizAttempt:
    """The user's open attempt at this quiz, or a new one pinned to `quiz_version`."""
    attempts = attempts_of(user, quiz_version.quiz_id)
    open_attempt = next((attempt for attempt in attempts if attempt.is_open), None)
    if open_attempt is not None:
        return open_attempt
    if attempts_left(quiz_version, attempts) == 0:
        raise AttemptLimitReached(quiz_version.quiz_id)
    attempt = QuizAttempt(
        user_id=user.id, course_id=quiz_version.quiz.course_id, quiz_id=quiz_version.quiz_id,
        quiz_version_id=quiz_version.id, number=len(attempts) + 1,
        layout=_layout(quiz_version, quiz_version.shuffle), answers={},
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # Two tabs started the same attempt at once: the other one won; use it.
        return next(a for a in attempts_of(user, quiz_version.quiz_id) if a.is_open)
    return attempt


#: The attempt page's read: the published course `slug` with its revision, the reader's enrolment in it, and
#: the reader's attempt `attempt_id` on it with its quiz version (all one row); then the questions. Built once.
_ATTEMPT_TO_TAKE = (
    COURSE_TO_LEARN.add_columns(QuizAttempt)
    .outerjoin(QuizAttempt, and_(QuizAttempt.id == bindparam("attempt_id", type_=Integer),
                                 QuizAttempt.course_id == Course.id,
                                 QuizAttempt.user_id == bindparam("user_id", type_=Integer)))
    .options(joinedload(QuizAttempt.quiz_version))
)


def attempt_to_take(slug: str, user: User, attempt_id: int) -> tuple[Course | None, Enrolment | None,
                                                                     QuizAttempt | None]:
    """The published course `slug`, the user's enrolment in it and their attempt `attempt_id` on it, with its
    quiz version, in one query (its questions: `questions_of`); None for what there is not (an attempt of
    someone else's is not)."""
    row = db.session.execute(_ATTEMPT_TO_TAKE, {"slug": slug, "user_id": user.id, "attempt_id": attempt_id}).first()
    return (row[0], row[1], row[2]) if row is not None else (None, None, None)


#: A quiz version's questions never change once written (the portal deletes none; a re-import makes new rows):
#: each worker keeps them per quiz version and content hash, as detached copies that requests only read.
_QUESTIONS: ProcessCache[dict[int, QuestionVersion]] = ProcessCache(512)


def questions_of(attempt: QuizAttempt) -> list[QuestionVersion]:
    """The attempt's questions in the order it shows them."""
    version = attempt.quiz_version
    key = (version.id, version.content_hash)
    asked = [item["question"] for item in attempt.layout]
    by_id = _QUESTIONS.find(key)
    if by_id is None or not all(question_id in by_id for question_id in asked):
        # (kept ones that lack a question asked were kept for rows since replaced under reused ids)
        by_id = _load_questions(version.id)
        _QUESTIONS.put(key, by_id)
    return [by_id[question_id] for question_id in asked if question_id in by_id]


def _load_questions(quiz_version_id: int) -> dict[int, QuestionVersion]:
    """The quiz version's questions as detached copies, every column loaded: read as rows in the request's own
    session (another connection would not see what it has not committed, and an in-memory SQLite database
    has only the one), so that nothing the request does with its objects reaches the kept ones. A relationship
    of theirs (their quiz version, their question) is never loaded: reaching for one fails loudly."""
    columns = inspect(QuestionVersion).column_attrs
    statement = (select(*[column.class_attribute for column in columns])
                 .where(QuestionVersion.quiz_version_id == quiz_version_id).order_by(QuestionVersion.position))
    kept = {}
    for row in db.session.execute(statement):
        question = QuestionVersion(**{column.key: value for column, value in zip(columns, row, strict=True)})
        make_transient_to_detached(question)
        kept[question.id] = question
    return kept


def choice_values(attempt: QuizAttempt, question: QuestionVersion | QuestionText) -> dict[str, str]:
    """What this attempt's form calls each part of `question` (choice, prompt, answer to match,
    item to order): {authored id: value}.

    The quiz file's ids (a, b, c) would give the answer away, as authors tend to put it first, and
    so would the ids of pairs and items; the value is a keyed hash of attempt, question and part, so
    it differs between attempts and means nothing without the secret key, and needs nothing stored."""
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    values: dict[str, str] = {}
    for choice_id in KINDS[question.type].parts(question.config):
        message = f"quiz-choice\x00{attempt.id}\x00{question.id}\x00{choice_id}".encode()
        digest = hmac.new(key, message, hashlib.sha256).digest()
        values[choice_id] = base64.urlsafe_b64encode(digest[:12]).decode()
    return values


def read_answers(attempt: QuizAttempt, raw: dict[str, Any]) -> dict[str, Any]:
    """The answers a form sent, as stored: keyed by question version id, unanswered left out.

    Raises AnswersRefused when any answer is too long or names a choice this attempt never offered."""
    answers: dict[str, Any] = {}
    problems: dict[int, str] = {}
    for question in questions_of(attempt):
        try:
            response = question_type(question.type).response(question.config, raw.get(str(question.id)),
                                                             choice_values(attempt, question))
        except AnswerRefused as refused:
            problems[question.id] = refused.message
            continue
        if response is not None:
            answers[str(question.id)] = response
    if problems:
        raise AnswersRefused(problems)
    return answers


def saved_form_data(attempt: QuizAttempt, questions: Sequence[QuestionVersion | QuestionText]) -> dict[str, Any]:
    """The answers saved so far, as the attempt's form shows them again: keyed by question version id."""
    saved = attempt.answers or {}
    return {str(question.id): question_type(question.type).form_data(saved[str(question.id)],
                                                                     choice_values(attempt, question))
            for question in questions if str(question.id) in saved}


def save_answers(attempt: QuizAttempt, raw: dict[str, Any]) -> bool:
    """Keep the answers given so far, so a dropped connection loses nothing. False once submitted.

    Raises AnswersRefused, keeping nothing, when any answer cannot be kept."""
    saved = rows_changed(db.session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(answers=read_answers(attempt, raw), saved_at=utcnow())
        .execution_options(synchronize_session=False)
    ))
    db.session.expire(attempt)
    return saved == 1


def judge(question: QuestionVersion | QuestionText, response: Any) -> Judgement:
    """How `response` fares on `question`: through the content registry, the one place answers are judged.
    A question in another language is judged the same; only the feedback it gives is in its words."""
    return KINDS[question.type].judge(question.config, question.points, response)


#: What grading writes to the attempt it claims.
_GRADED = ("submitted_at", "answers", "score", "max_score", "passed")
#: The claim: built once, from bound parameters (building it cost more than running it).
_CLAIM = (
    update(QuizAttempt)
    .where(QuizAttempt.id == bindparam("claimed_id", type_=Integer), QuizAttempt.submitted_at.is_(None))
    .values({name: bindparam(f"graded_{name}", type_=QuizAttempt.__table__.c[name].type) for name in _GRADED})
    .execution_options(synchronize_session=False)
)


#: The graded answers go into the table: nothing of the ORM's bulk insert is needed, and it cost more than the
#: insert itself.
_INSERT_GRADED = insert(AttemptAnswer.metadata.tables[AttemptAnswer.__tablename__])


def _claim_values(result: dict[str, Any]) -> dict[str, Any]:
    """The claim's parameters for what grading writes: every column of _GRADED, and nothing else."""
    if result.keys() != set(_GRADED):
        raise ValueError(f"grading writes {sorted(_GRADED)}, not {sorted(result)}")
    return {f"graded_{name}": value for name, value in result.items()}


def submit_attempt(attempt: QuizAttempt, raw: dict[str, Any]) -> bool:
    """Grade the attempt, once: a second submission (double click, back button, two tabs) is a no-op.

    The answers are judged first; one UPDATE then claims the attempt (only while it is not submitted) and
    stores the answers with the score, and only the call whose claim changed the row inserts the graded
    answers, in one statement. Returns True when this call graded it; raises AnswersRefused, grading
    nothing, when any answer cannot be kept."""
    answers = read_answers(attempt, raw)
    score = maximum = 0.0
    graded = []
    for question in questions_of(attempt):
        response = answers.get(str(question.id))
        judgement = judge(question, response)
        score += judgement.score
        maximum += judgement.max_score
        graded.append({
            "attempt_id": attempt.id, "question_id": question.question_id, "question_version_id": question.id,
            "response": response, "score": judgement.score, "max_score": judgement.max_score,
            "is_correct": judgement.is_correct,
        })
    result = {"submitted_at": utcnow(), "answers": answers, "score": round(score, SCORE_DECIMALS),
              "max_score": maximum,
              "passed": maximum > 0 and 100 * score / maximum >= attempt.quiz_version.pass_mark - 1e-9}
    claimed = rows_changed(db.session.execute(_CLAIM, {"claimed_id": attempt.id, **_claim_values(result)}))
    if claimed != 1:
        db.session.expire(attempt)
        return False
    # The row now holds what the UPDATE wrote: say so to the session rather than read it back.
    for name, value in result.items():
        set_committed_value(attempt, name, value)
    if graded:
        db.session.execute(_INSERT_GRADED, graded)
    attempt_graded.send(attempt)
    return True


def graded_answers_by_question(attempt: QuizAttempt) -> dict[int, AttemptAnswer]:
    return {answer.question_version_id: answer for answer in attempt.graded_answers}
