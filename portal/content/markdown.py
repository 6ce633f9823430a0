"""Markdown to safe HTML, once, at import: CommonMark with tables and footnotes, sanitised."""
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from posixpath import normpath
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

#: Inline HTML a lecturer may write; everything else in raw HTML is a validation problem.
AUTHOR_TAGS = {"abbr", "sup", "sub", "kbd", "mark", "details", "summary", "br", "span", "small", "cite", "q"}
AUTHOR_ATTRIBUTES = {"title", "lang", "dir"}
SAFE_SCHEMES = {"http", "https", "mailto"}

#: What the sanitiser keeps in rendered HTML.
ALLOWED_TAGS = AUTHOR_TAGS | {
    "p", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "em", "strong", "del", "s",
    "ul", "ol", "li", "a", "img", "hr", "table", "thead", "tbody", "tr", "th", "td", "section",
    "figure", "figcaption", "h1",
}
ALLOWED_ATTRIBUTES = {
    "*": AUTHOR_ATTRIBUTES,
    "a": {"href", "id", "class"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "li": {"id", "class"},
    "sup": {"class", "id"},
    "section": {"class"},
    "ol": {"start", "class"},
    "hr": {"class"},
    "th": {"scope"},
}


@dataclass(frozen=True)
class ResolvedMedia:
    url: str
    width: int | None = None
    height: int | None = None


#: Given a path relative to the module folder (e.g. "media/chart.png"), the media's URL and size,
#: or None when there is no such file.
MediaResolver = Callable[[str], ResolvedMedia | None]


@dataclass
class Rendered:
    html: str
    problems: list[tuple[int | None, str]] = field(default_factory=list)


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table").use(footnote_plugin)


_MARKDOWN = _parser()


class _TagCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refused: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in AUTHOR_TAGS:
            self.refused.append(f"<{tag}>")
            return
        for name, value in attrs:
            if name not in AUTHOR_ATTRIBUTES:
                self.refused.append(f"the attribute {name} on <{tag}>")
            elif value and "javascript:" in value.replace(" ", "").lower():
                self.refused.append(f"a javascript: value on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        return None


def unsafe_html(fragment: str) -> list[str]:
    """What in a piece of raw HTML falls outside what lecturers may write."""
    check = _TagCheck()
    check.feed(fragment)
    check.close()
    return check.refused


def _line(token: Token, offset: int) -> int | None:
    return token.map[0] + 1 + offset if token.map else None


def _resolve(url: str, resolve_media: MediaResolver) -> tuple[ResolvedMedia | None, str | None]:
    """A link's target: (media, None) for course media, (None, None) to keep, or (None, problem)."""
    parts = urlsplit(url)
    if parts.scheme:
        if parts.scheme.lower() not in SAFE_SCHEMES:
            return None, f"unsafe link '{url}': only https, http and mailto links are allowed"
        return None, None
    if url.startswith("#") or not url:
        return None, None
    if url.startswith("/"):
        return None, f"link '{url}' must be relative to the module (media/…) or a full web address"
    path = normpath(parts.path)
    if not path.startswith("media/"):
        return None, f"link '{url}' must point into the module's media/ folder or to the web"
    media = resolve_media(path)
    if media is None:
        return None, f"link to '{url}': there is no such file in this module"
    return media, None


def _walk(tokens: list[Token], resolve_media: MediaResolver, offset: int, problems: list) -> None:
    for token in tokens:
        if token.type in ("html_block", "html_inline"):
            for refused in unsafe_html(token.content):
                problems.append((_line(token, offset), f"unsafe HTML: {refused} is not allowed"))
        if token.type != "inline" or not token.children:
            continue
        line = _line(token, offset)
        for child in token.children:
            if child.type == "html_inline":
                for refused in unsafe_html(child.content):
                    problems.append((line, f"unsafe HTML: {refused} is not allowed"))
            attribute = {"link_open": "href", "image": "src"}.get(child.type)
            if attribute is None:
                continue
            media, problem = _resolve(str(child.attrGet(attribute) or ""), resolve_media)
            if problem:
                problems.append((line, problem))
                child.attrSet(attribute, "#")
            elif media is not None:
                child.attrSet(attribute, media.url)
                if child.type == "image":
                    if media.width and media.height:
                        child.attrSet("width", str(media.width))
                        child.attrSet("height", str(media.height))
                    child.attrSet("loading", "lazy")
                    child.attrSet("decoding", "async")


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=SAFE_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


#: Links that Markdown itself refuses to make, which would otherwise pass silently as text.
_SCRIPT_LINK = re.compile(r"\]\(\s*<?\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


def render_markdown(text: str, resolve_media: MediaResolver, line_offset: int = 0) -> Rendered:
    """Render Markdown to sanitised HTML, resolving media links; problems carry their line."""
    problems: list[tuple[int | None, str]] = []
    for number, source_line in enumerate(text.splitlines(), start=1):
        if match := _SCRIPT_LINK.search(source_line):
            problems.append((number + line_offset, f"unsafe link: {match.group(1).lower()}: links are not allowed"))
    environment: dict = {}
    tokens = _MARKDOWN.parse(text, environment)
    _walk(tokens, resolve_media, line_offset, problems)
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, environment)
    return Rendered(sanitise(html), problems)


def render_inline(text: str) -> str:
    """Render a short piece of Markdown (a quiz choice) without paragraphs."""
    return sanitise(_MARKDOWN.renderInline(text))
