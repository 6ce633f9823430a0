"""The sample courses in courses/ are valid, complete, and import on this database."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.content.loader import course_sources, read_course
from portal.courses.models import Course, CourseRevision
from portal.extensions import db

COURSES = Path(__file__).resolve().parents[2] / "courses"
SAMPLES = ["ai-governance", "digital-transformation", "national-ai-capacity", "st-finance", "women-in-sti"]


@pytest.mark.parametrize("slug", SAMPLES)
def test_sample_course_is_valid_and_complete(slug):
    [(_, files)] = course_sources(COURSES / slug)
    spec = read_course(files)
    assert spec.slug == slug
    assert len(spec.modules) >= 3
    assert len(spec.lessons) >= 8
    assert all(module.quiz is not None and len(module.quiz.questions) >= 5 for module in spec.modules)
    used = {question.type for quiz in spec.quizzes for question in quiz.questions}
    assert used == {"single", "multiple", "true_false", "short_text", "numeric"}
    assert all("<sup class=\"footnote-ref\">" in lesson.html for lesson in spec.lessons), "every lesson cites its sources"


def test_sample_courses_pass_validation_with_no_warnings(runner):
    result = runner.invoke(args=["courses", "validate", "--strict", str(COURSES)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output


def test_setup_imports_the_sample_courses_once(app, runner):
    app.config["LOAD_SAMPLE_COURSES"] = True
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    for slug in SAMPLES:
        assert f"Sample course {slug}: revision 1" in result.output
    again = runner.invoke(args=["setup"])
    assert again.exit_code == 0 and f"Sample course {SAMPLES[0]}: unchanged" in again.output
    assert db.session.scalar(select(func.count()).select_from(CourseRevision)) == len(SAMPLES)
    courses = db.session.scalars(select(Course)).all()
    assert all(course.is_published and course.lecturers for course in courses)


def test_the_french_sample_course_has_its_capstone_in_french_in_full():
    [(_, files)] = course_sources(COURSES / "ai-governance")
    spec = read_course(files)
    (capstone,) = spec.assignments
    french = capstone.translations["fr"]
    assert french["title"].startswith("Une note") and "<strong>environ deux pages</strong>" in french["instructions_html"]
    assert [criterion["id"] for criterion in french["rubric"]] == [criterion["id"] for criterion in capstone.rubric]
    for original, translated in zip(capstone.rubric, french["rubric"], strict=True):
        assert translated["title"] != original["title"]
        assert [level["points"] for level in translated["levels"]] == [level["points"] for level in original["levels"]]
        assert all(ours["descriptor"] != theirs["descriptor"]
                   for ours, theirs in zip(translated["levels"], original["levels"], strict=True))
    assert spec.coverage()["fr"]["assignments"] == [1, 1]
