"""The question types a quiz file may use: one class per type, pure Python, in one registry.

Each type knows its YAML fields, reads an entry into a plain `config` dict (reporting problems by
line), judges a stored response against that config, and says what a right answer is. How a type
is shown in a form lives in the quizzes package, in an adapter keyed by the same name.

Responses are stored by authored ids, never by what a form showed: a choice id for `single`, a
list of them for `multiple`, "true"/"false", the text typed for `short_text` and `numeric`,
{prompt id: answer id} for `matching`, {item id: position} for `ordering`. A `numeric` answer is
typed in the language of the page and stored as the number it reads as ('200,000' in English is
stored '200000'); see `read_number`.

Weights are percentages of the question's points, as in Moodle and its GIFT format (`~%50%`): a
question earns the weight of what was answered, never less than nothing nor more than its points."""
import html
import math
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, TypeGuard

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, parse_decimal

from portal.content.markdown import render_inline, render_markdown
from portal.content.messages import N_
from portal.content.yamlfile import Located

#: report(line, template marked with N_, **values)
Report = Callable[..., None]

HINT_MAX_LENGTH = 2000
#: The most points a question may be worth: enough for any quiz, far from float overflow.
MAX_POINTS = 1000
#: The most entries a question's list may have, so that its form stays usable on a phone.
MAX_ENTRIES = {"choices": 20, "pairs": 12, "items": 10, "answers": 20}
#: Positive weights of a weighted multiple-choice question add up to 100 within this margin,
#: so that thirds written as 33.33 or 33.33333 (as Moodle exports them) are accepted; they are
#: scaled to add up to exactly 100 when judging, so that the three thirds earn every point.
WEIGHT_MARGIN = 0.01
#: Scores are kept to a millionth of a point.
SCORE_DECIMALS = 6
#: The answer that stands for any other answer in `short_text` and `numeric` (Moodle's `*`).
ANY_ANSWER = "*"


@dataclass(frozen=True)
class Judgement:
    score: float
    max_score: float
    #: The feedback (safe HTML) of what was answered: the choices ticked, the answer matched.
    feedback: tuple[str, ...] = ()

    @property
    def is_correct(self) -> bool:
        return self.score >= self.max_score - 1e-9


def adds_up_to_100(total: float) -> bool:
    """Whether positive weights adding up to `total` are accepted as 100 (33.33 × 3 is)."""
    return abs(total - 100) <= WEIGHT_MARGIN + 1e-9


def earned(points: float, percent: float) -> float:
    """`percent` of `points`, kept between nothing and all of them: the one place scores are
    rounded. A sum of shares that falls short of 100 by float error alone (3 × 100/3) is all the
    points, exactly, so that a pass mark of 100% can be reached."""
    share = min(100.0, max(0.0, percent))
    return points if share >= 100 - 1e-9 else round(points * share / 100, SCORE_DECIMALS)


def read_hint(entry: Located, report: Report) -> str:
    """The question's optional hint as safe HTML: what a trainee sees after a wrong answer while the
    feedback that would give the right one away is held back. Empty when there is none."""
    if "hint" not in entry:
        return ""
    value, line = entry.get("hint"), entry.line_of("hint")
    if not isinstance(value, str):
        report(line, N_("'hint' must be text (Markdown)"))
        return ""
    if not value.strip():
        report(line, N_("'hint' is empty: give a hint or leave the field out"))
        return ""
    if len(value) > HINT_MAX_LENGTH:
        report(line, N_("'hint' is longer than %(limit)s characters"), limit=HINT_MAX_LENGTH)
        return ""
    return _markdown(value, line, report)


def read_feedback(item: Located, name: str, report: Report) -> str:
    """The feedback `item[name]` (of a choice, an answer, true or false) as safe HTML; empty when
    there is none. Problems in its Markdown are reported with their lines, as the question's are."""
    value = item.get(name)
    if value is None or value == "":
        return ""
    if not _is_text(value):
        report(item.line_of(name), N_("'%(name)s' must be text"), name=name)
        return ""
    return _markdown(str(value), item.line_of(name), report)


