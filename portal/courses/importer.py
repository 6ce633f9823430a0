"""Import course content: a validated CourseSpec becomes a revision, then the published one.

Services flush and never commit: the caller (a view or a CLI command) commits once, so an
import of many courses is all-or-nothing."""
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from portal.accounts.models import Role, User
from portal.content.files import Limits
from portal.content.loader import read_course
from portal.content.spec import CourseSpec, MediaSpec
from portal.content.surveyfile import survey_as_dict
from portal.courses.models import (
    Assignment,
    AssignmentVersion,
    Course,
    CourseFile,
    CourseRevision,
    Lesson,
    LessonTranslation,
    LessonVersion,
    Module,
    Question,
    QuestionVersion,
    Quiz,
    QuizVersion,
    RevisionStatus,
)
from portal.courses.storage import put_blobs
from portal.db_types import rows_changed, utcnow
from portal.extensions import db


class AlreadyDecided(Exception):
    """The revision was published or discarded already (a double submission, another tab)."""


@dataclass
class ImportResult:
    course: Course
    revision: CourseRevision
    created_course: bool = False
    unchanged: bool = False
    notes: list[str] = field(default_factory=list)


def upload_limits() -> Limits:
    config = current_app.config
    return Limits(max_files=config["COURSE_MAX_FILES"], max_unpacked_bytes=config["COURSE_MAX_UNPACKED_BYTES"],
                  max_quiz_file_bytes=config["QUIZ_FILE_MAX_BYTES"])


def media_url(media: MediaSpec) -> str:
    """The address a media file is served at; built without a request, for import time."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return adapter.build("courses.media", {"sha256": media.sha256, "name": PurePosixPath(media.path).name})


def read_spec(files: dict[str, bytes]) -> CourseSpec:
    """Read and validate course files with the portal's media URLs and limits."""
    return read_course(files, media_url=media_url, limits=upload_limits())


def _keyed(rows) -> dict[str, Any]:
    return {row.key: row for row in rows}


