"""Read a course folder's files into a CourseSpec, collecting every problem at once."""
import hashlib
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from portal.content.files import Limits, MediaInfo, is_hidden, read_folder, read_zip, sniff_media, strip_common_folder
from portal.content.markdown import ResolvedMedia, render_markdown
from portal.content.problems import ContentError, Problem
from portal.content.questions import QUESTION_TYPES, READERS, TYPE_FIELDS, feedback_html, read_hint
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
QUIZ_FIELDS = {"title", "pass_mark", "attempts", "shuffle", "questions"}
QUESTION_FIELDS = {"id", "type", "points", "text", "feedback", "hint"}

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

    def problem(self, file: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def text(self, path: str) -> str | None:
        try:
            return self.files[path].decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = self.files[path][: error.start].count(b"\n") + 1
            self.problem(path, line, "is not UTF-8 text")
            return None

    def yaml_mapping(self, path: str) -> Located | None:
        text = self.text(path)
        if text is None:
            return None
        data = load_yaml(text, path, self.problems)
        if data is None:
            if not any(p.file == path for p in self.problems):
                self.problem(path, None, "is empty")
            return None
        if not isinstance(data, Located):
            self.problem(path, 1, "must be a mapping of fields (name: value)")
            return None
        return data

    def required_text(self, data: Located, file: str, name: str, max_length: int = 300) -> str:
        value = data.get(name)
        if value is None or not str(value).strip():
            self.problem(file, data.line, f"missing field '{name}'")
            return ""
        if not isinstance(value, (str, int, float)):
            self.problem(file, data.line_of(name), f"'{name}' must be text")
            return ""
        value = str(value).strip()
        if len(value) > max_length:
            self.problem(file, data.line_of(name), f"'{name}' is longer than {max_length} characters")
        return value

    def unknown_fields(self, data: Located, file: str, allowed: set[str]) -> None:
        for name in data:
            if name not in allowed:
                self.problem(file, data.line_of(name), f"unknown field '{name}'")

    def read(self) -> CourseSpec | None:
        if "course.yaml" not in self.files:
            self.problem("course.yaml", None, "missing: a course folder needs a course.yaml")
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
            self.problem(file, data.line_of("slug"), f"slug '{slug}' must be lower-case letters, digits and hyphens")
        language = self.required_text(data, file, "language", 5)
        if language and language not in LANGUAGES:
            self.problem(file, data.line_of("language"), f"language must be one of {', '.join(LANGUAGES)}")
        topics = data.get("topics")
        if not isinstance(topics, list) or not topics or not all(isinstance(t, str) and SLUG.match(t) for t in topics):
            self.problem(file, data.line_of("topics"), "topics must be a list of lower-case words joined by hyphens")
            topics = []
        hours = data.get("estimated_hours")
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours <= 0:
            self.problem(file, data.line_of("estimated_hours"), "estimated_hours must be a positive number")
            hours = 0
        lecturers = data.get("lecturers", [])
        if not isinstance(lecturers, list) or not all(isinstance(e, str) and EMAIL.match(e) for e in lecturers):
            self.problem(file, data.line_of("lecturers"), "lecturers must be a list of email addresses")
            lecturers = []
        if not modules and not any(p.file != file for p in self.problems):
            self.problem(file, None, "the course has no modules (folders such as 01-introduction/)")
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
            self.problem("course.yaml", data.line_of("completion"), "completion must be a mapping")
            return rule
        self.unknown_fields(completion, "course.yaml", {"lessons", "quizzes"})
        lessons = completion.get("lessons", "all")
        if lessons != "all" and (isinstance(lessons, bool) or not isinstance(lessons, int) or not 1 <= lessons <= 100):
            self.problem("course.yaml", completion.line_of("lessons"), "completion lessons must be 'all' or a percentage from 1 to 100")
        else:
            rule["lessons"] = lessons
        quizzes = completion.get("quizzes", "all")
        if quizzes not in ("all", "none"):
            self.problem("course.yaml", completion.line_of("quizzes"), "completion quizzes must be 'all' or 'none'")
        else:
            rule["quizzes"] = quizzes
        return rule

    def read_certificate(self, data: Located) -> dict[str, str]:
        certificate = data.get("certificate")
        if certificate is None:
            return {}
        if not isinstance(certificate, Located):
            self.problem("course.yaml", data.line_of("certificate"), "certificate must be a mapping")
            return {}
        self.unknown_fields(certificate, "course.yaml", {"title", "wording"})
        return {str(k): str(v) for k, v in certificate.items()}

    def read_media(self) -> None:
        for path, data in sorted(self.files.items()):
            parts = PurePosixPath(path).parts
            if len(parts) >= 3 and parts[1] == "media":
                info, refusal = sniff_media(path, data, self.limits)
                if refusal:
                    self.problem(path, None, refusal)
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
                self.problem(folder, None, "module folders are named like 01-introduction (two digits, a hyphen, a key)")
                continue
            key = match.group(2)
            if key in keys:
                self.problem(folder, None, f"module key '{key}' is used by two folders")
            keys.add(key)
            module = self.read_module(folder, int(match.group(1)), key, folders[folder])
            if module:
                modules.append(module)
        return modules

    def read_module(self, folder: str, position: int, key: str, names: list[str]) -> ModuleSpec | None:
        meta_path = f"{folder}/module.yaml"
        meta = self.yaml_mapping(meta_path) if "module.yaml" in names else None
        if "module.yaml" not in names:
            self.problem(meta_path, None, "missing: each module needs a module.yaml with its title")
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
                self.problem(path, None, "unexpected file: lessons are named like 01-key.md, media go in media/")
                continue
            if match.group(2) in lesson_keys:
                self.problem(path, None, f"lesson key '{match.group(2)}' is used twice in this module")
            lesson_keys.add(match.group(2))
            lesson = self.read_lesson(path, folder, int(match.group(1)), match.group(2))
            if lesson:
                lessons.append(lesson)
        if not lessons:
            self.problem(folder, None, "the module has no lessons")
        if meta is None:
            return None
        self.unknown_fields(meta, meta_path, {"title", "summary"})
        return ModuleSpec(
            key=key,
            position=position,
            folder=folder,
            title=self.required_text(meta, meta_path, "title", 200),
            summary=str(meta.get("summary") or "").strip(),
            lessons=tuple(lessons),
            quiz=quiz,
        )

    def read_lesson(self, path: str, folder: str, position: int, key: str) -> LessonSpec | None:
        text = self.text(path)
        if text is None:
            return None
        lines = text.splitlines()
        if not lines or lines[0].strip() != "---":
            self.problem(path, 1, "a lesson starts with front matter: a line '---', title and minutes, then '---'")
            return None
        try:
            end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
        except StopIteration:
            self.problem(path, 1, "the front matter is not closed by a line '---'")
            return None
        meta = load_yaml("\n".join(lines[1:end]), path, self.problems, line_offset=1)
        if not isinstance(meta, Located):
            if meta is not None:
                self.problem(path, 2, "the front matter must give title and minutes")
            return None
        self.unknown_fields(meta, path, {"title", "minutes"})
        title = self.required_text(meta, path, "title", 200)
        minutes = meta.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            self.problem(path, meta.line_of("minutes") if "minutes" in meta else 2, "minutes must be a whole number above zero")
            minutes = 0
        body = "\n".join(lines[end + 1:])
        rendered = render_markdown(body, self.resolver(folder), line_offset=end + 1)
        for line, message in rendered.problems:
            self.problem(path, line, message)
        if not body.strip():
            self.problem(path, end + 1, "the lesson has no text")
        return LessonSpec(key, position, title, minutes, rendered.html, sha256(self.files[path]))

    def read_quiz(self, path: str, module_key: str) -> QuizSpec | None:
        data = self.yaml_mapping(path)
        if data is None:
            return None
        self.unknown_fields(data, path, QUIZ_FIELDS)
        title = self.required_text(data, path, "title", 200)
        pass_mark = data.get("pass_mark")
        if isinstance(pass_mark, bool) or not isinstance(pass_mark, (int, float)) or not 0 <= pass_mark <= 100:
            self.problem(path, data.line_of("pass_mark"), "pass_mark must be a percentage from 0 to 100")
            pass_mark = 0
        attempts = data.get("attempts")
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
            self.problem(path, data.line_of("attempts"), "attempts must be a whole number (0 for unlimited)")
            attempts = 0
        shuffle = data.get("shuffle", False)
        if not isinstance(shuffle, bool):
            self.problem(path, data.line_of("shuffle"), "shuffle must be true or false")
        raw_questions = data.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.problem(path, data.line_of("questions"), "a quiz needs a list of questions")
            raw_questions = []
        questions, keys = [], set()
        for position, entry in enumerate(raw_questions, start=1):
            question = self.read_question(path, position, entry)
            if question is None:
                continue
            if question.key in keys:
                self.problem(path, entry.line_of("id"), f"question id '{question.key}' is used twice")
            keys.add(question.key)
            questions.append(question)
        return QuizSpec(module_key, title, float(pass_mark), attempts, shuffle is True, tuple(questions),
                        sha256(self.files[path]))

    def read_question(self, path: str, position: int, entry: Any) -> QuestionSpec | None:
        if not isinstance(entry, Located):
            self.problem(path, None, f"question {position} must be a mapping of fields")
            return None
        kind = entry.get("type")
        if kind not in QUESTION_TYPES:
            self.problem(path, entry.line_of("type"),
                         f"unknown question type '{kind}'; use one of {', '.join(QUESTION_TYPES)}")
            return None
        self.unknown_fields(entry, path, QUESTION_FIELDS | TYPE_FIELDS[kind])
        key = str(entry.get("id", "")).strip()
        if not key:
            self.problem(path, entry.line, f"question {position} needs an id")
        elif not QUESTION_ID.match(key):
            self.problem(path, entry.line_of("id"), f"question id '{key}' must be lower-case letters, digits, - or _")
        points = entry.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            self.problem(path, entry.line_of("points"), "points must be a number above zero")
            points = 1
        text = self.required_text(entry, path, "text", 5000)
        config = READERS[kind](entry, lambda line, message: self.problem(path, line, message))
        rendered = render_markdown(text, lambda relative: None, line_offset=entry.line_of("text") - 1)
        for line, message in rendered.problems:
            self.problem(path, line, message)
        feedback = str(entry.get("feedback") or "")
        hint_html = read_hint(entry, lambda line, message: self.problem(path, line, message))
        # Questions without a hint keep the fingerprint they had before hints existed.
        parts = (kind, float(points), text, feedback, sorted(config.items())) + ((hint_html,) if hint_html else ())
        fingerprint = sha256(repr(parts).encode())
        return QuestionSpec(key, position, kind, float(points), rendered.html, feedback_html(feedback),
                            config, fingerprint, hint_html)


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
            raise ContentError([Problem(path.name, None, "no course.yaml in this zip")])
        return [(top, {p[len(top) + 1:]: d for p, d in files.items() if p.startswith(top + "/")}) for top in tops]
    if not path.is_dir():
        raise ContentError([Problem(str(path), None, "no such file or folder")])
    if (path / "course.yaml").is_file():
        return [(path.name, read_folder(path, limits))]
    folders = sorted(child for child in path.iterdir() if (child / "course.yaml").is_file())
    if not folders:
        raise ContentError([Problem(str(path), None, "no course.yaml here or in its folders")])
    return [(folder.name, read_folder(folder, limits)) for folder in folders]
