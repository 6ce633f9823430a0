"""Parts of trainees' pages that are the same for everyone who reads a published revision in a
language, rendered once per worker and kept: a published revision never changes.

Only the shared part is kept (a lesson's title, text, objectives, references and notes, in the
language the text is shown in); what depends on who is reading (progress, ticks, the complete
button, the discussion panel, the language notice with its form) is drawn on each request."""
from dataclasses import dataclass

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from portal.caching import ProcessCache
from portal.content.markdown import split_footnotes
from portal.courses.languages import lesson_text
from portal.courses.models import Module
from portal.extensions import db

#: Rendered lessons kept per worker (each a few to a few tens of KB).
LESSON_CACHE_SIZE = 512


@dataclass(frozen=True)
class LessonFragment:
    title: str
    language: str  #: the language the lesson's words are in (the reader's, or the course's own)
    languages: tuple[str, ...]  #: every language the lesson can be read in, the course's own first
    module_title: str
    module_language: str
    article: Markup  #: the lesson's heading, review date, module objectives, text and references
    notes: Markup  #: its footnotes, shown after the navigation; empty when it has none


#: (revision, content hash, lesson, page language) -> the language its text is shown in.
_SHOWN: ProcessCache[str] = ProcessCache(LESSON_CACHE_SIZE)
#: (revision, content hash, lesson, language shown, page language) -> the rendered lesson.
_LESSONS: ProcessCache[LessonFragment] = ProcessCache(LESSON_CACHE_SIZE)


def page_language() -> str:
    return str(get_locale() or "en")


def lesson_fragment(revision_id: int, content_hash: str, key: str, first_in_module: bool) -> LessonFragment | None:
    """The shared part of lesson `key`'s page in `revision`, its text in the page's language where it
    is translated into it (else in the course's own), the rest of its words in the page's language;
    None when the revision has no such lesson (not kept, so that unknown keys cannot push real
    lessons out)."""
    language = page_language()
    shown = _SHOWN.find((revision_id, content_hash, key, language))
    fragment = None if shown is None else _LESSONS.find((revision_id, content_hash, key, shown, language))
    if fragment is None:
        fragment = _render_lesson(revision_id, key, language, first_in_module)
        if fragment is not None:
            _SHOWN.put((revision_id, content_hash, key, language), fragment.language)
            _LESSONS.put((revision_id, content_hash, key, fragment.language, language), fragment)
    return fragment


def _render_lesson(revision_id: int, key: str, language: str, first_in_module: bool) -> LessonFragment | None:
    words = lesson_text(revision_id, key, language)
    if words is None:
        return None
    module = db.session.get_one(Module, words.module_id).in_language(language)
    text, footnotes = split_footnotes(words.html)
    article = render_template("learning/_lesson_article.html", words=words, text=text, module=module,
                              first_in_module=first_in_module)
    return LessonFragment(words.title, words.language, words.languages, module["title"], module["language"],
                          Markup(article), Markup(footnotes))
