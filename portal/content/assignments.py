"""An assignment in a module's `assignment.yaml` (or `assignment-<key>.yaml`): what to hand in,
how it is judged (a rubric of criteria and levels), its pass mark and its template."""
import hashlib
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from portal.content.documents import DOCUMENT_KINDS, judge_document
from portal.content.messages import N_
from portal.content.spec import AssignmentSpec
from portal.content.yamlfile import Located

if TYPE_CHECKING:
    from portal.content.loader import _Reader

ASSIGNMENT_FILE = re.compile(r"^assignment(?:-[a-z0-9]+(?:-[a-z0-9]+)*)?\.yaml$")
KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ASSIGNMENT_FIELDS = {"key", "title", "instructions", "instructions_file", "submission", "rubric", "pass_mark",
                     "resubmission", "template", "translations"}
TRANSLATION_FIELDS = {"title", "instructions", "instructions_file", "rubric"}
SUBMISSION_FIELDS = {"text", "files"}
FILES_FIELDS = {"kinds", "count", "max_mb"}
CRITERION_FIELDS = {"id", "title", "levels"}
LEVEL_FIELDS = {"points", "descriptor"}
#: How many files a trainee may hand in, at most, and the largest size an assignment may allow.
MAX_FILES = 10
MAX_FILE_MB = 50
MAX_CRITERIA = 12
LEVELS = (2, 8)
MAX_LEVEL_POINTS = 100
MAX_TEMPLATE_BYTES = 20 * 1024 * 1024


def read_assignment(reader: "_Reader", folder: str, name: str, position: int) -> tuple[AssignmentSpec | None, set[str]]:
    """The assignment in `folder/name`, checked; and the module's files it names (instructions, template)."""
    path = f"{folder}/{name}"
    data = reader.yaml_mapping(path)
    if data is None:
        return None, set()
    reader.unknown_fields(data, path, ASSIGNMENT_FIELDS)
    key = reader.required_text(data, path, "key", 80)
    if key and not KEY.match(key):
        reader.problem(path, data.line_of("key"), N_("key '%(key)s' must be lower-case letters, digits and hyphens"),
                       key=key)
    title = reader.required_text(data, path, "title", 200)
    used: set[str] = set()
    found = read_instructions(reader, data, path, folder, used)
    if found is None:
        reader.problem(path, data.line, N_("give the instructions as 'instructions' (Markdown) or as "
                                           "'instructions_file' (a Markdown file in the module), one of the two"))
        found = "", b""
    instructions_html, instructions_source = found
    allows_text, kinds, count, max_mb = read_submission(reader, data, path)
    rubric = read_rubric(reader, data, path)
    pass_mark = data.get("pass_mark")
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, (int, float)) or not 0 <= pass_mark <= 100:
        reader.problem(path, data.line_of("pass_mark"), N_("pass_mark must be a percentage from 0 to 100"))
        pass_mark = 0
    resubmission = data.get("resubmission", True)
    if not isinstance(resubmission, bool):
        reader.problem(path, data.line_of("resubmission"), N_("resubmission must be true or false"))
    template = ""
    if "template" in data:
        template = module_file(reader, data, path, folder, "template")
        if template:
            used.add(PurePosixPath(template).relative_to(folder).as_posix())
            _, refusal = judge_document(template, reader.files[template], frozenset(DOCUMENT_KINDS), MAX_TEMPLATE_BYTES)
            if refusal:
                reader.problems.append(refusal)
    translations, translated_sources = read_translations(reader, data, path, folder, rubric, used)
    fingerprint = hashlib.sha256(reader.files[path] + instructions_source + translated_sources
                                 + (reader.files[template] if template else b"")).hexdigest()
    return AssignmentSpec(key, title, instructions_html, allows_text, kinds, count, max_mb, rubric, float(pass_mark),
                          resubmission is not False, template, fingerprint, position, translations), used


def read_instructions(reader: "_Reader", data: Located, path: str, folder: str,
                      used: set[str]) -> tuple[str, bytes] | None:
    """Instructions given as `instructions` (Markdown) or `instructions_file` (a Markdown file of the module):
    their HTML and source; None when neither is given."""
    if "instructions" in data and "instructions_file" in data:
        reader.problem(path, data.line_of("instructions_file"), N_("give the instructions as 'instructions' (Markdown) or "
                                                                   "as 'instructions_file' (a Markdown file in the "
                                                                   "module), one of the two"))
        return "", b""
    if "instructions" in data:
        text = reader.optional_text(data, path, "instructions", 20000)
        return reader.markdown(path, text, reader.resolver(folder), line_offset=data.line_of("instructions")), text.encode()
    if "instructions_file" in data:
        named = module_file(reader, data, path, folder, "instructions_file")
        if named and not named.endswith(".md"):
            reader.problem(path, data.line_of("instructions_file"), N_("instructions_file must be a Markdown file (.md)"))
        elif named:
            used.add(PurePosixPath(named).relative_to(folder).as_posix())
            return reader.markdown(named, reader.text(named) or "", reader.resolver(folder)), reader.files[named]
        return "", b""
    return None