def _markdown(value: str, line: int, report: Report) -> str:
    """Markdown written at `line` of the file as safe HTML, its problems reported with their lines."""
    # A block scalar (`key: |` or `>`, which end with a newline) starts on the line after the key.
    offset = line if value.endswith("\n") else line - 1
    rendered = render_markdown(value, lambda path: None, line_offset=offset)
    for problem_line, message, params in rendered.problems:
        report(problem_line or line, message, **params)
    return rendered.html


def normalise_text(text: str) -> str:
    """Case, width and spacing do not matter: 'Oslo  manual ' is 'oslo manual'."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


#: Spaces of any kind between digits: a thousands separator, whatever the language.
_SPACES_IN_NUMBER = re.compile(r"(?<=\d)\s+(?=\d)")


def read_number(text: str, locale: str | Locale) -> Decimal:
    """A number as a trainee types it in the language of the page (Babel's strict parsing): '200,000'
    is 200000 in English and 200 in French, '0,5' a half in French and a mistake in English.

    Any space between digits is the thousands separator; digits of any script, full-width marks and
    the Arabic decimal and thousands marks are read. Raises ValueError for what is not a number, or
    is one only by a guess: a '.' where the language writes neither decimals nor thousands with it
    ('200.000' in French: 200 or 200 000?), or a separator out of place ('1,5' in English)."""
    language = Locale.parse(locale)
    decimal_mark, group_mark = get_decimal_symbol(language), get_group_symbol(language)
    cleaned = "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char
                      for char in unicodedata.normalize("NFKC", text).strip())
    cleaned = cleaned.replace("\u066b", decimal_mark).replace("\u066c", group_mark).replace("\u2212", "-")
    cleaned = _SPACES_IN_NUMBER.sub(group_mark, cleaned)
    if any(mark in cleaned and mark not in (decimal_mark, group_mark) for mark in ".,"):
        raise ValueError(f"{text!r} uses a mark {language} does not write numbers with")
    value = parse_decimal(cleaned, language, strict=True)
    if not value.is_finite() or not math.isfinite(float(value)):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def parse_number(text: str | None) -> float | None:
    """A stored numeric answer: the number `read_number` read (as '200000', '-2.25', '1E+3'), or
    text typed before answers were read by language ('0,5', ' 1 500 '). None when it is not one."""
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


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_text(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) and bool(str(value).strip())


def _unknown(item: Located, allowed: set[str], report: Report, message: str) -> None:
    """Report the keys of `item` not in `allowed`; `message` names them as %(names)s."""
    unknown = set(item) - allowed
    if unknown:
        report(item.line, message, names=", ".join(sorted(map(str, unknown))))


def _read_weight(item: Located, report: Report, default: float) -> float:
    """An answer's `weight`: a percentage of the question's points from -100 to 100."""
    if "weight" not in item:
        return default
    weight = item.get("weight")
    if not _is_number(weight) or not -100 <= weight <= 100:
        report(item.line_of("weight"), N_("weight must be a percentage from -100 to 100"))
        return default
    return float(weight)


def _read_list(entry: Located, name: str, minimum: int, report: Report, message: str) -> list[Any]:
    """The list `entry[name]`, of at least `minimum` and at most MAX_ENTRIES[name] entries."""
    raw = entry.get(name)
    if not isinstance(raw, list) or len(raw) < minimum:
        report(entry.line_of(name), message, count=minimum)
        return []
    if len(raw) > MAX_ENTRIES[name]:
        report(entry.line_of(name), N_("'%(name)s' lists %(count)d entries: a question may list at most %(limit)d"),
               name=name, count=len(raw), limit=MAX_ENTRIES[name])
        return raw[:MAX_ENTRIES[name]]
    return raw


def _any_answer_last(answers: list[Located | Any], is_any: Callable[[Any], bool], entry: Located,
                     report: Report) -> None:
    """Report a `*` answer that is not the last: the first answer that matches is taken, so the
    answers after `*` could never match."""
    for item in answers[:-1]:
        if is_any(item):
            report(_line(item, entry, "answers"), N_("'*' matches any answer, so the answers after it can never "
                                                     "match: put it last"))


#: Keys of a config that hold words in the quiz's language (a translation gives its own).
WORDS = frozenset({"html", "feedback_html", "feedback_true_html", "feedback_false_html", "also"})


def _without_words(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_words(item) for key, item in value.items() if key not in WORDS}
    if isinstance(value, list):
        return [_without_words(item) for item in value]
    return value


def _line(item: Any, entry: Located, name: str) -> int:
    return item.line if isinstance(item, Located) else entry.line_of(name)


class QuestionKind:
    """One type of question: its fields, how its entry is read, how a response is judged."""

    name: ClassVar[str]
    #: The keys this type adds to those every question has (id, type, points, text, ...).
    fields: ClassVar[frozenset[str]]

    def read(self, entry: Located, report: Report) -> dict[str, Any]:
        """The type's settings from its YAML entry; problems reported with their line."""
        raise NotImplementedError

    def judge(self, config: dict[str, Any], points: float, response: Any) -> Judgement:
        raise NotImplementedError

    def right_answers(self, config: dict[str, Any]) -> list[str]:
        """Right answers as safe HTML, for the review once answers may be shown. Matching has none
        here: its pairs need words in the reader's language, which its form adapter gives."""
        raise NotImplementedError

    def parts(self, config: dict[str, Any]) -> list[str]:
        """The authored ids a form names by per-attempt values instead (choices, prompts, items)."""
        return []

    def structure(self, config: dict[str, Any]) -> Any:
        """What decides grading, without the words: a translation must have the same. By default the
        config without its HTML (choice ids, right answers, weights, numbers)."""
        return _without_words(config)


class ChoiceKind(QuestionKind):
    """Choices are right (`correct: true`) or weighted (`weight`), not both in one question.

    Unweighted configs are kept exactly as before weights existed, so that their fingerprints,
    and the revisions made from them, do not change; weighted ones give every choice a weight."""

    fields = frozenset({"choices"})

    def read_choices(self, entry: Located, report: Report) -> list[dict[str, Any]]:
        raw = _read_list(entry, "choices", 2, report, N_("needs a list of at least two choices"))
        weighted = any(isinstance(item, Located) and "weight" in item for item in raw)
        choices, seen = [], set()
        for index, item in enumerate(raw):
            if not isinstance(item, Located) or not str(item.get("text", "")).strip():
                report(entry.line_of("choices"), N_("choice %(number)d needs a text"), number=index + 1)
                continue
            _unknown(item, {"id", "text", "correct", "weight", "feedback"}, report,
                     N_("unknown field(s) in a choice: %(names)s"))
            if "id" in item and not _is_text(item["id"]):
                report(item.line_of("id"), N_("'%(name)s' must be text"), name="id")
            choice_id = str(item.get("id", string.ascii_lowercase[index % 26]))
            if choice_id in seen:
                report(item.line, N_("choice id '%(id)s' is used twice"), id=choice_id)
            seen.add(choice_id)
            correct = item.get("correct", False)
            if not isinstance(correct, bool):
                report(item.line_of("correct"), N_("correct must be true or false"))
            if weighted and "correct" in item:
                report(item.line_of("correct"), N_("give each choice a weight or mark choices correct, not both: "
                                                   "with weights, a right choice has weight: 100"))
            choice: dict[str, Any] = {
                "id": choice_id,
                "html": render_inline(str(item["text"])),
                "correct": correct is True,
                "feedback_html": read_feedback(item, "feedback", report),
            }
            if weighted:
                choice["weight"] = _read_weight(item, report, 0.0)
                choice["correct"] = self.counts_as_right(choice["weight"])
            choices.append(choice)
        return choices

    def counts_as_right(self, weight: float) -> bool:
        raise NotImplementedError

    def weights(self, config: dict[str, Any]) -> dict[str, float]:
        """Each choice's weight, as written or by the type's default rule."""
        raise NotImplementedError

    def judge(self, config, points, response):
        chosen = response if isinstance(response, list) else [response]
        weights = self.weights(config)
        percent = sum(weights.get(choice_id, 0.0) for choice_id in set(chosen))
        feedback = tuple(choice["feedback_html"] for choice in config["choices"]
                         if choice["id"] in chosen and choice["feedback_html"])
        return Judgement(earned(points, percent), points, feedback)

    def right_answers(self, config):
        return [choice["html"] for choice in config["choices"] if choice["correct"]]

    def parts(self, config):
        return [choice["id"] for choice in config["choices"]]


class SingleChoice(ChoiceKind):
    """One choice is picked: it earns its weight (100 when `correct`, 0 when not)."""

    name = "single"

    def counts_as_right(self, weight):
        return weight >= 100

    def read(self, entry, report):
        choices = self.read_choices(entry, report)
        weighted = any("weight" in choice for choice in choices)
        correct = sum(choice["correct"] for choice in choices)
        if choices and weighted and not correct:
            report(entry.line, N_("a single-choice question needs a choice with weight 100, so that all its "
                                  "points can be earned"))
        elif choices and not weighted and correct != 1:
            report(entry.line, N_("a single-choice question needs exactly one correct choice, not %(count)d"),
                   count=correct)
        return {"choices": choices}

    def weights(self, config):
        return {choice["id"]: choice.get("weight", 100.0 if choice["correct"] else 0.0) for choice in config["choices"]}


class MultipleChoice(ChoiceKind):
    """Choices ticked add their weights. Without weights, as in Moodle: the k right choices share
    100 equally and the wrong ones share -100, so ticking everything earns nothing."""

    name = "multiple"

    def counts_as_right(self, weight):
        return weight > 0

    def read(self, entry, report):
        choices = self.read_choices(entry, report)
        if choices and any("weight" in choice for choice in choices):
            total = sum(choice["weight"] for choice in choices if choice["weight"] > 0)
            if not adds_up_to_100(total):
                report(entry.line, N_("the positive weights of a multiple-choice question must add up to 100, "
                                      "not %(total)s"), total=f"{total:g}")
        elif choices and not any(choice["correct"] for choice in choices):
            report(entry.line, N_("a multiple-choice question needs at least one correct choice"))
        return {"choices": choices}

    def weights(self, config):
        choices = config["choices"]
        if any("weight" in choice for choice in choices):
            total = sum(choice["weight"] for choice in choices if choice["weight"] > 0)
            scale = 100 / total if adds_up_to_100(total) else 1.0
            return {choice["id"]: choice["weight"] * scale if choice["weight"] > 0 else choice["weight"]
                    for choice in choices}
        right = sum(choice["correct"] for choice in choices)
        wrong = len(choices) - right
        return {choice["id"]: 100 / right if choice["correct"] else -100 / wrong for choice in choices}


class TrueFalse(QuestionKind):
    """`answer: true|false`; `feedback_true` and `feedback_false` are shown to those who answered
    true or false (Moodle's two feedbacks, GIFT's `{T#wrong#right}`)."""

    name = "true_false"
    fields = frozenset({"answer", "feedback_true", "feedback_false"})

    def read(self, entry, report):
        answer = entry.get("answer")
        if not isinstance(answer, bool):
            report(entry.line_of("answer"), N_("a true/false question needs answer: true or answer: false"))
        config: dict[str, Any] = {"answer": answer is True}
        for side in ("true", "false"):
            if f"feedback_{side}" in entry:
                config[f"feedback_{side}_html"] = read_feedback(entry, f"feedback_{side}", report)
        return config

    def judge(self, config, points, response):
        expected = "true" if config["answer"] else "false"
        feedback = config.get(f"feedback_{response}_html") if response in ("true", "false") else None
        return Judgement(points if response == expected else 0.0, points, (feedback,) if feedback else ())

    def right_answers(self, config):
        return ["true" if config["answer"] else "false"]  # the adapter words it in the reader's language


def _matches(answer: dict[str, Any], given: str) -> bool:
    return answer["text"] == ANY_ANSWER or normalise_text(answer["text"]) == given


class ShortText(QuestionKind):
    """`answers`: plain strings (worth 100) or {text, weight, feedback}. The first answer that
    matches, ignoring case, width and spacing, gives its weight; `*` matches any answer."""

    name = "short_text"
    fields = frozenset({"answers"})

    def read(self, entry, report):
        raw = _read_list(entry, "answers", 1, report, N_("a short-text question needs a list of accepted answers"))
        answers: list[Any] = []
        for item in raw:
            if isinstance(item, Located):
                _unknown(item, {"text", "weight", "feedback"}, report,
                         N_("unknown field(s) in an answer: %(names)s"))
                if not _is_text(item.get("text")):
                    report(item.line, N_("an answer needs a text"))
                    continue
                answers.append({"text": str(item["text"]).strip(), "weight": _read_weight(item, report, 100.0),
                                "feedback_html": read_feedback(item, "feedback", report)})
            elif _is_text(item):
                answers.append(str(item))
            else:
                report(entry.line_of("answers"), N_("a short-text question needs a list of accepted answers"))
                return {"answers": []}
        _any_answer_last(raw, self._is_any, entry, report)
        if answers and not any(weight >= 100 for weight in self._weights(answers)):
            report(entry.line_of("answers"), N_("at least one answer must have weight 100, so that all the points "
                                                "can be earned"))
        return {"answers": answers}

    @staticmethod
    def _is_any(item: Any) -> bool:
        """Whether an entry of `answers` is `*`, as it is read (a mapping's text is stripped)."""
        return str(item.get("text")).strip() == ANY_ANSWER if isinstance(item, Located) else item == ANY_ANSWER

    @staticmethod
    def _weights(answers: list[Any]) -> list[float]:
        return [answer["weight"] if isinstance(answer, dict) else 100.0 for answer in answers]

    @staticmethod
    def answers(config: dict[str, Any]) -> list[dict[str, Any]]:
        """Every answer as {text, weight, feedback_html}, plain strings included."""
        return [answer if isinstance(answer, dict) else {"text": answer, "weight": 100.0, "feedback_html": ""}
                for answer in config["answers"]]

    def structure(self, config):
        """Answers in order with their weights; `*` stays `*`, the other texts are the language's own."""
        return [(answer["weight"], answer["text"] == ANY_ANSWER) for answer in self.answers(config)]

    def judge(self, config, points, response):
        """The first answer matched, in any language: `also` lists, by answer, its other languages' wordings."""
        given = normalise_text(response or "")
        also = config.get("also") or []
        wordings = [also[index] if index < len(also) else [] for index in range(len(config["answers"]))]
        matched = next((answer for answer, others in zip(self.answers(config), wordings, strict=True) if given and (
            _matches(answer, given) or any(normalise_text(text) == given for text in others)
        )), None)
        if matched is None:
            return Judgement(0.0, points)
        feedback = (matched["feedback_html"],) if matched["feedback_html"] else ()
        return Judgement(earned(points, matched["weight"]), points, feedback)

    def right_answers(self, config):
        best = [answer for answer in self.answers(config) if answer["weight"] >= 100 and answer["text"] != ANY_ANSWER]
        return [html.escape(answer["text"]) for answer in best[:1]]


class Numeric(QuestionKind):
    """`answer` and `tolerance`, or `answers`: a list of {answer, tolerance} or {min, max} (or
    `answer: "*"` for any other number), each with an optional weight (100) and feedback. The first
    that holds the number gives its weight; bounds are included."""

    name = "numeric"
    fields = frozenset({"answer", "tolerance", "answers"})

    def read(self, entry, report):
        if "answers" in entry:
            if "answer" in entry or "tolerance" in entry:
                report(entry.line_of("answers"), N_("give answer and tolerance, or a list of answers, not both"))
            return {"answers": self.read_answers(entry, report)}
        answer = entry.get("answer")
        if not _is_number(answer):
            report(entry.line_of("answer"), N_("a numeric question needs a number as its answer"))
            answer = 0
        return {"answer": float(answer), "tolerance": self.read_tolerance(entry, report)}

    @staticmethod
    def read_tolerance(item: Located, report: Report) -> float:
        tolerance = item.get("tolerance", 0)
        if not _is_number(tolerance) or tolerance < 0:
            report(item.line_of("tolerance"), N_("tolerance must be a number, zero or more"))
            return 0.0
        return float(tolerance)

    def read_answers(self, entry: Located, report: Report) -> list[dict[str, Any]]:
        raw = _read_list(entry, "answers", 1, report, N_("answers must be a list: {answer, tolerance} or {min, max} each"))
        answers = []
        for item in raw:
            if not isinstance(item, Located):
                report(_line(item, entry, "answers"), N_("each answer is a mapping: {answer, tolerance} or {min, max}"))
                continue
            _unknown(item, {"answer", "tolerance", "min", "max", "weight", "feedback"}, report,
                     N_("unknown field(s) in an answer: %(names)s"))
            weight = _read_weight(item, report, 100.0)
            read: dict[str, Any] = {}
            if item.get("answer") == ANY_ANSWER:
                read = {"answer": ANY_ANSWER}
            elif "min" in item or "max" in item:
                low, high = item.get("min"), item.get("max")
                if not _is_number(low) or not _is_number(high) or low > high:
                    report(item.line, N_("a range needs numbers min and max, min not above max"))
                    continue
                read = {"min": float(low), "max": float(high)}
            elif _is_number(item.get("answer")):
                read = {"answer": float(item["answer"]), "tolerance": self.read_tolerance(item, report)}
            else:
                report(item.line_of("answer"), N_("each answer is a mapping: {answer, tolerance} or {min, max}"))
                continue
            answers.append({**read, "weight": weight, "feedback_html": read_feedback(item, "feedback", report)})
        _any_answer_last(raw, lambda item: isinstance(item, Located) and item.get("answer") == ANY_ANSWER, entry,
                         report)
        if answers and not any(answer["weight"] >= 100 and answer.get("answer") != ANY_ANSWER for answer in answers):
            report(entry.line_of("answers"), N_("at least one answer must have weight 100, so that all the points "
                                                "can be earned"))
        return answers

    @staticmethod
    def answers(config: dict[str, Any]) -> list[dict[str, Any]]:
        if "answers" in config:
            return config["answers"]
        return [{"answer": config["answer"], "tolerance": config["tolerance"], "weight": 100.0, "feedback_html": ""}]

    @staticmethod
    def holds(answer: dict[str, Any], value: float) -> bool:
        if answer.get("answer") == ANY_ANSWER:
            return True
        if "min" in answer:
            low, high = answer["min"], answer["max"]
        else:
            low, high = answer["answer"] - answer["tolerance"], answer["answer"] + answer["tolerance"]
        margin = 1e-9 * max(1.0, abs(low), abs(high))
        return low - margin <= value <= high + margin

    def judge(self, config, points, response):
        value = parse_number(response)
        if value is None:
            return Judgement(0.0, points)
        matched = next((answer for answer in self.answers(config) if self.holds(answer, value)), None)
        if matched is None:
            return Judgement(0.0, points)
        feedback = (matched["feedback_html"],) if matched["feedback_html"] else ()
        return Judgement(earned(points, matched["weight"]), points, feedback)

    def right_answers(self, config):
        shown = []
        for answer in self.answers(config):
            if answer["weight"] < 100 or answer.get("answer") == ANY_ANSWER:
                continue
            if "min" in answer:
                shown.append(f"{answer['min']:g} – {answer['max']:g}")
            else:
                shown.append(f"{answer['answer']:g}" + (f" ± {answer['tolerance']:g}" if answer["tolerance"] else ""))
        return shown[:1]


class Matching(QuestionKind):
    """`pairs` of {prompt, answer}: each prompt is matched with one answer from a list of every
    answer (the same answer text is offered once). A pair without a prompt adds a wrong answer to
    the list. Scored per prompt: points × prompts matched right / prompts."""

    name = "matching"
    fields = frozenset({"pairs"})
    MIN_PROMPTS = 2

    def read(self, entry, report):
        raw = _read_list(entry, "pairs", self.MIN_PROMPTS, report,
                         N_("a matching question needs a list of at least %(count)d pairs"))
        prompts: list[dict[str, Any]] = []
        answers: dict[str, dict[str, Any]] = {}
        seen_prompts: set[str] = set()
        for item in raw:
            if not isinstance(item, Located):
                report(_line(item, entry, "pairs"), N_("each pair is a mapping: {prompt, answer}"))
                continue
            _unknown(item, {"prompt", "answer"}, report, N_("unknown field(s) in a pair: %(names)s"))
            if not _is_text(item.get("answer")):
                report(item.line, N_("each pair needs an answer"))
                continue
            text = str(item["answer"]).strip()
            answer = answers.setdefault(normalise_text(text), {"id": f"a{len(answers) + 1}",
                                                               "html": render_inline(text)})
            prompt = item.get("prompt")
            if prompt is None or (isinstance(prompt, str) and not prompt.strip()):
                continue  # an extra, wrong answer
            if not _is_text(prompt):
                report(item.line_of("prompt"), N_("'%(name)s' must be text"), name="prompt")
                continue
            if normalise_text(str(prompt)) in seen_prompts:
                report(item.line_of("prompt"), N_("the prompt '%(prompt)s' is given twice"), prompt=str(prompt)[:80])
            seen_prompts.add(normalise_text(str(prompt)))
            prompts.append({"id": f"p{len(prompts) + 1}", "html": render_inline(str(prompt).strip()),
                            "answer": answer["id"]})
        if raw and len(prompts) < self.MIN_PROMPTS:
            report(entry.line_of("pairs"), N_("a matching question needs a list of at least %(count)d pairs"),
                   count=self.MIN_PROMPTS)
        return {"prompts": prompts, "answers": list(answers.values())}

    def judge(self, config, points, response):
        given = response if isinstance(response, dict) else {}
        right = sum(given.get(prompt["id"]) == prompt["answer"] for prompt in config["prompts"])
        return Judgement(earned(points, 100 * right / len(config["prompts"])), points)

    @staticmethod
    def prompts(config: dict[str, Any]) -> list[str]:
        """The ids of the prompts, in the file's order (the other parts are answers to match)."""
        return [prompt["id"] for prompt in config["prompts"]]

    @staticmethod
    def right_response(config: dict[str, Any]) -> dict[str, str]:
        """The response that matches every prompt right: {prompt id: answer id}."""
        return {prompt["id"]: prompt["answer"] for prompt in config["prompts"]}

    @staticmethod
    def matched(config: dict[str, Any], response: dict[str, str]) -> list[tuple[str, str]]:
        """(prompt, answer) as safe HTML for each prompt `response` matches, in the file's order."""
        answers = {answer["id"]: answer["html"] for answer in config["answers"]}
        return [(prompt["html"], answers[response[prompt["id"]]]) for prompt in config["prompts"]
                if response.get(prompt["id"]) in answers]

    def parts(self, config):
        return self.prompts(config) + [answer["id"] for answer in config["answers"]]


class Ordering(QuestionKind):
    """`items` written in the right order; the trainee gives each its position. Scored by pairs of
    items put in the right order relative to each other: points × such pairs / all pairs."""

    name = "ordering"
    fields = frozenset({"items"})

    def read(self, entry, report):
        raw = _read_list(entry, "items", 2, report, N_("an ordering question needs a list of at least %(count)d items"))
        items: list[dict[str, str]] = []
        seen: set[str] = set()
        for item in raw:
            if not _is_text(item):
                report(_line(item, entry, "items"), N_("each item is a text"))
                continue
            text = str(item).strip()
            if normalise_text(text) in seen:
                report(entry.line_of("items"), N_("the item '%(item)s' is given twice"), item=text[:80])
            seen.add(normalise_text(text))
            items.append({"id": f"i{len(items) + 1}", "html": render_inline(text)})
        return {"items": items}

    def judge(self, config, points, response):
        given = response if isinstance(response, dict) else {}
        ids = [item["id"] for item in config["items"]]
        pairs = [(first, second) for index, first in enumerate(ids) for second in ids[index + 1:]]
        right = sum(first in given and second in given and given[first] < given[second] for first, second in pairs)
        return Judgement(earned(points, 100 * right / len(pairs)), points)

    def right_answers(self, config):
        return [f"{number}. {item['html']}" for number, item in enumerate(config["items"], start=1)]

    def parts(self, config):
        return [item["id"] for item in config["items"]]


#: Every question type, by the name quiz files and stored questions use.
KINDS: dict[str, QuestionKind] = {kind.name: kind for kind in (
    SingleChoice(), MultipleChoice(), TrueFalse(), ShortText(), Numeric(), Matching(), Ordering(),
)}
