""""My learning": the trainee's courses with their progress, read in one query, and what other packages
add under them (certificates, cohorts, invitations, live sessions, surveys).

The courses: one statement reads each active enrolment's course (slug, published revision and its
content hash) joined to the trainee's progress rows in it. What a card shows of a revision (its title
in each language, its completion rule) never changes once published, so each worker keeps it per
revision (`portal/caching.py`) and loads no revision on the usual visit.

The panels: one registry is the extension point. A package registers, under a name, a `DashboardPanel`
whose `shows` is a condition on the bound parameter `user_id` (an EXISTS, usually built from the very
statement the panel runs), true when the panel may have something to show; all the conditions are read
together, in one row joined to each row of the courses (so the page's courses and conditions are one
query), and only the panels whose condition holds run their own queries and render. A trainee with no
certificate, cohort or survey waiting costs nothing more for all of them. Packages register in their
`init_app`, wired in `create_app`; learning imports none of them."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup
from sqlalchemy import ColumnElement, Integer, Row, Select, and_, bindparam, literal, select, true

from portal.accounts.models import User
from portal.caching import ProcessCache
from portal.courses.models import Course, CourseRevision, Enrolment, EnrolmentStatus, translated_titles
from portal.extensions import db
from portal.learning.services import Progress, progress_from_rows, progress_union
from portal.reads import read_columns


@dataclass(frozen=True)
class CourseCard:
    """What a course's card shows of its published revision; the same for every reader."""

    language: str
    title: str
    completion: dict[str, Any]
    #: The revision's translations, as stored: the course's title and its parts' titles in each language.
    translations: dict[str, Any] = field(default_factory=dict)

    def in_language(self, language: str) -> dict[str, str]:
        """The title in `language` where the course is translated into it, else in its own, with its language."""
        translated = (self.translations.get(language) or {}).get("title")
        if translated:
            return {"language": language, "title": translated}
        return {"language": self.language, "title": self.title}

    def titles_in(self, language: str) -> dict[str, tuple[str, str]]:
        """Its parts' (title, language) in `language` where translated, as the lesson and course pages have them."""
        return translated_titles(self.translations, language)


@dataclass(frozen=True)
class DashboardEntry:
    slug: str
    card: CourseCard
    progress: Progress
    revision: tuple[int, str]  #: the published revision's id and content hash


#: Keyed by (revision id, content hash): a row id reused after the database is emptied cannot serve old text.
_CARDS: ProcessCache[CourseCard] = ProcessCache(512)
_USER_ID = bindparam("user_id", type_=Integer)
_STATEMENT = "learning.dashboard.courses_statement"
_PANELS = "learning.dashboard.panels"
_PANELS_STATEMENT = "learning.dashboard.panels_statement"
#: The dashboard statement's columns: the anchor of its one row of conditions, and each condition's prefix.
_ANCHOR = "panels_anchor"
_CONDITION = "shows__"
_PROGRESS_COLUMNS = ("progress_kind", "progress_course_id", "progress_item_id", "progress_at")


def _courses_select() -> Select:
    """The user's active enrolments (course id, slug, revision id, content hash), each joined to its progress
    rows (one row of NULLs where there are none), with when the user was last active on the course."""
    active = (Enrolment.user_id == _USER_ID, Enrolment.status == EnrolmentStatus.ACTIVE)
    progress = progress_union(_USER_ID, select(Enrolment.course_id).where(*active)).subquery("progress")
    kind, course_id, item_id, at = progress.c
    return (
        select(Course.id.label("course_id"), Course.slug.label("slug"), CourseRevision.id.label("revision_id"),
               CourseRevision.content_hash.label("content_hash"), kind.label("progress_kind"),
               course_id.label("progress_course_id"), item_id.label("progress_item_id"), at.label("progress_at"),
               Enrolment.last_activity_at.label("last_activity_at"))
        .join(Enrolment, and_(Enrolment.course_id == Course.id, *active))
        .join(CourseRevision, CourseRevision.id == Course.published_revision_id)
        .outerjoin(progress, course_id == Course.id)
    )


def _courses_statement() -> Select:
    """The user's courses with their progress rows, most recently active first. Built once per application."""
    statement: Select | None = current_app.extensions.get(_STATEMENT)
    if statement is None:
        courses = _courses_select().subquery("my_courses")
        statement = select(*courses.c).order_by(courses.c.last_activity_at.desc(), courses.c.course_id)
        current_app.extensions[_STATEMENT] = statement
    return statement


