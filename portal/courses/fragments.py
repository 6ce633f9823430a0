"""Parts of course pages that are the same for everyone, rendered once per published revision and
language in each worker (a published revision never changes; see portal.caching)."""
from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from portal.caching import ProcessCache
from portal.courses.models import CourseRevision
from portal.courses.services import syllabus

#: Rendered syllabuses kept per worker.
SYLLABUS_CACHE_SIZE = 256

_SYLLABUSES: ProcessCache[Markup] = ProcessCache(SYLLABUS_CACHE_SIZE)


def syllabus_fragment(revision: CourseRevision) -> Markup:
    """The revision's syllabus (modules, lesson titles and lengths, quizzes) in the page's language:
    titles and module descriptions translated where the course is, each with its own lang and dir."""
    language = str(get_locale() or "en")
    key = (revision.id, revision.content_hash, language)
    return _SYLLABUSES.get(key, lambda: Markup(render_template(
        "courses/_syllabus.html", revision=syllabus(revision.id), titles=revision.titles_in(language))))