def translation_fingerprint(spec: CourseSpec, language: str) -> str:
    """A hash of everything `spec` says in `language`: equal hashes, the same translation."""
    parts: list[Any] = [spec.translations[language]]
    for module in spec.modules:
        parts.append(module.translations.get(language))
        parts += [lesson.translations[language].content_hash for lesson in module.lessons
                  if language in lesson.translations]
        if module.quiz:
            parts.append(module.quiz.translations.get(language))
            parts += [question.translations.get(language) for question in module.quiz.questions]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _summarise(base: CourseRevision | None, spec: CourseSpec) -> dict[str, dict[str, list[str]]]:
    """What `spec` adds, changes, moves and removes against `base`, by stable key."""
    old_lessons: dict[str, tuple[str, str, int]] = {}
    old_modules: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    old_quizzes: dict[str, tuple] = {}
    old_questions: dict[str, str] = {}
    old_translations: dict[str, str] = {}
    old_assignments: dict[str, str] = {}
    if base is not None:
        old_assignments = {key: digest for key, digest in db.session.execute(
            select(Assignment.key, AssignmentVersion.content_hash)
            .join(AssignmentVersion, AssignmentVersion.assignment_id == Assignment.id)
            .where(AssignmentVersion.revision_id == base.id)
        )}
        old_translations = {language: words.get("fingerprint", "") for language, words in (base.translations or {}).items()}
        for module in base.modules:
            old_modules[module.key] = (module.title, module.summary, tuple(module.objectives))
        lesson_rows = db.session.execute(
            select(Lesson.key, LessonVersion.content_hash, Module.key, LessonVersion.position)
            .join(LessonVersion, LessonVersion.lesson_id == Lesson.id)
            .join(Module, Module.id == LessonVersion.module_id)
            .where(LessonVersion.revision_id == base.id)
        )
        old_lessons = {key: (digest, module, position) for key, digest, module, position in lesson_rows}
        quiz_rows = db.session.execute(
            select(Quiz.key, QuizVersion.title, QuizVersion.pass_mark, QuizVersion.attempts_allowed,
                   QuizVersion.shuffle, QuizVersion.draw)
            .join(QuizVersion, QuizVersion.quiz_id == Quiz.id).where(QuizVersion.revision_id == base.id)
        )
        old_quizzes = {key: (*settings, [(pool["category"], pool["count"]) for pool in draw or []])
                       for key, *settings, draw in quiz_rows}
        question_rows = db.session.execute(
            select(Quiz.key, Question.key, QuestionVersion.content_hash)
            .join(Question, Question.quiz_id == Quiz.id)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .join(QuizVersion, QuizVersion.id == QuestionVersion.quiz_version_id)
            .where(QuizVersion.revision_id == base.id)
        )
        old_questions = {f"{quiz}/{question}": digest for quiz, question, digest in question_rows}

    new_modules = {m.key: (m.title, m.summary, m.objectives) for m in spec.modules}
    new_lessons = {lesson.key: (lesson.content_hash, m.key, lesson.position) for m in spec.modules for lesson in m.lessons}
    new_quizzes = {q.key: (q.title, q.pass_mark, q.attempts_allowed, q.shuffle, [tuple(pool) for pool in q.draw])
                   for q in spec.quizzes}
    new_questions = {f"{q.key}/{x.key}": x.content_hash for q in spec.quizzes for x in q.questions}

    def compare(old: dict, new: dict, same=lambda a, b: a == b) -> dict[str, list[str]]:
        return {
            "added": sorted(set(new) - set(old)),
            "changed": sorted(k for k in set(new) & set(old) if not same(old[k], new[k])),
            "removed": sorted(set(old) - set(new)),
        }

    lessons = compare(old_lessons, new_lessons, lambda a, b: a[0] == b[0])
    lessons["moved"] = sorted(
        k for k in set(new_lessons) & set(old_lessons)
        if old_lessons[k][0] == new_lessons[k][0] and old_lessons[k][1:] != new_lessons[k][1:]
    )
    return {
        "modules": compare(old_modules, new_modules),
        "lessons": lessons,
        "quizzes": compare(old_quizzes, new_quizzes),
        "questions": compare(old_questions, new_questions),
        "assignments": compare(old_assignments, {a.key: a.content_hash for a in spec.assignments}),
        "translations": compare(old_translations, {language: translation_fingerprint(spec, language)
                                                   for language in spec.translations}),
    }


def _stable_rows(model, parent_column, parent_id: int, keys: set[str]) -> dict[str, Any]:
    """The stable rows for `keys` under one parent, creating those that are new."""
    rows = _keyed(db.session.scalars(select(model).where(parent_column == parent_id)))
    for key in sorted(keys - set(rows)):
        row = model(key=key)
        setattr(row, parent_column.key, parent_id)
        db.session.add(row)
        rows[key] = row
    db.session.flush()
    return rows


def stage_revision(spec: CourseSpec, actor: User | None = None) -> ImportResult:
    """Make a draft revision of the course from `spec`, or find that nothing changed."""
    course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
    created = course is None
    if course is None:
        course = Course(slug=spec.slug)
        db.session.add(course)
        db.session.flush()

    published = course.published_revision
    if published is not None and published.content_hash == spec.content_hash:
        return ImportResult(course, published, unchanged=True)
    open_drafts = db.session.scalars(
        select(CourseRevision).where(CourseRevision.course_id == course.id,
                                     CourseRevision.status == RevisionStatus.DRAFT)
    ).all()
    for draft in open_drafts:
        if draft.content_hash == spec.content_hash:
            return ImportResult(course, draft, unchanged=True)
        draft.status = RevisionStatus.DISCARDED

    base = published or db.session.scalar(
        select(CourseRevision).where(CourseRevision.course_id == course.id).order_by(CourseRevision.number.desc())
    )
    number = (db.session.scalar(select(func.max(CourseRevision.number)).where(CourseRevision.course_id == course.id)) or 0) + 1
    revision = CourseRevision(
        course=course, number=number, status=RevisionStatus.DRAFT, content_hash=spec.content_hash,
        created_by=actor, changes=_summarise(base, spec), title=spec.title, summary=spec.summary,
        language=spec.language, topics=list(spec.topics), estimated_hours=spec.estimated_hours,
        completion=spec.completion, certificate=spec.certificate, objectives=list(spec.objectives),
        audience_html=spec.audience_html, prerequisites_html=spec.prerequisites_html,
        warnings=[warning.as_dict() for warning in spec.warnings],
        survey=survey_as_dict(spec.survey) if spec.survey is not None else None,
        translations={language: {**words, "coverage": spec.coverage()[language], "titles": spec.titles_in(language),
                                 "fingerprint": translation_fingerprint(spec, language)}
                      for language, words in spec.translations.items()},
    )
    db.session.add(revision)
    _add_files(revision, spec)
    _add_content(course, revision, spec)
    db.session.flush()
    return ImportResult(course, revision, created_course=created)