def read_translations(reader: "_Reader", data: Located, path: str, folder: str, rubric: tuple[dict[str, Any], ...],
                      used: set[str]) -> tuple[dict[str, dict[str, Any]], bytes]:
    """The assignment's words in the languages course.yaml declares: {language: {title, instructions_html, rubric}}
    (instructions and rubric may be left out: the original's are shown), and the translated sources read."""
    translations: dict[str, dict[str, Any]] = {}
    sources = b""
    for language, entry in reader.translation_entries(data, path, TRANSLATION_FIELDS).items():
        title = reader.required_text(entry, path, "title", 200)
        instructions = read_instructions(reader, entry, path, folder, used)
        html, source = instructions if instructions is not None else ("", b"")
        sources += source
        words = read_translated_rubric(reader, entry, path, rubric) if "rubric" in entry else []
        translations[language] = {"title": title, "instructions_html": html, "rubric": words}
    return translations, sources


def read_translated_rubric(reader: "_Reader", entry: Located, path: str,
                           original: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """A translation's rubric: every criterion of the original, by its id, with its title and each level's
    descriptor in the other language, and the same levels (the same points) as the original."""
    raw = entry.get("rubric")
    if not isinstance(raw, list):
        reader.problem(path, entry.line_of("rubric"), N_("a translation's rubric must be a list of the criteria, each "
                                                         "with its id, title and levels"))
        return []
    by_id = {criterion["id"]: criterion for criterion in original}
    given: dict[str, dict[str, Any]] = {}
    for item in raw:
        if not isinstance(item, Located):
            reader.problem(path, entry.line_of("rubric"), N_("each criterion must be a mapping with an id, a title and "
                                                             "levels"))
            continue
        reader.unknown_fields(item, path, CRITERION_FIELDS)
        criterion_id = item.get("id")
        if not isinstance(criterion_id, str) or criterion_id not in by_id:
            reader.problem(path, item.line_of("id"), N_("the rubric has no criterion '%(id)s'"), id=str(criterion_id)[:80])
            continue
        levels = item.get("levels")
        points = sorted(float(value) for level in (levels if isinstance(levels, list) else [])
                        if isinstance(level, Located) and isinstance(value := level.get("points"), (int, float))
                        and not isinstance(value, bool))
        expected = [level["points"] for level in by_id[criterion_id]["levels"]]
        if not isinstance(levels, list) or len(levels) != len(expected) or points != expected:
            reader.problem(path, item.line_of("levels"), N_("the levels of criterion '%(id)s' must have the points of "
                                                            "the original's: %(points)s"),
                           id=criterion_id, points=", ".join(f"{value:g}" for value in expected))
            continue
        for level in levels:
            reader.unknown_fields(level, path, LEVEL_FIELDS)
        given[criterion_id] = {
            "id": criterion_id, "title": reader.required_text(item, path, "title", 200),
            "levels": sorted(({"points": float(level["points"]),
                               "descriptor": reader.required_text(level, path, "descriptor", 1000)} for level in levels),
                             key=lambda level: level["points"])}
    mentioned = {item.get("id") for item in raw if isinstance(item, Located)}
    missing = [criterion["id"] for criterion in original if criterion["id"] not in mentioned]
    if missing:
        reader.problem(path, entry.line_of("rubric"), N_("the translation's rubric leaves out %(ids)s: translate every "
                                                         "criterion"), ids=", ".join(missing))
    if len(given) != len(original):
        return []
    return [given[criterion["id"]] for criterion in original]


def module_file(reader: "_Reader", data: Located, path: str, folder: str, name: str) -> str:
    """The path of a file of the module that the field `name` gives, or "" (with a problem) when there is none."""
    relative = reader.optional_text(data, path, name, 200)
    full = f"{folder}/{relative}"
    if not relative or ".." in PurePosixPath(relative).parts or relative.startswith("/") or full not in reader.files:
        reader.problem(path, data.line_of(name), N_("%(name)s: there is no file '%(given)s' in this module"),
                       name=name, given=relative[:100])
        return ""
    return full


def read_submission(reader: "_Reader", data: Located, path: str) -> tuple[bool, tuple[str, ...], int, float]:
    """What may be handed in: typed text, files of some kinds (how many, how large), or both."""
    raw = data.get("submission")
    if not isinstance(raw, Located):
        reader.problem(path, data.line_of("submission"),
                       N_("submission must say what may be handed in: text: true, and/or files: {kinds, count, max_mb}"))
        return False, (), 0, 0
    reader.unknown_fields(raw, path, SUBMISSION_FIELDS)
    text = raw.get("text", False)
    if not isinstance(text, bool):
        reader.problem(path, raw.line_of("text"), N_("text must be true or false"))
        text = False
    files = raw.get("files")
    kinds: tuple[str, ...] = ()
    count, max_mb = 0, 0.0
    if files is not None:
        if not isinstance(files, Located):
            reader.problem(path, raw.line_of("files"), N_("files must be a mapping: kinds, count, max_mb"))
        else:
            reader.unknown_fields(files, path, FILES_FIELDS)
            given = files.get("kinds")
            if (not isinstance(given, list) or not given
                    or not all(isinstance(kind, str) and kind in DOCUMENT_KINDS for kind in given)):
                reader.problem(path, files.line_of("kinds"), N_("kinds must be a list of file kinds from %(kinds)s"),
                               kinds=", ".join(DOCUMENT_KINDS))
            else:
                kinds = tuple(dict.fromkeys(given))
            count = files.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_FILES:
                reader.problem(path, files.line_of("count"), N_("count must be a whole number from 1 to %(max)d"),
                               max=MAX_FILES)
                count = 1
            max_mb = files.get("max_mb", 10)
            if isinstance(max_mb, bool) or not isinstance(max_mb, (int, float)) or not 0 < max_mb <= MAX_FILE_MB:
                reader.problem(path, files.line_of("max_mb"), N_("max_mb must be a number of megabytes above 0, at "
                                                                 "most %(max)d"), max=MAX_FILE_MB)
                max_mb = 1
    if not text and not kinds and not any(p.file == path for p in reader.problems):
        reader.problem(path, raw.line, N_("the assignment accepts nothing: allow text, files, or both"))
    return text, kinds, count, float(max_mb)


def read_rubric(reader: "_Reader", data: Located, path: str) -> tuple[dict[str, Any], ...]:
    """The criteria, each with its levels (points and what earns them), from fewest points to most."""
    raw = data.get("rubric")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_CRITERIA:
        reader.problem(path, data.line_of("rubric"), N_("rubric must be a list of 1 to %(max)d criteria, each with "
                                                        "an id, a title and levels"), max=MAX_CRITERIA)
        return ()
    criteria: list[dict[str, Any]] = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, Located):
            reader.problem(path, data.line_of("rubric"), N_("criterion %(number)d must be a mapping with an id, a "
                                                            "title and levels"), number=number)
            continue
        reader.unknown_fields(entry, path, CRITERION_FIELDS)
        criterion_id = reader.required_text(entry, path, "id", 80)
        if criterion_id and not KEY.match(criterion_id):
            reader.problem(path, entry.line_of("id"), N_("criterion id '%(id)s' must be lower-case letters, digits "
                                                         "and hyphens"), id=criterion_id)
        if criterion_id in {criterion["id"] for criterion in criteria}:
            reader.problem(path, entry.line_of("id"), N_("criterion id '%(id)s' is used twice"), id=criterion_id)
        title = reader.required_text(entry, path, "title", 200)
        levels = read_levels(reader, entry, path)
        criteria.append({"id": criterion_id, "title": title, "levels": levels})
    return tuple(criteria)


