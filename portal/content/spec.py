"""What a course folder describes, once read and validated: plain data, ready to import."""
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from portal.content.problems import Problem
from portal.content.surveyfile import Survey


@dataclass(frozen=True)
class MediaSpec:
    path: str          #: relative to the course folder, e.g. "01-foundations/media/chart.png"
    sha256: str
    media_type: str
    size: int
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Reference:
    """A text a lesson draws on, listed under it with a link to the primary source."""

    title: str
    url: str = ""
    publisher: str = ""
    year: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The reference as stored: only the fields it gives."""
        return {name: value for name, value in asdict(self).items() if value not in ("", None)}


@dataclass(frozen=True)
class LessonTranslation:
    """A lesson in another language than its course's: a file `01-key.fr.md` beside `01-key.md`."""

    language: str
    title: str
    html: str
    content_hash: str  #: of the translation's file
    reviewed: date | None = None
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class LessonSpec:
    key: str
    position: int
    title: str
    minutes: int
    html: str
    content_hash: str  #: of the source file, so that a changed lesson is noticed
    reviewed: date | None = None  #: when its text was last checked against its sources
    references: tuple[Reference, ...] = ()
    words: int = 0     #: of its Markdown body, to judge its minutes
    #: By language: the lesson in the course's other languages, where it is translated.
    translations: dict[str, LessonTranslation] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    position: int
    type: str
    points: float
    text_html: str
    feedback_html: str
    config: dict[str, Any]  #: the type's own settings, answers included: never sent before grading
    content_hash: str
    hint_html: str = ""     #: shown after a wrong answer while feedback that gives the answer is held back
    category: str = ""      #: the pool it is drawn from, if its quiz draws; "" when always asked
    #: By language: {text_html, feedback_html, hint_html, config}, the config shaped as this one's
    #: (same choice ids, right answers and weights) with the language's words.
    translations: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class QuizSpec:
    key: str
    title: str
    pass_mark: float
    attempts_allowed: int
    shuffle: bool
    questions: tuple[QuestionSpec, ...]
    content_hash: str
    #: (category, how many) drawn at random per attempt; questions without a category are always asked.
    draw: tuple[tuple[str, int], ...] = ()
    #: By language: {"title": ...} for each language the quiz is translated into.
    translations: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AssignmentSpec:
    """Work a trainee hands in and a lecturer reviews against a rubric."""

    key: str
    title: str
    instructions_html: str
    allows_text: bool          #: text typed in the page
    file_kinds: tuple[str, ...]  #: of portal.content.documents.DOCUMENT_KINDS; empty when no files
    max_files: int
    max_file_mb: float
    #: [{id, title, levels: [{points, descriptor}]}], levels from fewest points to most.
    rubric: tuple[dict[str, Any], ...]
    pass_mark: float           #: percent of the rubric's points
    allows_resubmission: bool
    template: str              #: path of the template file in the course folder, or ""
    content_hash: str
    position: int = 1
    #: {language: {title, instructions_html ("" for the original's), rubric ([] for the original's)}}
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def max_points(self) -> float:
        return sum(max(level["points"] for level in criterion["levels"]) for criterion in self.rubric)


@dataclass(frozen=True)
class ModuleSpec:
    key: str
    position: int
    folder: str
    title: str
    summary: str
    lessons: tuple[LessonSpec, ...]
    quiz: QuizSpec | None
    objectives: tuple[str, ...] = ()
    assignments: tuple[AssignmentSpec, ...] = ()
    #: By language: {title, summary, objectives}.
    translations: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    summary: str
    language: str
    topics: tuple[str, ...]
    estimated_hours: float
    lecturers: tuple[str, ...]
    completion: dict[str, Any]
    certificate: dict[str, str]
    modules: tuple[ModuleSpec, ...]
    media: tuple[MediaSpec, ...]
    content_hash: str  #: of every file that makes the course: equal hashes, equal content
    files: dict[str, bytes] = field(repr=False, compare=False, default_factory=dict)
    objectives: tuple[str, ...] = ()
    audience_html: str = ""       #: one paragraph, rendered and sanitised
    prerequisites_html: str = ""
    #: What import allows but a reviewer should look at (implausible minutes or hours, a reference without a link).
    warnings: tuple[Problem, ...] = ()
    #: By language the course is translated into: {title, summary, objectives, audience_html,
    #: prerequisites_html}; its lessons, modules and quizzes say which of them are translated.
    translations: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)
    #: The end-of-course evaluation its survey.yaml gives; None without one.
    survey: Survey | None = field(default=None, compare=False)

    @property
    def languages(self) -> list[str]:
        """The course's main language, then those it is translated into."""
        return [self.language, *sorted(self.translations)]

    def coverage(self) -> dict[str, dict[str, list[int]]]:
        """How complete each translation is: {language: {part: [translated, of how many]}} for
        modules, lessons and quiz questions."""
        questions = [question for quiz in self.quizzes for question in quiz.questions]
        return {
            language: {
                "modules": [sum(language in module.translations for module in self.modules), len(self.modules)],
                "lessons": [sum(language in lesson.translations for lesson in self.lessons), len(self.lessons)],
                "questions": [sum(language in question.translations for question in questions), len(questions)],
                "assignments": [sum(language in assignment.translations for assignment in self.assignments),
                                len(self.assignments)],
            }
            for language in sorted(self.translations)
        }

    def titles_in(self, language: str) -> dict[str, str]:
        """{"module/<key>" | "lesson/<key>" | "quiz/<key>" | "assignment/<key>": title} of the parts translated into
        `language`."""
        titles = {}
        for module in self.modules:
            if language in module.translations:
                titles[f"module/{module.key}"] = module.translations[language]["title"]
            titles.update({f"lesson/{lesson.key}": lesson.translations[language].title
                           for lesson in module.lessons if language in lesson.translations})
            if module.quiz and language in module.quiz.translations:
                titles[f"quiz/{module.quiz.key}"] = module.quiz.translations[language]["title"]
            titles.update({f"assignment/{assignment.key}": assignment.translations[language]["title"]
                           for assignment in module.assignments if language in assignment.translations})
        return titles

    @property
    def lessons(self) -> list[LessonSpec]:
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def assignments(self) -> list[AssignmentSpec]:
        return [assignment for module in self.modules for assignment in module.assignments]

    @property
    def quizzes(self) -> list[QuizSpec]:
        return [module.quiz for module in self.modules if module.quiz]