def _add_files(revision: CourseRevision, spec: CourseSpec) -> None:
    media_types = {media.path: media.media_type for media in spec.media}
    files = sorted(spec.files.items())
    for (path, data), digest in zip(files, put_blobs([data for _, data in files]), strict=True):
        revision.files.append(CourseFile(path=path, sha256=digest, size=len(data), media_type=media_types.get(path)))


def _add_content(course: Course, revision: CourseRevision, spec: CourseSpec) -> None:
    lessons = _stable_rows(Lesson, Lesson.course_id, course.id, {lesson.key for lesson in spec.lessons})
    quizzes = _stable_rows(Quiz, Quiz.course_id, course.id, {q.key for q in spec.quizzes})
    assignments = _stable_rows(Assignment, Assignment.course_id, course.id, {a.key for a in spec.assignments})
    for module_spec in spec.modules:
        module = Module(key=module_spec.key, position=module_spec.position, title=module_spec.title,
                        summary=module_spec.summary, objectives=list(module_spec.objectives),
                        translations=module_spec.translations)
        revision.modules.append(module)
        for lesson_spec in module_spec.lessons:
            version = LessonVersion(
                lesson=lessons[lesson_spec.key], revision=revision, position=lesson_spec.position,
                title=lesson_spec.title, minutes=lesson_spec.minutes, html=lesson_spec.html,
                content_hash=lesson_spec.content_hash, reviewed_on=lesson_spec.reviewed,
                references=[reference.as_dict() for reference in lesson_spec.references],
            )
            module.lessons.append(version)
            for translation in lesson_spec.translations.values():
                db.session.add(LessonTranslation(
                    lesson_version=version, language=translation.language, title=translation.title,
                    html=translation.html, content_hash=translation.content_hash, reviewed_on=translation.reviewed,
                    references=[reference.as_dict() for reference in translation.references],
                ))
        for assignment_spec in module_spec.assignments:
            module.assignments.append(AssignmentVersion(
                assignment=assignments[assignment_spec.key], revision=revision, position=assignment_spec.position,
                title=assignment_spec.title, instructions_html=assignment_spec.instructions_html,
                allows_text=assignment_spec.allows_text, file_kinds=list(assignment_spec.file_kinds),
                max_files=assignment_spec.max_files, max_file_mb=assignment_spec.max_file_mb,
                rubric=list(assignment_spec.rubric), pass_mark=assignment_spec.pass_mark,
                allows_resubmission=assignment_spec.allows_resubmission, template_path=assignment_spec.template,
                content_hash=assignment_spec.content_hash, translations=assignment_spec.translations,
            ))
        quiz_spec = module_spec.quiz
        if quiz_spec is None:
            continue
        quiz = quizzes[quiz_spec.key]
        questions = _stable_rows(Question, Question.quiz_id, quiz.id, {q.key for q in quiz_spec.questions})
        module.quiz = QuizVersion(
            quiz=quiz, revision=revision, title=quiz_spec.title, pass_mark=quiz_spec.pass_mark,
            attempts_allowed=quiz_spec.attempts_allowed, shuffle=quiz_spec.shuffle,
            draw=[{"category": category, "count": count} for category, count in quiz_spec.draw],
            content_hash=quiz_spec.content_hash, translations=quiz_spec.translations,
            questions=[
                QuestionVersion(
                    question=questions[q.key], position=q.position, type=q.type, points=q.points,
                    text_html=q.text_html, feedback_html=q.feedback_html, hint_html=q.hint_html, config=q.config,
                    category=q.category, content_hash=q.content_hash, translations=q.translations,
                )
                for q in quiz_spec.questions
            ],
        )


