"""Reviewing: the queue, the rubric, revise and resubmit, passing, completion, email, privacy and queries."""
import io
import re

from sqlalchemy import event, select

from portal.assignments.models import CohortAssignment, Review, Submission, SubmissionStatus
from portal.audit import AuditEvent
from portal.courses.models import Assignment, Course, Lesson
from portal.extensions import db
from portal.learning.models import CourseCompletion
from portal.learning.services import complete_lesson
from tests.assignments.conftest import PAGE, PDF, browser_text, make_cohort


def hand_in(client, text: str = "My country's R&D funding.") -> Submission:
    client.submit(PAGE, {"text": text, "files": (io.BytesIO(PDF), "note.pdf"), "submit": "Hand in"},
                  content_type="multipart/form-data")
    return db.session.scalars(select(Submission).order_by(Submission.id.desc())).first()


def review(client, submission: Submission, evidence: int, recommendations: int, verdict: str, comment: str = ""):
    return client.submit(f"/reviews/{submission.id}", {"criterion-evidence": evidence,
                                                       "criterion-recommendations": recommendations,
                                                       "comment": comment, verdict: "x"}, follow_redirects=True)


def test_revise_resubmit_and_pass_completes_the_course_and_tells_the_trainee(client_for, people, cohort, smtp_server):
    amina, lecturer = people["amina"], people["lecturer"]
    course = db.session.scalar(select(Course))
    for lesson_id in db.session.scalars(select(Lesson.id)):
        complete_lesson(amina, course, lesson_id)
    db.session.commit()
    assert db.session.scalar(select(CourseCompletion)) is None  # the assignment is still to pass
    trainee = client_for(amina)
    first = hand_in(trainee)
    staff = client_for(lecturer)
    assert "1 piece of work waits for review" in staff.get("/teach").get_data(as_text=True)
    queue = staff.get("/reviews").get_data(as_text=True)
    assert "Amina Diallo" in queue and "Atelier de Tunis" in queue
    page = review(staff, first, 1, 0, "passed").get_data(as_text=True)
    assert "The rubric gives 20%, below the pass mark of 60%" in page
    review(staff, first, 1, 0, "revise", "Cite the national R&D survey.")
    db.session.expire_all()
    assert first.status == SubmissionStatus.REVISE and first.score == 20
    mail = smtp_server.last_to("amina@example.org")
    assert "please revise it" in mail.get_content() and PAGE in mail.get_content()
    shown = trainee.get(PAGE).get_data(as_text=True)
    assert "Cite the national R&amp;D survey." in shown and "Review by Lena Lecturer" in shown
    assert "Your revised version" in shown
    second = hand_in(trainee, "Revised, with the survey.")
    assert second.number == 2 and second.id != first.id
    review(staff, second, 2, 1, "passed", "Well argued.")
    db.session.expire_all()
    assert second.status == SubmissionStatus.PASSED and second.score == 100
    assert db.session.scalar(select(CourseCompletion.user_id)) == amina.id
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("assignment.reviewed") == 2 and actions.count("assignment.submitted") == 2
    assert review(staff, second, 2, 1, "passed").status_code == 422  # refused, with why
    assert len(db.session.scalars(select(Review)).all()) == 2  # a second post changes nothing


def test_blind_review_hides_the_reviewer_from_the_trainee(client_for, people, cohort):
    db.session.add(CohortAssignment(cohort_id=cohort.id, assignment_id=db.session.scalar(select(Assignment.id)),
                                    is_blind=True))
    db.session.commit()
    trainee = client_for(people["amina"])
    review(client_for(people["coordinator"]), hand_in(trainee), 0, 0, "revise", "Start again.")
    page = trainee.get(PAGE).get_data(as_text=True)
    assert "Start again." in page and "Carmen" not in page


def submission_urls(submission: Submission) -> list[str]:
    file_id = submission.files[0].id
    return [f"/submissions/{submission.id}/files/{file_id}", f"/reviews/{submission.id}",
            f"/reviews/{submission.id}/files/{file_id}/view"]


