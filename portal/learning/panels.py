"""What other packages add to a lesson page (the lesson's thread in the trainee's cohort, the live sessions on
the lesson, the header's count of unread announcements), read in one query for all of them and the reader's
progress in the course.

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
from sqlalchemy import FromClause, Integer, Select, String, bindparam, literal, select, true

from portal.accounts.models import User
from portal.courses.models import Course
from portal.extensions import db
from portal.learning.services import Progress, progress_from_rows, progress_statement

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class PageKeys:
    """What a part may ask about: bound parameters (or, outside the lesson page, plain values)."""

    user_id: Any
    course_id: Any
    lesson_key: Any


_KEYS = PageKeys(bindparam("page_user_id", type_=Integer), bindparam("page_course_id", type_=Integer),
                 bindparam("page_lesson_key", type_=String))


@dataclass(frozen=True)
class LessonPanel:
    #: A select of labelled columns about (user id, course id, lesson key); only its first row is read.
    facts: Callable[[PageKeys], Select]
    #: The panel for those facts (None when the select found no row), or None to show nothing.
    render: Callable[[User, Course, str, Facts | None], Markup | None]


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
    """Every part's select side by side, each with a column that is 1 when it found its row (to tell
    "no row" from a row of NULLs), joined to each row of the reader's progress in the course (one row of
    NULLs there when there is none); built once per application."""
    statement: Select | None = current_app.extensions.get(_STATEMENT)
    if statement is None:
        anchor = select(literal(1).label("one")).subquery("lesson_page")
        columns = [anchor.c.one]
        joined: FromClause = anchor
        for name, panel in registry.items():
            part = (panel.facts(_KEYS).add_columns(literal(1).label(_FOUND)).limit(1).subquery(f"panel_{name}"))
            columns.append(part.c[_FOUND].label(f"{name}__{_FOUND}"))
            columns += [column.label(f"{name}__{column.name}") for column in part.c if column.name != _FOUND]
            joined = joined.outerjoin(part, true())
        progress = progress_statement().subquery("progress")
        columns += [column.label(f"{_PROGRESS}{number}") for number, column in enumerate(progress.c)]
        statement = select(*columns).select_from(joined.outerjoin(progress, true()))
        current_app.extensions[_STATEMENT] = statement
    return statement


def lesson_page(user: User, course: Course, lesson_key: str) -> tuple[Progress, list[Markup]]:
    """The reader's progress in the course and every registered panel for this lesson, from one query."""
    registry: dict[str, LessonPanel] = current_app.extensions.get(_REGISTRY, {})
    rows = db.session.execute(_statement(registry), {
        "page_user_id": user.id, "page_course_id": course.id, "page_lesson_key": lesson_key,
        "user_id": user.id, "course_ids": [course.id]}).all()
    progress = progress_from_rows([course], [[row._mapping[f"{_PROGRESS}{number}"] for number in range(4)]
                                             for row in rows])[course.id]
    facts_row = rows[0]._mapping
    shown = []
    for name, panel in registry.items():
        facts = None
        if facts_row[f"{name}__{_FOUND}"] is not None:
            prefix = f"{name}__"
            facts = {key[len(prefix):]: value for key, value in facts_row.items()
                     if isinstance(key, str) and key.startswith(prefix) and key != f"{name}__{_FOUND}"}
        markup = panel.render(user, course, lesson_key, facts)
        if markup:
            shown.append(markup)
    return progress, shown
