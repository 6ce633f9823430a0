"""A module's quiz as the course files give it (its settings and questions in `quiz.yaml`, or its questions
in a GIFT or Aiken file with the settings in module.yaml), its translations (`quiz.<language>.yaml`) and
its drawing of questions, read for the course reader in portal/content/loader.py: every problem with its
file and line."""
import dataclasses
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from portal.content.files import sha256
from portal.content.messages import N_
from portal.content.questions import KINDS, MAX_POINTS, ShortText, read_hint
from portal.content.quizfile import QUESTION_FILES, read_question_file
from portal.content.spec import QuestionSpec, QuizSpec
from portal.content.yamlfile import Located

if TYPE_CHECKING:
    from portal.content.loader import _Reader

QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
QUIZ_TRANSLATION_FIELDS = {"title", "questions"}
#: What a translated question may repeat from the question, and must then give as it does.
QUESTION_SETTINGS = ("type", "points", "category")
QUIZ_SETTINGS = {"title", "pass_mark", "attempts", "shuffle", "draw"}
QUIZ_FIELDS = QUIZ_SETTINGS | {"questions"}
#: A quiz kept in quiz.gift or quiz.aiken takes its settings from module.yaml's `quiz:`, else these
#: (and the module's title).
QUIZ_DEFAULTS = {"pass_mark": 70, "attempts": 0, "shuffle": False}
QUESTION_FIELDS = {"id", "type", "points", "text", "feedback", "hint", "category"}
CATEGORY_MAX_LENGTH = 100
#: The most attempts a quiz may allow, short of unlimited (0).
MAX_ATTEMPTS = 100


def read_quiz(reader: "_Reader", path: str, module_key: str) -> QuizSpec | None:
    data = reader.yaml_mapping(path)
    if data is None:
        return None
    reader.unknown_fields(data, path, QUIZ_FIELDS)
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        reader.problem(path, data.line_of("questions"), N_("a quiz needs a list of questions"))
        raw_questions = []
    return quiz_spec(reader, path, module_key, raw_questions, sha256(reader.files[path]), data, path)


def translate_quiz(reader: "_Reader", quiz: QuizSpec, files: list[tuple[str, str]]) -> QuizSpec:
    """The quiz with its questions' words in each language a `quiz.<language>.yaml` gives."""
    if not files:
        return quiz
    originals = {question.key: question for question in quiz.questions}
    by_language: dict[str, dict[str, dict[str, Any]]] = {}
    titles: dict[str, dict[str, str]] = {}
    for language, path in files:
        if language not in reader.translation_languages:
            reader.problem(path, None, N_("the language '%(language)s' is not among the translations course.yaml "
                                          "declares"), language=language)
            continue
        data = reader.yaml_mapping(path)
        if data is None:
            continue
        reader.unknown_fields(data, path, QUIZ_TRANSLATION_FIELDS)
        titles[language] = {"title": reader.optional_text(data, path, "title", 200) or quiz.title}
        entries = data.get("questions")
        if not isinstance(entries, list) or not entries:
            reader.problem(path, data.line_of("questions"), N_("a quiz translation needs a list of questions"))
            continue
        by_language[language] = {}
        for position, entry in enumerate(entries, start=1):
            translated = read_question_translation(reader, path, position, entry, originals)
            if translated is None:
                continue
            key, words = translated
            if key in by_language[language]:
                reader.problem(path, entry.line_of("id"), N_("question id '%(id)s' is used twice"), id=key)
            by_language[language][key] = words
    questions = tuple(
        dataclasses.replace(question, translations={
            language: words[question.key] for language, words in by_language.items() if question.key in words
        })
        for question in quiz.questions
    )
    return dataclasses.replace(quiz, questions=tuple(share_accepted_answers(question) for question in questions),
                               translations=titles)


def read_question_translation(reader: "_Reader", path: str, position: int, entry: Any,
                              originals: dict[str, QuestionSpec]) -> tuple[str, dict[str, Any]] | None:
    """(question id, its words) from one entry of a quiz translation, checked against the question:
    the same type, points and category, the same choice ids, right answers and weights."""
    if not isinstance(entry, Located):
        reader.problem(path, None, N_("question %(number)d must be a mapping of fields"), number=position)
        return None
    key = reader.optional_text(entry, path, "id", 80)
    original = originals.get(key)
    if original is None:
        reader.problem(path, entry.line_of("id") if "id" in entry else entry.line,
                       N_("question %(number)d: the quiz has no question with the id '%(id)s'"),
                       number=position, id=key[:80])
        return None
    kind = KINDS[original.type]
    reader.unknown_fields(entry, path, QUESTION_FIELDS | kind.fields)
    given = {"type": entry.get("type", original.type), "points": entry.get("points", original.points),
             "category": entry.get("category", original.category)}
    expected = {"type": original.type, "points": original.points, "category": original.category}
    for name in QUESTION_SETTINGS:
        if given[name] != expected[name]:
            reader.problem(path, entry.line_of(name), N_("question '%(id)s': %(field)s is %(given)s here and "
                                                         "%(expected)s in the quiz; a translation changes words only"),
                           id=key, field=name, given=str(given[name])[:40], expected=str(expected[name])[:40])
    text = reader.required_text(entry, path, "text", 5000)

    def report(line, message, **params):
        reader.problem(path, line, message, **params)

    config = kind.read(entry, report)
    if kind.structure(config) != kind.structure(original.config):
        reader.problem(path, entry.line, N_("question '%(id)s': its choices or answers differ from the quiz's "
                                            "(their ids, number, right answers or weights); a translation changes "
                                            "words only"), id=key)
    feedback = reader.optional_text(entry, path, "feedback", 5000)
    return key, {
        "text_html": reader.markdown(path, text, line_offset=entry.line_of("text") - 1),
        "feedback_html": reader.markdown(path, feedback, line_offset=entry.line_of("feedback") - 1) if feedback else "",
        "hint_html": read_hint(entry, report),
        "config": config,
    }


