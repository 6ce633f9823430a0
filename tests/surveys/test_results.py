"""The figures of survey results: distributions, mean and median, NPS, shuffled open answers, the group of five."""
import random

import pytest

from portal.content.surveyfile import SurveyQuestion, builtin_template
from portal.surveys.results import (
    MIN_GROUP,
    clean_answer,
    is_reportable,
    item_result,
    net_promoter_score,
    response_rate,
)

QUESTIONS = {question.key: question for question in builtin_template("course_evaluation").questions}


def test_a_likert_item_gives_its_distribution_mean_and_median():
    result = item_result(QUESTIONS["relevant"], [5, 4, 4, 2, None, 5])
    assert result.answered == 5
    assert result.distribution == [("Strongly disagree", 0), ("Disagree", 1), ("Neither agree nor disagree", 0),
                                   ("Agree", 2), ("Strongly agree", 2)]
    assert result.mean == 4.0 and result.median == 4 and result.nps is None


def test_a_rating_gives_the_net_promoter_score():
    result = item_result(QUESTIONS["recommend"], [10, 9, 8, 7, 6, 0, 10])
    assert result.nps == pytest.approx(100 * (3 - 2) / 7)
    assert [count for _label, count in result.distribution] == [1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2]
    assert net_promoter_score([]) is None and net_promoter_score([10, 10]) == 100 and net_promoter_score([3]) == -100


def test_choices_are_counted_by_position():
    single = item_result(QUESTIONS["workload"], [1, 1, 0, None])
    assert single.distribution == [("Too light", 1), ("About right", 2), ("Too heavy", 0)]
    areas = next(q for q in builtin_template("follow_up").questions if q.key == "areas")
    multiple = item_result(areas, [[0, 2], [2], None])
    assert multiple.answered == 2 and multiple.distribution[2][1] == 2 and multiple.distribution[0][1] == 1


def test_anonymous_open_answers_are_shuffled_and_named_ones_keep_their_order():
    answers = [f"answer {n}" for n in range(20)]
    shuffled = item_result(QUESTIONS["best"], answers, rng=random.Random(3)).texts
    assert sorted(shuffled) == sorted(answers) and shuffled != answers
    assert item_result(QUESTIONS["best"], answers, anonymous=False).texts == answers


def test_groups_of_fewer_than_five_are_not_reported():
    assert MIN_GROUP == 5
    assert not is_reportable(4) and is_reportable(5)
    assert not item_result(QUESTIONS["relevant"], [5, 4, 3, 2]).is_reportable
    assert item_result(QUESTIONS["relevant"], [5, 4, 3, 2, 1]).is_reportable


@pytest.mark.parametrize(("key", "value", "stored"), [
    ("relevant", 3, 3), ("relevant", 6, None), ("relevant", True, None), ("relevant", "3", None),
    ("recommend", 0, 0), ("recommend", 11, None), ("workload", 2, 2), ("workload", 3, None),
    ("best", "  good\x00 ", "good"), ("best", "a\x0bb\x1f\x7f\tc\r\n", "ab\x7f\tc"), ("best", "x" * 6000, "x" * 5000), ("best", "   ", None), ("improve", None, None),
])
def test_answers_are_checked_before_they_are_kept(key, value, stored):
    assert clean_answer(QUESTIONS[key], value) == stored


def test_multiple_choice_answers_are_deduplicated_and_checked():
    question = SurveyQuestion("areas", "multiple", "Where?", ("a", "b", "c"))
    assert clean_answer(question, [2, 0, 2]) == [0, 2]
    assert clean_answer(question, [0, 5]) is None and clean_answer(question, "0") is None


def test_response_rate():
    assert response_rate(5, 20) == 25.0 and response_rate(0, 0) is None
    assert response_rate(6, 5) == 100.0, "someone who answered may have left the cohort since"
