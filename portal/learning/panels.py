"""What other packages add to a lesson page (the lesson's thread in the trainee's cohort, the live sessions on
the lesson, the header's count of unread announcements), read in one query for all of them, the course with
the reader's enrolment and the reader's progress in it.

One registry is the extension point: a package registers, under a name, a `LessonPanel` whose `facts`
gives a select of what it needs to know about (user, course, lesson), at most one row, and whose `render`
turns those facts into a panel under the lesson (or None). The selects are joined side by side
(`LEFT OUTER JOIN ... ON true`) into the page's one statement, so adding a panel adds no round trip.
The statement is built once per application, from bound parameters (`PageKeys`), and only executed per
request: building a statement costs more than running it. Packages register in their `init_app`, wired in
`create_app`; learning imports none of them."""
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup
from sqlalchemy import FromClause, Integer, Select, String, and_, bindparam, literal, select, true

from portal.accounts.models import User
from portal.courses.models import Course, CourseRevision, Enrolment, EnrolmentStatus
from portal.learning.services import Progress, progress_from_rows, progress_union
from portal.reads import read_columns

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class PageKeys:
    """What a part may ask about: bound parameters (or, outside the lesson page, plain values)."""

    user_id: Any
    course_id: Any
    lesson_key: Any


#: The lesson page names its course by slug; the parts ask by course id.
_SLUG = bindparam("page_slug", type_=String)
_COURSE_ID = select(Course.id).where(Course.slug == _SLUG)
_KEYS = PageKeys(bindparam("page_user_id", type_=Integer), _COURSE_ID.scalar_subquery(),
                 bindparam("page_lesson_key", type_=String))


@dataclass(frozen=True)
class PageCourse:
    """The published course a lesson page is in, as the page's one query read it."""

    id: int
    slug: str
    revision_id: int
    content_hash: str


@dataclass(frozen=True)
class LessonPanel:
    #: A select of labelled columns about (user id, course id, lesson key); only its first row is read.
    facts: Callable[[PageKeys], Select]
    #: The panel for those facts (None when the select found no row), or None to show nothing.
    render: Callable[[User, PageCourse, str, Facts | None], Markup | None]


_REGISTRY = "learning.lesson_panels"
#: The column each part gains: 1 when it found its row.
_FOUND = "panel_found"
_STATEMENT = "learning.lesson_panels.statement"
#: The progress columns' labels begin with it.
_PROGRESS = "progress__"


def register(app: Flask, name: str, panel: LessonPanel) -> None:
    """Add a panel to the lesson pages of `app`, shown in the order of registration."""
    app.extensions.setdefault(_REGISTRY, {})[name] = panel
    app.extensions.pop(_STATEMENT, None)


def _statement(registry: dict[str, LessonPanel]) -> Select:
    """The course by its slug with the reader's enrolment, every part's select beside it, each with a
    column that is 1 when it found its row (to tell "no row" from a row of NULLs), joined to each row of the
    reader's progress in the course (one row of NULLs there when there is none); no row when no published
    course has the slug. Built once per application."""
    statement: Select | None = current_app.extensions.get(_STATEMENT)
    if statement is None:
        anchor = (
            select(Course.id.label("course_id"), Course.published_revision_id.label("revision_id"),
                   CourseRevision.content_hash.label("content_hash"), Enrolment.status.label("enrolment_status"))
            .select_from(Course)
            .join(CourseRevision, CourseRevision.id == Course.published_revision_id)
            .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == _KEYS.user_id))
            .where(Course.slug == _SLUG)
        ).subquery("lesson_page")
        columns = list(anchor.c)
        joined: FromClause = anchor
        for name, panel in registry.items():
            part = (panel.facts(_KEYS).add_columns(literal(1).label(_FOUND)).limit(1).subquery(f"panel_{name}"))
            columns.append(part.c[_FOUND].label(f"{name}__{_FOUND}"))
            columns += [column.label(f"{name}__{column.name}") for column in part.c if column.name != _FOUND]
            joined = joined.outerjoin(part, true())
        progress = progress_union(_KEYS.user_id, _COURSE_ID).subquery("progress")
        columns += [column.label(f"{_PROGRESS}{number}") for number, column in enumerate(progress.c)]
        statement = select(*columns).select_from(joined.outerjoin(progress, true()))
        current_app.extensions[_STATEMENT] = statement
    return statement


@dataclass(frozen=True)
class LessonPage:
    course: PageCourse
    enrolled: bool  #: whether the reader is on the course now
    progress: Progress
    panels: list[Markup]  #: empty when the reader is not enrolled


def lesson_page(user: User, slug: str, lesson_key: str) -> LessonPage | None:
    """The published course `slug`, whether the reader is enrolled, their progress in it and every registered
    panel for this lesson, from one query; None when no published course has that slug."""
    registry: dict[str, LessonPanel] = current_app.extensions.get(_REGISTRY, {})
    rows = read_columns(_statement(registry), {
        "page_user_id": user.id, "page_slug": slug, "page_lesson_key": lesson_key}).all()
    if not rows:
        return None
    first = rows[0]._mapping
    course = PageCourse(first["course_id"], slug, first["revision_id"], first["content_hash"])
    enrolled = first["enrolment_status"] == EnrolmentStatus.ACTIVE
    progress = progress_from_rows([(course.id, course.revision_id)],
                                  [[row._mapping[f"{_PROGRESS}{number}"] for number in range(4)] for row in rows])
    shown = []
    for name, panel in registry.items() if enrolled else ():
        facts = None
        if first[f"{name}__{_FOUND}"] is not None:
            prefix = f"{name}__"
            facts = {key[len(prefix):]: value for key, value in first.items()
                     if isinstance(key, str) and key.startswith(prefix) and key != f"{name}__{_FOUND}"}
        markup = panel.render(user, course, lesson_key, facts)
        if markup:
            shown.append(markup)
    return LessonPage(course, enrolled, progress[course.id], shown)
