"""YAML that remembers the line of every mapping and key, so problems can say where they are."""
import contextlib
from typing import Any

import yaml

from portal.content.messages import N_
from portal.content.problems import Problem

#: Longer numbers are refused: Python will not even print an integer of more than 4,300 digits.
MAX_NUMBER_LENGTH = 100
#: What YAML may not hold as written text: control characters other than tab, line feed and carriage
#: return, and unpaired surrogates. An escape ("\0", "\x01", "\ud800") can still spell them, and
#: then text would break the database (NUL), the page (a surrogate) or a spreadsheet export.
NOT_TEXT = yaml.reader.Reader.NON_PRINTABLE
NOT_TEXT_PROBLEM = N_("this text holds the character %(code)s, a control character or an unpaired surrogate, "
                      "which course text may not hold; remove it")


class Located(dict):
    """A mapping read from YAML, with the line where it starts and the line of each key."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class Refused(yaml.YAMLError):
    """YAML that is valid but not allowed in a course file, with where it is."""

    def __init__(self, message: str, mark: Any, **params: Any) -> None:
        super().__init__(message % params)
        self.message, self.params, self.problem_mark = message, params, mark


class _LineLoader(yaml.SafeLoader):
    """Refuses anchors and aliases: by reference, 300 bytes of them expand to gigabytes."""

    duplicates: list[tuple[int, Any]]

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise Refused(N_("the alias *%(name)s is not allowed: course files may not use anchors (&) "
                             "or aliases (*); write the value out"), event.start_mark, name=event.anchor)
        if getattr(event, "anchor", None) is not None:
            raise Refused(N_("the anchor &%(name)s is not allowed: course files may not use anchors (&) "
                             "or aliases (*); write the value out"), event.start_mark, name=event.anchor)
        return super().compose_node(parent, index)


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int:
    if len(str(node.value)) > MAX_NUMBER_LENGTH:
        raise Refused(N_("this number is longer than %(max)d characters"), node.start_mark, max=MAX_NUMBER_LENGTH)
    return loader.construct_yaml_int(node)


def _construct_str(loader: _LineLoader, node: yaml.ScalarNode) -> str:
    """Text, refused when an escape puts in it a character YAML would not take as written."""
    value = loader.construct_yaml_str(node)
    if NOT_TEXT.search(value):
        with contextlib.suppress(UnicodeDecodeError):  # a pair of escapes, as JSON writes "\ud83d\ude00" for 😀
            value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        if found := NOT_TEXT.search(value):
            raise Refused(NOT_TEXT_PROBLEM, node.start_mark, code=f"U+{ord(found.group()):04X}")
    return value


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    """A date or time; one that does not exist (2026-02-30) is a problem with its line, not a crash."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        raise Refused(N_("%(value)s is not a real date"), node.start_mark, value=str(node.value)[:40]) from None


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    mapping = Located()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise Refused(N_("a key must be a plain name, not a list or mapping"), key_node.start_mark)
        line = key_node.start_mark.line + 1
        if key in mapping:
            loader.duplicates.append((line, key))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load_yaml(text: str, file: str, problems: list[Problem], line_offset: int = 0) -> Any:
    """Parse YAML; on error add a problem with its line and return None."""
    try:
        loader = _LineLoader(text)
    except yaml.reader.ReaderError as error:  # a character YAML never accepts, such as NUL
        where = text[:error.position].count("\n") + 1 + line_offset
        problems.append(Problem(file, where, N_("invalid YAML: %(reason)s"), {"reason": error.reason}))
        return None
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except Refused as error:
        line = error.problem_mark.line + 1 + line_offset if error.problem_mark else None
        problems.append(Problem(file, line, error.message, error.params))
        return None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark else None
        reason = getattr(error, "problem", None) or str(error)
        problems.append(Problem(file, line, N_("invalid YAML: %(reason)s"), {"reason": reason}))
        return None
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        problems.append(Problem(file, line + line_offset, N_("'%(key)s' is given twice"), {"key": str(key)}))
    if line_offset:
        _shift(data, line_offset)
    return data


def _shift(data: Any, offset: int) -> None:
    if isinstance(data, Located):
        data.line += offset
        data.lines = {k: v + offset for k, v in data.lines.items()}
        for value in data.values():
            _shift(value, offset)
    elif isinstance(data, list):
        for item in data:
            _shift(item, offset)
