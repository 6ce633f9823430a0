"""Racing requests against PostgreSQL: two reviewers returning the same work at once return it once."""
import threading

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.assignments import reviewing, services
from portal.assignments.models import Review, ReviewOutcome, Submission
from portal.extensions import db
from tests.assignments.test_reviewing import hand_in


def test_two_reviewers_returning_the_same_work_at_once_record_one_review(app, database_url, client_for, people,
                                                                         cohort):
    if not database_url.startswith("postgresql"):
        pytest.skip("racing reviews are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    submission_id = hand_in(client_for(people["amina"])).id
    reviewer_ids = [people["lecturer"].id, people["coordinator"].id]
    barrier, refused, errors = threading.Barrier(2), [], []
    workers = [create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url}) for _ in reviewer_ids]

    def review(worker, reviewer_id: int) -> None:
        with worker.app_context():
            try:
                from portal.accounts.models import User

                submission = db.session.get(Submission, submission_id)
                reviewer = db.session.get(User, reviewer_id)
                barrier.wait()
                reviewing.record_review(submission, reviewer, {"evidence": 2, "recommendations": 1}, "",
                                       ReviewOutcome.PASSED)
                db.session.commit()
            except services.Refused as error:
                refused.append(error)
                db.session.rollback()
            except Exception as error:  # noqa: BLE001 - collected and shown below
                errors.append(error)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=review, args=pair) for pair in zip(workers, reviewer_ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()
    assert not errors, errors
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1 and len(refused) == 1
