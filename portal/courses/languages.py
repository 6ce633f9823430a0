"""Course content in the reader's language: a translation where the revision has one, else the
course's own language, always saying which language the words are in (for `lang` and `dir`)."""
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, literal, select

from portal.caching import ProcessCache
from portal.content.languages import direction
from portal.content.questions import KINDS, ChoiceKind, Matching
from portal.courses.models import (
    CourseRevision,
    Lesson,
    LessonTranslation,
    LessonVersion,
    QuestionVersion,
    QuizVersion,
)
from portal.extensions import db


@dataclass(frozen=True)
class LessonText:
    """A lesson's words as one reader gets them: plain data, so that it may be cached by
    (revision id, lesson key, language asked for)."""

    language: str            #: the language the words are in
    title: str
    html: str                #: rendered and sanitised at import
    reviewed_on: date | None
    references: list[dict[str, Any]]
    languages: tuple[str, ...]  #: every language the lesson can be read in, the course's own first
    module_id: int

    @property
    def direction(self) -> str:
        return direction(self.language)


def lesson_text(revision_id: int, key: str, language: str) -> LessonText | None:
    """The lesson `key` of a revision in `language` when it is translated into it, else in the
    course's own language; None when the revision has no such lesson. Two queries."""
    found = db.session.execute(
        select(LessonVersion, CourseRevision.language)
        .join(Lesson, Lesson.id == LessonVersion.lesson_id)
        .join(CourseRevision, CourseRevision.id == LessonVersion.revision_id)
        .where(LessonVersion.revision_id == revision_id, Lesson.key == key)
    ).first()
    if found is None:
        return None
    lesson, own_language = found
    # Every language it is translated into, and the words of the one asked for.
    translations = db.session.execute(
        select(LessonTranslation.language, LessonTranslation.title, LessonTranslation.reviewed_on,
               LessonTranslation.references,
               case((LessonTranslation.language == language, LessonTranslation.html), else_=literal("")))
        .where(LessonTranslation.lesson_version_id == lesson.id).order_by(LessonTranslation.language)
    ).all()
    languages = (own_language, *(row[0] for row in translations))
    for translated, title, reviewed_on, references, html in translations:
        if translated == language != own_language:
            return LessonText(language, title, html, reviewed_on or lesson.reviewed_on, references or lesson.references,
                              languages, lesson.module_id)
    return LessonText(own_language, lesson.title, lesson.html, lesson.reviewed_on, lesson.references, languages,
                      lesson.module_id)


@dataclass(frozen=True)
class QuestionText:
    """A question as a reader sees it: its words in one language, the rest the question's own.
    Grading never uses it: a translation's config has the same ids, right answers and weights."""

    version: QuestionVersion
    language: str
    text_html: str
    feedback_html: str
    hint_html: str
    config: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.version, name)

    @property
    def direction(self) -> str:
        return direction(self.language)


def question_in(question: QuestionVersion, language: str, own_language: str) -> QuestionText:
    """`question` worded in `language` where its quiz is translated into it, else in `own_language`."""
    words = (question.translations or {}).get(language)
    if language == own_language or not words:
        return QuestionText(question, own_language, question.text_html, question.feedback_html, question.hint_html,
                            question.config)
    return QuestionText(question, language, words["text_html"], words["feedback_html"], words["hint_html"],
                        words["config"])


def quiz_title(quiz: QuizVersion, language: str) -> tuple[str, str]:
    """(title, its language) of a quiz version for a reader of `language`."""
    words = (quiz.translations or {}).get(language)
    return (words["title"], language) if words else (quiz.title, quiz.revision.language)


#: Translated titles of a revision's parts kept per worker, per revision and language.
_TITLES: ProcessCache[dict[str, tuple[str, str]]] = ProcessCache(256)


def step_titles(revision: CourseRevision, language: str) -> dict[str, tuple[str, str]]:
    """`revision.titles_in(language)`, worked out once per published revision and language in each
    worker (a published revision never changes); shared between readers, so never changed."""
    return _TITLES.get((revision.id, revision.content_hash, language), lambda: revision.titles_in(language))


def preview_language(revision: CourseRevision, asked: str | None) -> str:
    """The language a lecturer asked to preview a revision in, when the course declares it; else its own."""
    return asked if asked in revision.languages else revision.language


def translated_lessons(revision_id: int) -> dict[int, list[str]]:
    """{lesson version id: the languages it is translated into} for a revision's lessons; one query."""
    found: dict[int, list[str]] = {}
    for version_id, language in db.session.execute(
        select(LessonTranslation.lesson_version_id, LessonTranslation.language)
        .join(LessonVersion, LessonVersion.id == LessonTranslation.lesson_version_id)
        .where(LessonVersion.revision_id == revision_id).order_by(LessonTranslation.language)
    ):
        found.setdefault(version_id, []).append(language)
    return found


@dataclass(frozen=True)
class PreviewedQuestion:
    """A question as the lecturer checks it in one language: its words and what counts as right."""

    text: QuestionText
    right: list[str]             #: right answers as safe HTML ("prompt → answer" for matching)
    choices: list[dict[str, Any]]  #: choice questions' choices ({html, correct, feedback_html})


def previewed_questions(quiz: QuizVersion, language: str) -> list[PreviewedQuestion]:
    """The quiz's questions worded in `language` where translated (else in the course's own), each
    with its right answers, for the lecturer's preview; the questions in one query."""
    previewed = []
    for question in quiz.questions:
        text = question_in(question, language, quiz.revision.language)
        kind = KINDS[question.type]
        if isinstance(kind, Matching):
            right = [f"{prompt} → {answer}" for prompt, answer in kind.matched(text.config, kind.right_response(text.config))]
        else:
            right = kind.right_answers(text.config)
        previewed.append(PreviewedQuestion(text, right, text.config.get("choices", []) if isinstance(kind, ChoiceKind)
                                           else []))
    return previewed
