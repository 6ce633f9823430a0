"""Rules for lecturers' work on courses: uploads, module merges, publishing, lecturers."""
import calendar
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import PurePosixPath

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    String,
    Update,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, selectinload

from portal.accounts.models import Role, User
from portal.content.files import read_zip, strip_common_folder
from portal.content.loader import MODULE_FOLDER
from portal.content.messages import N_
from portal.content.problems import ContentError, Problem
from portal.content.quizfile import QUESTION_FILES, quiz_entries, replace_quiz
from portal.content.yamlfile import Located
from portal.courses.importer import ImportResult, read_spec, stage_revision, upload_limits
from portal.courses.models import (
    Assignment,
    AssignmentVersion,
    Course,
    CourseFile,
    CourseRevision,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonVersion,
    Module,
    QuestionVersion,
    QuizVersion,
    RevisionStatus,
    course_lecturers,
)
from portal.courses.storage import read_blobs
from portal.db_types import UTCDateTime, utcnow
from portal.extensions import db
from portal.reads import read_columns


class NotYourCourse(Exception):
    """The upload names a course this lecturer does not teach."""


def courses_taught_by(user: User) -> list[Course]:
    """The courses a lecturer teaches (every course, for an admin), with their revisions loaded."""
    statement = (
        select(Course)
        .options(selectinload(Course.revisions), selectinload(Course.lecturers))
        .order_by(Course.slug)
    )
    if not user.is_admin:
        statement = statement.where(Course.lecturers.any(User.id == user.id))
    return list(db.session.scalars(statement))


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier; the month's last day when it is shorter (29 Feb → 28 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def lessons_due_for_review(courses: list[Course], today: date, months: int) -> list[Row]:
    """The lessons of these courses' published revisions not reviewed in the last `months` (or never
    said), in reading order, in one query: (slug, number, course_title, key, title, reviewed_on)."""
    cutoff = months_before(today, months)
    return list(db.session.execute(
        select(Course.slug, CourseRevision.number, CourseRevision.title.label("course_title"), Lesson.key,
               LessonVersion.title, LessonVersion.reviewed_on)
        .join(CourseRevision, CourseRevision.id == Course.published_revision_id)
        .join(LessonVersion, LessonVersion.revision_id == CourseRevision.id)
        .join(Lesson, Lesson.id == LessonVersion.lesson_id)
        .join(Module, Module.id == LessonVersion.module_id)
        .where(Course.id.in_([course.id for course in courses]),
               or_(LessonVersion.reviewed_on.is_(None), LessonVersion.reviewed_on < cutoff))
        .order_by(Course.slug, Module.position, LessonVersion.position)
    ))