def read_levels(reader: "_Reader", entry: Located, path: str) -> list[dict[str, Any]]:
    raw = entry.get("levels")
    low, high = LEVELS
    if not isinstance(raw, list) or not low <= len(raw) <= high:
        reader.problem(path, entry.line_of("levels"), N_("levels must be a list of %(low)d to %(high)d levels, each "
                                                         "with points and a descriptor"), low=low, high=high)
        return []
    levels = []
    for level in raw:
        if not isinstance(level, Located):
            reader.problem(path, entry.line_of("levels"), N_("each level must be a mapping with points and a descriptor"))
            continue
        reader.unknown_fields(level, path, LEVEL_FIELDS)
        points = level.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 <= points <= MAX_LEVEL_POINTS:
            reader.problem(path, level.line_of("points"), N_("points must be a number from 0 to %(max)d"),
                           max=MAX_LEVEL_POINTS)
            points = 0
        levels.append({"points": float(points), "descriptor": reader.required_text(level, path, "descriptor", 1000)})
    points = [level["points"] for level in levels]
    if len(set(points)) != len(points):
        reader.problem(path, entry.line_of("levels"), N_("two levels of a criterion give the same points"))
    elif points and max(points) <= 0:
        reader.problem(path, entry.line_of("levels"), N_("a criterion's best level must give points above zero"))
    return sorted(levels, key=lambda level: level["points"])
