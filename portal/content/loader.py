"""Read a course folder's files into a CourseSpec, collecting every problem at once."""
import dataclasses
import hashlib
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from portal.content.assignments import ASSIGNMENT_FILE, read_assignment
from portal.content.files import (
    Limits,
    MediaInfo,
    is_hidden,
    read_folder,
    read_zip,
    sha256,
    sniff_media,
    strip_common_folder,
)
from portal.content.languages import CONTENT_LANGUAGES
from portal.content.markdown import MediaResolver, ResolvedMedia, render_markdown
from portal.content.messages import N_
from portal.content.problems import ContentError, Problem, in_order
from portal.content.quizfile import QUESTION_FILES
from portal.content.quizzes import read_question_file_quiz, read_quiz, translate_quiz
from portal.content.spec import (
    AssignmentSpec,
    CourseSpec,
    LessonSpec,
    LessonTranslation,
    MediaSpec,
    ModuleSpec,
    Reference,
)
from portal.content.surveyfile import SURVEY_FILE, Survey, read_survey
from portal.content.yamlfile import NOT_TEXT, NOT_TEXT_PROBLEM, Located, load_yaml

KEY = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MODULE_FOLDER = re.compile(rf"^(\d{{2}})-({KEY})$")
LESSON_FILE = re.compile(rf"^(\d{{2}})-({KEY})\.md$")
#: A lesson in another language, beside the lesson: 01-why-govern-ai.fr.md
LESSON_TRANSLATION_FILE = re.compile(rf"^(\d{{2}})-({KEY})\.([a-z]{{2}})\.md$")
#: A quiz's words in another language, beside the quiz (whatever its file): quiz.fr.yaml
QUIZ_TRANSLATION_FILE = re.compile(r"^quiz\.([a-z]{2})\.yaml$")
SLUG = re.compile(rf"^{KEY}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGES = tuple(CONTENT_LANGUAGES)
COURSE_FIELDS = {"slug", "title", "summary", "language", "topics", "estimated_hours", "lecturers",
                 "completion", "certificate", "objectives", "audience", "prerequisites", "translations"}
COURSE_TRANSLATION_FIELDS = {"title", "summary", "objectives", "audience", "prerequisites"}
MODULE_FIELDS = {"title", "summary", "objectives", "quiz", "translations"}
MODULE_TRANSLATION_FIELDS = {"title", "summary", "objectives"}
LESSON_FIELDS = {"title", "minutes", "reviewed", "references"}
#: A translated lesson takes its minutes from the lesson; its references may point at texts in its language.
LESSON_TRANSLATION_FIELDS = {"title", "reviewed", "references"}
REFERENCE_FIELDS = {"title", "url", "publisher", "year"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: How many learning objectives a course and a module give, at least and at most.
COURSE_OBJECTIVES = (3, 8)
MODULE_OBJECTIVES = (2, 6)
MAX_OBJECTIVE_LENGTH = 300
#: The longest audience or prerequisites paragraph, in characters.
MAX_PARAGRAPH_LENGTH = 600
#: Plausible reading speeds, in words a minute: a lesson's minutes outside them earn a warning.
READING_SPEED = (60, 200)
#: The most minutes a lesson may take (a day: a longer one is split), and hours a course may take.
MAX_LESSON_MINUTES = 1440
MAX_ESTIMATED_HOURS = 1000
#: Minutes a quiz question is taken to need, when a course's hours are checked against its parts.
MINUTES_PER_QUESTION = 2
#: How far, in percent of its parts' minutes, a course's estimated_hours may stray without a warning.
HOURS_TOLERANCE = 30
#: Characters of scripts written without spaces between words; two of them count as one word.
UNSPACED_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

#: Makes the URL of a course media file from its spec; the default serves validation alone.
MediaUrl = Callable[[MediaSpec], str]


def placeholder_media_url(media: MediaSpec) -> str:
    return f"/media/{media.sha256}/{PurePosixPath(media.path).name}"


def count_words(markdown: str) -> int:
    """Words of a lesson's Markdown: pieces between spaces holding a letter or digit (so not `##`
    or `-`), plus one for every two characters of Chinese or Japanese."""
    unspaced = len(UNSPACED_SCRIPT.findall(markdown))
    spaced = UNSPACED_SCRIPT.sub(" ", markdown).split()
    return sum(1 for piece in spaced if any(character.isalnum() for character in piece)) + unspaced // 2


def latest_today() -> date:
    """Today's date where it is latest on Earth (UTC+14): no lecturer's today is in the future."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def is_web_address(url: str) -> bool:
    """An http or https address with a host (and a valid port, if any); never raises."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)


#: What a one-paragraph field (audience, prerequisites) may not hold once rendered.
BLOCK_TAGS = re.compile(r"<(?:h[1-6]|table|ul|ol|blockquote|pre|hr|section|div|p)\b")


def content_hash(files: dict[str, bytes]) -> str:
    """One hash over every file's path and bytes: the same content always gives the same hash."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + sha256(files[path]).encode() + b"\n")
    return digest.hexdigest()


class _Reader:
    """Reads one course; every method adds problems rather than stopping at the first."""

    def __init__(self, files: dict[str, bytes], media_url: MediaUrl, limits: Limits, today: date) -> None:
        self.files = {path: data for path, data in files.items() if not is_hidden(path)}
        self.media_url = media_url
        self.limits = limits
        self.today = today
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.media: dict[str, MediaSpec] = {}
        #: The languages course.yaml declares translations in; module files may use only these.
        self.translation_languages: set[str] = set()
        self.assignment_keys: set[str] = set()

    def problem(self, file: str, line: int | None, message: str, **params: Any) -> None:
        """Add a problem: `message` is a template marked with N_, `params` its values."""
        self.problems.append(Problem(file, line, message, params))

    def warn(self, file: str, line: int | None, message: str, **params: Any) -> None:
        """Add a warning: like a problem, but the course still imports."""
        self.warnings.append(Problem(file, line, message, params))

    def markdown(self, file: str, text: str, resolve_media: MediaResolver = lambda relative: None,
                 line_offset: int = 0) -> str:
        """`text` rendered to safe HTML; what is wrong in it becomes problems of `file`."""
        rendered = render_markdown(text, resolve_media, line_offset=line_offset)
        for line, message, params in rendered.problems:
            self.problem(file, line, message, **params)
        return rendered.html

    def text(self, path: str) -> str | None:
        """The file as text; None, with a problem at its line, when it is not UTF-8 or holds a character no
        course text may (a control character other than tab and line breaks: NUL would break the database)."""
        try:
            text = self.files[path].decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = self.files[path][: error.start].count(b"\n") + 1
            self.problem(path, line, N_("is not UTF-8 text"))
            return None
        if found := NOT_TEXT.search(text):
            self.problem(path, text.count("\n", 0, found.start()) + 1, NOT_TEXT_PROBLEM, code=f"U+{ord(found.group()):04X}")
            return None
        return text

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

    def objectives(self, data: Located, file: str, counts: tuple[int, int]) -> tuple[str, ...]:
        """The learning outcomes a course or module lists, each on one line."""
        value = data.get("objectives")
        if value is None:
            return ()
        line = data.line_of("objectives")
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            self.problem(file, line, N_("objectives must be a list of learning outcomes, each a line of text"))
            return ()
        low, high = counts
        if not low <= len(value) <= high:
            self.problem(file, line, N_("give %(low)d to %(high)d objectives, not %(count)d"),
                         low=low, high=high, count=len(value))
        outcomes = tuple(" ".join(item.split()) for item in value)
        if any(len(outcome) > MAX_OBJECTIVE_LENGTH for outcome in outcomes):
            self.problem(file, line, N_("an objective is longer than %(max)d characters"), max=MAX_OBJECTIVE_LENGTH)
        return outcomes

    def paragraph(self, data: Located, file: str, name: str) -> str:
        """A short optional paragraph of inline Markdown (audience, prerequisites), as safe HTML."""
        text = self.optional_text(data, file, name, MAX_PARAGRAPH_LENGTH)
        if not text:
            return ""
        html = self.markdown(file, text, line_offset=data.line_of(name) - 1).strip()
        inner = html.removeprefix("<p>").removesuffix("</p>")
        if not html.startswith("<p>") or BLOCK_TAGS.search(inner):
            self.problem(file, data.line_of(name), N_(
                "'%(name)s' must be one paragraph of text, without headings, lists, tables or footnotes"), name=name)
        return html

    def unknown_fields(self, data: Located, file: str, allowed: set[str]) -> None:
        for name in data:
            if name not in allowed:
                self.problem(file, data.line_of(name), N_("unknown field '%(name)s'"), name=str(name))

    def read(self) -> CourseSpec | None:
        if "course.yaml" not in self.files:
            self.problem("course.yaml", None, N_("missing: a course folder needs a course.yaml"))
            return None
        course = self.yaml_mapping("course.yaml")
        if course is not None:
            self.translation_languages = self.declared_languages(course)
        self.read_media()
        modules = self.read_modules()
        survey = self.read_survey()
        if course is None:
            return None
        spec = self.course_spec(course, modules)
        return None if self.problems else dataclasses.replace(spec, survey=survey)

    def read_survey(self) -> Survey | None:
        """The course's survey.yaml, if it has one: its problems stop the import as a quiz's do."""
        if SURVEY_FILE not in self.files:
            return None
        text = self.text(SURVEY_FILE)
        if text is None:
            return None
        survey = read_survey(text, SURVEY_FILE)
        self.problems.extend(survey.problems)
        return survey

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
        elif hours > MAX_ESTIMATED_HOURS:
            self.problem(file, data.line_of("estimated_hours"), N_("estimated_hours may be at most %(max)d"),
                         max=MAX_ESTIMATED_HOURS)
            hours = 0
        lecturers = data.get("lecturers", [])
        if not isinstance(lecturers, list) or not all(isinstance(e, str) and EMAIL.match(e) for e in lecturers):
            self.problem(file, data.line_of("lecturers"), N_("lecturers must be a list of email addresses"))
            lecturers = []
        if not modules and not any(p.file != file for p in self.problems):
            self.problem(file, None, N_("the course has no modules (folders such as 01-introduction/)"))
        self.check_hours(data, hours, modules)
        objectives = self.objectives(data, file, COURSE_OBJECTIVES)
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
            objectives=objectives,
            audience_html=self.paragraph(data, file, "audience"),
            prerequisites_html=self.paragraph(data, file, "prerequisites"),
            warnings=tuple(in_order(self.warnings)),
            translations=self.course_translations(data, language, objectives),
        )

    def declared_languages(self, data: Located) -> set[str]:
        """The languages course.yaml's `translations` names, each one the course may be read in."""
        raw = data.get("translations")
        if raw is None:
            return set()
        if not isinstance(raw, Located):
            self.problem("course.yaml", data.line_of("translations"),
                         N_("translations must be a mapping of languages, each with its title and summary"))
            return set()
        declared = set()
        for language in raw:
            if language not in LANGUAGES:
                self.problem("course.yaml", raw.line_of(language),
                             N_("translation language '%(language)s' must be one of %(languages)s"),
                             language=str(language)[:10], languages=", ".join(LANGUAGES))
            elif language == data.get("language"):
                self.problem("course.yaml", raw.line_of(language),
                             N_("'%(language)s' is the course's own language, not a translation"), language=language)
            else:
                declared.add(language)
        return declared

    def translation_entries(self, data: Located, file: str, allowed: set[str]) -> dict[str, Located]:
        """The mapping of each declared language under `data`'s `translations`, its fields checked."""
        raw = data.get("translations")
        if raw is None:
            return {}
        if not isinstance(raw, Located):
            self.problem(file, data.line_of("translations"), N_("translations must be a mapping of languages"))
            return {}
        entries = {}
        for language, entry in raw.items():
            if file != "course.yaml" and language not in self.translation_languages:
                self.problem(file, raw.line_of(language),
                             N_("the language '%(language)s' is not among the translations course.yaml declares"),
                             language=str(language)[:10])
            elif not isinstance(entry, Located):
                self.problem(file, raw.line_of(language),
                             N_("the translation into '%(language)s' must be a mapping of fields"), language=str(language)[:10])
            elif language in self.translation_languages:
                self.unknown_fields(entry, file, allowed)
                entries[language] = entry
        return entries

    def translated_objectives(self, entry: Located, file: str, counts: tuple[int, int],
                              original: tuple[str, ...]) -> tuple[str, ...]:
        """A translation's objectives: as many as the original's, one for one."""
        objectives = self.objectives(entry, file, counts)
        if objectives and len(objectives) != len(original):
            self.problem(file, entry.line_of("objectives"),
                         N_("the translation lists %(count)d objectives and the original %(original)d: translate "
                            "each one"), count=len(objectives), original=len(original))
        return objectives

    def course_translations(self, data: Located, language: str,
                            objectives: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        """The course's title, summary, objectives, audience and prerequisites in each other language."""
        file = "course.yaml"
        translations = {}
        for other, entry in self.translation_entries(data, file, COURSE_TRANSLATION_FIELDS).items():
            translations[other] = {
                "title": self.required_text(entry, file, "title", 200),
                "summary": self.required_text(entry, file, "summary", 2000),
                "objectives": list(self.translated_objectives(entry, file, COURSE_OBJECTIVES, objectives)),
                "audience_html": self.paragraph(entry, file, "audience"),
                "prerequisites_html": self.paragraph(entry, file, "prerequisites"),
            }
        return translations

    def check_hours(self, data: Located, hours: float, modules: list[ModuleSpec]) -> None:
        """Warn when estimated_hours strays too far from the minutes of the course's parts."""
        lessons = sum(lesson.minutes for module in modules for lesson in module.lessons)
        questions = sum(len(module.quiz.questions) for module in modules if module.quiz)
        total = lessons + MINUTES_PER_QUESTION * questions
        declared = hours * 60
        if not hours or not total or abs(declared - total) * 100 <= HOURS_TOLERANCE * total:
            return
        shortest = math.ceil(total * (100 - HOURS_TOLERANCE) / 60) / 100
        longest = math.floor(total * (100 + HOURS_TOLERANCE) / 60) / 100
        self.warn("course.yaml", data.line_of("estimated_hours"),
                  N_("estimated_hours is %(hours)s (%(declared)d minutes), but the lessons take %(lessons)d minutes "
                     "and the %(questions)d quiz questions %(quiz_minutes)d (%(per_question)d each): "
                     "%(total)d minutes, more than %(tolerance)d%% away; give %(shortest)s to %(longest)s hours"),
                  hours=f"{hours:g}", declared=round(declared), lessons=lessons, questions=questions,
                  quiz_minutes=MINUTES_PER_QUESTION * questions, per_question=MINUTES_PER_QUESTION, total=total,
                  tolerance=HOURS_TOLERANCE, shortest=f"{shortest:g}", longest=f"{longest:g}")

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
        quiz_files = sorted(name for name in names if name == "quiz.yaml" or name in QUESTION_FILES)
        quiz = None
        if len(quiz_files) > 1:
            self.problem(folder, None, N_("a module has one quiz, in one file: %(files)s are more than one"),
                         files=", ".join(quiz_files))
        elif quiz_files == ["quiz.yaml"]:
            quiz = read_quiz(self, f"{folder}/quiz.yaml", key)
            if meta is not None and "quiz" in meta:
                self.problem(meta_path, meta.line_of("quiz"), N_("this module's quiz is quiz.yaml, which holds its "
                                                                 "settings: 'quiz' here is for quiz.gift or quiz.aiken"))
        elif quiz_files:
            quiz = read_question_file_quiz(self, f"{folder}/{quiz_files[0]}", key, meta, meta_path)
        assignments, assignment_files = self.read_assignments(folder, names)
        translated_lessons: dict[tuple[str, str], list[tuple[str, str]]] = {}
        quiz_translations: list[tuple[str, str]] = []
        for name in sorted(names):
            path = f"{folder}/{name}"
            if name in ("module.yaml", *quiz_files) or name in assignment_files or name.startswith("media/"):
                continue
            if match := LESSON_TRANSLATION_FILE.match(name):
                translated_lessons.setdefault((match.group(1), match.group(2)), []).append((match.group(3), path))
                continue
            if match := QUIZ_TRANSLATION_FILE.match(name):
                quiz_translations.append((match.group(1), path))
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
                in_languages = {language: translation for language, translated_path
                                in translated_lessons.get((match.group(1), match.group(2)), [])
                                if (translation := self.read_lesson_translation(translated_path, folder, language))}
                lessons.append(dataclasses.replace(lesson, translations=in_languages))
        for (prefix, lesson_key), translated in translated_lessons.items():
            if f"{prefix}-{lesson_key}.md" not in names:
                for _, translated_path in translated:
                    self.problem(translated_path, None, N_("a translated lesson sits beside its lesson, which is "
                                                           "missing: %(name)s"), name=f"{prefix}-{lesson_key}.md")
        if quiz is not None:
            quiz = translate_quiz(self, quiz, quiz_translations)
        elif not quiz_files:
            for _, translated_path in quiz_translations:
                self.problem(translated_path, None, N_("a quiz translation needs the module's quiz, which is missing"))
        if not lessons:
            self.problem(folder, None, N_("the module has no lessons"))
        if meta is None:
            return None
        self.unknown_fields(meta, meta_path, MODULE_FIELDS)
        objectives = self.objectives(meta, meta_path, MODULE_OBJECTIVES)
        translations = {
            language: {
                "title": self.required_text(entry, meta_path, "title", 200),
                "summary": self.optional_text(entry, meta_path, "summary", 2000),
                "objectives": list(self.translated_objectives(entry, meta_path, MODULE_OBJECTIVES, objectives)),
            }
            for language, entry in self.translation_entries(meta, meta_path, MODULE_TRANSLATION_FIELDS).items()
        }
        return ModuleSpec(
            key=key,
            position=position,
            folder=folder,
            title=self.required_text(meta, meta_path, "title", 200),
            summary=self.optional_text(meta, meta_path, "summary", 2000),
            lessons=tuple(lessons),
            quiz=quiz,
            objectives=objectives,
            assignments=assignments,
            translations=translations,
        )

    def read_assignments(self, folder: str, names: list[str]) -> tuple[tuple[AssignmentSpec, ...], set[str]]:
        """The module's assignments, and the names of the files they take (theirs, instructions, templates)."""
        assignments: list[AssignmentSpec] = []
        used: set[str] = set()
        for position, name in enumerate(sorted(name for name in names if ASSIGNMENT_FILE.match(name)), start=1):
            used.add(name)
            assignment, named = read_assignment(self, folder, name, position)
            used |= named
            if assignment is None:
                continue
            if assignment.key and assignment.key in self.assignment_keys:
                self.problem(f"{folder}/{name}", None, N_("assignment key '%(key)s' is used twice in the course"),
                             key=assignment.key)
            self.assignment_keys.add(assignment.key)
            assignments.append(assignment)
        return tuple(assignments), used

    def front_matter(self, path: str) -> tuple[Located, str, int] | None:
        """A lesson file's front matter, its Markdown body, and the line the body starts after."""
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
        return meta, "\n".join(lines[end + 1:]), end

    def read_lesson_translation(self, path: str, folder: str, language: str) -> LessonTranslation | None:
        """A lesson in a language course.yaml declares: its title and text, its own references if any."""
        if language not in self.translation_languages:
            self.problem(path, None, N_("the language '%(language)s' is not among the translations course.yaml "
                                        "declares"), language=language)
            return None
        read = self.front_matter(path)
        if read is None:
            return None
        meta, body, end = read
        self.unknown_fields(meta, path, LESSON_TRANSLATION_FIELDS)
        title = self.required_text(meta, path, "title", 200)
        html = self.markdown(path, body, self.resolver(folder), line_offset=end + 1)
        if not body.strip():
            self.problem(path, end + 1, N_("the lesson has no text"))
        return LessonTranslation(language, title, html, sha256(self.files[path]), reviewed=self.reviewed(meta, path),
                                 references=self.references(meta, path))

    def read_lesson(self, path: str, folder: str, position: int, key: str) -> LessonSpec | None:
        read = self.front_matter(path)
        if read is None:
            return None
        meta, body, end = read
        self.unknown_fields(meta, path, LESSON_FIELDS)
        title = self.required_text(meta, path, "title", 200)
        minutes = meta.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            self.problem(path, meta.line_of("minutes") if "minutes" in meta else 2,
                         N_("minutes must be a whole number above zero"))
            minutes = 0
        elif minutes > MAX_LESSON_MINUTES:
            self.problem(path, meta.line_of("minutes"), N_("minutes may be at most %(max)d: split a longer lesson"),
                         max=MAX_LESSON_MINUTES)
            minutes = 0
        html = self.markdown(path, body, self.resolver(folder), line_offset=end + 1)
        if not body.strip():
            self.problem(path, end + 1, N_("the lesson has no text"))
        words = count_words(body)
        if minutes:
            self.check_reading_speed(path, meta.line_of("minutes"), minutes, words)
        return LessonSpec(key, position, title, minutes, html, sha256(self.files[path]),
                          reviewed=self.reviewed(meta, path), references=self.references(meta, path), words=words)

    def check_reading_speed(self, path: str, line: int, minutes: int, words: int) -> None:
        """Warn when a lesson's minutes are implausible for its words."""
        slowest, fastest = READING_SPEED
        if slowest * minutes <= words <= fastest * minutes:
            return
        rate = words / minutes
        self.warn(path, line, N_("%(minutes)d minutes for %(words)d words is %(rate)d words a minute: a lesson's "
                                 "minutes should give %(slowest)d to %(fastest)d words a minute"),
                  minutes=minutes, words=words, rate=math.floor(rate) if rate < slowest else math.ceil(rate),
                  slowest=slowest, fastest=fastest)

    def reviewed(self, meta: Located, path: str) -> date | None:
        """The date the lesson was last checked against its sources: a real date, not in the future."""
        value = meta.get("reviewed")
        if value is None:
            return None
        line = meta.line_of("reviewed")
        if isinstance(value, str) and ISO_DATE.match(written := value.strip()):
            try:
                value = date.fromisoformat(written)
            except ValueError:
                self.problem(path, line, N_("%(value)s is not a real date"), value=written)
                return None
        if isinstance(value, datetime) or not isinstance(value, date):
            self.problem(path, line, N_("reviewed must be a date written YYYY-MM-DD, such as 2026-11-30"))
            return None
        if value > self.today:
            self.problem(path, line, N_("the reviewed date %(date)s is in the future"), date=value.isoformat())
            return None
        return value

    def references(self, meta: Located, path: str) -> tuple[Reference, ...]:
        """The texts the lesson draws on; each needs a title and should link to the text."""
        entries = meta.get("references")
        if entries is None:
            return ()
        if not isinstance(entries, list):
            self.problem(path, meta.line_of("references"), N_("references must be a list, each with a title and a url"))
            return ()
        references = []
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry, Located):
                self.problem(path, meta.line_of("references"),
                             N_("reference %(number)d must be a mapping with a title and a url"), number=number)
                continue
            self.unknown_fields(entry, path, REFERENCE_FIELDS)
            title = self.required_text(entry, path, "title", 300)
            url = self.optional_text(entry, path, "url", 2000)
            if url and not is_web_address(url):
                self.problem(path, entry.line_of("url"),
                             N_("the reference url '%(url)s' must be a web address starting with https:// or http://"),
                             url=url[:100])
            elif not url:
                self.warn(path, entry.line, N_("reference %(number)d has no url: link to the text where it is online"),
                          number=number)
            year = entry.get("year")
            if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999):
                self.problem(path, entry.line_of("year"), N_("year must be a year such as 2024"))
                year = None
            if title:
                references.append(Reference(title, url, self.optional_text(entry, path, "publisher", 200), year))
        return tuple(references)

def read_course(files: dict[str, bytes], media_url: MediaUrl = placeholder_media_url,
                limits: Limits = Limits(), today: date | None = None) -> CourseSpec:
    """The course these files describe, with its warnings; raises ContentError with every problem found.

    `today` is the latest date a lesson may say it was reviewed (by default, today anywhere on Earth)."""
    reader = _Reader(strip_common_folder(files, "course.yaml"), media_url, limits, today or latest_today())
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