def find_course(slug: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def find_revision(course: Course, number: int) -> CourseRevision | None:
    return db.session.scalar(
        select(CourseRevision).where(CourseRevision.course_id == course.id, CourseRevision.number == number)
    )


def base_revision(course: Course) -> CourseRevision | None:
    """The revision an upload builds on: the published one, else the newest not discarded."""
    if course.published_revision is not None:
        return course.published_revision
    return db.session.scalar(
        select(CourseRevision)
        .where(CourseRevision.course_id == course.id, CourseRevision.status != RevisionStatus.DISCARDED)
        .order_by(CourseRevision.number.desc())
    )


def revision_files(revision: CourseRevision) -> dict[str, bytes]:
    """The files of a revision, read back from the blob store."""
    rows = db.session.scalars(select(CourseFile).where(CourseFile.revision_id == revision.id)).all()
    blobs = read_blobs([row.sha256 for row in rows])
    return {row.path: blobs[row.sha256] for row in rows}


def merge_module(course_files: dict[str, bytes], module_files: dict[str, bytes], upload_name: str) -> dict[str, bytes]:
    """The course's files with one module folder replaced (same key) or added."""
    folders = {PurePosixPath(path).parts[0] for path in module_files if "/" in path}
    if len(folders) != 1 or any("/" not in path for path in module_files):
        raise ContentError([Problem(upload_name, None,
                                    N_("a module zip holds exactly one module folder, such as 03-regulation/"))])
    folder = folders.pop()
    match = MODULE_FOLDER.match(folder)
    if not match:
        raise ContentError([Problem(folder, None,
                                    N_("module folders are named like 01-introduction (two digits, a hyphen, a key)"))])
    key = match.group(2)
    kept = {}
    for path, data in course_files.items():
        top = PurePosixPath(path).parts[0]
        existing = MODULE_FOLDER.match(top)
        if existing and existing.group(2) == key:
            continue
        kept[path] = data
    return kept | module_files


def stage_upload(user: User, data: bytes, filename: str, course: Course | None = None,
                 module_only: bool = False) -> ImportResult:
    """Read an uploaded zip (a whole course, or one module of `course`) into a draft revision.

    Raises ContentError with every problem, or NotYourCourse; changes nothing in either case."""
    files = read_zip(data, filename, upload_limits())
    if module_only:
        if course is None:
            raise ValueError("a module upload needs its course")
        base = base_revision(course)
        files = merge_module(revision_files(base) if base else {}, files, filename)
    else:
        files = strip_common_folder(files, "course.yaml")
    spec = read_spec(files)
    if course is not None and spec.slug != course.slug:
        raise ContentError([Problem("course.yaml", None,
                                    N_("this zip is the course '%(found)s', not '%(wanted)s'"),
                                    {"found": spec.slug, "wanted": course.slug})])
    existing = course or find_course(spec.slug)
    if existing is not None and not existing.is_taught_by(user):
        raise NotYourCourse(spec.slug)
    result = stage_revision(spec, user)
    if result.created_course and user.role == Role.LECTURER:
        result.course.lecturers.append(user)
    db.session.flush()
    return result


def module_folder(paths: Iterable[str], key: str) -> str | None:
    """The folder (such as 02-measuring) of the module with this key, among a course's file paths."""
    for path in sorted(paths):
        parts = PurePosixPath(path).parts
        match = MODULE_FOLDER.match(parts[0])
        if len(parts) > 1 and match and match.group(2) == key:
            return parts[0]
    return None


#: The name a question file takes in its module folder, by its format.
QUIZ_FILE_NAMES = {file_format: name for name, file_format in QUESTION_FILES.items()}


def stage_quiz_file(user: User, course: Course, module_key: str, data: bytes, filename: str,
                    file_format: str) -> ImportResult:
    """A GIFT or Aiken file as the quiz of one module of `course`: a draft revision in which the rest
    of the course is as it was. Raises ContentError with every problem, by line; changes nothing then."""
    base = base_revision(course)
    files = revision_files(base) if base else {}
    folder = module_folder(files, module_key)
    if folder is None:
        raise ContentError([Problem(filename, None, N_("this course has no module '%(key)s'"),
                                    {"key": module_key[:80]})])
    spec = read_spec(replace_quiz(files, folder, QUIZ_FILE_NAMES[file_format], data))
    result = stage_revision(spec, user)
    db.session.flush()
    return result


def quiz_source(revision: CourseRevision, module_key: str) -> list[Located]:
    """The question entries of a module's quiz in a revision, read back from the file that holds them."""
    rows = db.session.scalars(select(CourseFile).where(CourseFile.revision_id == revision.id,
                                                       CourseFile.media_type.is_(None))).all()
    folder = module_folder((row.path for row in rows), module_key)
    if folder is None:
        return []
    names = {f"{folder}/{name}" for name in ("quiz.yaml", *QUESTION_FILES)}
    wanted = [row for row in rows if row.path in names]
    blobs = read_blobs([row.sha256 for row in wanted])
    return quiz_entries({row.path: blobs[row.sha256] for row in wanted}, folder)


def add_lecturer(course: Course, email: str) -> User:
    """Assign a lecturer (or admin) account to teach the course."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role not in (Role.LECTURER, Role.ADMIN):
        raise LookupError(email)
    if user not in course.lecturers:
        try:
            with db.session.begin_nested():
                course.lecturers.append(user)
                db.session.flush()
        except IntegrityError:
            pass  # assigned by another request at the same moment (a double click)
    return user


def remove_lecturer(course: Course, user_id: int) -> None:
    course.lecturers = [lecturer for lecturer in course.lecturers if lecturer.id != user_id]
    db.session.flush()


class EnrolmentRefused(Exception):
    """The enrolment key was missing or wrong, or the course is not open."""


def syllabus(revision_id: int) -> CourseRevision | None:
    """A revision with its modules, lesson titles, quizzes and assignment titles, in a fixed number of
    queries; the lessons' text and assignments' instructions are left in the database, as the
    syllabus shows only titles."""
    return db.session.scalar(
        select(CourseRevision).where(CourseRevision.id == revision_id)
        .options(selectinload(CourseRevision.modules).options(
            selectinload(Module.lessons).load_only(LessonVersion.title, LessonVersion.minutes,
                                                   LessonVersion.position, LessonVersion.module_id,
                                                   LessonVersion.lesson_id)
            .selectinload(LessonVersion.lesson).load_only(Lesson.key),
            selectinload(Module.quiz).selectinload(QuizVersion.questions).load_only(
                QuestionVersion.category, QuestionVersion.position, QuestionVersion.quiz_version_id),
            selectinload(Module.assignments).load_only(AssignmentVersion.title, AssignmentVersion.position,
                                                       AssignmentVersion.module_id, AssignmentVersion.assignment_id)
            .selectinload(AssignmentVersion.assignment).load_only(Assignment.key),
        ))
    )


def course_to_learn(slug: str) -> Course | None:
    """A published course with its published revision, in one query, for trainees' pages."""
    return db.session.scalar(
        select(Course).join(Course.published_revision).where(Course.slug == slug)
        .options(contains_eager(Course.published_revision))
    )


#: PostgreSQL's text-search configuration for each course language; "simple" where it has no stemmer.
SEARCH_CONFIGS = {"en": "english", "fr": "french"}
#: Words of a search beyond these are ignored, so that a pasted paragraph stays one cheap query.
MAX_SEARCH_WORDS = 12


def _texts_of(revision: CourseRevision) -> list[str]:
    """The course's title and summary in each language it is written in, in lower case (casefolded)."""
    own = [f"{revision.title} {revision.summary}"]
    translated = [f"{words.get('title') or ''} {words.get('summary') or ''}"
                  for words in (revision.translations or {}).values()]
    return [text.casefold() for text in own + translated]


def _every_word_in_one_language(words: list[str], revision: CourseRevision) -> bool:
    """Each word appears (any case, any place) in the title or summary of one of the course's languages."""
    return any(all(word in text for word in words) for text in _texts_of(revision))


def _text_search(query: str) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    """PostgreSQL full-text search on title and summary in the course's language: a match, and a rank."""
    config = cast(case(SEARCH_CONFIGS, value=CourseRevision.language, else_="simple"), REGCONFIG)
    document = func.to_tsvector(config, CourseRevision.title + literal(" ") + CourseRevision.summary)
    wanted = func.websearch_to_tsquery(config, query)
    return document.bool_op("@@")(wanted), func.ts_rank(document, wanted)


def catalogue(query: str = "", topic: str = "", language: str = ""):
    """Published courses matching every word of a text, a topic and a language (the course's or a
    translation's); one query.

    Every word must appear in the title or the summary, in the course's own language or in one of
    its translations (a French reader finds "gouvernance" in the French title of an English course).
    On PostgreSQL full-text search also matches other forms of a word in the course's own language
    ("policies" finds "policy") and puts the best matches first. The words are matched here rather
    than in SQL, as the topic and language are, because translations are kept as JSON: the catalogue
    holds the centre's published courses, a few dozen."""
    statement = (
        select(Course, CourseRevision)
        .join(CourseRevision, CourseRevision.id == Course.published_revision_id)
        .order_by(CourseRevision.title)
    )
    words = query.casefold().split()[:MAX_SEARCH_WORDS]
    full_text = bool(words) and db.session.get_bind().dialect.name == "postgresql"
    if full_text:
        found, rank = _text_search(" ".join(words))
        statement = statement.add_columns(found.label("found_by_text")).order_by(None).order_by(rank.desc(), CourseRevision.title)
    rows = [(row[0], row[1]) for row in db.session.execute(statement)
            if not words or (full_text and row._mapping["found_by_text"])
            or _every_word_in_one_language(words, row[1])]
    if topic:
        rows = [row for row in rows if topic in (row[1].topics or [])]
    if language:  # the course's own language or one it is translated into
        rows = [row for row in rows if language in row[1].languages]
    return rows


#: What the catalogue shows depends on: each published course's slug and revision, with its topics for
#: the filter; built once, run on every catalogue page.
_PUBLISHED = (
    select(Course.id, Course.slug, CourseRevision.id.label("revision_id"), CourseRevision.content_hash,
           CourseRevision.topics)
    .join(CourseRevision, CourseRevision.id == Course.published_revision_id)
    .order_by(Course.id)
)


def published_courses() -> list[Row]:
    """(id, slug, revision_id, content_hash, topics) of every published course, in one query."""
    return list(db.session.execute(_PUBLISHED).all())


#: Every lesson, quiz and assignment page runs it (the attempt page with the attempt joined): built once, from
#: bound parameters `slug` and `user_id`.
COURSE_TO_LEARN = (
    select(Course, Enrolment).join(Course.published_revision)
    .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id,
                               Enrolment.user_id == bindparam("user_id", type_=Integer)))
    .where(Course.slug == bindparam("slug", type_=String))
    .options(contains_eager(Course.published_revision))
)


