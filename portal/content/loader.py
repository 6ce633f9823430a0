"""Read a course folder's files into a CourseSpec, collecting every problem at once."""
import hashlib
import math
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from portal.content.files import Limits, MediaInfo, is_hidden, read_folder, read_zip, sniff_media, strip_common_folder
from portal.content.markdown import ResolvedMedia, render_markdown
from portal.content.messages import N_
from portal.content.problems import ContentError, Problem
from portal.content.questions import KINDS, read_hint
from portal.content.spec import CourseSpec, LessonSpec, MediaSpec, ModuleSpec, QuestionSpec, QuizSpec
from portal.content.yamlfile import Located, load_yaml

KEY = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MODULE_FOLDER = re.compile(rf"^(\d{{2}})-({KEY})$")
LESSON_FILE = re.compile(rf"^(\d{{2}})-({KEY})\.md$")
QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SLUG = re.compile(rf"^{KEY}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGES = ("en", "fr", "ar", "zh")
COURSE_FIELDS = {"slug", "title", "summary", "language", "topics", "estimated_hours", "lecturers",
                 "completion", "certificate"}
QUIZ_FIELDS = {"title", "pass_mark", "attempts", "shuffle", "draw", "questions"}
QUESTION_FIELDS = {"id", "type", "points", "text", "feedback", "hint", "category"}
CATEGORY_MAX_LENGTH = 100

#: Makes the URL of a course media file from its spec; the default serves validation alone.
MediaUrl = Callable[[MediaSpec], str]


def placeholder_media_url(media: MediaSpec) -> str:
    return f"/media/{media.sha256}/{PurePosixPath(media.path).name}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(files: dict[str, bytes]) -> str:
    """One hash over every file's path and bytes: the same content always gives the same hash."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + sha256(files[path]).encode() + b"\n")
    return digest.hexdigest()


class _Reader:
    """Reads one course; every method adds problems rather than stopping at the first."""

    def __init__(self, files: dict[str, bytes], media_url: MediaUrl, limits: Limits) -> None:
        self.files = {path: data for path, data in files.items() if not is_hidden(path)}
        self.media_url = media_url
        self.limits = limits
        self.problems: list[Problem] = []
        self.media: dict[str, MediaSpec] = {}

    def problem(self, file: str, line: int | None, message: str, **params: Any) -> None:
        """Add a problem: `message` is a template marked with N_, `params` its values."""
        self.problems.append(Problem(file, line, message, params))

    def text(self, path: str) -> str | None:
        try:
            return self.files[path].decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = self.files[path][: error.start].count(b"\n") + 1
            self.problem(path, line, N_("is not UTF-8 text"))
            return None

    def yaml_mapping(self, path: str) -> Located | None:
        text = self.text(path)
        if text is None:
            return None
        data = load_yaml(text, path, self.problems)
        if data is None:
            if not any(p.file == path for p in self.problems):
                self.problem(path, None, N_("is empty"))
            return None
        if not isinstance(data, Located):
            self.problem(path, 1, N_("must be a mapping of fields (name: value)"))
            return None
        return data

    def required_text(self, data: Located, file: str, name: str, max_length: int = 300) -> str:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problem(file, data.line, N_("missing field '%(name)s'"), name=name)
            return ""
        return self.optional_text(data, file, name, max_length)

    def optional_text(self, data: Located, file: str, name: str, max_length: int = 300) -> str:
        """A field's text, or "" when it is not given; checked to be text before it is used as text."""
        value = data.get(name)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(file, data.line_of(name), N_("'%(name)s' must be text"), name=name)
            return ""
        value = str(value).strip()
        if len(value) > max_length:
            self.problem(file, data.line_of(name), N_("'%(name)s' is longer than %(max)d characters"),
                         name=name, max=max_length)
        return value

    def unknown_fields(self, data: Located, file: str, allowed: set[str]) -> None:
        for name in data:
            if name not in allowed:
                self.problem(file, data.line_of(name), N_("unknown field '%(name)s'"), name=str(name))

    def read(self) -> CourseSpec | None:
        if "course.yaml" not in self.files:
            self.problem("course.yaml", None, N_("missing: a course folder needs a course.yaml"))
            return None
        course = self.yaml_mapping("course.yaml")
        self.read_media()
        modules = self.read_modules()
        if course is None:
            return None
        spec = self.course_spec(course, modules)
        return None if self.problems else spec

    def course_spec(self, data: Located, modules: list[ModuleSpec]) -> CourseSpec:
        file = "course.yaml"
        self.unknown_fields(data, file, COURSE_FIELDS)
        slug = self.required_text(data, file, "slug", 80)
        if slug and not SLUG.match(slug):
            self.problem(file, data.line_of("slug"), N_("slug '%(slug)s' must be lower-case letters, digits and hyphens"),
                         slug=slug)
        language = self.required_text(data, file, "language", 5)
        if language and language not in LANGUAGES:
            self.problem(file, data.line_of("language"), N_("language must be one of %(languages)s"),
                         languages=", ".join(LANGUAGES))
        topics = data.get("topics")
        if not isinstance(topics, list) or not topics or not all(isinstance(t, str) and SLUG.match(t) for t in topics):
            self.problem(file, data.line_of("topics"), N_("topics must be a list of lower-case words joined by hyphens"))
            topics = []
        hours = data.get("estimated_hours")
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours < math.inf:
            self.problem(file, data.line_of("estimated_hours"), N_("estimated_hours must be a positive number"))
            hours = 0
        lecturers = data.get("lecturers", [])
        if not isinstance(lecturers, list) or not all(isinstance(e, str) and EMAIL.match(e) for e in lecturers):
            self.problem(file, data.line_of("lecturers"), N_("lecturers must be a list of email addresses"))
            lecturers = []
        if not modules and not any(p.file != file for p in self.problems):
            self.problem(file, None, N_("the course has no modules (folders such as 01-introduction/)"))
        return CourseSpec(
            slug=slug,
            title=self.required_text(data, file, "title", 200),
            summary=self.required_text(data, file, "summary", 2000),
            language=language,
            topics=tuple(topics),
            estimated_hours=float(hours),
            lecturers=tuple(email.lower() for email in lecturers),
            completion=self.read_completion(data),
            certificate=self.read_certificate(data),
            modules=tuple(modules),
            media=tuple(self.media.values()),
            content_hash=content_hash(self.files),
            files=self.files,
        )

    def read_completion(self, data: Located) -> dict[str, Any]:
        rule = {"lessons": "all", "quizzes": "all"}
        completion = data.get("completion")
        if completion is None:
            return rule
        if not isinstance(completion, Located):
            self.problem("course.yaml", data.line_of("completion"), N_("completion must be a mapping"))
            return rule
        self.unknown_fields(completion, "course.yaml", {"lessons", "quizzes"})
        lessons = completion.get("lessons", "all")
        if lessons != "all" and (isinstance(lessons, bool) or not isinstance(lessons, int) or not 1 <= lessons <= 100):
            self.problem("course.yaml", completion.line_of("lessons"),
                         N_("completion lessons must be 'all' or a percentage from 1 to 100"))
        else:
            rule["lessons"] = lessons
        quizzes = completion.get("quizzes", "all")
        if quizzes not in ("all", "none"):
            self.problem("course.yaml", completion.line_of("quizzes"), N_("completion quizzes must be 'all' or 'none'"))
        else:
            rule["quizzes"] = quizzes
        return rule

    def read_certificate(self, data: Located) -> dict[str, str]:
        certificate = data.get("certificate")
        if certificate is None:
            return {}
        if not isinstance(certificate, Located):
            self.problem("course.yaml", data.line_of("certificate"), N_("certificate must be a mapping"))
            return {}
        self.unknown_fields(certificate, "course.yaml", {"title", "wording"})
        texts = {name: self.optional_text(certificate, "course.yaml", name, 2000) for name in ("title", "wording")}
        return {name: text for name, text in texts.items() if name in certificate}

    def read_media(self) -> None:
        for path, data in sorted(self.files.items()):
            parts = PurePosixPath(path).parts
            if len(parts) >= 3 and parts[1] == "media":
                info, refusal = sniff_media(path, data, self.limits)
                if refusal:
                    self.problems.append(refusal)
                    continue
                assert isinstance(info, MediaInfo)
                self.media[path] = MediaSpec(path, sha256(data), info.media_type, len(data), info.width, info.height)

    def resolver(self, folder: str):
        def resolve(relative: str) -> ResolvedMedia | None:
            media = self.media.get(f"{folder}/{relative}")
            if media is None:
                return None
            return ResolvedMedia(self.media_url(media), media.width, media.height)

        return resolve

    def read_modules(self) -> list[ModuleSpec]:
        folders: dict[str, list[str]] = {}
        for path in self.files:
            parts = PurePosixPath(path).parts
            if len(parts) == 1:
                continue
            folders.setdefault(parts[0], []).append("/".join(parts[1:]))
        modules, keys = [], set()
        for folder in sorted(folders):
            match = MODULE_FOLDER.match(folder)
            if not match:
                self.problem(folder, None, N_("module folders are named like 01-introduction (two digits, a hyphen, a key)"))
                continue
            key = match.group(2)
            if key in keys:
                self.problem(folder, None, N_("module key '%(key)s' is used by two folders"), key=key)
            keys.add(key)
            module = self.read_module(folder, int(match.group(1)), key, folders[folder])
            if module:
                modules.append(module)
        return modules

    def read_module(self, folder: str, position: int, key: str, names: list[str]) -> ModuleSpec | None:
        meta_path = f"{folder}/module.yaml"
        meta = self.yaml_mapping(meta_path) if "module.yaml" in names else None
        if "module.yaml" not in names:
            self.problem(meta_path, None, N_("missing: each module needs a module.yaml with its title"))
        lessons, lesson_keys = [], set()
        quiz = None
        for name in sorted(names):
            path = f"{folder}/{name}"
            if name == "module.yaml" or name.startswith("media/"):
                continue
            if name == "quiz.yaml":
                quiz = self.read_quiz(path, key)
                continue
            match = LESSON_FILE.match(name)
            if not match:
                self.problem(path, None, N_("unexpected file: lessons are named like 01-key.md, media go in media/"))
                continue
            if match.group(2) in lesson_keys:
                self.problem(path, None, N_("lesson key '%(key)s' is used twice in this module"), key=match.group(2))
            lesson_keys.add(match.group(2))
            lesson = self.read_lesson(path, folder, int(match.group(1)), match.group(2))
            if lesson:
                lessons.append(lesson)
        if not lessons:
            self.problem(folder, None, N_("the module has no lessons"))
        if meta is None:
            return None
        self.unknown_fields(meta, meta_path, {"title", "summary"})
        return ModuleSpec(
            key=key,
            position=position,
            folder=folder,
            title=self.required_text(meta, meta_path, "title", 200),
            summary=self.optional_text(meta, meta_path, "summary", 2000),
            lessons=tuple(lessons),
            quiz=quiz,
        )

    def read_lesson(self, path: str, folder: str, position: int, key: str) -> LessonSpec | None:
        text = self.text(path)
        if text is None:
            return None
        lines = text.splitlines()
        if not lines or lines[0].strip() != "---":
            self.problem(path, 1, N_("a lesson starts with front matter: a line '---', title and minutes, then '---'"))
            return None
        try:
            end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
        except StopIteration:
            self.problem(path, 1, N_("the front matter is not closed by a line '---'"))
            return None
        meta = load_yaml("\n".join(lines[1:end]), path, self.problems, line_offset=1)
        if not isinstance(meta, Located):
            if meta is not None:
                self.problem(path, 2, N_("the front matter must give title and minutes"))
            return None
        self.unknown_fields(meta, path, {"title", "minutes"})
        title = self.required_text(meta, path, "title", 200)
        minutes = meta.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            self.problem(path, meta.line_of("minutes") if "minutes" in meta else 2,
                         N_("minutes must be a whole number above zero"))
            minutes = 0
        body = "\n".join(lines[end + 1:])
        rendered = render_markdown(body, self.resolver(folder), line_offset=end + 1)
        for line, message, params in rendered.problems:
            self.problem(path, line, message, **params)
        if not body.strip():
            self.problem(path, end + 1, N_("the lesson has no text"))
        return LessonSpec(key, position, title, minutes, rendered.html, sha256(self.files[path]))

    def read_quiz(self, path: str, module_key: str) -> QuizSpec | None:
        data = self.yaml_mapping(path)
        if data is None:
            return None
        self.unknown_fields(data, path, QUIZ_FIELDS)
        title = self.required_text(data, path, "title", 200)
        pass_mark = data.get("pass_mark")
        if isinstance(pass_mark, bool) or not isinstance(pass_mark, (int, float)) or not 0 <= pass_mark <= 100:
            self.problem(path, data.line_of("pass_mark"), N_("pass_mark must be a percentage from 0 to 100"))
            pass_mark = 0
        attempts = data.get("attempts")
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
            self.problem(path, data.line_of("attempts"), N_("attempts must be a whole number (0 for unlimited)"))
            attempts = 0
        shuffle = data.get("shuffle", False)
        if not isinstance(shuffle, bool):
            self.problem(path, data.line_of("shuffle"), N_("shuffle must be true or false"))
        raw_questions = data.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.problem(path, data.line_of("questions"), N_("a quiz needs a list of questions"))
            raw_questions = []
        questions, keys = [], set()
        for position, entry in enumerate(raw_questions, start=1):
            question = self.read_question(path, position, entry)
            if question is None:
                continue
            if question.key in keys:
                self.problem(path, entry.line_of("id"), N_("question id '%(id)s' is used twice"), id=question.key)
            keys.add(question.key)
            questions.append(question)
        draw = self.read_draw(path, data, questions)
        return QuizSpec(module_key, title, float(pass_mark), attempts, shuffle is True, tuple(questions),
                        sha256(self.files[path]), draw)

    def read_draw(self, path: str, data: Located, questions: list[QuestionSpec]) -> tuple[tuple[str, int], ...]:
        """The pools an attempt draws from: (category, how many), checked against the questions."""
        if "draw" not in data:
            return ()
        raw = data.get("draw")
        if not isinstance(raw, list) or not raw:
            self.problem(path, data.line_of("draw"), N_("draw must be a list of {category, count}"))
            return ()
        sizes: dict[str, int] = {}
        for question in questions:
            sizes[question.category] = sizes.get(question.category, 0) + 1
        draw: dict[str, int] = {}
        for item in raw:
            if not isinstance(item, Located):
                self.problem(path, data.line_of("draw"), N_("draw must be a list of {category, count}"))
                continue
            self.unknown_fields(item, path, {"category", "count"})
            category = self.required_text(item, path, "category", CATEGORY_MAX_LENGTH)
            count = item.get("count")
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                self.problem(path, item.line_of("count"), N_("count must be a whole number above zero"))
                continue
            if not category:
                continue
            if category in draw:
                self.problem(path, item.line_of("category"), N_("category '%(category)s' is drawn from twice"),
                             category=category)
            elif count > sizes.get(category, 0):
                self.problem(path, item.line_of("count"),
                             N_("draws %(count)d question(s) from category '%(category)s', which has %(size)d"),
                             count=count, category=category, size=sizes.get(category, 0))
            draw[category] = count
        for question in questions:
            if question.category and question.category not in draw:
                self.problem(path, data.line_of("draw"),
                             N_("question '%(id)s' is in category '%(category)s', which draw does not name: "
                                "name it in draw, or leave the category out to ask the question every time"),
                             id=question.key, category=question.category)
        return tuple(draw.items())

    def read_question(self, path: str, position: int, entry: Any) -> QuestionSpec | None:
        if not isinstance(entry, Located):
            self.problem(path, None, N_("question %(number)d must be a mapping of fields"), number=position)
            return None
        kind = entry.get("type")
        if kind not in KINDS:
            self.problem(path, entry.line_of("type"), N_("unknown question type '%(type)s'; use one of %(types)s"),
                         type=str(kind)[:40], types=", ".join(KINDS))
            return None
        self.unknown_fields(entry, path, QUESTION_FIELDS | KINDS[kind].fields)
        key = self.optional_text(entry, path, "id", 80)
        if not key and isinstance(entry.get("id", ""), str):
            self.problem(path, entry.line, N_("question %(number)d needs an id"), number=position)
        elif not QUESTION_ID.match(key):
            self.problem(path, entry.line_of("id"), N_("question id '%(id)s' must be lower-case letters, digits, - or _"),
                         id=key)
        points = entry.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 < points < math.inf:
            self.problem(path, entry.line_of("points"), N_("points must be a number above zero"))
            points = 1
        text = self.required_text(entry, path, "text", 5000)
        config = KINDS[kind].read(entry, lambda line, message, **params: self.problem(path, line, message, **params))
        rendered = render_markdown(text, lambda relative: None, line_offset=entry.line_of("text") - 1)
        for line, message, params in rendered.problems:
            self.problem(path, line, message, **params)
        feedback = self.optional_text(entry, path, "feedback", 5000)
        feedback_rendered = render_markdown(feedback, lambda relative: None, line_offset=entry.line_of("feedback") - 1)
        for line, message, params in feedback_rendered.problems:
            self.problem(path, line, message, **params)
        hint_html = read_hint(entry, lambda line, message, **params: self.problem(path, line, message, **params))
        category = self.optional_text(entry, path, "category", CATEGORY_MAX_LENGTH)
        # Questions without a hint or category keep the fingerprint they had before those existed.
        parts = (kind, float(points), text, feedback, sorted(config.items())) + ((hint_html,) if hint_html else ())
        parts += (("category", category),) if category else ()
        fingerprint = sha256(repr(parts).encode())
        return QuestionSpec(key, position, kind, float(points), rendered.html,
                            feedback_rendered.html if feedback else "", config, fingerprint, hint_html, category)


def read_course(files: dict[str, bytes], media_url: MediaUrl = placeholder_media_url,
                limits: Limits = Limits()) -> CourseSpec:
    """The course these files describe; raises ContentError with every problem found."""
    reader = _Reader(strip_common_folder(files, "course.yaml"), media_url, limits)
    spec = reader.read()
    if spec is None:
        raise ContentError(reader.problems)
    return spec


def course_sources(path: Path, limits: Limits = Limits()) -> list[tuple[str, dict[str, bytes]]]:
    """(name, files) for each course at `path`: a course folder, a folder of courses, or a zip."""
    if path.is_file():
        files = strip_common_folder(read_zip(path.read_bytes(), path.name, limits), "course.yaml")
        if "course.yaml" in files:
            return [(path.name, files)]
        tops = sorted({p.split("/", 1)[0] for p in files if p.count("/") == 1 and p.endswith("/course.yaml")})
        if not tops:
            raise ContentError([Problem(path.name, None, N_("no course.yaml in this zip"))])
        return [(top, {p[len(top) + 1:]: d for p, d in files.items() if p.startswith(top + "/")}) for top in tops]
    if not path.is_dir():
        raise ContentError([Problem(str(path), None, N_("no such file or folder"))])
    if (path / "course.yaml").is_file():
        return [(path.name, read_folder(path, limits))]
    folders = sorted(child for child in path.iterdir() if (child / "course.yaml").is_file())
    if not folders:
        raise ContentError([Problem(str(path), None, N_("no course.yaml here or in its folders"))])
    return [(folder.name, read_folder(folder, limits)) for folder in folders]
