"""How each question type is asked in a form and read back from it: one adapter per type of the
content registry (portal.content.questions.KINDS), keyed by the same names.

Judging is the content type's work alone: nothing here judges; saving results is the services'
(the shape of CTFd's challenge types). A form names choices, prompts and items by per-attempt values
(`values`: authored id -> form value), never by the ids of the quiz file, which often give the
answer away; answers are stored and judged by authored id."""
import random
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, cast

from babel import Locale
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field, Form, FormField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from portal.content.questions import KINDS, Matching, QuestionKind, read_number
from portal.i18n import native_digits


class AnswerRefused(ValueError):
    """What a form sent cannot be an answer to its question: too long, or not one of its choices."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def not_a_choice() -> AnswerRefused:
    return AnswerRefused(_("That answer is not one of this question's choices. Reload the page and choose again."))


class GroupField(FormField):
    """One select per prompt or item, named by this attempt's values; refusals are the group's own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused: list[str] = []

    @property
    def errors(self) -> list[str]:
        return self.refused

    @errors.setter
    def errors(self, messages: list[str]) -> None:
        self.refused = list(messages)


class FormAdapter:
    """How one type of question is shown in the attempt form, read back, and described."""

    name: ClassVar[str]
    #: The longest text answer accepted, in characters (after surrounding spaces are dropped).
    max_length: ClassVar[int] = 0
    #: Whether its choices and described answers are the portal's words ("True", "False"), in the page's
    #: language, rather than the question's own, in the question's.
    portal_words: ClassVar[bool] = False

    def answers_language(self, question_language: str) -> str | None:
        """The language its choices and described answers are marked with; None: the page's."""
        return None if self.portal_words else question_language

    @property
    def kind(self) -> QuestionKind:
        return KINDS[self.name]

    def arrange(self, config: dict[str, Any], shuffle: bool, chooser: random.Random) -> list[str]:
        """The order this attempt shows the question's parts in; fixed when the attempt starts."""
        parts = self.kind.parts(config)
        if shuffle:
            chooser.shuffle(parts)
        return parts

    def field(self, label: Markup, config: dict[str, Any], order: list[str], values: Mapping[str, str]) -> Field:
        raise NotImplementedError

    def response(self, config: dict[str, Any], raw: Any, values: Mapping[str, str]) -> Any:
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

    def right_answers(self, config: dict[str, Any]) -> list[Markup]:
        """What a right answer is, shown only after grading."""
        return [Markup(answer) for answer in self.kind.right_answers(config)]

    def describe(self, config: dict[str, Any], response: Any) -> list[Markup]:
        """The trainee's answer as they would recognise it, for the review."""
        return [Markup.escape(response)] if response not in (None, "") else []


def authored(value: Any, values: Mapping[str, str]) -> str:
    """The authored id a form value stands for; AnswerRefused for a value this attempt never gave."""
    by_value = {form_value: part_id for part_id, form_value in values.items()}
    if not isinstance(value, str) or value not in by_value:
        raise not_a_choice()
    return by_value[value]


class ChoiceAdapter(FormAdapter):
    def choices(self, config: dict[str, Any], order: list[str], values: Mapping[str, str]) -> list[SelectChoice]:
        by_id = {choice["id"]: choice for choice in config["choices"]}
        return [SelectChoice(values[choice_id], Markup(by_id[choice_id]["html"]))
                for choice_id in order if choice_id in by_id and choice_id in values]

    def form_data(self, stored, values):
        if isinstance(stored, list):
            return [values[choice_id] for choice_id in stored if choice_id in values]
        return values.get(stored) if isinstance(stored, str) else None

    def describe(self, config, response):
        chosen = set(response if isinstance(response, list) else [response])
        return [Markup(choice["html"]) for choice in config["choices"] if choice["id"] in chosen]


class SingleChoiceAdapter(ChoiceAdapter):
    name = "single"

    def field(self, label, config, order, values):
        return RadioField(label, choices=self.choices(config, order, values), validate_choice=False)

    def response(self, config, raw, values):
        return authored(raw, values) if raw not in (None, "") else None


