"""Quiz questions kept as GIFT or Aiken: read into the entries a quiz.yaml holds, and written back.

Reading gives the same mappings, with the same line numbers, that YAML gives, so the loader checks
a question from a .gift file exactly as one from quiz.yaml and reports its problems by line.
Writing goes the other way, from a quiz's entries (as quiz.yaml or a .gift file gives them) to GIFT
or Aiken, and says what the format cannot hold."""
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any

import yaml

from portal.content import gift
from portal.content.aiken import aiken_obstacle, parse_aiken, to_aiken
from portal.content.gift import Answer, Category, NotRepresentable, NumericAnswer, Pair, Question
from portal.content.messages import N_
from portal.content.problems import Problem
from portal.content.questions import ANY_ANSWER
from portal.content.yamlfile import Located, load_yaml

#: A module's quiz may be a question file instead of quiz.yaml: its name gives its format.
QUESTION_FILES = {"quiz.gift": "gift", "quiz.aiken": "aiken"}
#: Moodle's mark for the missing word of a missing-word question.
BLANK = "_____"
_KEY_CHARACTERS = re.compile(r"[^a-z0-9_-]+")


@dataclass
class QuestionFile:
    """What a question file holds: quiz.yaml's question entries, and what could not be kept."""

    entries: list[Located] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _located(line: int, **values: Any) -> Located:
    """A mapping as YAML would give it, every key on `line`; None values are left out."""
    mapping = Located((key, value) for key, value in values.items() if value is not None)
    mapping.line = line
    mapping.lines = dict.fromkeys(mapping, line)
    return mapping


#: Markdown's characters that mean something anywhere in a line, and at a line's start.
_INLINE_MARKS = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START_MARKS = re.compile(r"^([ \t]*)([#+=>-]|\d+[.)])", re.MULTILINE)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _escape_line_start(match: re.Match[str]) -> str:
    indent, mark = match.groups()
    return indent + (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark)


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that shows it as written, its new lines kept."""
    escaped = _LINE_START_MARKS.sub(_escape_line_start, _INLINE_MARKS.sub(r"\\\1", text))
    return escaped.replace("\n", "\\\n")


def unescape_markdown(text: str) -> str:
    """Markdown's backslash escapes and hard breaks undone: the text a person reads."""
    return _ESCAPED.sub(r"\1", text.replace("\\\n", "\n"))