def read_question_file_quiz(reader: "_Reader", path: str, module_key: str, meta: Located | None,
                            meta_path: str) -> QuizSpec | None:
    """A quiz whose questions are in GIFT or Aiken, its settings in module.yaml's `quiz:`."""
    if len(reader.files[path]) > reader.limits.max_quiz_file_bytes:
        reader.problem(path, None, N_("a question file may hold at most %(size)s bytes"),
                       size=f"{reader.limits.max_quiz_file_bytes:,}")
        return None
    text = reader.text(path)
    if text is None:
        return None
    settings = meta.get("quiz") if meta is not None else None
    if settings is not None and not isinstance(settings, Located):
        reader.problem(meta_path, meta.line_of("quiz") if meta else None,
                       N_("quiz must be a mapping of the quiz's settings: title, pass_mark, attempts, shuffle"))
    if not isinstance(settings, Located):
        settings = Located()
        settings.line = meta.line_of("quiz") if meta is not None else 0
    reader.unknown_fields(settings, meta_path, QUIZ_SETTINGS)
    # GIFT's $CATEGORY: makes pools only for a quiz that draws from them.
    found = read_question_file(text, path, QUESTION_FILES[PurePosixPath(path).name],
                               keep_categories="draw" in settings)
    reader.problems += found.problems
    reader.warnings += found.warnings
    module_title = meta.get("title") if meta is not None else None
    defaults = {"title": module_title if isinstance(module_title, str) else "", **QUIZ_DEFAULTS}
    fingerprint = sha256(reader.files[path] + repr(dict(settings)).encode())
    return quiz_spec(reader, path, module_key, found.entries, fingerprint, settings, meta_path, defaults)


