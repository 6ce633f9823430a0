"""The question types a quiz file may use, and the settings each must give.

Each reader turns a question's YAML into a plain `config` dict; the quizzes package grades
answers against that dict through a registry keyed by the same type names."""
import string
from collections.abc import Callable
from typing import Any, cast

from portal.content.markdown import render_inline, render_markdown
from portal.content.messages import N_
from portal.content.yamlfile import Located

#: report(line, template marked with N_, **values)
Report = Callable[..., None]

QUESTION_TYPES = ("single", "multiple", "true_false", "short_text", "numeric")
HINT_MAX_LENGTH = 2000


def feedback_html(value: Any) -> str:
    """Feedback Markdown as safe HTML; empty when there is none."""
    return render_markdown(str(value), lambda path: None).html if value else ""


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
    # A block scalar (`hint: |` or `>`, which end with a newline) starts on the line after the key.
    offset = line if value.endswith("\n") else line - 1
    rendered = render_markdown(value, lambda path: None, line_offset=offset)
    for problem_line, message, params in rendered.problems:
        report(problem_line or line, message, **params)
    return rendered.html


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_choices(entry: Located, report: Report) -> list[dict[str, Any]]:
    raw = entry.get("choices")
    if not isinstance(raw, list) or len(raw) < 2:
        report(entry.line_of("choices"), N_("needs a list of at least two choices"))
        return []
    choices, seen = [], set()
    for index, item in enumerate(raw):
        if not isinstance(item, Located) or not str(item.get("text", "")).strip():
            report(entry.line_of("choices"), N_("choice %(number)d needs a text"), number=index + 1)
            continue
        unknown = set(item) - {"id", "text", "correct", "feedback"}
        if unknown:
            report(item.line, N_("unknown field(s) in a choice: %(names)s"), names=", ".join(sorted(map(str, unknown))))
        choice_id = str(item.get("id", string.ascii_lowercase[index % 26]))
        if choice_id in seen:
            report(item.line, N_("choice id '%(id)s' is used twice"), id=choice_id)
        seen.add(choice_id)
        correct = item.get("correct", False)
        if not isinstance(correct, bool):
            report(item.line_of("correct"), N_("correct must be true or false"))
        choices.append({
            "id": choice_id,
            "html": render_inline(str(item["text"])),
            "correct": correct is True,
            "feedback_html": feedback_html(item.get("feedback")),
        })
    return choices


def read_single(entry: Located, report: Report) -> dict[str, Any]:
    choices = _read_choices(entry, report)
    correct = sum(choice["correct"] for choice in choices)
    if choices and correct != 1:
        report(entry.line, N_("a single-choice question needs exactly one correct choice, not %(count)d"), count=correct)
    return {"choices": choices}


def read_multiple(entry: Located, report: Report) -> dict[str, Any]:
    choices = _read_choices(entry, report)
    if choices and not any(choice["correct"] for choice in choices):
        report(entry.line, N_("a multiple-choice question needs at least one correct choice"))
    return {"choices": choices}


def read_true_false(entry: Located, report: Report) -> dict[str, Any]:
    answer = entry.get("answer")
    if not isinstance(answer, bool):
        report(entry.line_of("answer"), N_("a true/false question needs answer: true or answer: false"))
    return {"answer": answer is True}


def read_short_text(entry: Located, report: Report) -> dict[str, Any]:
    answers = entry.get("answers")
    if not isinstance(answers, list) or not answers or not all(str(a).strip() for a in answers):
        report(entry.line_of("answers"), N_("a short-text question needs a list of accepted answers"))
        return {"answers": []}
    return {"answers": [str(answer) for answer in answers]}


def read_numeric(entry: Located, report: Report) -> dict[str, Any]:
    answer, tolerance = entry.get("answer"), entry.get("tolerance", 0)
    if not _is_number(answer):
        report(entry.line_of("answer"), N_("a numeric question needs a number as its answer"))
        answer = 0
    if not _is_number(tolerance) or tolerance < 0:
        report(entry.line_of("tolerance"), N_("tolerance must be a number, zero or more"))
        tolerance = 0
    return {"answer": float(cast(float, answer)), "tolerance": float(tolerance)}


READERS: dict[str, Callable[[Located, Report], dict[str, Any]]] = {
    "single": read_single,
    "multiple": read_multiple,
    "true_false": read_true_false,
    "short_text": read_short_text,
    "numeric": read_numeric,
}
TYPE_FIELDS = {
    "single": {"choices"},
    "multiple": {"choices"},
    "true_false": {"answer"},
    "short_text": {"answers"},
    "numeric": {"answer", "tolerance"},
}
