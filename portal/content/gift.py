"""Moodle's GIFT question format: a tokenizer, a recursive-descent parser and a writer.

The grammar, as Moodle documents it:

    file      := chunk (blank-line chunk)*          lines starting with // are comments
    chunk     := "$CATEGORY:" path | question
    question  := ["::" name "::"] ["[" format "]"] text ["{" block "}" text]
    block     := [answers] ["####" general-feedback]
    answers   := "#" numeric-items | T | F | TRUE | FALSE ["#" feedback ["#" feedback]]
               | ("=" | "~") ["%" weight "%"] text ["#" feedback] ...     (choices, short answers)
               | "=" text "->" text ...                                    (matching)
    escapes   := \\~ \\= \\# \\{ \\} \\: \\\\ and \\n (a new line)

Parsing gives a tree of dataclasses that remember the line of each question and answer; every
construct the tree cannot hold is a Problem with its line. The tokenizer reads each character
once and the parser looks at each token a bounded number of times, so time grows linearly with
the size of the file, however hostile."""
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Final

from portal.content.messages import N_
from portal.content.problems import Problem

FORMATS = ("moodle", "html", "markdown", "plain")
DEFAULT_FORMAT = "moodle"
#: After this many problems a file is not worth reading further: the first ones are what to fix.
MAX_PROBLEMS = 50
#: Longer numbers are refused rather than converted (see yamlfile.MAX_NUMBER_LENGTH).
MAX_NUMBER_LENGTH = 100
ESCAPABLE = "~=#{}:\\"


# ---------------------------------------------------------------------------------------------
# The tree


@dataclass(frozen=True)
class Answer:
    """A choice or an accepted short answer: `=` marks it right, `~` wrong; `%n%` weighs it."""

    text: str
    correct: bool
    weight: float | None = None   #: percent of the marks, as written; None when not written
    feedback: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def percent(self) -> float:
        """The share of the marks this answer earns: its weight, or 100 for = and 0 for ~."""
        if self.weight is not None:
            return self.weight
        return 100.0 if self.correct else 0.0


@dataclass(frozen=True)
class NumericAnswer:
    """A number with an optional tolerance (`3.14:0.01`), or a range (`1..5`)."""

    value: float | None = None
    tolerance: float | None = None
    low: float | None = None
    high: float | None = None
    weight: float | None = None
    feedback: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def is_range(self) -> bool:
        return self.low is not None

    @property
    def percent(self) -> float:
        return 100.0 if self.weight is None else self.weight


@dataclass(frozen=True)
class Pair:
    """A matching pair: `=prompt -> answer`; an empty prompt is an extra, wrong answer."""

    prompt: str
    answer: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Choices:
    """Multiple choice: one right answer when any answer is marked `=`, else several weighted."""

    answers: tuple[Answer, ...]

    @property
    def is_single(self) -> bool:
        return any(answer.correct for answer in self.answers)


@dataclass(frozen=True)
class ShortAnswers:
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class TrueFalse:
    answer: bool
    wrong_feedback: str | None = None  #: shown to whoever gives the wrong answer
    right_feedback: str | None = None


@dataclass(frozen=True)
class Numeric:
    answers: tuple[NumericAnswer, ...]
    other_feedback: str | None = None  #: `~#feedback`: shown for any other number


@dataclass(frozen=True)
class Matching:
    pairs: tuple[Pair, ...]


@dataclass(frozen=True)
class Essay:
    """An empty answer block: `{}`."""


Block = Choices | ShortAnswers | TrueFalse | Numeric | Matching | Essay


class Kind(StrEnum):
    DESCRIPTION = "description"
    ESSAY = "essay"
    CHOICES = "choices"
    SHORT_ANSWER = "short_answer"
    TRUE_FALSE = "true_false"
    NUMERIC = "numeric"
    MATCHING = "matching"


@dataclass(frozen=True)
class Question:
    """One question; `block` is None for a description (text without an answer block)."""

    text: str
    block: Block | None = None
    name: str | None = None
    format: str = DEFAULT_FORMAT
    text_after: str = ""              #: a missing-word question's text after its answer block
    general_feedback: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def kind(self) -> Kind:
        kinds: dict[type, Kind] = {Choices: Kind.CHOICES, ShortAnswers: Kind.SHORT_ANSWER, TrueFalse: Kind.TRUE_FALSE,
                                   Numeric: Kind.NUMERIC, Matching: Kind.MATCHING, Essay: Kind.ESSAY}
        return Kind.DESCRIPTION if self.block is None else kinds[type(self.block)]


