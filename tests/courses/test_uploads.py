"""Lecturers upload course and module zips in the browser: problems, preview, publish, safety."""
import io
import stat
import warnings
import zipfile

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.courses.models import Course, CourseRevision, RevisionStatus
from portal.extensions import db
from tests.coursefiles import COURSE_YAML, LESSON, QUIZ_YAML, course_files, not_utf8, png_bytes, utf8_zip, zip_bytes

NEW_MODULE = {
    "03-policy/module.yaml": b"title: Policy mixes\n",
    "03-policy/01-policy-mix.md": LESSON.format(title="Designing a policy mix").encode(),
}


def upload(client, url: str, data: bytes, name: str = "course.zip", kind: str | None = None, page: str = "/teach"):
    form = {"archive": (io.BytesIO(data), name)}
    if kind:
        form["kind"] = kind
    return client.submit(url, form, page=page, content_type="multipart/form-data")


def revisions() -> list[tuple[int, str]]:
    return list(db.session.execute(select(CourseRevision.number, CourseRevision.status).order_by(CourseRevision.number)))


@pytest.fixture
def lecturer(login_as):
    return login_as(Role.LECTURER, email="lecturer1@example.org")


def test_lecturer_uploads_a_new_course_previews_and_publishes_it(client, lecturer):
    response = upload(client, "/teach/upload", zip_bytes(course_files(), folder="test-course/"))
    assert response.headers["Location"] == "/teach/test-course/revisions/1"
    page = client.get("/teach/test-course/revisions/1").get_data(as_text=True)
    assert "Revision 1 is ready to review" in page
    assert "Funding R&amp;D" in page and "Publish this revision" in page
    assert "Lessons added" in page
    course = db.session.scalar(select(Course))
    assert not course.is_published and course.lecturers == [lecturer]

    response = client.submit("/teach/test-course/revisions/1/publish", page="/teach/test-course/revisions/1")
    assert response.headers["Location"] == "/teach/test-course"
    db.session.expire_all()
    assert course.is_published and revisions() == [(1, RevisionStatus.PUBLISHED)]
    again = client.submit("/teach/test-course/revisions/1/publish", page="/teach/test-course")
    assert again.status_code == 302 and revisions() == [(1, RevisionStatus.PUBLISHED)]
    assert "already published" in client.get("/teach/test-course").get_data(as_text=True)


def test_module_upload_adds_a_module_and_keeps_the_rest(client, lecturer, make_course):
    make_course()
    response = upload(client, "/teach/test-course/upload", zip_bytes(NEW_MODULE), "policy.zip", "module",
                      page="/teach/test-course")
    assert response.headers["Location"] == "/teach/test-course/revisions/2"
    preview = client.get("/teach/test-course/revisions/2").get_data(as_text=True)
    assert "Modules added" in preview and "policy" in preview and "Designing a policy mix" in preview
    client.submit("/teach/test-course/revisions/2/publish", page="/teach/test-course/revisions/2")
    course_page = client.get("/teach/test-course").get_data(as_text=True)
    assert "Published: revision 2." in course_page
    assert "Designing a policy mix" in course_page and "Funding R&amp;D" in course_page


def test_module_upload_replaces_the_module_with_the_same_key(client, lecturer, make_course):
    make_course()
    module = {
        "02-measuring/module.yaml": b"title: Measuring R&D and innovation\n",
        "02-measuring/01-surveys.md": (LESSON.format(title="Surveys") + "\nNew text.\n").encode(),
    }
    upload(client, "/teach/test-course/upload", zip_bytes(module), "m.zip", "module", page="/teach/test-course")
    revision = db.session.scalar(select(CourseRevision).where(CourseRevision.number == 2))
    assert revision.changes["modules"]["changed"] == ["measuring"]
    assert revision.changes["lessons"]["changed"] == ["surveys"]
    assert revision.changes["lessons"]["removed"] == []


def test_invalid_upload_lists_every_problem_and_changes_nothing(client, lecturer, make_course):
    make_course()
    broken = dict(NEW_MODULE)
    broken["03-policy/01-policy-mix.md"] = b"---\ntitle: x\nminutes: 5\n---\n<script>x</script>\n\nSee ![a](media/gone.png)\n"
    response = upload(client, "/teach/test-course/upload", zip_bytes(broken), "m.zip", "module", page="/teach/test-course")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "2 problems: nothing was changed" in body
    assert "03-policy/01-policy-mix.md:5</code> unsafe HTML: &lt;script&gt; is not allowed" in body
    assert "link to &#39;media/gone.png&#39;: there is no such file in this module" in body
    assert revisions() == [(1, RevisionStatus.PUBLISHED)]