def question_key(name: str | None, position: int, used: set[str]) -> str:
    """A question id from its GIFT name (`::Kanji origins::` gives kanji-origins), else from its
    position; made unique among `used`."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    base = _KEY_CHARACTERS.sub("-", ascii_name.lower()).strip("-_")[:76] or f"q{position}"
    key, number = base, 2
    while key in used:
        key, number = f"{base}-{number}", number + 1
    used.add(key)
    return key


class _Mapper:
    """Maps one question of the tree to a quiz entry; what the portal cannot hold is a problem."""

    def __init__(self, question: Question, key: str) -> None:
        self.question, self.key = question, key

    def text(self, value: str | None) -> str | None:
        """A text in the question's format as the Markdown the portal reads; [html] is read as
        Markdown too, so its HTML is checked as a lesson's is."""
        if value is None:
            return None
        return escape_markdown(value) if self.question.format == "plain" else value

    def entry(self) -> Located:
        question = self.question
        text = question.text if not question.text_after else f"{question.text} {BLANK} {question.text_after}"
        common = {"id": self.key, "text": self.text(text.strip()), "feedback": self.text(question.general_feedback)}
        block = question.block
        if isinstance(block, gift.Choices):
            kind = "single" if block.is_single else "multiple"
            return _located(question.line, type=kind, **common, choices=self.choices(block))
        if isinstance(block, gift.ShortAnswers):
            return _located(question.line, type="short_text", **common, answers=self.short_answers(block))
        if isinstance(block, gift.TrueFalse):
            right, wrong = ("true", "false") if block.answer else ("false", "true")
            feedbacks = {f"feedback_{right}": self.text(block.right_feedback),
                         f"feedback_{wrong}": self.text(block.wrong_feedback)}
            return _located(question.line, type="true_false", **common, answer=block.answer, **feedbacks)
        if isinstance(block, gift.Numeric):
            return _located(question.line, type="numeric", **common, **self.numeric(block))
        if isinstance(block, gift.Matching):
            pairs = [_located(pair.line, prompt=self.text(pair.prompt) or None, answer=self.text(pair.answer))
                     for pair in block.pairs]
            return _located(question.line, type="matching", **common, pairs=pairs)
        raise AssertionError(block)

    def choices(self, block: gift.Choices) -> list[Located]:
        weighted = not block.is_single or any(answer.weight is not None for answer in block.answers)
        return [_located(answer.line, text=self.text(answer.text), feedback=self.text(answer.feedback),
                         **({"weight": answer.percent} if weighted else {"correct": answer.correct or None}))
                for answer in block.answers]

    def short_answers(self, block: gift.ShortAnswers) -> list[Any]:
        if all(answer.weight is None and answer.feedback is None for answer in block.answers):
            return [answer.text for answer in block.answers]
        return [_located(answer.line, text=answer.text, weight=answer.weight, feedback=self.text(answer.feedback))
                for answer in block.answers]

    def numeric(self, block: gift.Numeric) -> dict[str, Any]:
        [first, *others] = block.answers
        if (not others and not first.is_range and first.weight is None and first.feedback is None
                and block.other_feedback is None):
            return {"answer": first.value, "tolerance": first.tolerance}
        answers = []
        for answer in block.answers:
            value = ({"min": answer.low, "max": answer.high} if answer.is_range
                     else {"answer": answer.value, "tolerance": answer.tolerance})
            answers.append(_located(answer.line, **value, weight=answer.weight, feedback=self.text(answer.feedback)))
        if block.other_feedback is not None:
            answers.append(_located(self.question.line, answer=ANY_ANSWER, weight=0,
                                    feedback=self.text(block.other_feedback)))
        return {"answers": answers}


def _entries(items: Iterable[gift.Item], file: str, keep_categories: bool) -> QuestionFile:
    found = QuestionFile()
    used: set[str] = set()
    position, category = 0, None
    for item in items:
        if isinstance(item, Category):
            category = item.path
            if not keep_categories:
                found.warnings.append(Problem(file, item.line, N_("the category '%(name)s' is not kept: this quiz "
                                                                  "does not draw from categories (give draw in "
                                                                  "module.yaml's quiz:), so it asks every question"),
                                              {"name": item.path[:80]}))
        elif item.block is None:
            found.problems.append(Problem(file, item.line, N_("a description (text without an answer block) is not a "
                                                              "question: put the text in a lesson or a question")))
        elif isinstance(item.block, gift.Essay):
            found.problems.append(Problem(file, item.line, N_("essay questions (an empty answer block {}) are not "
                                                              "supported yet: a quiz question needs answers to mark")))
        else:
            position += 1
            entry = _Mapper(item, question_key(item.name, position, used)).entry()
            if keep_categories and category is not None:
                entry["category"] = category
                entry.lines["category"] = entry.line
            found.entries.append(entry)
    return found


def read_question_file(text: str, file: str, file_format: str, keep_categories: bool = False) -> QuestionFile:
    """The question entries in a GIFT or Aiken file, with every problem and warning by line.

    With `keep_categories`, each question takes the category of the `$CATEGORY:` before it."""
    parsed, problems = (gift.parse_gift if file_format == "gift" else parse_aiken)(text, file)
    found = _entries(parsed, file, keep_categories)
    found.problems[:0] = problems
    if not parsed and not problems:
        found.problems.append(Problem(file, None, N_("the file holds no questions")))
    return found


# ---------------------------------------------------------------------------------------------
# Writing: from a quiz's entries (quiz.yaml's mappings) to the tree, then to GIFT or Aiken


