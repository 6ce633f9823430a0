"""Progress and completion.

The completion rule: a course is complete when every lesson of its published revision is
marked complete (or the share the course's rule asks for) and every quiz of that revision is
passed (unless the rule says quizzes: none), and every assignment of that revision is passed. Lesson completions and quiz passes belong to the
lesson's and quiz's stable identity, so a new revision keeps them: unchanged and changed lessons
stay complete, and lessons added later are new work. Completion is recorded once; a trainee who
completed a course stays complete whatever later revisions add."""
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import BindParameter, Integer, Select, String, bindparam, func, literal, select, union_all
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.caching import ProcessCache
from portal.courses.models import (
    Assignment,
    AssignmentVersion,
    Course,
    CourseRevision,
    Lesson,
    LessonVersion,
    Module,
    Quiz,
    QuizVersion,
)
from portal.courses.services import touch_enrolment
from portal.db_types import utcnow
from portal.extensions import db
from portal.learning.models import CourseCompletion, LessonCompletion
from portal.learning.signals import course_completed
from portal.quizzes.models import QuizAttempt
from portal.quizzes.signals import attempt_graded


@dataclass(frozen=True)
class Step:
    """One thing to do in a course: read a lesson, pass a quiz, have an assignment passed."""

    kind: str  #: "lesson", "quiz" or "assignment"
    key: str
    title: str
    stable_id: int
    module_key: str
    module_title: str


@dataclass(frozen=True)
class Completed:
    """That a course was completed, and when (the CourseCompletion row's id and time)."""

    id: int
    completed_at: datetime


@dataclass
class Progress:
    steps: list[Step]
    done_lessons: set[int] = field(default_factory=set)
    passed_quizzes: set[int] = field(default_factory=set)
    completion: Completed | None = None
    passed_assignments: set[int] = field(default_factory=set)

    def is_done(self, step: Step) -> bool:
        if step.kind == "lesson":
            return step.stable_id in self.done_lessons
        if step.kind == "quiz":
            return step.stable_id in self.passed_quizzes
        return step.stable_id in self.passed_assignments

    @property
    def percent(self) -> int:
        if self.completion is not None or not self.steps:
            return 100 if self.completion is not None else 0
        return round(100 * sum(self.is_done(step) for step in self.steps) / len(self.steps))

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not self.is_done(step)), None)

    def meets(self, rule: dict) -> bool:
        lessons = [s for s in self.steps if s.kind == "lesson"]
        quizzes = [s for s in self.steps if s.kind == "quiz"]
        done = sum(self.is_done(s) for s in lessons)
        if rule.get("lessons", "all") == "all":
            lessons_ok = done == len(lessons)
        else:
            lessons_ok = bool(lessons) and 100 * done / len(lessons) >= rule["lessons"]
        quizzes_ok = rule.get("quizzes", "all") == "none" or all(self.is_done(s) for s in quizzes)
        assignments_ok = all(self.is_done(s) for s in self.steps if s.kind == "assignment")
        return lessons_ok and quizzes_ok and assignments_ok


#: Revisions never change once made, so their outlines are shared by every request of the process.
_OUTLINES: ProcessCache[list[Step]] = ProcessCache(512)


def outlines(revision_ids: list[int]) -> dict[int, list[Step]]:
    """The ordered steps of each revision: per module, its lessons, its quiz, then its assignments;
    cached per revision."""
    found = {revision_id: _OUTLINES.find(revision_id) for revision_id in revision_ids}
    missing = [revision_id for revision_id, steps in found.items() if steps is None]
    if missing:
        for revision_id, steps in _load_outlines(missing).items():
            _OUTLINES.put(revision_id, steps)
            found[revision_id] = steps
    return {revision_id: found[revision_id] or [] for revision_id in revision_ids}


def _load_outlines(revision_ids: list[int]) -> dict[int, list[Step]]:
    """One query for any number of revisions: their lessons, quizzes and assignments."""
    def part(kind: str, version: Any, stable: Any, stable_id: Any, position: Any) -> Select:
        return (select(literal(kind).label("kind"), version.revision_id, Module.position.label("module_position"),
                       position.label("position"), stable.key, version.title, stable.id, Module.key.label("module_key"),
                       Module.title.label("module_title"))
                .join(stable, stable.id == stable_id)
                .join(Module, Module.id == version.module_id)
                .where(version.revision_id.in_(revision_ids)))

    rows = db.session.execute(union_all(
        part("lesson", LessonVersion, Lesson, LessonVersion.lesson_id, LessonVersion.position),
        part("quiz", QuizVersion, Quiz, QuizVersion.quiz_id, literal(0)),
        part("assignment", AssignmentVersion, Assignment, AssignmentVersion.assignment_id, AssignmentVersion.position),
    ))
    order = {"lesson": 0, "quiz": 1, "assignment": 2}
    steps: dict[int, list[tuple]] = defaultdict(list)
    for kind, revision_id, module_position, position, key, title, stable_id, module_key, module_title in rows:
        steps[revision_id].append(((module_position, order[kind], position),
                                   Step(kind, key, title, stable_id, module_key, module_title)))
    return {revision_id: [step for _, step in sorted(steps[revision_id], key=lambda item: item[0])]
            for revision_id in revision_ids}