def course_to_learn_with_enrolment(slug: str, user: User) -> tuple[Course | None, Enrolment | None]:
    """A published course with its published revision, and the user's enrolment in it, in one query."""
    row = db.session.execute(COURSE_TO_LEARN, {"user_id": user.id, "slug": slug}).first()
    return (row[0], row[1]) if row is not None else (None, None)


@dataclass(frozen=True)
class CoursePage:
    """What a course's page needs on each request; the course and its revision are loaded only to draw the
    page's shell (once per worker)."""

    id: int
    slug: str
    revision_id: int
    content_hash: str
    has_enrolment_key: bool
    enrolled: bool  #: whether the reader is on the course now
    lecturers: tuple[str, ...]  #: names, by name (they change, so they are read on each request)


#: One row per lecturer (one row of NULLs when there is none), each with the course and the reader's enrolment.
_COURSE_PAGE = (
    select(Course.id, CourseRevision.id, CourseRevision.content_hash,
           Course.enrolment_key.is_not(None).label("has_key"), Enrolment.status, User.name)
    .join(CourseRevision, CourseRevision.id == Course.published_revision_id)
    .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id,
                               Enrolment.user_id == bindparam("user_id", type_=Integer)))
    .outerjoin(course_lecturers, course_lecturers.c.course_id == Course.id)
    .outerjoin(User, User.id == course_lecturers.c.user_id)
    .where(Course.slug == bindparam("slug", type_=String))
    .order_by(User.name, User.id)
)