def _dashboard_statement(conditions: dict[str, Callable[[], ColumnElement[bool]]]) -> Select:
    """Every panel's condition (one row), joined to each row of the user's courses with their progress (one
    row of NULLs there when the user has no course): the whole of "My learning" in one query. Built once."""
    statement: Select | None = current_app.extensions.get(_PANELS_STATEMENT)
    if statement is None:
        holds = select(literal(1).label(_ANCHOR), *(shows().label(f"{_CONDITION}{name}")
                                                    for name, shows in conditions.items())).subquery("panels")
        courses = _courses_select().subquery("my_courses")
        statement = (select(*holds.c, *courses.c).select_from(holds.outerjoin(courses, true()))
                     .order_by(courses.c.last_activity_at.desc(), courses.c.course_id))
        current_app.extensions[_PANELS_STATEMENT] = statement
    return statement


def _cards(revisions: list[tuple[int, str]]) -> dict[int, CourseCard]:
    """The card of each (revision id, content hash), kept per worker; the missing ones in one query."""
    found = {revision_id: _CARDS.find((revision_id, content_hash)) for revision_id, content_hash in revisions}
    missing = [revision_id for revision_id, card in found.items() if card is None]
    if missing:
        hashes = dict(revisions)
        for revision_id, language, title, translations, completion in db.session.execute(
                select(CourseRevision.id, CourseRevision.language, CourseRevision.title, CourseRevision.translations,
                       CourseRevision.completion).where(CourseRevision.id.in_(missing))):
            card = found[revision_id] = CourseCard(language, title, dict(completion or {}), dict(translations or {}))
            _CARDS.put((revision_id, hashes[revision_id]), card)
    return {revision_id: card for revision_id, card in found.items() if card is not None}


def enrolled_courses(user: User) -> list[DashboardEntry]:
    """The user's active courses with progress, most recently active first, in one query (one more for the
    revisions the worker has not shown yet); reads, never writes."""
    return _entries(db.session.execute(_courses_statement(), {"user_id": user.id}))


def _entries(rows: Iterable[Row]) -> list[DashboardEntry]:
    """The courses of rows of the courses' columns (`_courses_select`), in the rows' order."""
    courses: dict[int, tuple[str, int, str]] = {}
    progress_rows = []
    for row in rows:
        values = row._mapping
        if values["course_id"] is None:
            continue  # the user has no course
        courses.setdefault(values["course_id"], (values["slug"], values["revision_id"], values["content_hash"]))
        progress_rows.append([values[name] for name in _PROGRESS_COLUMNS])
    progress = progress_from_rows([(course_id, revision_id) for course_id, (_, revision_id, _) in courses.items()],
                                  progress_rows)
    cards = _cards([(revision_id, content_hash) for _, revision_id, content_hash in courses.values()])
    return [DashboardEntry(slug, cards[revision_id], progress[course_id], (revision_id, content_hash))
            for course_id, (slug, revision_id, content_hash) in courses.items()]


@dataclass(frozen=True)
class DashboardPanel:
    #: When the panel may have something to show, as a condition on the bound parameter `user_id`;
    #: None: always run `render`.
    shows: Callable[[], ColumnElement[bool]] | None
    #: The panel for the user, or None to show nothing.
    render: Callable[[User], Markup | None]
    #: Called instead of `render` when the condition does not hold: to note what the page need not ask again
    #: (someone in no cohort has no unread announcement for the header to count).
    otherwise: Callable[[User], None] | None = None


def register_panel(app: Flask, name: str, panel: DashboardPanel) -> None:
    """Add a panel under the courses of "My learning" in `app`, shown in the order of registration."""
    app.extensions.setdefault(_PANELS, {})[name] = panel
    app.extensions.pop(_PANELS_STATEMENT, None)


def my_learning(user: User) -> tuple[list[DashboardEntry], list[Markup]]:
    """The user's courses (as `enrolled_courses`) and every registered panel that has something to show them:
    the courses and all the panels' conditions in one query, then the queries of the panels whose condition
    holds."""
    registry: dict[str, DashboardPanel] = current_app.extensions.get(_PANELS, {})
    conditions = {name: panel.shows for name, panel in registry.items() if panel.shows is not None}
    rows = read_columns(_dashboard_statement(conditions), {"user_id": user.id}).all()
    holds = rows[0]._mapping
    shown = []
    for name, panel in registry.items():
        if panel.shows is None or holds[f"{_CONDITION}{name}"]:
            markup = panel.render(user)
            if markup:
                shown.append(markup)
        elif panel.otherwise is not None:
            panel.otherwise(user)
    return _entries(rows), shown
