"""Pages drawn once and filled in for each reader.

A template marks each part that is a reader's own (a CSRF token, the path to come back to, the
header's unread count, flashed messages, a lesson page's progress and ticks) as a hole:
`{{ hole("csrf") }}`, `{{ hole("tick", step.key) }}`. Rendered normally, a hole is filled at once by
its filler, so every page looks as it always did. A page that many people read in the same state
(the lesson page) is instead rendered once as a shell, with a marker in each hole, kept per worker
under a key that names everything else the page depends on, and for each request only its holes
are filled: a few string joins instead of a template with its macros, URLs and forms.

A shell is drawn from values that are the same for everyone under its key: the view passes none of the
reader's own objects (the lesson page's progress and panels are fillers), and of the reader the layout
reads only their role, which every key names. Anything else of the reader a template shows must be a
hole, and the key must name all that the rest of the page depends on (revision, language, role, state):
`tests/test_page_shells.py` compares each kept page with a full rendering for readers in different
states.

Fillers are registered by name: the layout's in `init_app` here and by the packages that own them
(announcements, the unread count), the page's own passed by its view. A filler takes the hole's
argument and returns Markup."""
import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, get_flashed_messages, render_template, request
from markupsafe import Markup

from portal.caching import ProcessCache
from portal.signatures import CSRF_FIELD, csrf_token

Filler = Callable[[str], Markup]

#: Shells each template keeps per worker: one per language, role, revision and state read.
SHELL_CACHE_SIZE = 1024
#: Markers carry a secret drawn per process, so no course text can contain one.
_MARK = secrets.token_hex(8)
_MARKER = re.compile(rf"\x00{_MARK}:([a-z_]+):([^\x00]*)\x00")
_FILLERS = "shells.fillers"
_CACHE = "shells.cache"
_SHELL_MODE = object()


@dataclass(frozen=True)
class Shell:
    #: The page's text between holes, and each hole's (name, argument), alternating: text first and last.
    texts: tuple[str, ...]
    holes: tuple[tuple[str, str], ...]

    def fill(self, fillers: Mapping[str, Filler]) -> str:
        out = [self.texts[0]]
        for (name, argument), text in zip(self.holes, self.texts[1:], strict=True):
            out.append(fillers[name](argument))
            out.append(text)
        return "".join(out)


def hole(name: str, argument: Any = "") -> Markup:
    """A reader's own part of a page: its marker while a shell is drawn, else what its filler gives."""
    fillers = g.get("shell_fillers")
    if fillers is _SHELL_MODE:
        return Markup(f"\x00{_MARK}:{name}:{argument}\x00")
    return _fillers(fillers)[name](str(argument))


def _fillers(page_fillers: Mapping[str, Filler] | None) -> Mapping[str, Filler]:
    registered: dict[str, Filler] = current_app.extensions[_FILLERS]
    return {**registered, **page_fillers} if page_fillers else registered


def render_filled(shell_key: Hashable, template_name: str, page_fillers: Mapping[str, Filler],
                  shared: Callable[[], Mapping[str, Any]], kept: int = SHELL_CACHE_SIZE) -> str:
    """`template_name` for this reader: its shell for `shell_key`, drawn once from the values `shared()`
    gives (called only then, and holding nothing of the reader's), with its holes filled by
    `page_fillers` and the registered ones. Each template keeps at most `kept` shells (the least
    recently used go first), so that one page's many keys cannot push another page's out. With
    PAGE_SHELLS off it is rendered normally, filling each hole as it comes."""
    if not current_app.config["PAGE_SHELLS"]:
        outer = g.get("shell_fillers")
        g.shell_fillers = page_fillers
        try:
            return render_template(template_name, **shared())
        finally:
            g.shell_fillers = outer
    caches: dict[str, ProcessCache[Shell]] = current_app.extensions[_CACHE]
    cache = caches.get(template_name)
    if cache is None:
        cache = caches.setdefault(template_name, ProcessCache(kept))
    shell = cache.find(shell_key)
    if shell is None:
        shell = _draw(template_name, shared)
        cache.put(shell_key, shell)
    return shell.fill(_fillers(page_fillers))


def _draw(template_name: str, shared: Callable[[], Mapping[str, Any]]) -> Shell:
    """Render the shell. Flask-WTF keeps the request's CSRF token in `g.csrf_token`, and a form takes it
    when it is made: while the shell's values are made and drawn it is the marker of the `csrf` hole, so
    that a form's `hidden_tag()` draws a hole, never this reader's token."""
    token = g.pop(CSRF_FIELD, None)
    outer = g.get("shell_fillers")
    g.shell_fillers = _SHELL_MODE
    setattr(g, CSRF_FIELD, str(hole("csrf")))
    try:
        html = render_template(template_name, **shared())
    finally:
        g.shell_fillers = outer
        g.pop(CSRF_FIELD, None)
        if token is not None:
            setattr(g, CSRF_FIELD, token)
    pieces = _MARKER.split(html)
    texts = tuple(pieces[0::3])
    holes = tuple(zip(pieces[1::3], pieces[2::3], strict=True))
    return Shell(texts, holes)


def csrf_filler(_: str) -> Markup:
    return Markup.escape(csrf_token())


def next_filler(_: str) -> Markup:
    """The page to come back to after a form in the layout (the language switch)."""
    return Markup.escape(request.full_path)


def flashes_filler(_: str) -> Markup:
    messages = get_flashed_messages(with_categories=True)
    if not messages:
        return Markup("")
    items = Markup("").join(Markup('<p class="flash flash-{}">{}</p>').format(*pair) for pair in messages)
    return Markup('<div class="flashes" role="status">\n    {}\n  </div>').format(items)


def register_filler(app: Flask, name: str, filler: Filler) -> None:
    """Fill every page's hole `name` (in the layout) with `filler`."""
    app.extensions.setdefault(_FILLERS, {})[name] = filler


def init_app(app: Flask) -> None:
    app.extensions[_CACHE] = {}
    register_filler(app, "csrf", csrf_filler)
    register_filler(app, "next", next_filler)
    register_filler(app, "flashes", flashes_filler)
    app.jinja_env.globals["hole"] = hole