#: A note on what a format leaves out: (question id, English template marked with N_, values).
Note = tuple[str, str, dict[str, Any]]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _optional_text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _choice_answers(entry: dict[str, Any]) -> tuple[Answer, ...]:
    choices = [choice for choice in entry.get("choices") or [] if isinstance(choice, dict)]
    weighted = any("weight" in choice for choice in choices)
    if entry["type"] == "single" and not weighted:
        return tuple(Answer(str(choice.get("text", "")).strip(), choice.get("correct") is True,
                            feedback=_optional_text(choice.get("feedback"))) for choice in choices)
    if weighted:
        weights = [_number(choice.get("weight")) or 0.0 for choice in choices]
    else:  # multiple, marked correct: the right ones share 100 and the wrong ones -100, as the portal marks them
        right = sum(choice.get("correct") is True for choice in choices)
        weights = [100 / right if choice.get("correct") is True else -100 / max(1, len(choices) - right)
                   for choice in choices]
    # One = makes a GIFT question single-choice; the other answers, ~ with their weights, keep it multiple choice.
    marked = next((index for index, weight in enumerate(weights) if weight >= 100), None)
    single = entry["type"] == "single"
    return tuple(Answer(str(choice.get("text", "")).strip(), single and index == marked, weight,
                        _optional_text(choice.get("feedback")))
                 for index, (choice, weight) in enumerate(zip(choices, weights, strict=True)))


def _numeric(entry: dict[str, Any]) -> gift.Numeric:
    if "answers" not in entry:
        return gift.Numeric((NumericAnswer(_number(entry.get("answer")), _number(entry.get("tolerance"))),))
    answers, other = [], None
    raw = [item for item in entry["answers"] if isinstance(item, dict)]
    for index, item in enumerate(raw):
        weight, feedback = _number(item.get("weight")), _optional_text(item.get("feedback"))
        if item.get("answer") == ANY_ANSWER:
            if index != len(raw) - 1 or (weight if "weight" in item else 100.0) != 0:
                raise NotRepresentable(N_("GIFT holds 'any other number' only last and worth nothing"))
            other = feedback
            continue
        if "min" in item or "max" in item:
            answers.append(NumericAnswer(low=_number(item.get("min")), high=_number(item.get("max")),
                                         weight=weight, feedback=feedback))
        else:
            answers.append(NumericAnswer(_number(item.get("answer")), _number(item.get("tolerance")),
                                         weight=weight, feedback=feedback))
    return gift.Numeric(tuple(answers), other)


def _block(entry: dict[str, Any]) -> gift.Block:
    kind = entry["type"]
    if kind in ("single", "multiple"):
        return gift.Choices(_choice_answers(entry))
    if kind == "true_false":
        answer = entry.get("answer") is True
        right, wrong = ("true", "false") if answer else ("false", "true")
        return gift.TrueFalse(answer, _optional_text(entry.get(f"feedback_{wrong}")),
                              _optional_text(entry.get(f"feedback_{right}")))
    if kind == "short_text":
        return gift.ShortAnswers(tuple(
            Answer(str(item.get("text", "")).strip(), True, _number(item.get("weight")),
                   _optional_text(item.get("feedback"))) if isinstance(item, dict) else Answer(str(item).strip(), True)
            for item in entry.get("answers") or []))
    if kind == "numeric":
        return _numeric(entry)
    if kind == "matching":
        return gift.Matching(tuple(Pair(str(item.get("prompt") or "").strip(), str(item.get("answer", "")).strip())
                                   for item in entry.get("pairs") or [] if isinstance(item, dict)))
    raise NotRepresentable(N_("GIFT has no %(type)s questions"), type=kind)


def question_from_entry(entry: dict[str, Any]) -> Question:
    """A quiz entry (a mapping of quiz.yaml) as a GIFT question in Markdown; raises NotRepresentable."""
    return Question(str(entry.get("text", "")).strip(), _block(entry), str(entry.get("id", "")) or None, "markdown",
                    general_feedback=_optional_text(entry.get("feedback")))


def _left_out(entry: dict[str, Any]) -> list[Note]:
    key = str(entry.get("id", ""))
    notes: list[Note] = []
    if entry.get("hint"):
        notes.append((key, N_("its hint is left out: GIFT has no hints"), {}))
    points = _number(entry.get("points"))
    if points is not None and not math.isclose(points, 1):
        notes.append((key, N_("its points (%(points)s) are left out: a GIFT question is worth 1"),
                      {"points": f"{points:g}"}))
    return notes