@dataclass(frozen=True)
class Category:
    """`$CATEGORY: path`: the questions after it belong to this category."""

    path: str
    line: int = field(default=0, compare=False)


Item = Question | Category


# ---------------------------------------------------------------------------------------------
# Tokens


class T:
    """Token kinds: a special character stands for itself; everything else is TEXT."""

    TEXT = ""
    LBRACE = "{"
    RBRACE = "}"
    EQUALS = "="
    TILDE = "~"
    HASH = "#"
    COLON = ":"
    NAME_MARK = "::"
    ARROW = "->"


#: (kind, value, line): the value is the characters the token stands for, escapes resolved. A plain
#: tuple, because a 1 MB file may hold a million tokens.
Token = tuple[str, str, int]
KIND: Final = 0
VALUE: Final = 1
LINE: Final = 2


_SPECIALS = frozenset({"{", "}", "=", "~", "#", ":", "::", "->"})
#: Specials first; then an escape (or a lone backslash); then a run of ordinary characters.
_PIECE = re.compile(r"::|->|[{}=~#:]|\\[~=#{}:\\n]?|[^\\{}=~#:\-]+|-")
_ESCAPES = {"\\" + character: character for character in ESCAPABLE} | {"\\n": "\n"}


def chunks(text: str) -> Iterator[list[tuple[int, str]]]:
    """The file's questions: runs of (line number, line) between blank lines, comments left out."""
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            if chunk:
                yield chunk
            chunk = []
        elif not line.lstrip().startswith("//"):
            chunk.append((number, line))
    if chunk:
        yield chunk


def tokenize(lines: list[tuple[int, str]]) -> list[Token]:
    """The tokens of one chunk, in one pass; the new line between two lines is text."""
    tokens: list[Token] = []
    buffer: list[str] = []
    buffer_line = 0
    for index, (number, line) in enumerate(lines):
        pieces = _PIECE.findall(line)
        if index:
            pieces.insert(0, "\n")
        for piece in pieces:
            if piece in _SPECIALS:
                if buffer:
                    tokens.append((T.TEXT, "".join(buffer), buffer_line))
                    buffer = []
                tokens.append((piece, piece, number))
                continue
            if not buffer:
                buffer_line = number
            buffer.append(_ESCAPES.get(piece, piece) if piece[0] == "\\" else piece)
    if buffer:
        tokens.append((T.TEXT, "".join(buffer), buffer_line))
    return tokens


def _literal(tokens: Iterable[Token]) -> str:
    """Tokens read as plain text: outside their place, special characters mean themselves."""
    return "".join([token[VALUE] for token in tokens])


# ---------------------------------------------------------------------------------------------
# The parser