def test_every_submission_url_is_404_to_other_trainees_lecturers_and_coordinators(client_for, people, cohort):
    submission = hand_in(client_for(people["amina"]))
    for outsider in ("bilal", "other_lecturer", "other_coordinator"):
        client = client_for(people[outsider])
        for url in submission_urls(submission):
            response = client.get(url)
            assert response.status_code in (403, 404), (outsider, url)
            if outsider != "bilal" or url.startswith("/submissions"):
                assert response.status_code == 404, (outsider, url)
        assert client.post(f"/reviews/{submission.id}", data={}).status_code in (400, 403, 404)
        assert "Amina" not in client.get("/reviews").get_data(as_text=True)
    for insider in ("amina", "lecturer", "coordinator"):
        response = client_for(people[insider]).get(submission_urls(submission)[0])
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_one_reviews_their_own_work(client_for, people, cohort):
    """A course's lecturer (or a coordinator) may enrol in it as any account may, and hand in its work: the
    queue leaves it out, and its review page is theirs no more than any trainee's."""
    lecturer = client_for(people["lecturer"])
    assert lecturer.submit("/courses/test-course/enrol", {}, page="/courses/test-course").status_code == 302
    own = hand_in(lecturer, "My own note")
    assert own.user_id == people["lecturer"].id and own.status == SubmissionStatus.SUBMITTED
    assert "My own note" not in lecturer.get("/reviews").get_data(as_text=True)
    assert lecturer.get(f"/reviews/{own.id}").status_code == 404
    review(lecturer, own, 2, 2, "passed", "Excellent")
    db.session.expire_all()
    assert own.status == SubmissionStatus.SUBMITTED and not own.reviews
    assert db.session.scalar(select(CourseCompletion)) is None
    assert lecturer.get(f"/submissions/{own.id}/files/{own.files[0].id}").status_code == 200  # their own file


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


def queries_of(client, urls: list[str]) -> list[int]:
    counts = []
    for url in urls:
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        counts.append(counter.count)
    return counts


def test_the_queue_and_a_review_page_run_a_fixed_number_of_queries(client_for, make_user, people, cohort):
    staff = client_for(people["lecturer"])
    first = hand_in(client_for(people["amina"]))
    one = queries_of(staff, ["/reviews", f"/reviews/{first.id}"])
    members = [make_user(name=f"Trainee {n}", email=f"t{n}@example.org") for n in range(4)]
    make_cohort("Another workshop", people["coordinator"], members)
    latest = [hand_in(client_for(member)) for member in members][-1]
    review(staff, first, 0, 0, "revise", "Again.")
    hand_in(client_for(people["amina"]), "Second version.")
    assert queries_of(staff, ["/reviews", f"/reviews/{latest.id}"]) == one


def test_the_progress_grid_funnel_and_export_show_assignments(client_for, people, cohort):
    trainee, staff = client_for(people["amina"]), client_for(people["lecturer"])
    review(staff, hand_in(trainee), 2, 1, "passed", "Good.")
    coordinator = client_for(people["coordinator"])
    page = coordinator.get(f"/cohorts/{cohort.id}?course=test-course").get_data(as_text=True)
    assert "A note on your country" in page and "Passed · 100%" in page and "Assignments passed" in page
    csv = coordinator.get(f"/cohorts/{cohort.id}/export/progress.csv?course=test-course").get_data(as_text=True)
    assert "country-note: status,country-note: late,country-note: score %" in csv
    assert "passed,no,100.0" in csv