def quiz_settings(reader: "_Reader", data: Located, file: str, defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Title, pass mark, attempts and shuffle, checked; `defaults` stand for the ones not given."""
    defaults = defaults or {}
    title = (defaults["title"] if "title" not in data and defaults.get("title")
             else reader.required_text(data, file, "title", 200))
    pass_mark = data.get("pass_mark", defaults.get("pass_mark"))
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, (int, float)) or not 0 <= pass_mark <= 100:
        reader.problem(file, data.line_of("pass_mark"), N_("pass_mark must be a percentage from 0 to 100"))
        pass_mark = 0
    attempts = data.get("attempts", defaults.get("attempts"))
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
        reader.problem(file, data.line_of("attempts"), N_("attempts must be a whole number (0 for unlimited)"))
        attempts = 0
    elif attempts > MAX_ATTEMPTS:
        reader.problem(file, data.line_of("attempts"), N_("attempts may be at most %(max)d (0 for unlimited)"),
                       max=MAX_ATTEMPTS)
        attempts = 0
    shuffle = data.get("shuffle", False)
    if not isinstance(shuffle, bool):
        reader.problem(file, data.line_of("shuffle"), N_("shuffle must be true or false"))
    return {"title": title, "pass_mark": float(pass_mark), "attempts": attempts, "shuffle": shuffle is True}


def quiz_spec(reader: "_Reader", path: str, module_key: str, raw_questions: list[Any], fingerprint: str,
              settings_data: Located, settings_file: str, defaults: dict[str, Any] | None = None) -> QuizSpec:
    """The quiz: its settings (in `settings_file`) and its questions (in `path`), checked."""
    settings = quiz_settings(reader, settings_data, settings_file, defaults)
    questions, keys = [], set()
    for position, entry in enumerate(raw_questions, start=1):
        question = read_question(reader, path, position, entry)
        if question is None:
            continue
        if question.key in keys:
            reader.problem(path, entry.line_of("id"), N_("question id '%(id)s' is used twice"), id=question.key)
        keys.add(question.key)
        questions.append(question)
    draw = read_draw(reader, settings_file, settings_data, questions)
    return QuizSpec(module_key, settings["title"], settings["pass_mark"], settings["attempts"], settings["shuffle"],
                    tuple(questions), fingerprint, draw)


def read_draw(reader: "_Reader", path: str, data: Located, questions: list[QuestionSpec]) -> tuple[tuple[str, int], ...]:
    """The pools an attempt draws from: (category, how many), checked against the questions."""
    if "draw" not in data:
        return ()
    raw = data.get("draw")
    if not isinstance(raw, list) or not raw:
        reader.problem(path, data.line_of("draw"), N_("draw must be a list of {category, count}"))
        return ()
    sizes: dict[str, int] = {}
    for question in questions:
        sizes[question.category] = sizes.get(question.category, 0) + 1
    draw: dict[str, int] = {}
    for item in raw:
        if not isinstance(item, Located):
            reader.problem(path, data.line_of("draw"), N_("draw must be a list of {category, count}"))
            continue
        reader.unknown_fields(item, path, {"category", "count"})
        category = reader.required_text(item, path, "category", CATEGORY_MAX_LENGTH)
        count = item.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            reader.problem(path, item.line_of("count"), N_("count must be a whole number above zero"))
            continue
        if not category:
            continue
        if category in draw:
            reader.problem(path, item.line_of("category"), N_("category '%(category)s' is drawn from twice"),
                           category=category)
        elif count > sizes.get(category, 0):
            reader.problem(path, item.line_of("count"),
                           N_("draws %(count)d question(s) from category '%(category)s', which has %(size)d"),
                           count=count, category=category, size=sizes.get(category, 0))
        draw[category] = count
    for question in questions:
        if question.category and question.category not in draw:
            reader.problem(path, data.line_of("draw"),
                           N_("question '%(id)s' is in category '%(category)s', which draw does not name: "
                              "name it in draw, or leave the category out to ask the question every time"),
                           id=question.key, category=question.category)
    return tuple(draw.items())


def read_question(reader: "_Reader", path: str, position: int, entry: Any) -> QuestionSpec | None:
    if not isinstance(entry, Located):
        reader.problem(path, None, N_("question %(number)d must be a mapping of fields"), number=position)
        return None
    kind = entry.get("type")
    if not isinstance(kind, str) or kind not in KINDS:
        reader.problem(path, entry.line_of("type"), N_("unknown question type '%(type)s'; use one of %(types)s"),
                       type=str(kind)[:40], types=", ".join(KINDS))
        return None
    reader.unknown_fields(entry, path, QUESTION_FIELDS | KINDS[kind].fields)
    key = reader.optional_text(entry, path, "id", 80)
    if not key and isinstance(entry.get("id", ""), str):
        reader.problem(path, entry.line, N_("question %(number)d needs an id"), number=position)
    elif not QUESTION_ID.match(key):
        reader.problem(path, entry.line_of("id"), N_("question id '%(id)s' must be lower-case letters, digits, - or _"),
                       id=key)
    points = entry.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 < points <= MAX_POINTS:
        reader.problem(path, entry.line_of("points"), N_("points must be a number above zero, at most %(limit)d"),
                       limit=MAX_POINTS)
        points = 1
    text = reader.required_text(entry, path, "text", 5000)
    config = KINDS[kind].read(entry, lambda line, message, **params: reader.problem(path, line, message, **params))
    text_html = reader.markdown(path, text, line_offset=entry.line_of("text") - 1)
    feedback = reader.optional_text(entry, path, "feedback", 5000)
    feedback_html = reader.markdown(path, feedback, line_offset=entry.line_of("feedback") - 1)
    hint_html = read_hint(entry, lambda line, message, **params: reader.problem(path, line, message, **params))
    category = reader.optional_text(entry, path, "category", CATEGORY_MAX_LENGTH)
    # Questions without a hint or category keep the fingerprint they had before those existed.
    parts: tuple[Any, ...] = (kind, float(points), text, feedback, sorted(config.items())) + ((hint_html,) if hint_html else ())
    parts += (("category", category),) if category else ()
    fingerprint = sha256(repr(parts).encode())
    return QuestionSpec(key, position, kind, float(points), text_html,
                        feedback_html if feedback else "", config, fingerprint, hint_html, category)


def share_accepted_answers(question: QuestionSpec) -> QuestionSpec:
    """A short-text question accepts each language's answers: every config, the question's and each
    translation's, lists the other languages' wordings of each answer, so grading is the same whatever
    the language the question was read in."""
    if question.type != "short_text" or not question.translations:
        return question
    configs = {"": question.config} | {language: words["config"] for language, words in question.translations.items()}
    wordings = {language: [answer["text"] for answer in ShortText.answers(config)] for language, config in configs.items()}
    shared = {}
    for language, config in configs.items():
        also = [sorted({texts[index] for other, texts in wordings.items() if other != language and index < len(texts)})
                for index in range(len(wordings[language]))]
        shared[language] = {**config, "also": also}
    return dataclasses.replace(
        question, config=shared[""],
        translations={language: {**words, "config": shared[language]} for language, words in question.translations.items()},
    )
