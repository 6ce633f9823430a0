"""Courses and their revisions.

A course has stable identities (Lesson, Quiz, Question: one row per key, ever) and, for each
revision, the content as it stood then (Module, LessonVersion, QuizVersion, QuestionVersion).
Progress and attempts point at the stable rows or at the version they were made on, so a new
revision never loses them. Quiz content lives here because it is part of a course revision; the
quizzes package holds attempts and grading."""
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.accounts.models import User
from portal.content.problems import Problem
from portal.content.questions import KINDS
from portal.db_types import UTCDateTime, string_enum, utcnow
from portal.extensions import Model, db

course_lecturers = Table(
    "course_lecturers",
    db.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class RevisionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    DISCARDED = "discarded"


class Course(Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The revision trainees see; None while the course is a draft.
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_revisions.id", use_alter=True, ondelete="SET NULL")
    )

    #: When set, trainees must give this key to enrol; set by the course's lecturers.
    enrolment_key: Mapped[str | None] = mapped_column(String(100))

    published_revision: Mapped["CourseRevision | None"] = relationship(
        foreign_keys=[published_revision_id], post_update=True
    )
    revisions: Mapped[list["CourseRevision"]] = relationship(
        back_populates="course", foreign_keys="CourseRevision.course_id",
        order_by="CourseRevision.number.desc()",
    )
    lecturers: Mapped[list[User]] = relationship(secondary=course_lecturers, order_by=User.name)

    @property
    def is_published(self) -> bool:
        return self.published_revision_id is not None

    def is_taught_by(self, user: User) -> bool:
        """Admins, and its lecturers while they hold a lecturing role (accounts.models)."""
        return user.is_admin or (user.lectures and any(lecturer.id == user.id for lecturer in self.lecturers))


def translated_titles(translations: dict[str, Any] | None, language: str) -> dict[str, tuple[str, str]]:
    """{"module/<key>" | "lesson/<key>" | "quiz/<key>": (title, language)} of a revision's parts translated
    into `language`, from its `translations`; a part left out keeps its own title, in the course's language."""
    titles = (translations or {}).get(language, {}).get("titles", {})
    return {key: (title, language) for key, title in titles.items()}


class CourseRevision(Model):
    __tablename__ = "course_revisions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[RevisionStatus] = mapped_column(string_enum(RevisionStatus), default=RevisionStatus.DRAFT)
    #: SHA-256 over every file of the course: the same hash means the same content.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What this revision adds, changes and removes against the one it replaces.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    estimated_hours: Mapped[float]
    completion: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    certificate: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Learning outcomes, one line of text each.
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: Who the course is for and what to know first: one paragraph each, rendered and sanitised at import.
    audience_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    prerequisites_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: What validation warned about ({file, line, message, params}), for the lecturer's preview.
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    #: The course in its other languages: {language: {title, summary, objectives, audience_html,
    #: prerequisites_html, coverage: {modules|lessons|questions: [translated, of how many]},
    #: titles: {"module/<key>" | "lesson/<key>" | "quiz/<key>": title}}}.
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict, server_default="{}")
    #: The end-of-course evaluation its survey.yaml gives (portal.content.surveyfile.survey_as_dict); None
    #: without one, when the built-in template applies.
    survey: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    course: Mapped[Course] = relationship(back_populates="revisions", foreign_keys=[course_id])
    created_by: Mapped[User | None] = relationship()
    modules: Mapped[list["Module"]] = relationship(
        back_populates="revision", order_by="Module.position", cascade="all, delete-orphan"
    )
    files: Mapped[list["CourseFile"]] = relationship(
        back_populates="revision", order_by="CourseFile.path", cascade="all, delete-orphan"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == RevisionStatus.DRAFT

    @property
    def languages(self) -> list[str]:
        """The languages the course can be read in: its own first, then its translations."""
        return [self.language, *sorted(self.translations or {})]

    def in_language(self, language: str) -> dict[str, Any]:
        """Title, summary, objectives, audience and prerequisites in `language` where the course is
        translated into it, else in its own; with the `language` they are written in."""
        own = {"language": self.language, "title": self.title, "summary": self.summary,
               "objectives": self.objectives, "audience_html": self.audience_html,
               "prerequisites_html": self.prerequisites_html}
        translation = (self.translations or {}).get(language)
        if not translation:
            return own
        return {**own, **{name: value for name, value in translation.items() if name in own and value},
                "language": language}

    def titles_in(self, language: str) -> dict[str, tuple[str, str]]:
        return translated_titles(self.translations, language)

    @property
    def warning_list(self) -> list[Problem]:
        return [Problem(**warning) for warning in self.warnings]

    def change_lines(self) -> list[tuple[str, str, list[str]]]:
        """(part, kind, keys) for each non-empty entry of the summary of changes, in reading order."""
        return [
            (part, kind, self.changes[part][kind])
            for part in ("modules", "lessons", "quizzes", "questions", "assignments", "translations")
            for kind in ("added", "changed", "moved", "removed")
            if self.changes.get(part, {}).get(kind)
        ]


class Module(Model):
    """A module as it stands in one revision."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("revision_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("course_revisions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: {language: {title, summary, objectives}}
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict, server_default="{}")

    revision: Mapped[CourseRevision] = relationship(back_populates="modules")
    lessons: Mapped[list["LessonVersion"]] = relationship(
        back_populates="module", order_by="LessonVersion.position", cascade="all, delete-orphan"
    )
    quiz: Mapped["QuizVersion | None"] = relationship(back_populates="module", cascade="all, delete-orphan")
    assignments: Mapped[list["AssignmentVersion"]] = relationship(
        back_populates="module", order_by="AssignmentVersion.position", cascade="all, delete-orphan"
    )

    def in_language(self, language: str) -> dict[str, Any]:
        """Title, summary and objectives in `language` where translated, else in the course's own."""
        own = {"language": self.revision.language, "title": self.title, "summary": self.summary,
               "objectives": self.objectives}
        translation = (self.translations or {}).get(language)
        if not translation:
            return own
        return {**own, **{name: value for name, value in translation.items() if name in own and value},
                "language": language}


class Lesson(Model):
    """A lesson's lasting identity within its course, whatever its revisions say."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    #: Set when the published revision no longer has this lesson.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LessonVersion(Model):
    __tablename__ = "lesson_versions"
    __table_args__ = (UniqueConstraint("revision_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("course_revisions.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]
    #: Rendered and sanitised once, at import.
    html: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: When the text was last checked against its sources; None when the file does not say.
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    #: The texts it draws on: [{title, url?, publisher?, year?}].
    references: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")

    lesson: Mapped[Lesson] = relationship()
    revision: Mapped[CourseRevision] = relationship()
    module: Mapped[Module] = relationship(back_populates="lessons")


class LessonTranslation(Model):
    """A lesson version in another language than its course's, from the file beside the lesson's."""

    __tablename__ = "lesson_translations"
    __table_args__ = (UniqueConstraint("lesson_version_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_version_id: Mapped[int] = mapped_column(ForeignKey("lesson_versions.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    #: Rendered and sanitised once, at import.
    html: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    #: The texts it draws on, when it names its own (in its language); else the lesson's are shown.
    references: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")

    lesson_version: Mapped[LessonVersion] = relationship()


class Quiz(Model):
    """A quiz's lasting identity (one per module key)."""

    __tablename__ = "quizzes"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizVersion(Model):
    __tablename__ = "quiz_versions"
    __table_args__ = (UniqueConstraint("revision_id", "quiz_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("course_revisions.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[float]
    #: 0 means unlimited.
    attempts_allowed: Mapped[int]
    shuffle: Mapped[bool]
    #: The pools each attempt draws from: [{"category": name, "count": n}]; empty to ask every question.
    draw: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    content_hash: Mapped[str] = mapped_column(String(64))
    #: {language: {title}}
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict, server_default="{}")

    quiz: Mapped[Quiz] = relationship()
    revision: Mapped[CourseRevision] = relationship()
    module: Mapped[Module] = relationship(back_populates="quiz")
    questions: Mapped[list["QuestionVersion"]] = relationship(
        back_populates="quiz_version", order_by="QuestionVersion.position", cascade="all, delete-orphan"
    )

    @property
    def questions_per_attempt(self) -> int:
        """How many questions an attempt asks: those outside the pools and what is drawn from each."""
        counts = {pool["category"]: pool["count"] for pool in self.draw or []}
        return sum(question.category not in counts for question in self.questions) + sum(counts.values())


class Question(Model):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("quiz_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuestionVersion(Model):
    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("quiz_version_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    quiz_version_id: Mapped[int] = mapped_column(ForeignKey("quiz_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))
    points: Mapped[float]
    text_html: Mapped[str] = mapped_column(Text)
    feedback_html: Mapped[str] = mapped_column(Text, default="")
    #: Shown after a wrong answer while the feedback, which may give the answer away, is held back.
    hint_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The pool it is drawn from when its quiz draws; "" when it is always asked.
    category: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: The type's settings, right answers included: never sent to a browser before grading.
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: {language: {text_html, feedback_html, hint_html, config}}: the same question in other words,
    #: its config shaped as this one's (same ids, right answers and weights), so grading is the same.
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict, server_default="{}")

    question: Mapped[Question] = relationship()
    quiz_version: Mapped[QuizVersion] = relationship(back_populates="questions")

    @validates("type")
    def validate_type(self, key: str, value: str) -> str:
        """Only a type of the registry is stored: grading and the form look it up by this name."""
        if value not in KINDS:
            raise ValueError(f"unknown question type {value!r}")
        return value


class Assignment(Model):
    """An assignment's lasting identity within its course (its key), which submissions belong to."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AssignmentVersion(Model):
    """An assignment as one revision states it: instructions, what may be handed in, rubric, pass mark."""

    __tablename__ = "assignment_versions"
    __table_args__ = (
        UniqueConstraint("revision_id", "assignment_id"),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_range"),
        CheckConstraint("max_files >= 0", name="max_files_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("course_revisions.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    #: Rendered and sanitised once, at import.
    instructions_html: Mapped[str] = mapped_column(Text)
    allows_text: Mapped[bool]
    #: Kinds of portal.content.documents.DOCUMENT_KINDS; empty when no files are taken.
    file_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_files: Mapped[int]
    max_file_mb: Mapped[float]
    #: [{id, title, levels: [{points, descriptor}]}], levels from fewest points to most.
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Percent of the rubric's points needed to pass.
    pass_mark: Mapped[float]
    allows_resubmission: Mapped[bool]
    #: The template's path among the revision's files, or "" when there is none.
    template_path: Mapped[str] = mapped_column(String(500), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    #: {language: {title, instructions_html, rubric}}: the rubric with the same criteria, levels and points,
    #: its titles and descriptors in that language.
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict, server_default="{}")

    assignment: Mapped[Assignment] = relationship()
    revision: Mapped[CourseRevision] = relationship()
    module: Mapped[Module] = relationship(back_populates="assignments")

    @property
    def max_points(self) -> float:
        return sum(max(level["points"] for level in criterion["levels"]) for criterion in self.rubric)

    def in_language(self, language: str) -> "AssignmentWords":
        """Title, instructions and rubric in `language` where the assignment is translated into it, else in the
        course's own language (the revision's, loaded with it)."""
        translation = (self.translations or {}).get(language)
        if not translation or language == self.revision.language:
            return AssignmentWords(self.revision.language, self.title, self.instructions_html, self.rubric)
        return AssignmentWords(language, translation.get("title") or self.title,
                               translation.get("instructions_html") or self.instructions_html,
                               translation.get("rubric") or self.rubric)


@dataclass(frozen=True)
class AssignmentWords:
    """An assignment's words as one reader gets them; scoring always uses the version's own rubric (a
    translation's has the same criteria, levels and points)."""

    language: str
    title: str
    instructions_html: str
    rubric: list[dict[str, Any]]


class CourseFile(Model):
    """One file of a revision, its bytes kept once in the blob store under their SHA-256."""

    __tablename__ = "course_files"
    __table_args__ = (UniqueConstraint("revision_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("course_revisions.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    #: Set for media files (judged by content), None for course text files.
    media_type: Mapped[str | None] = mapped_column(String(50))

    revision: Mapped[CourseRevision] = relationship(back_populates="files")


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class Enrolment(Model):
    """A trainee's place on a course; leaving keeps the row, and with it the history."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(string_enum(EnrolmentStatus), default=EnrolmentStatus.ACTIVE)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The trainee's last lesson, quiz or enrolment action in this course.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == EnrolmentStatus.ACTIVE
