"""The attempt form, built per attempt from its questions through the type registry."""
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SubmitField

from portal.courses.languages import QuestionText
from portal.courses.models import QuestionVersion
from portal.quizzes.grading import question_type
from portal.quizzes.models import QuizAttempt
from portal.quizzes.services import choice_values, saved_form_data


class StartForm(FlaskForm):
    submit = SubmitField(_l("Start the quiz"))


class AttemptFormBase(FlaskForm):
    save = SubmitField(_l("Save my answers"))
    submit = SubmitField(_l("Submit for grading"))


def attempt_form(attempt: QuizAttempt, questions: Sequence[QuestionVersion | QuestionText], formdata=None) -> FlaskForm:
    """A form with one field per question, named by the question version's id, in the attempt's order.

    Only the question text and the choices' text reach the page, the choices named by this attempt's
    own values (see `choice_values`): never which answer is right, nor the quiz file's choice ids."""
    orders = {item["question"]: item["choices"] for item in attempt.layout}

    class AttemptForm(AttemptFormBase):
        pass

    for question in questions:
        field = question_type(question.type).field(Markup(question.text_html), question.config,
                                                   orders.get(question.id, []), choice_values(attempt, question))
        setattr(AttemptForm, f"q{question.id}", field)
    saved = {f"q{key}": value for key, value in saved_form_data(attempt, questions).items()}
    return AttemptForm(formdata=formdata, data=saved)


def raw_answers(form: FlaskForm, questions: Sequence[QuestionVersion | QuestionText]) -> dict[str, object]:
    """What the trainee entered, keyed by question version id, for the services to read."""
    return {str(question.id): form[f"q{question.id}"].data for question in questions}