def test_inline_comments_quote_the_text_and_reach_the_trainee(client_for, people, cohort):
    trainee, staff = client_for(people["amina"]), client_for(people["lecturer"])
    submission = hand_in(trainee, "Our ministry funds R&D through grants.\nThe council is new.")
    refused = staff.submit(f"/reviews/{submission.id}", {
        "criterion-evidence": 0, "criterion-recommendations": 0, "comment": "Revise.", "revise": "x",
        "quote-1": "A sentence she never wrote", "note-1": "?"}, follow_redirects=True).get_data(as_text=True)
    assert "is not in the text" in refused and "A sentence she never wrote" in refused
    wrong_paragraph = staff.submit(f"/reviews/{submission.id}", {
        "criterion-evidence": 0, "criterion-recommendations": 0, "comment": "Revise.", "revise": "x",
        "paragraph-1": "2", "quote-1": "funds R&D", "note-1": "?"}, follow_redirects=True).get_data(as_text=True)
    assert "is not in paragraph 2" in wrong_paragraph
    assert 'value="2" selected' in wrong_paragraph, "what the reviewer chose is kept"
    review_page = staff.get(f"/reviews/{submission.id}").get_data(as_text=True)
    assert 'data-paragraph="1"' in review_page and 'data-paragraph="2"' in review_page
    assert '<option value="2">2: The council is new.</option>' in review_page
    staff.submit(f"/reviews/{submission.id}", {
        "criterion-evidence": 0, "criterion-recommendations": 0, "comment": "Revise.", "revise": "x",
        "quote-1": "funds R&D   through grants.", "note-1": "Which grants? Give the programme names.",
        "paragraph-2": "2", "note-2": "Since when?"})
    db.session.expire_all()
    assert db.session.scalar(select(Review.inline_comments)) == [
        {"paragraph": 1, "quote": "funds R&D   through grants.", "comment": "Which grants? Give the programme names."},
        {"paragraph": 2, "quote": "", "comment": "Since when?"}]
    page = trainee.get(PAGE).get_data(as_text=True)
    first = page.index('<p dir="auto">Our ministry funds R&amp;D through grants.</p>')
    second = page.index('<p dir="auto">The council is new.</p>')
    assert first < page.index("<q>funds R&amp;D   through grants.</q> — Which grants? Give the programme names.") < second
    assert second < page.index('<li dir="auto">Since when?</li>')
    assert 'aria-label="Comments on paragraph 2"' in page and "<details open>" in page


def test_a_review_as_long_as_the_browser_allows_is_recorded_with_its_line_breaks(client_for, people, cohort):
    submission = hand_in(client_for(people["amina"]), "Our ministry funds R&D through grants.")
    staff = client_for(people["lecturer"])
    page = staff.get(f"/reviews/{submission.id}").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*maxlength="20000"[^>]*name="comment"', page)
    assert 'name="note-1" rows="2" maxlength="2000"' in page and 'name="quote-1" maxlength="1000"' in page
    comment, note = browser_text(20_000, 100), browser_text(2000, 20)
    response = staff.submit(f"/reviews/{submission.id}", {
        "criterion-evidence": 2, "criterion-recommendations": 1, "comment": comment, "passed": "x",
        "paragraph-1": "1", "note-1": note})
    assert response.status_code == 302
    review = db.session.scalars(select(Review)).one()
    assert review.comment == comment.replace("\r\n", "\n")
    assert review.inline_comments == [{"paragraph": 1, "quote": "", "comment": note.replace("\r\n", "\n")}]


def test_a_review_too_long_is_shown_again_as_written_with_what_is_wrong(client_for, people, cohort):
    submission = hand_in(client_for(people["amina"]), "Our ministry funds R&D through grants.")
    staff = client_for(people["lecturer"])
    written = {"criterion-evidence": 2, "criterion-recommendations": 1, "comment": "Well argued. " + "z" * 20_000,
               "passed": "x", "paragraph-1": "1", "note-1": "Name the grants."}
    response = staff.submit(f"/reviews/{submission.id}", written)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Field cannot be longer than 20000 characters." in page
    assert "Well argued. zzz" in page and "Name the grants.</textarea>" in page
    assert 'name="criterion-evidence" value="2" required checked' in page
    for field, value, message in [("note-1", "Name the grants." * 200, "Comment 1 is longer than 2000 characters."),
                                  ("quote-2", "funds" * 201, "The phrase quoted in comment 2 is longer than 1000 "
                                                             "characters.")]:
        response = staff.submit(f"/reviews/{submission.id}", {**written, "comment": "Well argued.", field: value,
                                                               "note-2": "Since when?"})
        page = response.get_data(as_text=True)
        assert message in page and value in page and "Well argued.</textarea>" in page
    assert db.session.scalar(select(Review.id)) is None
    assert db.session.get(Submission, submission.id).status == SubmissionStatus.SUBMITTED


