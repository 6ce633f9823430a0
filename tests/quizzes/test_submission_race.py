"""One attempt submitted from several browsers at the same moment (a double click, two tabs, a retry on a
slow connection): every request ends on the attempt's result, the attempt is graded once, by one of them."""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.quizzes.models import AttemptAnswer, QuizAttempt
from tests.conftest import race
from tests.learning.helpers import RIGHT, WRONG, form_for, start

PARALLEL = 6
QUESTIONS = 5


def test_parallel_submissions_of_one_attempt_grade_it_once(app, database_url, make_course, make_user, client_for):
    if not database_url.startswith("postgresql"):
        pytest.skip("parallel submissions are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    make_course()
    trainee = make_user()
    first = client_for(trainee)
    assert first.submit("/courses/test-course/enrol", page="/courses/test-course").status_code == 302
    for attempt in range(3):  # the quiz allows three attempts; a race is not won every time
        attempt_id = start(first)
        url = f"/learn/test-course/attempts/{attempt_id}"
        # Half the browsers send right answers, half wrong ones: the stored grade must be one sender's, whole.
        forms = [form_for(attempt_id, RIGHT if n % 2 else WRONG) for n in range(PARALLEL)]
        statuses = race([client_for(trainee) for _ in range(PARALLEL)], url, url, forms)
        assert statuses == [302] * PARALLEL, f"round {attempt}: {statuses}"
        db.session.expire_all()
        graded = db.session.get(QuizAttempt, attempt_id)
        answers = db.session.execute(select(func.count(), func.sum(AttemptAnswer.score))
                                     .where(AttemptAnswer.attempt_id == attempt_id)).one()
        assert graded.submitted_at is not None and graded.score in (0, 6)
        assert answers == (QUESTIONS, graded.score), f"round {attempt}: {answers} for a score of {graded.score}"
