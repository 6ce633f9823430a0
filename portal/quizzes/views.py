"""Taking quizzes: the overview, the attempt form (save or submit), and the graded review."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.access import SIGNED_IN, allow
from portal.courses.languages import QuestionText, question_in, quiz_title
from portal.courses.models import Course, Enrolment, QuestionVersion
from portal.courses.services import course_to_learn_with_enrolment
from portal.extensions import db
from portal.quizzes import services
from portal.quizzes.forms import StartForm, attempt_form, raw_answers
from portal.quizzes.grading import question_type
from portal.quizzes.models import QuizAttempt

bp = Blueprint("quizzes", __name__, template_folder="templates")


def enrolled_course(slug: str):
    """The published course, if the current user is enrolled in it; 403 otherwise."""
    return enrolled_in(*course_to_learn_with_enrolment(slug, current_user))


def enrolled_in(course: Course | None, enrolment: Enrolment | None) -> Course:
    """`course`, if it is there (404) and `enrolment` is active (403)."""
    if course is None:
        abort(404)
    if enrolment is None or not enrolment.is_active:
        abort(403)
    return course


def in_reader_language(course, questions: list[QuestionVersion]) -> list[QuestionText]:
    """The questions worded in the reader's language where the quiz is translated into it."""
    language = str(get_locale())
    return [question_in(question, language, course.published_revision.language) for question in questions]


@bp.route("/learn/<slug>/quizzes/<key>")
@allow(SIGNED_IN)
def show_quiz(slug: str, key: str):
    course = enrolled_course(slug)
    quiz_version = services.current_quiz(course, key) or abort(404)
    attempts = services.attempts_of(current_user, quiz_version.quiz_id)
    return render_template(
        "quizzes/quiz.html", course=course, quiz=quiz_version, attempts=attempts,
        title=quiz_title(quiz_version, str(get_locale())),
        attempts_left=services.attempts_left(quiz_version, attempts),
        open_attempt=next((a for a in attempts if a.is_open), None), form=StartForm(),
    )


@bp.route("/learn/<slug>/quizzes/<key>/start", methods=["POST"])
@allow(SIGNED_IN)
def start_quiz(slug: str, key: str):
    course = enrolled_course(slug)
    quiz_version = services.current_quiz(course, key) or abort(404)
    if not StartForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(current_user, quiz_version)
    except services.AttemptLimitReached:
        flash(_("You have used every attempt this quiz allows."), "error")
        return redirect(url_for("quizzes.show_quiz", slug=slug, key=key))
    db.session.commit()
    return redirect(url_for("quizzes.take_attempt", slug=slug, attempt_id=attempt.id))


@bp.route("/learn/<slug>/attempts/<int:attempt_id>", methods=["GET", "POST"])
@allow(SIGNED_IN)
def take_attempt(slug: str, attempt_id: int):
    found, enrolment, attempt = services.attempt_to_take(slug, current_user, attempt_id)
    course = enrolled_in(found, enrolment)
    if attempt is None:
        abort(404)
    if not attempt.is_open:
        if request.method == "POST":
            flash(_("This attempt was already submitted; here is its result."), "info")
            return redirect(url_for("quizzes.take_attempt", slug=slug, attempt_id=attempt.id))
        return render_review(course, attempt)
    questions = in_reader_language(course, services.questions_of(attempt))
    form = attempt_form(attempt, questions, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        answers = raw_answers(form, questions)
        try:
            if form.submit.data:
                services.submit_attempt(attempt, answers)
                db.session.commit()
                return redirect(url_for("quizzes.take_attempt", slug=slug, attempt_id=attempt_id))
            if services.save_answers(attempt, answers):
                flash(_("Your answers are saved. You can come back and finish later."), "success")
            db.session.commit()
            return redirect(url_for("quizzes.take_attempt", slug=slug, attempt_id=attempt_id))
        except services.AnswersRefused as refused:
            # Nothing was kept: show the page again with what was sent and why it was refused.
            for question_id, message in refused.problems.items():
                form[f"q{question_id}"].errors = [message]
            status = 422
    items = [(number, question, form[f"q{question.id}"], question_type(question.type).answers_language(question.language))
             for number, question in enumerate(questions, start=1)]
    return render_template("quizzes/attempt.html", course=course, attempt=attempt, quiz=attempt.quiz_version,
                           title=quiz_title(attempt.quiz_version, str(get_locale())), items=items, form=form), status


def render_review(course, attempt: QuizAttempt):
    """The graded attempt: score, pass or not, and per question how it went and its feedback.

    Until the trainee passes or runs out of attempts, a question not answered right shows its hint
    instead of the feedback, which often states the right answer, and no right answer."""
    questions = in_reader_language(course, services.questions_of(attempt))
    graded = services.graded_answers_by_question(attempt)
    attempts = services.attempts_of(current_user, attempt.quiz_id)
    attempts_left = services.attempts_left(attempt.quiz_version, attempts)
    reveal = services.reveals_answers(attempt.quiz_version, attempts)
    reviews = []
    for number, question in enumerate(questions, start=1):
        adapter = question_type(question.type)
        answer = graded.get(question.id)
        response = answer.response if answer else None
        is_right = answer is not None and answer.is_correct
        answer_feedback = list(services.judge(question, response).feedback)
        feedback = [question.feedback_html, *answer_feedback] if question.feedback_html else answer_feedback
        held_back = not (reveal or is_right)
        reviews.append({
            "number": number, "question": question, "answer": answer,
            "language": adapter.answers_language(question.language),
            "verdict": "right" if is_right else "partly" if answer and answer.score > 0 else "wrong",
            "given": adapter.describe(question.config, response),
            "right": adapter.right_answers(question.config) if reveal and not is_right else [],
            "feedback": [] if held_back else feedback,
            "hint": question.hint_html if held_back else "",
        })
    return render_template("quizzes/review.html", course=course, attempt=attempt, quiz=attempt.quiz_version,
                           title=quiz_title(attempt.quiz_version, str(get_locale())), reviews=reviews, attempts=attempts, attempts_left=attempts_left)