def test_a_paragraph_number_in_digits_int_refuses_is_no_paragraph(client_for, people, cohort):
    trainee, staff = client_for(people["amina"]), client_for(people["lecturer"])
    submission = hand_in(trainee, "Our ministry funds R&D through grants.")
    response = staff.submit(f"/reviews/{submission.id}", {
        "criterion-evidence": "²", "criterion-recommendations": 0, "comment": "Revise.", "revise": "x",
        "paragraph-1": "²", "note-1": "Which grants?"}, follow_redirects=True)
    assert response.status_code == 422  # refused with a message, not an error


def test_the_review_page_title_holds_no_markup(client_for, people, cohort):
    submission = hand_in(client_for(people["amina"]))
    page = client_for(people["lecturer"]).get(f"/reviews/{submission.id}").get_data(as_text=True)
    title = page[page.index("<title>"):page.index("</title>")]
    assert "<script" not in title and "Review: A note on your country" in title
    assert page.count("js/inline-comments.js") == 1


def test_a_second_review_that_disagrees_is_settled_by_the_cohorts_coordinator(client_for, people, cohort,
                                                                            smtp_server):
    trainee, first, second = (client_for(people[name]) for name in ("amina", "lecturer", "coordinator"))
    submission = hand_in(trainee)
    first.submit(f"/reviews/{submission.id}", {"criterion-evidence": 2, "criterion-recommendations": 1,
                                               "comment": "Good.", "ask_second": "y", "passed": "x"})
    db.session.expire_all()
    assert submission.status == SubmissionStatus.SECOND_REVIEW
    assert "Good." not in trainee.get(PAGE).get_data(as_text=True)  # nothing shown before it is returned
    again = review(first, submission, 2, 1, "passed").get_data(as_text=True)
    assert "must come from another reviewer" in again
    review(second, submission, 0, 0, "revise", "Sources are missing.")
    db.session.expire_all()
    assert submission.status == SubmissionStatus.DISPUTED and len(submission.reviews) == 2
    assert "The reviewers disagree" in first.get(f"/reviews/{submission.id}").get_data(as_text=True)
    assert 'name="decide"' not in first.get(f"/reviews/{submission.id}").get_data(as_text=True)
    chosen = submission.reviews[0].id
    second.submit(f"/reviews/{submission.id}", {"review": chosen, "decide": "Decide"})
    db.session.expire_all()
    assert submission.status == SubmissionStatus.PASSED and submission.score == 100
    assert "reviewed and passed" in smtp_server.last_to("amina@example.org").get_content()
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("assignment.reviewed") == 2 and actions.count("assignment.decided") == 1


def test_two_reviews_that_agree_return_the_work_with_their_mean_score(client_for, people, cohort):
    trainee, first, second = (client_for(people[name]) for name in ("amina", "lecturer", "coordinator"))
    submission = hand_in(trainee)
    first.submit(f"/reviews/{submission.id}", {"criterion-evidence": 2, "criterion-recommendations": 1,
                                               "comment": "", "ask_second": "y", "passed": "x"})
    review(second, submission, 1, 1, "passed", "Fine.")
    db.session.expire_all()
    assert submission.status == SubmissionStatus.PASSED and submission.score == 90


def test_the_trainees_personal_data_holds_their_work_and_its_reviews(client_for, people, cohort):
    import json

    from portal.privacy.services import personal_data

    review(client_for(people["lecturer"]), hand_in(client_for(people["amina"])), 0, 0, "revise", "Start again.")
    [record] = personal_data(people["amina"])["assignment-submissions.json"]
    assert record["assignment"] == "country-note" and record["status"] == "revise"
    assert record["files"][0]["name"] == "note.pdf" and record["reviews"][0]["comment"] == "Start again."
    json.dumps(record)


def test_deleting_the_account_erases_the_work_and_comments_but_keeps_the_score(client_for, people, cohort):
    from portal.assignments.models import SubmissionFile
    from portal.privacy.services import delete_account

    submission = hand_in(client_for(people["amina"]), "Amina's own analysis.")
    review(client_for(people["lecturer"]), submission, 0, 0, "revise", "Amina, cite sources.")
    delete_account(people["amina"])
    db.session.commit()
    db.session.expire_all()
    assert submission.text == "" and submission.status == SubmissionStatus.REVISE and submission.score == 0
    assert db.session.scalar(select(SubmissionFile)) is None and submission.reviews[0].comment == ""