class GiftError(Exception):
    """A construct the tree cannot hold, at a line: ends the question it is in."""

    def __init__(self, line: int, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.line, self.message, self.params = line, message, params


_FORMAT = re.compile(r"\[(" + "|".join(FORMATS) + r")\]")
_WEIGHT = re.compile(r"\s*%(-?\d{1,3}(?:\.\d{1,20})?)%")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def _split(tokens: list[Token], kinds: set[str]) -> Iterator[list[Token]]:
    """Tokens cut before each token of the given kinds, one part at a time; the first part holds what
    comes before any."""
    start = 0
    for index, token in enumerate(tokens):
        if token[KIND] in kinds:
            yield tokens[start:index]
            start = index
    yield tokens[start:]


def _index(tokens: list[Token], kinds: set[str], start: int = 0) -> int:
    """The index of the first token of the given kinds from `start`, or -1."""
    for index in range(start, len(tokens)):
        if tokens[index][KIND] in kinds:
            return index
    return -1


def _text(tokens: list[Token], line: int) -> str:
    """Plain text, trimmed; refuses a text format given on a part other than the question's text."""
    text = _literal(tokens).strip()
    if _FORMAT.match(text):
        raise GiftError(tokens[0][LINE] if tokens else line,
                        N_("a text format such as [html] may only come before the question text, not before an "
                           "answer or a feedback"))
    return text


def _optional(text: str) -> str | None:
    return text or None


def _number(text: str, line: int) -> float:
    text = text.strip()
    if len(text) > MAX_NUMBER_LENGTH or not _NUMBER.fullmatch(text):
        raise GiftError(line, N_("'%(text)s' is not a number"), text=text[:40])
    value = float(text)
    if not math.isfinite(value):
        raise GiftError(line, N_("'%(text)s' is too large a number"), text=text[:40])
    return value


class _QuestionParser:
    """Parses one chunk's tokens into a Question or a Category."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.line = tokens[0][LINE]

    def parse(self) -> Item | None:
        tokens = self.tokens
        head = _literal(tokens[:2]).lstrip()
        if head == "$CATEGORY:" and tokens[0][KIND] == T.TEXT and tokens[1][KIND] == T.COLON:
            path = _literal(tokens[2:]).strip()
            if not path:
                raise GiftError(self.line, N_("$CATEGORY: needs the category's name"))
            return Category(path, self.line)
        position, name = self.name()
        text_tokens, position = self.until(position, {T.LBRACE, T.RBRACE})
        question_format, text = self.formatted(text_tokens)
        if position == len(tokens):
            if not text:
                raise GiftError(self.line, N_("a question needs text"))
            return Question(text, None, name, question_format, line=self.line)
        if tokens[position][KIND] == T.RBRACE:
            raise GiftError(tokens[position][LINE], N_("a } without a { before it: escape it as \\} to show it"))
        opening = tokens[position]
        block_tokens, end = self.until(position + 1, {T.LBRACE, T.RBRACE})
        if end == len(tokens):
            raise GiftError(opening[LINE], N_("the answer block opened here is not closed by }"))
        if tokens[end][KIND] == T.LBRACE:
            raise GiftError(tokens[end][LINE], N_("a { inside an answer block: escape it as \\{ to show it"))
        after = tokens[end + 1:]
        stray = _index(after, {T.LBRACE, T.RBRACE})
        if stray >= 0:
            raise GiftError(after[stray][LINE], N_("a question has one answer block: escape other braces as \\{ and \\}"))
        block, general_feedback = _Block(block_tokens, opening[LINE]).parse()
        return Question(text, block, name, question_format, _literal(after).strip(), general_feedback, self.line)

    def name(self) -> tuple[int, str | None]:
        tokens, start = self.tokens, 0
        if tokens[0][KIND] == T.TEXT and not tokens[0][VALUE].strip() and len(tokens) > 1:
            start = 1
        if tokens[start][KIND] != T.NAME_MARK:
            return 0, None
        end = _index(tokens, {T.NAME_MARK}, start + 1)
        if end < 0:
            raise GiftError(tokens[start][LINE], N_("the question name that starts with :: here is not closed by ::"))
        return end + 1, _optional(_literal(tokens[start + 1:end]).strip())

    def until(self, start: int, kinds: set[str]) -> tuple[list[Token], int]:
        end = _index(self.tokens, kinds, start)
        end = len(self.tokens) if end < 0 else end
        return self.tokens[start:end], end

    def formatted(self, tokens: list[Token]) -> tuple[str, str]:
        text = _literal(tokens).strip()
        found = _FORMAT.match(text)
        if found:
            return found.group(1), text[found.end():].strip()
        return DEFAULT_FORMAT, text


class _Block:
    """Parses the tokens between { and }."""

    def __init__(self, tokens: list[Token], line: int) -> None:
        self.tokens, self.line = tokens, line

    def parse(self) -> tuple[Block, str | None]:
        tokens, general_feedback = self.tokens, None
        run = 0
        for index, token in enumerate(tokens):
            run = run + 1 if token[KIND] == T.HASH else 0
            if run == 4:
                general_feedback = _optional(_text(tokens[index + 1:], token[LINE]))
                tokens = tokens[:index - 3]
                break
        while tokens and tokens[0][KIND] == T.TEXT and not tokens[0][VALUE].strip():
            tokens = tokens[1:]
        while tokens and tokens[-1][KIND] == T.TEXT and not tokens[-1][VALUE].strip():
            tokens = tokens[:-1]
        kinds = {token[KIND] for token in tokens}
        if not tokens:
            return Essay(), general_feedback
        if tokens[0][KIND] == T.HASH:
            return self.numeric(tokens[1:]), general_feedback
        if T.TILDE in kinds:
            return Choices(self.answers(tokens, choices=True)), general_feedback
        if T.EQUALS in kinds and T.ARROW in kinds and self.has_pairs(tokens):
            return self.matching(tokens), general_feedback
        first_hash = _index(tokens, {T.HASH})
        head = _literal(tokens if first_hash < 0 else tokens[:first_hash]).strip()
        if head in _TRUE_FALSE:
            return self.true_false(_TRUE_FALSE[head], tokens[first_hash:] if first_hash >= 0 else []), general_feedback
        return ShortAnswers(self.answers(tokens, choices=False)), general_feedback

    def has_pairs(self, tokens: list[Token]) -> bool:
        """Whether any answer has a -> in its own text (not in its feedback): a matching question."""
        for item in _split(tokens, {T.EQUALS}):
            cut = _index(item, {T.HASH})
            if _index(item[:cut] if cut >= 0 else item, {T.ARROW}) >= 0:
                return True
        return False

    def items(self, tokens: list[Token], markers: set[str]) -> Iterator[list[Token]]:
        """The block's items, each starting with its marker; text before any marker is refused."""
        parts = _split(tokens, markers)
        first = next(parts)
        if _literal(first).strip():
            raise GiftError(first[0][LINE], N_("each answer starts with = (right) or ~ (wrong)"))
        yield from parts

    def weighed(self, item: list[Token]) -> tuple[float | None, list[Token]]:
        """The `%n%` weight after an item's marker, and the item's remaining tokens."""
        rest = item[1:]
        if rest and rest[0][KIND] == T.TEXT:
            found = _WEIGHT.match(rest[0][VALUE])
            if found:
                weight = float(found.group(1))
                if not -100 <= weight <= 100:
                    raise GiftError(rest[0][LINE], N_("a weight must be a percentage from -100 to 100"))
                remainder = rest[0][VALUE][found.end():]
                return weight, ([(T.TEXT, remainder, rest[0][LINE])] if remainder else []) + rest[1:]
        return None, rest

    def feedback(self, tokens: list[Token]) -> tuple[list[Token], str | None]:
        """An item's own tokens and its feedback (after its first #; later # are text)."""
        cut = _index(tokens, {T.HASH})
        if cut < 0:
            return tokens, None
        return tokens[:cut], _optional(_text(tokens[cut + 1:], tokens[cut][LINE]))

    def answers(self, tokens: list[Token], choices: bool) -> tuple[Answer, ...]:
        if not choices and tokens[0][KIND] != T.EQUALS:
            # Short answers may leave out the = before their first answer: {four =4}.
            tokens = [(T.EQUALS, "=", tokens[0][LINE]), *tokens]
        answers = []
        for item in self.items(tokens, {T.EQUALS, T.TILDE}):
            marker = item[0]
            weight, rest = self.weighed(item)
            own, feedback = self.feedback(rest)
            text = _text(own, marker[LINE])
            if not text:
                raise GiftError(marker[LINE], N_("an answer after %(marker)s has no text"), marker=marker[VALUE])
            answers.append(Answer(text, marker[KIND] == T.EQUALS, weight, feedback, marker[LINE]))
        if choices and len(answers) < 2:
            raise GiftError(self.line, N_("a multiple-choice question needs at least two answers"))
        return tuple(answers)

    def true_false(self, answer: bool, tokens: list[Token]) -> TrueFalse:
        """`#wrong feedback#right feedback` after T or F; any later # is text."""
        if not tokens:
            return TrueFalse(answer)
        second = _index(tokens, {T.HASH}, 1)
        wrong = _text(tokens[1:second] if second >= 0 else tokens[1:], self.line)
        right = _text(tokens[second + 1:], self.line) if second >= 0 else ""
        return TrueFalse(answer, _optional(wrong), _optional(right))

    def matching(self, tokens: list[Token]) -> Matching:
        pairs = []
        for item in self.items(tokens, {T.EQUALS}):
            marker = item[0]
            weight, rest = self.weighed(item)
            if weight is not None:
                raise GiftError(marker[LINE], N_("a matching pair cannot have a weight"))
            if _index(rest, {T.HASH}) >= 0:
                raise GiftError(marker[LINE], N_("a matching pair cannot have feedback: escape # as \\#"))
            arrow = _index(rest, {T.ARROW})
            if arrow < 0:
                raise GiftError(marker[LINE], N_("a matching pair is written =prompt -> answer"))
            answer = _text(rest[arrow + 1:], marker[LINE])
            if not answer:
                raise GiftError(marker[LINE], N_("a matching pair needs an answer after ->"))
            pairs.append(Pair(_text(rest[:arrow], marker[LINE]), answer, marker[LINE]))
        if sum(1 for pair in pairs if pair.prompt) < 2:
            raise GiftError(self.line, N_("a matching question needs at least two pairs"))
        return Matching(tuple(pairs))

    def numeric(self, tokens: list[Token]) -> Numeric:
        other = _index(tokens, {T.TILDE})
        other_feedback = None
        if other >= 0:
            own, other_feedback = self.feedback(tokens[other + 1:])
            if _literal(own).strip() or _index(tokens[other + 1:], {T.TILDE}) >= 0:
                raise GiftError(tokens[other][LINE],
                                N_("in a numeric question ~ only gives feedback for any other number: ~#feedback"))
            tokens = tokens[:other]
        stripped = _literal(tokens).strip()
        if stripped and not stripped.startswith("="):
            tokens = [(T.EQUALS, "=", tokens[0][LINE]), *tokens]
        answers = []
        for item in self.items(tokens, {T.EQUALS}):
            marker = item[0]
            weight, rest = self.weighed(item)
            own, feedback = self.feedback(rest)
            answers.append(self.numeric_answer(_literal(own).strip(), marker[LINE], weight, feedback))
        if not answers:
            raise GiftError(self.line, N_("a numeric question needs a number: {#3.14} or {#3.14:0.01} or {#1..5}"))
        return Numeric(tuple(answers), other_feedback)

    def numeric_answer(self, text: str, line: int, weight: float | None, feedback: str | None) -> NumericAnswer:
        if ".." in text:
            low_text, high_text = text.split("..", 1)
            low, high = _number(low_text, line), _number(high_text, line)
            if low > high:
                raise GiftError(line, N_("the range %(text)s starts above where it ends"), text=text[:80])
            return NumericAnswer(low=low, high=high, weight=weight, feedback=feedback, line=line)
        if ":" in text:
            value_text, tolerance_text = text.split(":", 1)
            tolerance = _number(tolerance_text, line)
            if tolerance < 0:
                raise GiftError(line, N_("a tolerance cannot be negative"))
            return NumericAnswer(_number(value_text, line), tolerance, weight=weight, feedback=feedback, line=line)
        return NumericAnswer(_number(text, line), weight=weight, feedback=feedback, line=line)


def parse_gift(text: str, file: str) -> tuple[list[Item], list[Problem]]:
    """The questions and categories in a GIFT file, and a problem for each question that cannot be read."""
    items: list[Item] = []
    problems: list[Problem] = []
    for chunk in chunks(text):
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(file, chunk[0][0], N_("too many problems: the rest of the file was not read")))
            break
        tokens = tokenize(chunk)
        if not _literal(tokens).strip():
            continue
        try:
            item = _QuestionParser(tokens).parse()
        except GiftError as error:
            problems.append(Problem(file, error.line, error.message, error.params))
            continue
        if item is not None:
            items.append(item)
    return items, problems


