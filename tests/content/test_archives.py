"""Zips are refused when they could harm the server: bombs, paths outside, links, junk."""
import io
import stat
import warnings
import zipfile

import pytest

from portal.content.files import Limits, read_folder, read_zip
from portal.content.problems import ContentError
from tests.coursefiles import course_files, not_utf8, utf8_zip, zip_bytes


def refusal(data: bytes, limits: Limits = Limits()) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_zip(data, "upload.zip", limits)
    return [str(problem) for problem in caught.value.problems]


def test_not_a_zip():
    assert refusal(b"%PDF-1.4 not a zip") == ["upload.zip: this is not a zip archive"]


def test_zip_slip_paths_are_refused():
    for name in ("../../etc/passwd", "/etc/passwd", "01-basics/../../outside.md", "C:/windows/x.md", "a\\..\\b.md"):
        assert refusal(zip_bytes({name: b"x"})) == [f"{name}: this path points outside the course"]


def test_a_name_marked_as_utf8_that_is_not_is_refused():
    archive = utf8_zip(course_files())
    assert read_zip(archive)["course.yaml"].startswith(b"slug:")
    assert refusal(not_utf8(archive, "course.yaml")) == [
        "upload.zip: a file name in this zip is not valid UTF-8 text: make the zip again"]
    assert refusal(not_utf8(archive, "course.yaml", local_header_only=True)) == [
        "course.yaml: this file in the zip is damaged"]


def test_a_path_held_twice_is_refused():
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it is asked to write
        with zipfile.ZipFile(buffer, "w") as archive:
            for path, data in course_files().items():
                archive.writestr(path, data)
            archive.writestr("course.yaml", b"slug: another-course\n")
            archive.writestr("__MACOSX/._course.yaml", b"")
            archive.writestr("__MACOSX/._course.yaml", b"")
    assert refusal(buffer.getvalue()) == ["course.yaml: the zip holds this path more than once: keep one copy"]


def test_links_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("01-basics/media/secret.png")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/shadow")
    assert refusal(buffer.getvalue()) == ["01-basics/media/secret.png: links are not allowed in a course"]


def test_too_many_files():
    files = {f"01-basics/{n:03d}-x.md": b"x" for n in range(30)}
    assert refusal(zip_bytes(files), Limits(max_files=20)) == ["upload.zip: too many files: 30 (at most 20)"]


def test_zip_bomb_is_refused_from_its_declared_size():
    bomb = zip_bytes({"01-basics/01-bomb.md": b"0" * 5_000_000})
    assert len(bomb) < 20_000
    found = refusal(bomb, Limits(max_unpacked_bytes=1_000_000))
    assert found == ["upload.zip: unpacks to 5000000 bytes, more than the 1000000 allowed"]


def test_zip_bomb_that_lies_about_its_size_is_stopped_while_unpacking():
    data = bytearray(zip_bytes({"01-basics/01-bomb.md": b"0" * 5_000_000}))
    honest = (5_000_000).to_bytes(4, "little")
    lie = (100).to_bytes(4, "little")
    data = bytes(data).replace(honest, lie)
    found = refusal(data, Limits(max_unpacked_bytes=1_000_000))
    assert found in (["upload.zip: unpacks to more bytes than allowed"],
                     ["01-basics/01-bomb.md: this file in the zip is damaged"])


def test_a_good_zip_is_read():
    files = read_zip(zip_bytes(course_files()))
    assert files["01-basics/quiz.yaml"].startswith(b"title:")


def test_folder_with_a_link_is_refused(tmp_path):
    (tmp_path / "course.yaml").write_text("slug: x\n")
    (tmp_path / "01-a").mkdir()
    (tmp_path / "01-a" / "01-x.md").symlink_to("/etc/passwd")
    with pytest.raises(ContentError, match="links are not allowed"):
        read_folder(tmp_path)


def test_odd_member_names_are_refused_not_crashed_on():
    for name in ("./01-basics/01-x.md", "01-basics//01-x.md", "01-basics/./01-x.md"):
        assert refusal(zip_bytes({name: b"x"})) == [f"{name}: this path points outside the course"]
