"""Rules for lecturers' work on courses: uploads, module merges, publishing, lecturers."""
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Role, User
from portal.content.files import read_zip, strip_common_folder
from portal.content.loader import MODULE_FOLDER
from portal.content.problems import ContentError, Problem
from portal.courses.importer import ImportResult, read_spec, stage_revision, upload_limits
from portal.courses.models import Course, CourseFile, CourseRevision, RevisionStatus
from portal.courses.storage import read_blob
from portal.extensions import db


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
    rows = db.session.scalars(select(CourseFile).where(CourseFile.revision_id == revision.id))
    return {row.path: read_blob(row.sha256) for row in rows}


def merge_module(course_files: dict[str, bytes], module_files: dict[str, bytes], upload_name: str) -> dict[str, bytes]:
    """The course's files with one module folder replaced (same key) or added."""
    folders = {PurePosixPath(path).parts[0] for path in module_files if "/" in path}
    if len(folders) != 1 or any("/" not in path for path in module_files):
        raise ContentError([Problem(upload_name, None,
                                    "a module zip holds exactly one module folder, such as 03-regulation/")])
    folder = folders.pop()
    match = MODULE_FOLDER.match(folder)
    if not match:
        raise ContentError([Problem(folder, None, "module folders are named like 01-introduction (two digits, a hyphen, a key)")])
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
                                    f"this zip is the course '{spec.slug}', not '{course.slug}'")])
    existing = course or find_course(spec.slug)
    if existing is not None and not existing.is_taught_by(user):
        raise NotYourCourse(spec.slug)
    result = stage_revision(spec, user)
    if result.created_course and user.role == Role.LECTURER:
        result.course.lecturers.append(user)
    db.session.flush()
    return result


def add_lecturer(course: Course, email: str) -> User:
    """Assign a lecturer (or admin) account to teach the course."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role not in (Role.LECTURER, Role.ADMIN):
        raise LookupError(email)
    if user not in course.lecturers:
        course.lecturers.append(user)
    db.session.flush()
    return user


def remove_lecturer(course: Course, user_id: int) -> None:
    course.lecturers = [lecturer for lecturer in course.lecturers if lecturer.id != user_id]
    db.session.flush()