def _progress_statement() -> Select:
    """The user's lessons done, quizzes passed, assignments passed and courses completed in some courses, as one
    union of (kind, course id, lesson, quiz, assignment or completion id, when); built once per application
    from bound parameters (`user_id`, and `course_ids`, expanding)."""
    statement: Select | None = current_app.extensions.get("learning.progress_statement")
    if statement is None:
        course_ids: BindParameter[list[int]] = bindparam("course_ids", expanding=True)
        statement = progress_union(bindparam("user_id", type_=Integer), course_ids)
        current_app.extensions["learning.progress_statement"] = statement
    return statement


def progress_union(user_id: Any, course_ids: Any) -> Select:
    """The union `_progress_statement` runs, for any expressions of the user and of the courses (a list
    parameter, or a select of course ids)."""
    lessons = select(literal("lesson", String), LessonCompletion.course_id, LessonCompletion.lesson_id,
                     LessonCompletion.completed_at).where(
        LessonCompletion.user_id == user_id, LessonCompletion.course_id.in_(course_ids))
    quizzes = select(literal("quiz", String), QuizAttempt.course_id, QuizAttempt.quiz_id,
                     func.min(QuizAttempt.submitted_at)).where(
        QuizAttempt.user_id == user_id, QuizAttempt.course_id.in_(course_ids), QuizAttempt.passed.is_(True)
    ).group_by(QuizAttempt.course_id, QuizAttempt.quiz_id)
    courses = select(literal("course", String), CourseCompletion.course_id, CourseCompletion.id,
                     CourseCompletion.completed_at).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id.in_(course_ids))
    parts = [lessons, quizzes, courses]
    assignments = current_app.extensions.get("learning.passed_assignments")
    if assignments is not None:
        parts.append(assignments(user_id, course_ids))
    return select(union_all(*parts).subquery("progress"))


def _progress_rows(user_id: int, course_ids: list[int]):
    """The user's progress rows in these courses, in one query (see `_progress_statement`)."""
    return db.session.execute(_progress_statement(), {"user_id": user_id, "course_ids": course_ids}).all()


def progress_for(user_id: int, courses: list[Course]) -> dict[int, Progress]:
    """Progress in each course against its published revision, in one query (one more for the revisions
    the process has not seen yet)."""
    published = [(course.id, course.published_revision_id) for course in courses if course.published_revision_id]
    if not published:
        return {}
    return progress_from_rows(published, _progress_rows(user_id, [course_id for course_id, _ in published]))


def progress_from_rows(courses: list[tuple[int, int]], rows: Iterable[Sequence[Any]]) -> dict[int, Progress]:
    """Progress in each of these published courses, given as (course id, published revision id), from the
    rows of `progress_union` (the lesson page runs it joined to its course and panels); rows whose kind is
    None are skipped."""
    steps = outlines([revision_id for _, revision_id in courses])
    progress = {course_id: Progress(steps.get(revision_id, [])) for course_id, revision_id in courses}
    for kind, course_id, item_id, at in rows:
        if kind is None:
            continue
        if kind == "lesson":
            progress[course_id].done_lessons.add(item_id)
        elif kind == "quiz":
            progress[course_id].passed_quizzes.add(item_id)
        elif kind == "assignment":
            progress[course_id].passed_assignments.add(item_id)
        else:
            progress[course_id].completion = Completed(item_id, at)
    return progress


def record_completion(user_id: int, revision: CourseRevision, progress: Progress) -> CourseCompletion | None:
    """Record that the course is complete if the rule is met and it was not recorded yet."""
    if progress.completion is not None or not progress.meets(revision.completion):
        return None
    completion = CourseCompletion(user_id=user_id, course_id=revision.course_id, revision_id=revision.id,
                                  completed_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:
        return None
    progress.completion = Completed(completion.id, completion.completed_at)
    course_completed.send(completion)
    return completion


def check_completion(user_id: int, course: Course) -> CourseCompletion | None:
    """Record the course's completion if its published revision's rule is now met."""
    if course.published_revision is None:
        return None
    return record_completion(user_id, course.published_revision, progress_for(user_id, [course])[course.id])


def complete_lesson(user: User, course: Course, lesson_id: int) -> CourseCompletion | None:
    """Mark a lesson complete (once); returns the course completion it brought, if any."""
    exists = db.session.scalar(
        select(LessonCompletion.id).where(LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson_id)
    )
    if exists is None:
        try:
            with db.session.begin_nested():
                db.session.add(LessonCompletion(user_id=user.id, course_id=course.id, lesson_id=lesson_id))
        except IntegrityError:
            pass
    touch_enrolment(user.id, course.id)
    return check_completion(user.id, course)


def on_attempt_graded(attempt: QuizAttempt) -> None:
    """A passed quiz may complete the course."""
    touch_enrolment(attempt.user_id, attempt.course_id)
    if attempt.passed:
        course = db.session.get(Course, attempt.course_id)
        if course is not None:
            check_completion(attempt.user_id, course)


def init_app(app: Flask, passed_assignments: Callable[[Any, Any], Select] | None = None) -> None:
    """Wire learning's reactions to other domains' events: a graded quiz may complete a course; and where
    to learn which assignments a trainee has passed: `passed_assignments(user_id, course_ids)`, given bound
    parameters, gives a select of ("assignment", course id, assignment id, when) rows that joins the one
    progress query."""
    attempt_graded.connect(on_attempt_graded)
    if passed_assignments is not None:
        app.extensions["learning.passed_assignments"] = passed_assignments
