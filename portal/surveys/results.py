"""The figures of a survey's results, from its answers: pure functions, shared by the results page,
its exports and the yearly report.

Answers as stored: a likert item gives its point (1 to 5), a rating its score (0 to 10), a single
choice the position of the choice (0-based), a multiple choice a list of positions, a text its text.
Figures are shown only for groups of at least MIN_GROUP respondents, so that no one's answers can
be told apart."""
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portal.content.surveyfile import SurveyQuestion
from portal.inputs import without_controls

#: Smaller groups are reported as "fewer than 5", with no figures.
MIN_GROUP = 5
MAX_TEXT_ANSWER = 5000


def is_reportable(respondents: int) -> bool:
    return respondents >= MIN_GROUP


def in_steps(count: int) -> int:
    """The count rounded down to a multiple of MIN_GROUP: figures move only when a whole group more has
    answered, so that the change between two readings is never one person's answers."""
    return count // MIN_GROUP * MIN_GROUP


def clean_answer(question: SurveyQuestion, value: Any) -> Any:
    """The answer as stored, or None when it is not one this question takes (None for an empty answer too)."""
    if value in (None, "", []):
        return None
    if question.type == "likert":
        return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5 else None
    if question.type == "rating":
        return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10 else None
    if question.type == "single":
        return value if isinstance(value, int) and 0 <= value < len(question.choices) else None
    if question.type == "multiple":
        if not isinstance(value, list) or not all(isinstance(v, int) and 0 <= v < len(question.choices) for v in value):
            return None
        return sorted(set(value))
    if question.type == "text":
        text = without_controls(value).strip() if isinstance(value, str) else ""
        return text[:MAX_TEXT_ANSWER] or None
    return None


def net_promoter_score(scores: Sequence[int]) -> float | None:
    """Promoters (9 and 10) less detractors (0 to 6), as a share of all scores, from -100 to 100."""
    if not scores:
        return None
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return 100 * (promoters - detractors) / len(scores)


@dataclass
class ItemResult:
    question: SurveyQuestion
    answered: int
    #: (label, count) per point, score or choice, in the question's order; empty for text questions.
    distribution: list[tuple[str, int]]
    mean: float | None = None
    median: float | None = None
    nps: float | None = None
    #: The text answers, shuffled when the survey is anonymous.
    texts: list[str] | None = None

    @property
    def is_reportable(self) -> bool:
        return is_reportable(self.answered)


def item_result(question: SurveyQuestion, answers: list[Any], *, anonymous: bool = True,
                rng: random.Random | None = None) -> ItemResult:
    """The figures of one question from its answers as stored (None for unanswered)."""
    given = [answer for answer in answers if answer is not None]
    if question.type == "text":
        texts = [str(answer) for answer in given]
        if anonymous:  # the order of arrival could tell who wrote what
            (rng or random.SystemRandom()).shuffle(texts)
        return ItemResult(question, len(texts), [], texts=texts)
    if question.type in ("likert", "rating"):
        points = range(1, 6) if question.type == "likert" else range(0, 11)
        labels = list(question.choices) if question.type == "likert" else [str(point) for point in points]
        distribution = [(label, sum(answer == point for answer in given)) for label, point in zip(labels, points, strict=True)]
        return ItemResult(question, len(given), distribution,
                          mean=statistics.fmean(given) if given else None,
                          median=statistics.median(given) if given else None,
                          nps=net_promoter_score(given) if question.type == "rating" else None)
    if question.type == "single":
        distribution = [(label, sum(answer == position for answer in given))
                        for position, label in enumerate(question.choices)]
        return ItemResult(question, len(given), distribution)
    distribution = [(label, sum(position in answer for answer in given))
                    for position, label in enumerate(question.choices)]
    return ItemResult(question, len(given), distribution)


def response_rate(responses: int, invited: int) -> float | None:
    """In percent, never above 100 (someone may have answered and left the group since)."""
    return min(100.0, 100 * responses / invited) if invited else None