class MultipleChoiceAdapter(ChoiceAdapter):
    name = "multiple"

    def field(self, label, config, order, values):
        return SelectMultipleField(label, choices=self.choices(config, order, values), validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def response(self, config, raw, values):
        if raw is None:
            return None
        ticked = raw if isinstance(raw, list) else [raw]
        if len(ticked) > len(values):
            raise AnswerRefused(_("This answer ticks more choices than the question has. Reload the page "
                                  "and choose again."))
        return sorted({authored(value, values) for value in ticked}) or None


class TrueFalseAdapter(FormAdapter):
    name = "true_false"
    portal_words = True

    def field(self, label, config, order, values):
        return RadioField(label, choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
                          validate_choice=False)

    def response(self, config, raw, values):
        if raw in (None, ""):
            return None
        if raw not in ("true", "false"):
            raise not_a_choice()
        return raw

    def right_answers(self, config):
        return [Markup(_l("True") if config["answer"] else _l("False"))]

    def describe(self, config, response):
        return {"true": [Markup(_l("True"))], "false": [Markup(_l("False"))]}.get(response, [])


class ShortTextAdapter(FormAdapter):
    name = "short_text"
    max_length = 300

    def field(self, label, config, order, values):
        return StringField(label, render_kw={"autocomplete": "off", "maxlength": self.max_length})


def page_locale() -> Locale:
    """The language of the page being answered (English outside a request)."""
    return get_locale() or Locale.parse("en")


def written_number(value: Decimal) -> str:
    """A number as the page's language writes it, in its own digits and marks (Persian: ۱٬۲۳۴٫۵)."""
    locale = page_locale()
    return native_digits(format_decimal(value, locale=locale, decimal_quantization=False, numbering_system="default"),
                         str(locale))


class NumericAdapter(FormAdapter):
    """A number typed as the page's language writes numbers, stored as the number it reads as
    ('200,000' is 200000 in English, 200 in French), shown again the page's way."""

    name = "numeric"
    max_length = 40

    def field(self, label, config, order, values):
        return StringField(label, render_kw={"inputmode": "decimal", "autocomplete": "off",
                                             "maxlength": self.max_length})

    def response(self, config, raw, values):
        text = super().response(config, raw, values)
        if text is None:
            return None
        try:
            return str(read_number(text, page_locale()))
        except ValueError:
            raise AnswerRefused(_("Type a number as this page's language writes numbers, for example %(example)s.",
                                  example=written_number(Decimal("1234.5")))) from None

    def form_data(self, stored, values):
        return self.in_page_language(stored)

    def describe(self, config, response):
        return super().describe(config, self.in_page_language(response))

    def in_page_language(self, stored: Any) -> Any:
        """A stored number as the page's language writes it; as stored when it is text typed before
        numbers were read by language, or too long to fit the field."""
        try:
            value = Decimal(stored)
        except (InvalidOperation, TypeError, ValueError):
            return stored
        if not value.is_finite():
            return stored
        written = written_number(value)
        return written if len(written) <= self.max_length else stored


def select_name(value: str) -> str:
    """The name of the select for the part this attempt calls `value`. Prefixed, as a form ignores
    fields whose names begin with "_", and a value may."""
    return f"v{value}"


class GroupAdapter(FormAdapter):
    """A select per prompt (or item), each named by this attempt's value for it, in a group field."""

    description: ClassVar[Any] = ""

    def group(self, label: Markup, selects: list[tuple[str, Markup, list[SelectChoice]]]) -> GroupField:
        """A group of selects, given as (this attempt's value for the part, label, options)."""
        class Group(Form):
            pass

        for value, select_label, options in selects:
            setattr(Group, select_name(value), SelectField(select_label, choices=[SelectChoice("", _l("Choose…")),
                                                                                  *options], validate_choice=False))
        return GroupField(Group, label, description=self.description)

    def pairs(self, raw: Any, values: Mapping[str, str]) -> dict[str, str]:
        """{authored id: form value} of the selects the trainee set; AnswerRefused for a forged name."""
        if raw is None:
            return {}
        if not isinstance(raw, Mapping) or len(raw) > len(values):
            raise not_a_choice()
        parts = {select_name(value): part for part, value in values.items()}
        if not all(isinstance(name, str) and name in parts for name in raw):
            raise not_a_choice()
        return {parts[name]: value for name, value in raw.items() if value not in (None, "")}


def shuffled(parts: list[str], chooser: random.Random) -> list[str]:
    """The parts in an order drawn uniformly, the written one included: ruling the written order out
    would give it away where few orders are possible (two items always shown reversed)."""
    parts = list(parts)
    chooser.shuffle(parts)
    return parts


class MatchingAdapter(GroupAdapter):
    """Prompts in the file's order (shuffled with the quiz), answers always shuffled: written, they
    follow the prompts."""

    name = "matching"
    description = _l("Choose the answer that goes with each item.")

    def arrange(self, config, shuffle, chooser):
        prompts = self.matching.prompts(config)
        if shuffle:
            chooser.shuffle(prompts)
        return prompts + shuffled([answer["id"] for answer in config["answers"]], chooser)

    def field(self, label, config, order, values):
        prompts = {prompt["id"]: prompt for prompt in config["prompts"]}
        answers = {answer["id"]: answer for answer in config["answers"]}
        options = [SelectChoice(values[part], Markup(answers[part]["html"])) for part in order if part in answers]
        return self.group(label, [(values[part], Markup(prompts[part]["html"]), options)
                                  for part in order if part in prompts])

    def response(self, config, raw, values):
        prompts = set(self.matching.prompts(config))
        matched = {}
        for prompt, value in self.pairs(raw, values).items():
            answer = authored(value, values)
            if prompt not in prompts or answer in prompts:
                raise not_a_choice()
            matched[prompt] = answer
        return matched or None

    def form_data(self, stored, values):
        if not isinstance(stored, dict):
            return None
        return {select_name(values[prompt]): values[answer] for prompt, answer in stored.items()
                if prompt in values and answer in values}

    @property
    def matching(self) -> Matching:
        return cast(Matching, self.kind)

    def right_answers(self, config):
        return self.describe(config, self.matching.right_response(config))

    def describe(self, config, response):
        if not isinstance(response, dict):
            return []
        # The arrow points the way the reader reads: ← in Arabic.
        return [Markup(_("%(prompt)s → %(answer)s")) % {"prompt": Markup(prompt), "answer": Markup(answer)}
                for prompt, answer in self.matching.matched(config, response)]


class OrderingAdapter(GroupAdapter):
    """Items always shown shuffled; each gets a select of positions."""

    name = "ordering"
    description = _l("Give each item its place in the order: 1 for the first.")

    def arrange(self, config, shuffle, chooser):
        return shuffled(self.kind.parts(config), chooser)

    def field(self, label, config, order, values):
        items = {item["id"]: item for item in config["items"]}
        positions = [SelectChoice(str(number), str(number)) for number in range(1, len(items) + 1)]
        return self.group(label, [(values[part], Markup(items[part]["html"]), positions)
                                  for part in order if part in items])

    def response(self, config, raw, values):
        placed = {}
        for item, value in self.pairs(raw, values).items():
            if not isinstance(value, str) or not value.isdecimal() or not 1 <= int(value) <= len(values):
                raise not_a_choice()
            placed[item] = int(value)
        return placed or None

    def form_data(self, stored, values):
        if not isinstance(stored, dict):
            return None
        return {select_name(values[item]): str(position) for item, position in stored.items() if item in values}

    def describe(self, config, response):
        if not isinstance(response, dict):
            return []
        placed = sorted((position, index, item["html"]) for index, item in enumerate(config["items"])
                        if (position := response.get(item["id"])) is not None)
        return [Markup(f"{position}. {html}") for position, _index, html in placed]


#: Every adapter, by the name of the content type it shows: the same names as KINDS.
ADAPTERS: dict[str, FormAdapter] = {adapter.name: adapter for adapter in (
    SingleChoiceAdapter(), MultipleChoiceAdapter(), TrueFalseAdapter(), ShortTextAdapter(), NumericAdapter(),
    MatchingAdapter(), OrderingAdapter(),
)}


def question_type(name: str) -> FormAdapter:
    return ADAPTERS[name]
