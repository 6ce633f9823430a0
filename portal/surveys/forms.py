"""Forms for surveys: a survey's questions as a form (built from its definition), and the buttons that
open and close an edition's evaluation."""
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.content.survey_words import BUILT_IN_WORDS
from portal.content.surveyfile import Survey as SurveyDefinition
from portal.content.surveyfile import SurveyQuestion
from portal.inputs import TextArea
from portal.surveys.results import MAX_TEXT_ANSWER

FIELD_PREFIX = "q_"


class OpenForm(FlaskForm):
    submit = SubmitField(_l("Open the evaluation to the cohort"))


class CloseForm(FlaskForm):
    submit = SubmitField(_l("Close the evaluation"))


class AnswerForm(FlaskForm):
    """The base of every survey's form: the questions are added as fields by survey_form()."""

    submit = SubmitField(_l("Send my answers"))

    def questions(self) -> list[Field]:
        return [field for field in self if field.name.startswith(FIELD_PREFIX)]

    def answers(self) -> dict[str, Any]:
        """The answers given, by question id, as the form read them."""
        return {field.name.removeprefix(FIELD_PREFIX): field.data for field in self.questions()}


def survey_text(text: str) -> str:
    """A survey's title, introduction, question or choice in the reader's language when it is one of the
    built-in templates' words; the words a course wrote itself as they are."""
    return gettext(text) if text in BUILT_IN_WORDS else text


def choices(labels: Sequence[str], start: int = 0) -> list[SelectChoice]:
    """The options of a question, valued by their point (likert, from 1) or position (from 0), in the
    reader's language where they are built-in words."""
    return [SelectChoice(value, survey_text(label)) for value, label in enumerate(labels, start=start)]


def question_field(question: SurveyQuestion) -> Field:
    validators: list[Any] = ([InputRequired(message=_l("Please answer this question."))] if question.required
                             else [Optional()])
    label = survey_text(question.text)
    if question.type == "likert":
        return RadioField(label, choices=choices(question.choices, start=1), coerce=int, validators=validators)
    if question.type == "rating":
        return RadioField(label, choices=choices([str(score) for score in range(11)]), coerce=int, validators=validators)
    if question.type == "single":
        return RadioField(label, choices=choices(question.choices), coerce=int, validators=validators)
    if question.type == "multiple":
        return SelectMultipleField(label, choices=choices(question.choices), coerce=int, validators=validators,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    return TextArea(label, validators=[*validators, Length(max=MAX_TEXT_ANSWER)], render_kw={"rows": 4})


def survey_form(definition: SurveyDefinition) -> AnswerForm:
    """A form with one field per question, in the survey's order."""

    class SurveyForm(AnswerForm):
        pass

    for question in definition.questions:
        setattr(SurveyForm, FIELD_PREFIX + question.key, question_field(question))
    return SurveyForm()
