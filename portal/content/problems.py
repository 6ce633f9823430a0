"""A problem found in a course's files, with where it is.

Problems stop an import. Warnings are Problems too, kept apart: the course imports, and
`flask courses validate` and the lecturer's preview show them."""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    #: An English template marked with N_, e.g. "missing field '%(name)s'"; translated where shown.
    message: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        """The message in English, its values filled in."""
        return self.message % self.params if self.params else self.message

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.text}"


def in_order(problems: Iterable[Problem]) -> list[Problem]:
    """Problems by file, then line, as a reader goes through the files."""
    return sorted(problems, key=lambda problem: (problem.file, problem.line or 0, problem.message))


class ContentError(Exception):
    """Raised when content cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = in_order(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