def test_uploading_the_same_course_again_changes_nothing(client, lecturer, make_course):
    make_course()
    response = upload(client, "/teach/test-course/upload", zip_bytes(course_files()), kind="course", page="/teach/test-course")
    assert "nothing changed" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert revisions() == [(1, RevisionStatus.PUBLISHED)]


def test_a_new_upload_replaces_an_unpublished_draft(client, lecturer, make_course):
    make_course()
    upload(client, "/teach/test-course/upload", zip_bytes(NEW_MODULE), "m.zip", "module", page="/teach/test-course")
    other = {path.replace("03-policy", "03-mixes"): data for path, data in NEW_MODULE.items()}
    upload(client, "/teach/test-course/upload", zip_bytes(other), "m.zip", "module", page="/teach/test-course")
    assert revisions() == [(1, RevisionStatus.PUBLISHED), (2, RevisionStatus.DISCARDED), (3, RevisionStatus.DRAFT)]


def test_zip_of_another_course_is_refused_on_this_courses_page(client, lecturer, make_course):
    make_course()
    other = course_files({"course.yaml": b"slug: other\ntitle: O\nsummary: s\nlanguage: en\ntopics: [x]\nestimated_hours: 1\n"})
    response = upload(client, "/teach/test-course/upload", zip_bytes(other), kind="course", page="/teach/test-course")
    assert "this zip is the course &#39;other&#39;, not &#39;test-course&#39;" in response.get_data(as_text=True)


def test_lecturers_cannot_touch_courses_they_do_not_teach(client, login_as, make_course):
    make_course()
    login_as(Role.LECTURER)
    assert client.get("/teach/test-course").status_code == 403
    response = upload(client, "/teach/upload", zip_bytes(course_files()))
    assert response.status_code == 403
    assert "exists and you do not teach it" in response.get_data(as_text=True)
    assert revisions() == [(1, RevisionStatus.PUBLISHED)]


def test_draft_courses_and_their_media_are_hidden_from_others(app, client, lecturer):
    upload(client, "/teach/upload", zip_bytes(course_files()))
    html = client.get("/teach/test-course/revisions/1/lessons/funding").get_data(as_text=True)
    media_url = html.split('<img src="', 1)[1].split('"', 1)[0]
    assert client.get(media_url).status_code == 200
    outsider = app.test_client()
    assert outsider.get(media_url).status_code == 404


def test_admin_assigns_a_lecturer(client, login_as, make_user, make_course):
    make_course()
    login_as(Role.ADMIN)
    lecturer = make_user(Role.LECTURER, name="Leila Benali")
    trainee = make_user(Role.TRAINEE)
    client.submit("/teach/test-course/lecturers", {"email": trainee.email}, page="/teach/test-course")
    assert "No lecturer account uses" in client.get("/teach/test-course").get_data(as_text=True)
    client.submit("/teach/test-course/lecturers", {"email": lecturer.email}, page="/teach/test-course")
    course = db.session.scalar(select(Course))
    db.session.refresh(course)
    assert lecturer in course.lecturers
    client.submit(f"/teach/test-course/lecturers/{lecturer.id}/remove", page="/teach/test-course")
    db.session.refresh(course)
    assert lecturer not in course.lecturers


# Each unsafe upload is refused with its message, and the published course stays as it was.

def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in NEW_MODULE.items():
            archive.writestr(path, data)
        info = zipfile.ZipInfo("03-policy/media/passwd.png")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def path_twice_zip() -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it is asked to write
        with zipfile.ZipFile(buffer, "w") as archive:
            for path, data in NEW_MODULE.items():
                archive.writestr(path, data)
            archive.writestr("03-policy/module.yaml", b"title: Another title\n")
    return buffer.getvalue()


