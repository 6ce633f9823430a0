"""Surveys kept as files in the course format: `survey.yaml` at a course's top level holds its
end-of-course evaluation, written out or taken from a built-in template (`template: <name>`).

Question types: likert (five labelled points), single and multiple choice, rating (0 to 10, as a
net promoter score asks), and text. Every problem comes with its file and line, as for quizzes; no
Flask here."""
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.content.messages import N_
from portal.content.problems import Problem
from portal.content.yamlfile import Located, load_yaml

SURVEY_FILE = "survey.yaml"
TEMPLATES_FOLDER = Path(__file__).parent / "surveys"
QUESTION_TYPES = ("likert", "single", "multiple", "rating", "text")
#: The five points of a Likert item when the file names none.
DEFAULT_LIKERT_LABELS = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
MAX_QUESTIONS = 40
MAX_TEXT = 1000
MAX_LABEL = 200
MAX_CHOICES = 20
FIELDS = {"title", "anonymous", "introduction", "questions", "template"}
QUESTION_FIELDS = {"id", "type", "text", "choices", "labels", "required"}
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")


@dataclass(frozen=True)
class SurveyQuestion:
    key: str
    type: str
    text: str
    #: The choices of single and multiple questions; the five labels of a likert item; empty otherwise.
    choices: tuple[str, ...] = ()
    required: bool = True
    line: int | None = None


@dataclass
class Survey:
    title: str
    questions: list[SurveyQuestion]
    #: Anonymous responses are stored without who gave them; a named survey says so before it is answered.
    anonymous: bool = True
    introduction: str = ""
    #: The built-in template it came from, if any.
    template: str | None = None
    problems: list[Problem] = field(default_factory=list)


def template_names() -> list[str]:
    return sorted(path.stem for path in TEMPLATES_FOLDER.glob("*.yaml"))


def builtin_template(name: str) -> Survey:
    """A built-in survey (course_evaluation, edition_evaluation, follow_up); raises KeyError for another name."""
    if name not in template_names():
        raise KeyError(name)
    path = TEMPLATES_FOLDER / f"{name}.yaml"
    survey = read_survey(path.read_text(encoding="utf-8"), path.name)
    if survey.problems:
        raise AssertionError(f"built-in survey {name} has problems: {survey.problems}")
    survey.template = name
    return survey


def read_survey(text: str, file: str = SURVEY_FILE) -> Survey:
    """The survey a file holds, with its problems (an empty survey when nothing could be read)."""
    problems: list[Problem] = []
    data = load_yaml(text, file, problems)
    if data is None and not problems:
        problems.append(Problem(file, None, N_("is empty")))
    if problems:
        return Survey("", [], problems=problems)
    if not isinstance(data, Located):
        return Survey("", [], problems=[Problem(file, 1, N_("must be a mapping of fields (name: value)"))])
    checker = _Checker(file)
    for name in data:
        if name not in FIELDS:
            checker.problem(data.line_of(name), N_("unknown field '%(name)s'"), name=str(name))
    if "template" in data:
        return checker.from_template(data)
    title = checker.text(data, "title", MAX_LABEL)
    anonymous = data.get("anonymous", True)
    if not isinstance(anonymous, bool):
        checker.problem(data.line_of("anonymous"), N_("anonymous must be true or false"))
        anonymous = True
    introduction = checker.text(data, "introduction", MAX_TEXT, required=False)
    questions = checker.questions(data)
    return Survey(title, questions, anonymous, introduction, problems=checker.problems)


