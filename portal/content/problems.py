"""A problem found in a course's files, with where it is."""
from collections.abc import Mapping
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


def _order(problem: Problem) -> tuple[str, int, str]:
    return problem.file, problem.line or 0, problem.message


class ContentError(Exception):
    """Raised when content cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=_order)
        super().__init__("\n".join(str(p) for p in self.problems))
