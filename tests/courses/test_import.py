"""Importing course files: revisions, unchanged re-imports, retired lessons, all-or-nothing."""
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.courses.models import Course, CourseRevision, Lesson, LessonVersion, Question, RevisionStatus
from portal.extensions import db
from tests.coursefiles import COURSE_YAML, LESSON, QUIZ_YAML, course_files, write_tree, zip_bytes

EDITED = LESSON.format(title="Funding R&D") + "\nA new paragraph on challenge prizes.\n\n![A chart](media/chart.png)\n"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def lesson_ids() -> dict[str, int]:
    return dict(db.session.execute(select(Lesson.key, Lesson.id)).all())


def test_import_publishes_the_first_revision(make_course, make_user):
    lecturer = make_user(Role.LECTURER, email="lecturer1@example.org")
    result = make_course()
    course = result.course
    assert result.created_course and result.revision.number == 1
    assert course.published_revision.status == RevisionStatus.PUBLISHED
    assert [m.key for m in course.published_revision.modules] == ["basics", "measuring"]
    assert count(LessonVersion) == 3 and count(Question) == 5
    assert course.lecturers == [lecturer]
    assert result.revision.changes["lessons"]["added"] == ["funding", "surveys", "what-is-rd"]


def test_importing_the_same_content_again_changes_nothing(make_course):
    make_course()
    result = make_course()
    assert result.unchanged
    assert count(CourseRevision) == 1 and count(LessonVersion) == 3


def test_an_edited_lesson_makes_a_revision_and_keeps_its_key(make_course):
    make_course()
    before = lesson_ids()
    result = make_course(course_files({"01-basics/02-funding.md": EDITED}))
    assert result.revision.number == 2
    assert result.revision.changes["lessons"] == {"added": [], "changed": ["funding"], "removed": [], "moved": []}
    assert result.revision.changes["questions"]["changed"] == []
    assert lesson_ids() == before
    course = db.session.scalar(select(Course))
    assert course.published_revision.number == 2
    statuses = dict(db.session.execute(select(CourseRevision.number, CourseRevision.status)).all())
    assert statuses == {1: RevisionStatus.SUPERSEDED, 2: RevisionStatus.PUBLISHED}
    assert "challenge prizes" in course.published_revision.modules[0].lessons[1].html


def test_removed_lessons_and_questions_are_retired_not_deleted_and_come_back(make_course):
    make_course()
    quiz_without_gerd = QUIZ_YAML.replace(
        "  - id: gerd\n    type: true_false\n    text: GERD counts R&D performed in a country.\n    answer: true\n", "")
    result = make_course(course_files({"02-measuring/01-surveys.md": None,
                                       "02-measuring/01-innovation-surveys.md": LESSON.format(title="Oslo"),
                                       "01-basics/quiz.yaml": quiz_without_gerd}))
    changes = result.revision.changes
    assert changes["lessons"]["added"] == ["innovation-surveys"] and changes["lessons"]["removed"] == ["surveys"]
    assert changes["questions"]["removed"] == ["basics/gerd"]
    retired = {lesson.key: lesson.retired_at for lesson in db.session.scalars(select(Lesson))}
    assert retired["surveys"] is not None and retired["what-is-rd"] is None
    assert db.session.scalar(select(Question).where(Question.key == "gerd")).retired_at is not None

    make_course()
    assert db.session.scalar(select(Lesson).where(Lesson.key == "surveys")).retired_at is None


def test_renumbered_lesson_is_moved_not_changed(make_course):
    make_course()
    files = course_files()
    files["01-basics/03-what-is-rd.md"] = files.pop("01-basics/01-what-is-rd.md")
    result = make_course(files)
    assert result.revision.changes["lessons"]["moved"] == ["what-is-rd"]
    assert result.revision.changes["lessons"]["changed"] == []


def test_media_is_served_with_long_caching_and_an_etag(client, make_course):
    make_course()
    html = db.session.scalar(select(LessonVersion.html).where(LessonVersion.title == "Funding R&D"))
    url = html.split('<img src="', 1)[1].split('"', 1)[0]
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url.replace(url.split("/")[2], "0" * 64)).status_code == 404


def test_validate_command_lists_every_problem_and_fails(runner, tmp_path):
    write_tree(tmp_path / "broken", course_files({"01-basics/quiz.yaml": QUIZ_YAML.replace("type: numeric", "type: essay"),
                                                  "course.yaml": "slug: x\n"}))
    result = runner.invoke(args=["courses", "validate", str(tmp_path / "broken")])
    assert result.exit_code == 1
    assert "broken/01-basics/quiz.yaml:29: unknown question type 'essay'" in result.output
    assert "broken/course.yaml:1: missing field 'title'" in result.output
    write_tree(tmp_path / "good", course_files())
    result = runner.invoke(args=["courses", "validate", str(tmp_path / "good")])
    assert result.exit_code == 0 and "test-course: valid (2 modules, 3 lessons, 5 questions)" in result.output


def test_validate_command_prints_warnings_and_fails_on_them_only_when_strict(runner, tmp_path):
    course = tmp_path / "course"
    write_tree(course, course_files({"course.yaml": COURSE_YAML.replace("estimated_hours: 2", "estimated_hours: 20")}))
    result = runner.invoke(args=["courses", "validate", str(course)])
    assert result.exit_code == 0, result.output
    assert "warning: course/course.yaml:6: estimated_hours is 20 (1200 minutes)" in result.output
    assert "warning: course/01-basics/01-what-is-rd.md:3: 10 minutes for 17 words is 1 words a minute" in result.output
    assert "test-course: valid (2 modules, 3 lessons, 5 questions), 4 warnings" in result.output
    strict = runner.invoke(args=["courses", "validate", "--strict", str(course)])
    assert strict.exit_code == 1 and "4 warnings." in strict.output and "--strict allows no warnings" in strict.output

    imported = runner.invoke(args=["courses", "import", str(course)])
    assert imported.exit_code == 0 and "warning: course/course.yaml:6" in imported.output
    assert "test-course: published revision 1" in imported.output


def test_import_command_is_all_or_nothing(runner, tmp_path):
    write_tree(tmp_path / "courses" / "good", course_files())
    other = course_files({"course.yaml": "slug: other\ntitle: Other\nsummary: x\nlanguage: en\ntopics: [x]\nestimated_hours: 1\n",
                          "01-basics/01-what-is-rd.md": "---\ntitle: x\nminutes: 1\n---\n<script>x</script>\n"})
    write_tree(tmp_path / "courses" / "bad", other)
    result = runner.invoke(args=["courses", "import", str(tmp_path / "courses")])
    assert result.exit_code == 1 and "Nothing was imported" in result.output
    assert count(Course) == 0 and count(CourseRevision) == 0

    (tmp_path / "courses" / "bad" / "01-basics" / "01-what-is-rd.md").write_text("---\ntitle: x\nminutes: 1\n---\nFixed.\n")
    result = runner.invoke(args=["courses", "import", str(tmp_path / "courses")])
    assert result.exit_code == 0, result.output
    assert "test-course: published revision 1" in result.output and "other: published revision 1" in result.output
    again = runner.invoke(args=["courses", "import", str(tmp_path / "courses")])
    assert "test-course: unchanged" in again.output and count(CourseRevision) == 2


def test_import_command_reads_a_zip(runner, tmp_path):
    archive = tmp_path / "course.zip"
    archive.write_bytes(zip_bytes(course_files(), folder="test-course/"))
    result = runner.invoke(args=["courses", "import", str(archive)])
    assert result.exit_code == 0, result.output
    assert count(Course) == 1
