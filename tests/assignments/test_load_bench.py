"""The load benchmark's reviewer (bench/load.py), which passes the work its simulated cohort hands in: it calls
the portal's services directly, and only a full run of the benchmark would find it out of step with them."""
from sqlalchemy import select

from bench.load import pass_handed_in_work
from portal.assignments.models import Submission, SubmissionStatus
from portal.extensions import db
from tests.assignments.conftest import PAGE


def test_the_benchmarks_reviewer_passes_the_work_handed_in(app, client_for, people, cohort):
    client = client_for(people["amina"])
    assert client.submit(PAGE, {"text": "Our country's case.", "submit": "Hand in"}).status_code == 302
    assert pass_handed_in_work(app) == 1
    db.session.expire_all()
    assert db.session.scalar(select(Submission.status)) == SubmissionStatus.PASSED