def publish_revision(revision: CourseRevision) -> None:
    """Make a draft the revision trainees see; retire what it no longer has. Once only."""
    now = utcnow()
    claimed = rows_changed(db.session.execute(
        update(CourseRevision)
        .where(CourseRevision.id == revision.id, CourseRevision.status == RevisionStatus.DRAFT)
        .values(status=RevisionStatus.PUBLISHED, published_at=now)
        .execution_options(synchronize_session=False)
    ))
    if claimed != 1:
        raise AlreadyDecided(revision.id)
    course = revision.course
    db.session.execute(
        update(CourseRevision)
        .where(CourseRevision.course_id == course.id, CourseRevision.status == RevisionStatus.PUBLISHED,
               CourseRevision.id != revision.id)
        .values(status=RevisionStatus.SUPERSEDED)
        .execution_options(synchronize_session=False)
    )
    course.published_revision_id = revision.id
    db.session.flush()
    db.session.expire(revision)
    db.session.expire(course)
    _retire_missing(course.id, revision.id, now)


def _retire_missing(course_id: int, revision_id: int, now) -> None:
    current_lessons = select(LessonVersion.lesson_id).where(LessonVersion.revision_id == revision_id)
    current_quizzes = select(QuizVersion.quiz_id).where(QuizVersion.revision_id == revision_id)
    current_questions = (
        select(QuestionVersion.question_id)
        .join(QuizVersion, QuizVersion.id == QuestionVersion.quiz_version_id)
        .where(QuizVersion.revision_id == revision_id)
    )
    current_assignments = select(AssignmentVersion.assignment_id).where(AssignmentVersion.revision_id == revision_id)
    course_quizzes = select(Quiz.id).where(Quiz.course_id == course_id)
    for model, owner, current in (
        (Assignment, Assignment.course_id == course_id, current_assignments),
        (Lesson, Lesson.course_id == course_id, current_lessons),
        (Quiz, Quiz.course_id == course_id, current_quizzes),
        (Question, Question.quiz_id.in_(course_quizzes), current_questions),
    ):
        db.session.execute(
            update(model).where(owner, model.id.not_in(current), model.retired_at.is_(None))
            .values(retired_at=now).execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(model).where(owner, model.id.in_(current), model.retired_at.is_not(None))
            .values(retired_at=None).execution_options(synchronize_session=False)
        )
    db.session.flush()


def discard_revision(revision: CourseRevision) -> None:
    """Throw away a draft that will not be published."""
    claimed = rows_changed(db.session.execute(
        update(CourseRevision)
        .where(CourseRevision.id == revision.id, CourseRevision.status == RevisionStatus.DRAFT)
        .values(status=RevisionStatus.DISCARDED)
        .execution_options(synchronize_session=False)
    ))
    if claimed != 1:
        raise AlreadyDecided(revision.id)
    db.session.expire(revision)


def assign_lecturers_by_email(course: Course, emails: tuple[str, ...]) -> list[str]:
    """Add the lecturer accounts named in course.yaml; returns notes on addresses not usable."""
    notes: list[str] = []
    if not emails:
        return notes
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    for email in emails:
        user = users.get(email)
        if user is None:
            notes.append(f"no account for lecturer {email}; assign one later")
        elif user.role not in (Role.LECTURER, Role.ADMIN):
            notes.append(f"{email} is not a lecturer; not assigned")
        elif user not in course.lecturers:
            course.lecturers.append(user)
    return notes


def import_course(spec: CourseSpec, actor: User | None = None, assign_lecturers: bool = True) -> ImportResult:
    """Stage and publish in one step, as `flask courses import` does."""
    result = stage_revision(spec, actor)
    if not result.unchanged or result.revision.is_draft:
        publish_revision(result.revision)
        result.unchanged = False
    if assign_lecturers:
        result.notes = assign_lecturers_by_email(result.course, spec.lecturers)
    db.session.flush()
    return result
