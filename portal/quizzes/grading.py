"""The registry of question types: each judges an answer against its question's config.

Grading only judges; saving results is the services' work (the shape of CTFd's challenge types).
A form names choices by per-attempt values (`values`: choice id -> form value), never by the ids
of the quiz file, which often give the answer away; answers are stored and judged by choice id."""
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field, RadioField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


class AnswerRefused(ValueError):
    """What a form sent cannot be an answer to its question: too long, or not one of its choices."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def not_a_choice() -> AnswerRefused:
    return AnswerRefused(_("That answer is not one of this question's choices. Reload the page and choose again."))


@dataclass(frozen=True)
class Judgement:
    score: float
    max_score: float

    @property
    def is_correct(self) -> bool:
        return self.score >= self.max_score - 1e-9


class QuestionType:
    """How one kind of question is asked, read back from a form, and judged."""

    name: ClassVar[str]
    #: The longest text answer accepted, in characters (after surrounding spaces are dropped).
    max_length: ClassVar[int] = 0

    def field(self, label: Markup, config: dict[str, Any], choice_order: list[str],
              values: Mapping[str, str]) -> Field:
        raise NotImplementedError

    def response(self, raw: Any, values: Mapping[str, str]) -> Any:
        """The answer as stored, from what the form sent (None when unanswered).

        Raises AnswerRefused for what no honest form sends or what is longer than the type allows."""
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise not_a_choice()
        text = raw.strip()
        if len(text) > self.max_length:
            raise AnswerRefused(_("Keep this answer to at most %(limit)d characters (it has %(length)d).",
                                  limit=self.max_length, length=len(text)))
        return text or None

    def form_data(self, stored: Any, values: Mapping[str, str]) -> Any:
        """A stored answer as the form shows it again when the attempt is resumed."""
        return stored

    def judge(self, config: dict[str, Any], points: float, response: Any) -> Judgement:
        raise NotImplementedError

    def right_answer(self, config: dict[str, Any]) -> list[Markup]:
        """What a right answer is, shown only after grading."""
        raise NotImplementedError

    def describe(self, config: dict[str, Any], response: Any) -> list[Markup]:
        """The trainee's answer as they would recognise it, for the review."""
        return [Markup.escape(response)] if response not in (None, "") else []

    def choice_order(self, config: dict[str, Any]) -> list[str]:
        return []


class ChoiceQuestion(QuestionType):
    def choice_order(self, config: dict[str, Any]) -> list[str]:
        return [choice["id"] for choice in config["choices"]]

    def choices(self, config: dict[str, Any], order: list[str], values: Mapping[str, str]) -> list[SelectChoice]:
        by_id = {choice["id"]: choice for choice in config["choices"]}
        return [SelectChoice(values[choice_id], Markup(by_id[choice_id]["html"]))
                for choice_id in order if choice_id in by_id and choice_id in values]

    def chosen(self, value: Any, values: Mapping[str, str]) -> str:
        """The choice id a form value stands for; AnswerRefused for a value this attempt never gave."""
        by_value = {form_value: choice_id for choice_id, form_value in values.items()}
        if not isinstance(value, str) or value not in by_value:
            raise not_a_choice()
        return by_value[value]

    def form_data(self, stored: Any, values: Mapping[str, str]) -> Any:
        if isinstance(stored, list):
            return [values[choice_id] for choice_id in stored if choice_id in values]
        return values.get(stored) if isinstance(stored, str) else None

    def right_answer(self, config: dict[str, Any]) -> list[Markup]:
        return [Markup(choice["html"]) for choice in config["choices"] if choice["correct"]]

    def describe(self, config: dict[str, Any], response: Any) -> list[Markup]:
        chosen = set(response if isinstance(response, list) else [response])
        return [Markup(choice["html"]) for choice in config["choices"] if choice["id"] in chosen]


