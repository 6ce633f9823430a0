"""Parts of trainees' pages that are the same for everyone who reads a published revision in a
language, rendered once per worker and kept: a published revision never changes.

Only the shared part is kept (a lesson's title, text, objectives, references and notes); what
depends on who is reading (progress, ticks, the complete button) is drawn on each request."""
from dataclasses import dataclass

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.caching import ProcessCache
from portal.content.markdown import split_footnotes
from portal.courses.models import CourseRevision, Lesson, LessonVersion
from portal.extensions import db

#: Rendered lessons kept per worker (each a few to a few tens of KB).
LESSON_CACHE_SIZE = 512


@dataclass(frozen=True)
class LessonFragment:
    title: str
    article: Markup  #: the lesson's heading, review date, module objectives, text and references
    notes: Markup  #: its footnotes, shown after the navigation; empty when it has none


_LESSONS: ProcessCache[LessonFragment] = ProcessCache(LESSON_CACHE_SIZE)


def page_language() -> str:
    return str(get_locale() or "en")


def lesson_fragment(revision: CourseRevision, key: str, first_in_module: bool) -> LessonFragment | None:
    """The shared part of lesson `key`'s page in `revision`, in the page's language; None when the
    revision has no such lesson (not kept, so that unknown keys cannot push real lessons out)."""
    cache_key = (revision.id, revision.content_hash, key, page_language())
    fragment = _LESSONS.find(cache_key)
    if fragment is None:
        fragment = _render_lesson(revision.id, key, first_in_module)
        if fragment is not None:
            _LESSONS.put(cache_key, fragment)
    return fragment


def _render_lesson(revision_id: int, key: str, first_in_module: bool) -> LessonFragment | None:
    lesson = db.session.scalar(
        select(LessonVersion).join(Lesson, Lesson.id == LessonVersion.lesson_id)
        .where(LessonVersion.revision_id == revision_id, Lesson.key == key)
        .options(joinedload(LessonVersion.module))
    )
    if lesson is None:
        return None
    text, footnotes = split_footnotes(lesson.html)
    article = render_template("learning/_lesson_article.html", lesson=lesson, text=text,
                              first_in_module=first_in_module)
    return LessonFragment(lesson.title, Markup(article), Markup(footnotes))