def course_page(slug: str, user_id: int | None) -> CoursePage | None:
    """The published course `slug` as its page shows it to the reader (None: signed out), in one query
    that loads none of the revision's content; None when no published course has that slug."""
    rows = read_columns(_COURSE_PAGE, {"user_id": user_id, "slug": slug}).all()
    if not rows:
        return None
    course_id, revision_id, content_hash, has_key, status, _ = rows[0]
    return CoursePage(course_id, slug, revision_id, content_hash, bool(has_key), status == EnrolmentStatus.ACTIVE,
                      tuple(row[5] for row in rows if row[5] is not None))


def enrolment_of(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))


def is_enrolled(user: User, course: Course) -> bool:
    """Whether the user is on the course now (not never enrolled, not left)."""
    enrolment = enrolment_of(user, course)
    return enrolment is not None and enrolment.is_active


def enrol(user: User, course: Course, key: str = "", check_key: bool = True) -> Enrolment:
    """Put a trainee on a published course (again, after leaving); checks the enrolment key
    unless the enrolment comes from somewhere that already vouched for it (a cohort)."""
    if not course.is_published:
        raise EnrolmentRefused("not published")
    if check_key and course.enrolment_key and not secrets.compare_digest(key.strip(), course.enrolment_key):
        raise EnrolmentRefused("wrong key")
    enrolment = enrolment_of(user, course)
    now = utcnow()
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course.id, enrolled_at=now, last_activity_at=now)
        try:
            with db.session.begin_nested():
                db.session.add(enrolment)
        except IntegrityError:
            # The same person enrolled from another tab or request a moment ago: theirs stands.
            won = enrolment_of(user, course)
            if won is None:
                raise
            return won
    elif not enrolment.is_active:
        # Coming back keeps the first enrolment's date (the history); coming back is activity.
        enrolment.status, enrolment.left_at, enrolment.last_activity_at = EnrolmentStatus.ACTIVE, None, now
    db.session.flush()
    return enrolment