class SingleChoice(ChoiceQuestion):
    name = "single"

    def field(self, label, config, choice_order, values):
        return RadioField(label, choices=self.choices(config, choice_order, values), validate_choice=False)

    def response(self, raw, values):
        return self.chosen(raw, values) if raw not in (None, "") else None

    def judge(self, config, points, response):
        right = next(choice["id"] for choice in config["choices"] if choice["correct"])
        return Judgement(points if response == right else 0.0, points)


class MultipleChoice(ChoiceQuestion):
    """Each right choice ticked earns 1/k of the points, each wrong one ticked costs 1/(n-k); never below 0."""

    name = "multiple"

    def field(self, label, config, choice_order, values):
        return SelectMultipleField(label, choices=self.choices(config, choice_order, values), validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def response(self, raw, values):
        if raw is None:
            return None
        ticked = raw if isinstance(raw, list) else [raw]
        if len(ticked) > len(values):
            raise AnswerRefused(_("This answer ticks more choices than the question has. Reload the page "
                                  "and choose again."))
        return sorted({self.chosen(value, values) for value in ticked}) or None

    def judge(self, config, points, response):
        right = {choice["id"] for choice in config["choices"] if choice["correct"]}
        wrong = {choice["id"] for choice in config["choices"]} - right
        ticked = set(response or [])
        share = len(ticked & right) / len(right) - (len(ticked & wrong) / len(wrong) if wrong else 0)
        return Judgement(round(points * max(0.0, share), 6), points)


class TrueFalse(QuestionType):
    name = "true_false"

    def field(self, label, config, choice_order, values):
        return RadioField(label, choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
                          validate_choice=False)

    def response(self, raw, values):
        if raw in (None, ""):
            return None
        if raw not in ("true", "false"):
            raise not_a_choice()
        return raw

    def judge(self, config, points, response):
        expected = "true" if config["answer"] else "false"
        return Judgement(points if response == expected else 0.0, points)

    def right_answer(self, config):
        return [Markup(_l("True") if config["answer"] else _l("False"))]

    def describe(self, config, response):
        return {"true": [Markup(_l("True"))], "false": [Markup(_l("False"))]}.get(response, [])


def normalise_text(text: str) -> str:
    """Case, width and spacing do not matter: 'Oslo  manual ' is 'oslo manual'."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


class ShortText(QuestionType):
    name = "short_text"
    max_length = 300

    def field(self, label, config, choice_order, values):
        return StringField(label, render_kw={"autocomplete": "off", "maxlength": self.max_length})

    def judge(self, config, points, response):
        accepted = {normalise_text(answer) for answer in config["answers"]}
        given = normalise_text(response or "")
        return Judgement(points if given and given in accepted else 0.0, points)

    def right_answer(self, config):
        return [Markup.escape(answer) for answer in config["answers"][:1]]


def parse_number(text: str | None) -> float | None:
    """A number as people type it: '0.5', '0,5', ' 1 500 ', '-2'. None when it is not one."""
    if not text:
        return None
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class Numeric(QuestionType):
    name = "numeric"
    max_length = 40

    def field(self, label, config, choice_order, values):
        return StringField(label, render_kw={"inputmode": "decimal", "autocomplete": "off",
                                             "maxlength": self.max_length})

    def judge(self, config, points, response):
        value = parse_number(response)
        if value is None:
            return Judgement(0.0, points)
        within = abs(value - config["answer"]) <= config["tolerance"] + 1e-9 * max(1.0, abs(config["answer"]))
        return Judgement(points if within else 0.0, points)

    def right_answer(self, config):
        answer = f"{config['answer']:g}"
        if config["tolerance"]:
            answer += f" ± {config['tolerance']:g}"
        return [Markup.escape(answer)]


REGISTRY: dict[str, QuestionType] = {kind.name: kind for kind in
                                     (SingleChoice(), MultipleChoice(), TrueFalse(), ShortText(), Numeric())}


def question_type(name: str) -> QuestionType:
    return REGISTRY[name]
