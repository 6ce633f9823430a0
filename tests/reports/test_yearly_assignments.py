"""The yearly report counts assignments as the cohort pages show them: handed in, passed and late."""
import csv
import io
import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from portal.accounts.models import Gender, Role
from portal.assignments.models import CohortAssignment
from portal.cohorts.reports import cohort_report
from portal.courses.models import Assignment, Course
from portal.extensions import db
from tests.assignments.conftest import PAGE
from tests.assignments.test_reviewing import hand_in, review
from tests.conftest import queries_during
from tests.coursefiles import with_assignment
from tests.discussion.conftest import make_cohort
from tests.reports.test_yearly import figure, html_groups


def test_assignments_in_the_yearly_report_add_up_to_the_cohort_pages(client_for, make_course, make_user):
    make_course(with_assignment({"01-basics/quiz.yaml": None}))
    course = db.session.scalar(select(Course))
    lecturer = make_user(Role.LECTURER)
    course.lecturers = [lecturer]
    carmen = make_user(Role.COORDINATOR)
    amina, bilal, chen, dana = (make_user(gender=gender) for gender in
                                (Gender.FEMALE, Gender.MALE, Gender.MALE, Gender.FEMALE))
    spring = make_cohort("Spring", carmen, [amina, bilal, chen], date(2026, 3, 1), date(2026, 3, 20))
    autumn = make_cohort("Autumn", carmen, [dana], date(2026, 10, 1), date(2026, 10, 20))
    # Spring's work was due long ago: what is handed in now is late.
    db.session.add(CohortAssignment(cohort_id=spring.id, assignment_id=db.session.scalar(select(Assignment.id)),
                                    due_at=datetime(2026, 3, 20, tzinfo=UTC)))
    db.session.commit()
    staff = client_for(lecturer)
    review(staff, hand_in(client_for(amina)), 2, 1, "passed", "Good.")          # late, passed
    review(staff, hand_in(client_for(bilal)), 0, 0, "revise", "Again.")         # late, to revise
    client_for(chen).submit(PAGE, {"text": "A draft.", "save": "Save"})        # a draft: not handed in
    review(staff, hand_in(client_for(dana)), 2, 1, "passed", "Good.")           # on time, passed

    boss = client_for(carmen)
    page = boss.get("/reports/yearly?start=2026-01-01&end=2026-12-31").get_data(as_text=True)
    rows = [row for cohort in (spring, autumn) for row in cohort_report(cohort, course).rows]
    on_pages = [result for row in rows for result in row.assignments.values()]
    assert int(figure(page, "assignments")) == 4
    assert int(figure(page, "assignments_submitted")) == sum(r.status != "draft" for r in on_pages) == 3
    assert int(figure(page, "assignments_passed")) == sum(r.is_passed for r in on_pages) == 2
    assert int(figure(page, "assignments_late")) == sum(r.is_late for r in on_pages) == 2
    groups = html_groups(page)
    assert groups[("gender", "female")][-3:] == ["2", "2", "1"] and groups[("gender", "male")][-3:] == ["1", "0", "1"]
    spring_row = re.search(rf'<tr data-cohort="{spring.id}">.*?</tr>', page, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", spring_row)[-3:] == ["2", "1", "2"]

    rows_csv = list(csv.reader(io.StringIO(boss.get("/reports/yearly.csv?start=2026-01-01&end=2026-12-31")
                                           .data.decode("utf-8-sig"))))
    start = rows_csv.index(["Summary"]) + 2
    summary = {row[0]: row[1] for row in rows_csv[start:rows_csv.index([], start)]}
    assert summary["Assignments handed in"] == "3" and summary["Assignments passed"] == "2"
    assert summary["Assignments handed in late"] == "2"
    cohort_header = rows_csv[rows_csv.index(["By cohort"]) + 1]
    assert cohort_header[-3:] == ["assignments handed in", "assignments passed", "assignments late"]
    assert "Assignments handed in" in [row[0] for row in rows_csv[rows_csv.index(["Definitions"]):]]

    def count() -> int:
        queries, response = queries_during(lambda: boss.get("/reports/yearly?start=2026-01-01&end=2026-12-31"))
        assert response.status_code == 200
        return queries

    few = count()
    more = [make_user() for _ in range(3)]
    make_cohort("Summer", carmen, more, date(2026, 6, 1), date(2026, 6, 9))
    for trainee in more:
        hand_in(client_for(trainee))
    assert count() == few
