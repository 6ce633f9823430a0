"""The Aiken question format: single-answer multiple choice, one option to a line.

    What does R&D stand for?
    A. Research and development
    B) Rules and decisions
    ANSWER: A

The question's text runs until its first option (`A.` or `A)`, a space, the option's text) and the
question ends with `ANSWER:` and the right option's letter. Questions are read into the same tree
as GIFT's, with plain-text format."""
import re
from collections.abc import Iterable

from portal.content.gift import MAX_PROBLEMS, Answer, Choices, NotRepresentable, Question
from portal.content.messages import N_
from portal.content.problems import Problem

_OPTION = re.compile(r"([A-Z])[.)][ \t]+(.*)")
_ANSWER = re.compile(r"ANSWER:\s*(.*)")
AIKEN_FORMAT = "plain"


class _Draft:
    """The question being read."""

    def __init__(self, line: int, text: str) -> None:
        self.line = line
        self.text = [text]
        self.options: list[tuple[str, str, int]] = []


def _finish(draft: _Draft, letter: str, line: int, file: str) -> Question | Problem:
    letters = [label for label, _, _ in draft.options]
    if len(draft.options) < 2:
        return Problem(file, draft.line, N_("an Aiken question needs at least two options (A. and B.)"))
    duplicate = next((label for index, label in enumerate(letters) if label in letters[:index]), None)
    if duplicate:
        return Problem(file, draft.line, N_("the option letter %(letter)s is used twice"), {"letter": duplicate})
    if letter not in letters:
        return Problem(file, line, N_("ANSWER: must give the letter of one of the options (%(letters)s)"),
                       {"letters": ", ".join(letters)})
    answers = tuple(Answer(text, label == letter, line=option_line) for label, text, option_line in draft.options)
    return Question("\n".join(draft.text), Choices(answers), format=AIKEN_FORMAT, line=draft.line)


def parse_aiken(text: str, file: str) -> tuple[list[Question], list[Problem]]:
    """The questions in an Aiken file, and a problem for each one that cannot be read."""
    questions: list[Question] = []
    problems: list[Problem] = []
    draft: _Draft | None = None
    failed = False  # the current question has a problem: skip to its ANSWER: line
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(file, number, N_("too many problems: the rest of the file was not read")))
            return questions, problems
        answer, option = _ANSWER.fullmatch(line), _OPTION.fullmatch(line)
        if answer:
            if draft is None:
                if not failed:
                    problems.append(Problem(file, number, N_("ANSWER: without a question before it")))
            elif not failed:
                finished = _finish(draft, answer.group(1).strip(), number, file)
                if isinstance(finished, Problem):
                    problems.append(finished)
                else:
                    questions.append(finished)
            draft, failed = None, False
        elif failed:
            continue
        elif draft is None:
            if option:
                problems.append(Problem(file, number, N_("an option without a question before it")))
                failed = True
            else:
                draft = _Draft(number, line)
        elif option:
            if not option.group(2).strip():
                problems.append(Problem(file, number, N_("the option %(letter)s has no text"),
                                        {"letter": option.group(1)}))
                failed = True
            else:
                draft.options.append((option.group(1), option.group(2).strip(), number))
        elif draft.options:
            problems.append(Problem(file, number, N_("a line that is neither an option (A. text) nor ANSWER: X; "
                                                     "a question's text comes before its options")))
            failed = True
        else:
            draft.text.append(line)
    if draft is not None and not failed:
        problems.append(Problem(file, draft.line, N_("the question has no ANSWER: line")))
    return questions, problems


def aiken_obstacle(question: Question) -> str | None:
    """Why a question cannot be written in Aiken (an English template), or None when it can."""
    block = question.block
    if not isinstance(block, Choices) or not block.is_single:
        return N_("Aiken holds only multiple-choice questions with one right answer")
    if len(block.answers) > 26:
        return N_("Aiken holds at most 26 options")
    right = [answer for answer in block.answers if answer.correct]
    if len(right) != 1 or right[0].percent != 100 or any(
            answer.percent != 0 for answer in block.answers if not answer.correct):
        return N_("Aiken cannot hold partial marks")
    if any(answer.feedback for answer in block.answers) or question.general_feedback:
        return N_("Aiken cannot hold feedback")
    if question.text_after:
        return N_("Aiken cannot hold a missing-word question")
    lines = question.text.split("\n")
    if not question.text.strip() or any(not line.strip() or line != line.strip() or _OPTION.fullmatch(line)
                                        or _ANSWER.fullmatch(line) for line in lines):
        return N_("the question's text has lines Aiken would read as options, answers or breaks between questions")
    if any("\n" in answer.text or answer.text != answer.text.strip() for answer in block.answers):
        return N_("Aiken holds each option on one line")
    return None


def to_aiken(questions: Iterable[Question]) -> str:
    """Questions as an Aiken file; raises NotRepresentable for the first one Aiken cannot hold."""
    out = []
    for question in questions:
        obstacle = aiken_obstacle(question)
        if obstacle:
            raise NotRepresentable(obstacle)
        assert isinstance(question.block, Choices)
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        options = [f"{letters[index]}. {answer.text}" for index, answer in enumerate(question.block.answers)]
        right = next(index for index, answer in enumerate(question.block.answers) if answer.correct)
        out.append("\n".join([question.text.strip(), *options, f"ANSWER: {letters[right]}"]))
    return "\n\n".join(out) + "\n"
