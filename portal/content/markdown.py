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

from portal.content.messages import N_

#: Inline HTML a lecturer may write; everything else in raw HTML is a validation problem.
AUTHOR_TAGS = {"abbr", "sup", "sub", "kbd", "mark", "details", "summary", "br", "span", "small", "cite", "q"}
AUTHOR_ATTRIBUTES = {"title", "lang", "dir"}
SAFE_SCHEMES = {"http", "https", "mailto"}
#: Tags and attributes that make a browser load something; the portal's pages load nothing off-site.
EMBEDDING = {"src", "srcset", "poster", "data", "background", "href", "action", "formaction"}
EMBEDDING_TAGS = {"img", "iframe", "frame", "video", "audio", "source", "track", "picture", "object", "embed",
                  "image", "link", "script", "input", "svg", "use", "form"}

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


#: A problem in Markdown: (line or None, message template marked with N_, the template's values).
MarkdownProblem = tuple[int | None, str, dict[str, str]]


@dataclass
class Rendered:
    html: str
    problems: list[MarkdownProblem] = field(default_factory=list)


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table").use(footnote_plugin)


_MARKDOWN = _parser()


def is_off_site(url: str) -> bool:
    """Whether a browser would fetch `url` from another site (a scheme, or a // address)."""
    url = url.strip()
    return bool(urlsplit(url).scheme) or url.startswith(("//", "\\\\", "/\\"))


class _TagCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refused: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in AUTHOR_TAGS:
            self.refused.append((N_("unsafe HTML: <%(tag)s> is not allowed"), {"tag": tag}))
            if tag in EMBEDDING_TAGS:
                for name, value in attrs:
                    if name in EMBEDDING and value and is_off_site(value):
                        self.refused.append((N_("<%(tag)s> would load %(url)s from another site, which the portal "
                                                "never does: put the file in the module's media/ folder"),
                                             {"tag": tag, "url": value}))
            return
        for name, value in attrs:
            if name not in AUTHOR_ATTRIBUTES:
                self.refused.append((N_("unsafe HTML: the attribute %(name)s on <%(tag)s> is not allowed"),
                                     {"name": name, "tag": tag}))
            elif value and "javascript:" in value.replace(" ", "").lower():
                self.refused.append((N_("unsafe HTML: a javascript: value on <%(tag)s> is not allowed"), {"tag": tag}))

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        return None


def unsafe_html(fragment: str) -> list[tuple[str, dict[str, str]]]:
    """What in a piece of raw HTML falls outside what lecturers may write."""
    check = _TagCheck()
    check.feed(fragment)
    check.close()
    return check.refused


def _line(token: Token, offset: int) -> int | None:
    return token.map[0] + 1 + offset if token.map else None


Refusal = tuple[str, dict[str, str]]


def _resolve(url: str, resolve_media: MediaResolver, image: bool) -> tuple[ResolvedMedia | None, Refusal | None]:
    """A link's or image's target: (media, None) for course media, (None, None) to keep, or (None, problem)."""
    parts = urlsplit(url)
    if parts.scheme:
        if parts.scheme.lower() not in SAFE_SCHEMES:
            return None, (N_("unsafe link '%(url)s': only https, http and mailto links are allowed"), {"url": url})
        if image:
            return None, (N_("the image %(url)s is on another site, and the portal's pages show no image from "
                             "another site: put it in the module's media/ folder and write ![text](media/name.png)"),
                          {"url": url})
        return None, None
    if url.startswith("#") or not url:
        return None, None
    if url.startswith("/"):
        return None, (N_("link '%(url)s' must be relative to the module (media/…) or a full web address"), {"url": url})
    path = normpath(parts.path)
    if not path.startswith("media/"):
        return None, (N_("link '%(url)s' must point into the module's media/ folder or to the web"), {"url": url})
    media = resolve_media(path)
    if media is None:
        return None, (N_("link to '%(url)s': there is no such file in this module"), {"url": url})
    return media, None


def _walk(tokens: list[Token], resolve_media: MediaResolver, offset: int, problems: list[MarkdownProblem]) -> None:
    for token in tokens:
        if token.type in ("html_block", "html_inline"):
            for message, params in unsafe_html(token.content):
                problems.append((_line(token, offset), message, params))
        if token.type != "inline" or not token.children:
            continue
        line = _line(token, offset)
        for child in token.children:
            if child.type == "html_inline":
                for message, params in unsafe_html(child.content):
                    problems.append((line, message, params))
            attribute = {"link_open": "href", "image": "src"}.get(child.type)
            if attribute is None:
                continue
            media, problem = _resolve(str(child.attrGet(attribute) or ""), resolve_media, child.type == "image")
            if problem:
                problems.append((line, *problem))
                child.attrSet(attribute, "#")
            elif media is not None:
                child.attrSet(attribute, media.url)
                if child.type == "image":
                    if media.width and media.height:
                        child.attrSet("width", str(media.width))
                        child.attrSet("height", str(media.height))
                    child.attrSet("loading", "lazy")
                    child.attrSet("decoding", "async")


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    """Drop an image address that points off-site: whatever validation missed, no page loads it."""
    if element == "img" and attribute == "src" and is_off_site(value):
        return None
    return value


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=SAFE_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_keep_attribute,
    )


#: Links that Markdown itself refuses to make, which would otherwise pass silently as text.
_SCRIPT_LINK = re.compile(r"\]\(\s*<?\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


def render_markdown(text: str, resolve_media: MediaResolver, line_offset: int = 0) -> Rendered:
    """Render Markdown to sanitised HTML, resolving media links; problems carry their line."""
    problems: list[MarkdownProblem] = []
    for number, source_line in enumerate(text.splitlines(), start=1):
        if match := _SCRIPT_LINK.search(source_line):
            problems.append((number + line_offset, N_("unsafe link: %(scheme)s: links are not allowed"),
                             {"scheme": match.group(1).lower()}))
    environment: dict = {}
    tokens = _MARKDOWN.parse(text, environment)
    _walk(tokens, resolve_media, line_offset, problems)
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, environment)
    return Rendered(scroll_boxes(sanitise(html)), problems)


def scroll_boxes(html: str) -> str:
    """Tables and code blocks in boxes that scroll sideways on a narrow screen, and that the keyboard can
    reach to scroll them. Runs on sanitised HTML, whose tags carry no attributes of the author's."""
    return (html.replace("<table>", '<div class="table-wrap" tabindex="0"><table>').replace("</table>", "</table></div>")
            .replace("<pre>", '<pre tabindex="0">'))


def render_inline(text: str) -> str:
    """Render a short piece of Markdown (a quiz choice) without paragraphs."""
    return sanitise(_MARKDOWN.renderInline(text))


#: Where Markdown's footnotes start in rendered HTML; lecturers cannot write an <hr> themselves.
FOOTNOTES_START = '<hr class="footnotes-sep">'


def split_footnotes(html: str) -> tuple[str, str]:
    """A rendered lesson's text and its footnotes (empty when it has none), to show apart."""
    text, _, notes = html.partition(FOOTNOTES_START)
    return text, notes.strip()
