"""A trainee completes a course and answers its evaluation from the dashboard, beside the certificate;
the cohort's coordinator opens the results, five colleagues having answered before."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Role
from portal.courses.models import Course
from portal.extensions import db
from portal.surveys import services
from portal.surveys.models import SurveyKind
from tests.browser.test_lecturer_upload import log_in
from tests.browser.test_trainee_journey import work_through_the_course
from tests.discussion.conftest import make_cohort
from tests.surveys.conftest import complete

RECOMMEND = "How likely are you to recommend this course to a colleague?"


def test_a_trainee_answers_the_evaluation_and_the_coordinator_reads_the_results(page, browser, live_server, make_user,
                                                                                 make_course):
    make_course()
    course = db.session.scalar(select(Course))
    coordinator = make_user(Role.COORDINATOR, email="carmen@example.org", name="Carmen Coordinator")
    trainee = make_user(email="hoa@example.org", name="Nguyễn Thị Hoa")
    colleagues = [make_user(email=f"colleague{number}@example.org") for number in range(9)]
    cohort = make_cohort("12th International Training Workshop", coordinator, [trainee, *colleagues])
    key, definition = services.course_survey(course)
    survey = services.ensure_survey(key, SurveyKind.COURSE, definition, course_id=course.id)
    for number, colleague in enumerate(colleagues):
        complete(colleague, course)
        services.submit_response(survey, colleague, {"relevant": 4, "objectives": 4, "materials": 3, "workload": 1,
                                                     "recommend": 7 + number % 3, "best": "The case studies"}, cohort.id)
    db.session.commit()

    log_in(page, "hoa@example.org")
    page.goto("/learn/test-course")
    work_through_the_course(page, fail_first_quiz=False)
    expect(page.get_by_role("heading", name="My certificates")).to_be_visible()
    expect(page.get_by_role("heading", name="Your opinion")).to_be_visible()
    page.get_by_role("link", name="End-of-course evaluation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End-of-course evaluation")
    expect(page.locator("#privacy")).to_contain_text("Your answers are kept without your name")

    # Sent without an answer to a required question: told which, nothing kept.
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("body")).to_contain_text("Please correct the fields marked below.")
    for question, point in (("The course was relevant to my work.", "Strongly agree"),
                            ("The course met its stated learning objectives.", "Agree"),
                            ("The lessons and materials were clear and well organised.", "Agree")):
        page.get_by_role("group", name=question).get_by_label(point, exact=True).check()
    page.get_by_role("group", name="The workload of the course was").get_by_label("About right").check()
    page.get_by_role("group", name=RECOMMEND).get_by_label("10", exact=True).check()
    page.get_by_label("What was most useful to you?").fill("The worked examples of R&D surveys")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("body")).to_contain_text("Thank you: your answers are saved.")
    expect(page.get_by_role("heading", name="Your opinion")).to_have_count(0)
    expect(page.get_by_role("heading", name="My certificates")).to_be_visible()

    context = browser.new_context(base_url=live_server, viewport={"width": 1024, "height": 800})
    other = context.new_page()
    other.set_default_timeout(10_000)
    log_in(other, "carmen@example.org")
    other.get_by_role("link", name="Survey results").click()
    other.get_by_role("link", name="End-of-course evaluation").click()
    expect(other.locator('[data-figure="respondents"]')).to_have_text("10")
    expect(other.locator('[data-figure="invited"]')).to_have_text("10")
    expect(other.locator('[data-figure="nps"]')).to_have_text("+40")
    expect(other.locator("#steps")).to_contain_text("updated in steps of 5 answers")
    expect(other.locator("body")).to_contain_text("The worked examples of R&D surveys")
    expect(other.get_by_role("table", name="Answers to: The course was relevant to my work.")).to_be_visible()
    with other.expect_download() as download:
        other.get_by_role("link", name="Export as CSV").click()
    assert download.value.suggested_filename == f"survey-{survey.id}-results.csv"
    context.close()