def leave(user: User, course: Course) -> None:
    """Leave a course; progress and attempts stay, so coming back picks up where one left."""
    enrolment = enrolment_of(user, course)
    if enrolment is not None and enrolment.is_active:
        enrolment.status, enrolment.left_at = EnrolmentStatus.LEFT, utcnow()
        db.session.flush()


#: Activity on a course is recorded at most once in this long: coordinators read "last active" in days,
#: and each record rewrites the enrolment's row, which the trainee's next answer or lesson would wait on.
ACTIVITY_RECORDED_EVERY = timedelta(minutes=1)


def _touch_enrolment_statement() -> Update:
    others = aliased(Enrolment)
    user_id, course_id = bindparam("of_user", type_=Integer), bindparam("on_course", type_=Integer)
    latest = (select(func.max(others.last_activity_at))
              .where(others.user_id == user_id, others.course_id != course_id).scalar_subquery())
    return (
        update(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id,
               or_(Enrolment.last_activity_at.is_(None), Enrolment.last_activity_at <= Enrolment.enrolled_at,
                   Enrolment.last_activity_at < bindparam("recorded_before", type_=UTCDateTime),
                   Enrolment.last_activity_at < latest))
        .values(last_activity_at=bindparam("active_at", type_=UTCDateTime))
        .execution_options(synchronize_session=False)
    )


#: Every graded quiz and completed lesson runs it: built once, from bound parameters (building it, with its
#: aliased subquery, took longer than running it).
_TOUCH_ENROLMENT = _touch_enrolment_statement()


def touch_enrolment(user_id: int, course_id: int) -> None:
    """Record activity on a course, for coordinators' "last active" figures and the order of "My learning"
    (most recently active first): unless it was recorded less than ACTIVITY_RECORDED_EVERY ago, after
    enrolling (a trainee who acts in their first minute has come, and their enrolment must say so) and after
    the user's last activity on each of their other courses (so that turning to another course reorders the
    page at once). The session's copy of the enrolment is not updated: nothing after it in a request reads
    the date."""
    now = utcnow()
    db.session.execute(_TOUCH_ENROLMENT, {"of_user": user_id, "on_course": course_id, "active_at": now,
                                          "recorded_before": now - ACTIVITY_RECORDED_EVERY})


def set_enrolment_key(course: Course, key: str) -> None:
    course.enrolment_key = key.strip() or None
    db.session.flush()