class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, line: int | None, message: str, **params: Any) -> None:
        self.problems.append(Problem(self.file, line, message, params))

    def text(self, data: Located, name: str, limit: int, required: bool = True) -> str:
        value = data.get(name)
        if value is None:
            if required:
                self.problem(data.line, N_("missing field '%(name)s'"), name=name)
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(data.line_of(name), N_("'%(name)s' must be text"), name=name)
            return ""
        if len(value) > limit:
            self.problem(data.line_of(name), N_("'%(name)s' is longer than %(max)d characters"), name=name, max=limit)
        return value.strip()

    def from_template(self, data: Located) -> Survey:
        name = data["template"]
        if name not in template_names():
            self.problem(data.line_of("template"), N_("there is no survey template '%(name)s': use one of %(names)s"),
                         name=str(name)[:80], names=", ".join(template_names()))
            return Survey("", [], problems=self.problems)
        for other in set(data) - {"template", "title", "anonymous"}:
            self.problem(data.line_of(other), N_("a survey from a template takes only title and anonymous, not '%(name)s'"),
                         name=str(other))
        survey = builtin_template(name)
        if "title" in data:
            survey.title = self.text(data, "title", MAX_LABEL)
        if isinstance(data.get("anonymous"), bool):
            survey.anonymous = data["anonymous"]
        elif "anonymous" in data:
            self.problem(data.line_of("anonymous"), N_("anonymous must be true or false"))
        survey.problems = self.problems
        return survey

    def questions(self, data: Located) -> list[SurveyQuestion]:
        entries = data.get("questions")
        if not isinstance(entries, list) or not entries:
            self.problem(data.line_of("questions"), N_("a survey needs a list of questions"))
            return []
        if len(entries) > MAX_QUESTIONS:
            self.problem(data.line_of("questions"), N_("a survey may have at most %(max)d questions"), max=MAX_QUESTIONS)
        questions: list[SurveyQuestion] = []
        used: set[str] = set()
        for number, entry in enumerate(entries[:MAX_QUESTIONS], start=1):
            question = self.question(number, entry, data.line_of("questions"), used)
            if question is not None:
                questions.append(question)
        return questions

    def question(self, number: int, entry: Any, line: int, used: set[str]) -> SurveyQuestion | None:
        if not isinstance(entry, Located):
            self.problem(line, N_("question %(number)d must be a mapping of fields"), number=number)
            return None
        for name in entry:
            if name not in QUESTION_FIELDS:
                self.problem(entry.line_of(name), N_("unknown field '%(name)s'"), name=str(name))
        key = entry.get("id")
        if not isinstance(key, str) or not key:
            self.problem(entry.line, N_("question %(number)d needs an id"), number=number)
            return None
        if not _KEY.fullmatch(key):
            self.problem(entry.line_of("id"), N_("question id '%(id)s' must be lower-case letters, digits, - or _"),
                         id=key[:80])
        elif key in used:
            self.problem(entry.line_of("id"), N_("question id '%(id)s' is used twice"), id=key)
        used.add(key)
        kind = entry.get("type")
        if kind not in QUESTION_TYPES:
            self.problem(entry.line_of("type"), N_("question type must be one of %(types)s"),
                         types=", ".join(QUESTION_TYPES))
            return None
        text = self.text(entry, "text", MAX_TEXT)
        required = entry.get("required", kind != "text")
        if not isinstance(required, bool):
            self.problem(entry.line_of("required"), N_("required must be true or false"))
            required = True
        choices: tuple[str, ...] = ()
        if kind in ("single", "multiple"):
            choices = self.labels(entry, "choices", 2, MAX_CHOICES)
        elif kind == "likert":
            choices = self.labels(entry, "labels", 5, 5) if "labels" in entry else DEFAULT_LIKERT_LABELS
        for name in ("choices", "labels"):
            if name in entry and not (name == "choices" and kind in ("single", "multiple")
                                      or name == "labels" and kind == "likert"):
                self.problem(entry.line_of(name), N_("a %(type)s question has no '%(name)s'"), type=kind, name=name)
        return SurveyQuestion(key, kind, text, choices, required, entry.line)

    def labels(self, entry: Located, name: str, fewest: int, most: int) -> tuple[str, ...]:
        values = entry.get(name)
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            self.problem(entry.line_of(name), N_("'%(name)s' must be a list of texts"), name=name)
            return ()
        if not fewest <= len(values) <= most:
            if fewest == most:
                self.problem(entry.line_of(name), N_("'%(name)s' must give exactly %(count)d texts"), name=name,
                             count=fewest)
            else:
                self.problem(entry.line_of(name), N_("'%(name)s' must give %(low)d to %(high)d texts"), name=name,
                             low=fewest, high=most)
        if any(len(value) > MAX_LABEL for value in values):
            self.problem(entry.line_of(name), N_("'%(name)s' is longer than %(max)d characters"), name=name,
                         max=MAX_LABEL)
        if len({value.strip().casefold() for value in values}) < len(values):
            self.problem(entry.line_of(name), N_("'%(name)s' gives the same text twice"), name=name)
        return tuple(value.strip() for value in values)


def survey_as_dict(survey: Survey) -> dict[str, Any]:
    """The survey as JSON keeps it (a course revision's survey, a survey's questions): no problems, no lines."""
    return {"title": survey.title, "introduction": survey.introduction, "anonymous": survey.anonymous,
            "template": survey.template,
            "questions": [{"key": q.key, "type": q.type, "text": q.text, "choices": list(q.choices),
                           "required": q.required} for q in survey.questions]}


def survey_from_dict(data: dict[str, Any]) -> Survey:
    """The survey that survey_as_dict() gave."""
    questions = [SurveyQuestion(q["key"], q["type"], q["text"], tuple(q.get("choices") or ()), bool(q.get("required", True)))
                 for q in data.get("questions") or []]
    return Survey(data.get("title") or "", questions, bool(data.get("anonymous", True)), data.get("introduction") or "",
                  data.get("template"))


def fingerprint(data: dict[str, Any]) -> str:
    """A short digest of a survey's questions: answers given to one fingerprint are comparable."""
    questions = json.dumps(data.get("questions") or [], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{data.get('anonymous', True)}|{questions}".encode()).hexdigest()[:16]