def export_gift(entries: Iterable[dict[str, Any]]) -> tuple[str, list[Note]]:
    """A quiz's questions as GIFT, and a note on each thing left out; a question GIFT cannot hold
    at all (an ordering question) is left out with a note."""
    pools: dict[str, list[Question]] = {}
    notes: list[Note] = []
    for entry in entries:
        try:
            question = question_from_entry(entry)
            gift.question_to_gift(question)
        except NotRepresentable as refusal:
            notes.append((str(entry.get("id", "")), refusal.message, refusal.params))
            continue
        pools.setdefault(str(entry.get("category") or ""), []).append(question)
        notes += _left_out(entry)
    # Questions always asked come first: after a $CATEGORY: line, every question is in a category.
    items: list[gift.Item] = list(pools.pop("", []))
    for category, questions in pools.items():
        items += [Category(category), *questions]
    return (gift.to_gift(items) if items else ""), notes


def export_aiken(entries: Iterable[dict[str, Any]]) -> tuple[str | None, list[Note]]:
    """A quiz's questions as Aiken, or None and why not: Aiken holds single-answer multiple choice
    in plain text, so the text is written as a person reads its Markdown."""
    questions: list[Question] = []
    notes: list[Note] = []
    for entry in entries:
        key = str(entry.get("id", ""))
        try:
            question = question_from_entry(entry)
        except NotRepresentable as refusal:
            notes.append((key, refusal.message, refusal.params))
            continue
        plain = replace(question, text=unescape_markdown(question.text), block=_plain_choices(question.block))
        obstacle = aiken_obstacle(plain)
        if obstacle:
            notes.append((key, obstacle, {}))
        questions.append(plain)
    return (None if notes else to_aiken(questions)), notes


def _plain_choices(block: gift.Block | None) -> gift.Block | None:
    if not isinstance(block, gift.Choices):
        return block
    return gift.Choices(tuple(replace(answer, text=unescape_markdown(answer.text)) for answer in block.answers))


# ---------------------------------------------------------------------------------------------
# A module's quiz file among a course's files


def _quiz_paths(folder: str) -> list[str]:
    return [f"{folder}/{name}" for name in ("quiz.yaml", *QUESTION_FILES)]


def replace_quiz(files: dict[str, bytes], folder: str, name: str, data: bytes) -> dict[str, bytes]:
    """The course's files with a module's quiz replaced by a question file (quiz.gift or quiz.aiken).

    A quiz.yaml it replaces keeps its settings: they are added to module.yaml as `quiz:`, unless
    module.yaml gives some already."""
    replaced = {path: content for path, content in files.items() if path not in _quiz_paths(folder)}
    old = files.get(f"{folder}/quiz.yaml")
    meta_path = f"{folder}/module.yaml"
    if old is not None and meta_path in files:
        settings = load_yaml(old.decode("utf-8-sig", "replace"), "quiz.yaml", [])
        meta = load_yaml(files[meta_path].decode("utf-8-sig", "replace"), "module.yaml", [])
        kept = {key: settings[key] for key in ("title", "pass_mark", "attempts", "shuffle", "draw")
                if isinstance(settings, dict) and key in settings}
        if kept and isinstance(meta, dict) and "quiz" not in meta:
            block = yaml.safe_dump({"quiz": kept}, allow_unicode=True, sort_keys=False)
            replaced[meta_path] = files[meta_path].rstrip(b"\n") + b"\n" + block.encode()
    replaced[f"{folder}/{name}"] = data
    return replaced


def quiz_entries(files: dict[str, bytes], folder: str) -> list[Located]:
    """The question entries of a module's quiz, from whichever file holds it (empty when none)."""
    for path in _quiz_paths(folder):
        if path not in files:
            continue
        text = files[path].decode("utf-8-sig", "replace")
        name = PurePosixPath(path).name
        if name in QUESTION_FILES:
            return read_question_file(text, path, QUESTION_FILES[name], keep_categories=True).entries
        data = load_yaml(text, path, [])
        questions = data.get("questions") if isinstance(data, dict) else None
        return [entry for entry in questions or [] if isinstance(entry, Located)]
    return []