UNSAFE_UPLOADS = {
    "zip slip": (lambda: zip_bytes({**NEW_MODULE, "03-policy/../../../evil.md": b"x"}),
                 "03-policy/../../../evil.md</code> this path points outside the course"),
    "link": (symlink_zip, "03-policy/media/passwd.png</code> links are not allowed in a course"),
    "too many files": (lambda: zip_bytes({**NEW_MODULE, **{f"03-policy/media/{n}.png": png_bytes() for n in range(12)}}),
                       "too many files: 14 (at most 10)"),
    "zip bomb": (lambda: zip_bytes({**NEW_MODULE, "03-policy/02-bomb.md": b"0" * 3_000_000}),
                 "more than the 1000000 allowed"),
    "disguised media": (lambda: zip_bytes({**NEW_MODULE, "03-policy/media/photo.png": b"MZ\x90\x00" + b"\x00" * 100}),
                        "03-policy/media/photo.png</code> not an allowed media type"),
    "svg": (lambda: zip_bytes({**NEW_MODULE, "03-policy/media/chart.png": b"<svg onload='alert(1)'></svg>"}),
            "03-policy/media/chart.png</code> not an allowed media type"),
    "not a zip": (lambda: b"%PDF-1.7 this is a PDF", "this is not a zip archive"),
    "a name marked as UTF-8 that is not": (lambda: not_utf8(utf8_zip(NEW_MODULE), "03-policy/module.yaml"),
                                           "upload.zip</code> a file name in this zip is not valid UTF-8 text"),
    "a path twice": (path_twice_zip, "03-policy/module.yaml</code> the zip holds this path more than once"),
}


@pytest.mark.parametrize("case", UNSAFE_UPLOADS, ids=list(UNSAFE_UPLOADS))
def test_unsafe_upload_is_refused_and_nothing_changes(app, client, lecturer, make_course, case):
    make_course()
    app.config.update(COURSE_MAX_FILES=10, COURSE_MAX_UNPACKED_BYTES=1_000_000)
    make_zip, message = UNSAFE_UPLOADS[case]
    response = upload(client, "/teach/test-course/upload", make_zip(), "upload.zip", "module", page="/teach/test-course")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert revisions() == [(1, RevisionStatus.PUBLISHED)]


# Course files the checks once let through to the database or the page: each is a problem, and nothing is kept.
BAD_COURSE_FILES = {
    "NUL in a title": ({"course.yaml": COURSE_YAML.replace("title: Testing STI policy", 'title: "Testing\\0 STI"')},
                       "course.yaml:2</code> this text holds the character U+0000"),
    "lone surrogate in a title": ({"01-basics/01-what-is-rd.md": LESSON.format(title='"What \\ud800 is R&D?"')},
                                  "01-basics/01-what-is-rd.md:2</code> this text holds the character U+D800"),
    "control character in a question": (
        {"01-basics/quiz.yaml": QUIZ_YAML.replace("text: Which manual defines R&D?", 'text: "Which\\x01 manual?"')},
        "01-basics/quiz.yaml:8</code> this text holds the character U+0001"),
    "lesson minutes past a database integer": (
        {"01-basics/01-what-is-rd.md": LESSON.format(title="What is R&D?").replace("minutes: 10", "minutes: 99999999999")},
        "01-basics/01-what-is-rd.md:3</code> minutes may be at most 1440"),
    "quiz attempts past a database integer": ({"01-basics/quiz.yaml": QUIZ_YAML.replace("attempts: 3", "attempts: 99999999999")},
                                              "01-basics/quiz.yaml:3</code> attempts may be at most 100"),
    "hours that overflow": ({"course.yaml": COURSE_YAML.replace("estimated_hours: 2", "estimated_hours: 1.0e+308")},
                            "course.yaml:6</code> estimated_hours may be at most 1000"),
}


@pytest.mark.parametrize("case", BAD_COURSE_FILES, ids=list(BAD_COURSE_FILES))
def test_a_course_whose_files_cannot_be_kept_is_refused_with_where(client, lecturer, case):
    changes, message = BAD_COURSE_FILES[case]
    response = upload(client, "/teach/upload", zip_bytes(course_files(changes)))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert revisions() == [] and db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_upload_larger_than_the_limit_gets_the_413_page(app, client, lecturer, make_course):
    make_course()
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    response = upload(client, "/teach/test-course/upload", b"x" * 60_000, "big.zip", "course", page="/teach/test-course")
    assert response.status_code == 413
    assert "The file you sent is too large" in response.get_data(as_text=True)
    assert revisions() == [(1, RevisionStatus.PUBLISHED)]
    assert db.session.scalar(select(func.count()).select_from(Course)) == 1