# ---------------------------------------------------------------------------------------------
# Writing GIFT


class NotRepresentable(ValueError):
    """A question that the format cannot hold, with an English message template and its values."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


def escape(text: str) -> str:
    """Text with GIFT's special characters escaped and new lines written as \\n."""
    out = []
    for character in text:
        if character in ESCAPABLE:
            out.append("\\" + character)
        elif character == "\n":
            out.append("\\n")
        else:
            out.append(character)
    return "".join(out)


def number(value: float) -> str:
    """A number as short as it can be written and read back exactly."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _weight(weight: float | None) -> str:
    if weight is None:
        return ""
    written = number(weight) if float(weight).is_integer() else format(Decimal(repr(weight)), "f")
    if not _WEIGHT.fullmatch(f"%{written}%"):
        raise NotRepresentable(N_("the weight %(weight)s cannot be written in GIFT"), weight=written[:40])
    return f"%{written}%"


def _feedback(feedback: str | None) -> str:
    return "" if feedback is None else "#" + _part(feedback)


def _part(text: str) -> str:
    """An answer or feedback text, refusing what would read back differently."""
    if _FORMAT.match(text):
        raise NotRepresentable(N_("an answer or feedback cannot start with a text format such as [html]"))
    return escape(text)


def _answer(answer: Answer) -> str:
    if answer.weight is None and _WEIGHT.match(answer.text):
        raise NotRepresentable(N_("an answer without a weight cannot start with a number between percent signs"))
    marker = "=" if answer.correct else "~"
    return f"\t{marker}{_weight(answer.weight)}{_part(answer.text)}{_feedback(answer.feedback)}"


def _answer_lines(block: Block) -> list[str]:
    if isinstance(block, (Choices, ShortAnswers)):
        return [_answer(answer) for answer in block.answers]
    if isinstance(block, Numeric):
        lines = []
        for a in block.answers:
            if a.low is not None and a.high is not None:
                value = f"{number(a.low)}..{number(a.high)}"
            else:
                value = number(a.value or 0.0) + ("" if a.tolerance is None else f":{number(a.tolerance)}")
            lines.append(f"\t={_weight(a.weight)}{value}{_feedback(a.feedback)}")
        if block.other_feedback is not None:
            lines.append(f"\t~{_feedback(block.other_feedback)}")
        return lines
    if isinstance(block, Matching):
        for pair in block.pairs:
            if "->" in pair.prompt or "->" in pair.answer:
                raise NotRepresentable(N_("a matching pair cannot contain -> in GIFT"))
            if _WEIGHT.match(pair.prompt):
                raise NotRepresentable(N_("an answer without a weight cannot start with a number between percent signs"))
        return [f"\t={_part(pair.prompt)} -> {_part(pair.answer)}" for pair in block.pairs]
    return []


def _block(question: Question) -> str:
    block = question.block
    general = "" if question.general_feedback is None else "####" + _part(question.general_feedback)
    if isinstance(block, TrueFalse):
        answer = "TRUE" if block.answer else "FALSE"
        feedback = ""
        if block.right_feedback is not None:
            feedback = _feedback(block.wrong_feedback) or "#"
            feedback += _feedback(block.right_feedback)
        elif block.wrong_feedback is not None:
            feedback = _feedback(block.wrong_feedback)
        return "{" + answer + feedback + general + "}"
    if isinstance(block, Essay):
        return "{" + general + "}"
    if isinstance(block, ShortAnswers) and any("->" in answer.text for answer in block.answers):
        raise NotRepresentable(N_("a short answer cannot contain -> in GIFT"))
    lines = ["{#" if isinstance(block, Numeric) else "{"]
    lines += _answer_lines(block) if block is not None else []
    if general:
        lines.append("\t" + general)
    return "\n".join(lines) + "\n}"


def question_to_gift(question: Question) -> str:
    """One question in GIFT; raises NotRepresentable for what GIFT cannot hold."""
    head = f"::{escape(question.name)}::" if question.name else ""
    text = escape(question.text)
    # A text that would be read as a format or a comment gets its format written out.
    if question.format != DEFAULT_FORMAT or _FORMAT.match(text) or (not head and text.startswith("//")):
        head += f"[{question.format}]"
    if question.block is None:
        return head + text
    after = f" {escape(question.text_after)}" if question.text_after else ""
    return f"{head}{text} {_block(question)}{after}"


def to_gift(items: Iterable[Item]) -> str:
    """Questions and categories as a GIFT file, separated by blank lines."""
    out = []
    for item in items:
        if isinstance(item, Category):
            out.append(f"$CATEGORY: {escape(item.path)}")
        else:
            out.append(question_to_gift(item))
    return "\n\n".join(out) + "\n"
