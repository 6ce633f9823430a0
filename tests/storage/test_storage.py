"""Course files and media through the storage interface, on the local folder and on an S3-compatible
store (moto's server): the same bytes, the same caching headers, ranges and conditional answers."""
import hashlib
import urllib.request
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from config import TestingConfig
from portal import create_app
from portal.accounts.models import Role
from portal.courses.models import CourseFile, LessonVersion
from portal.courses.storage import blob_key, put_blob, put_blobs, read_blob, read_blobs
from portal.extensions import db
from portal.storage import check_key, storage
from tests.conftest import s3_client
from tests.coursefiles import png_bytes, zip_bytes
from tests.courses.test_uploads import NEW_MODULE, upload


def media_url() -> str:
    html = db.session.scalar(select(LessonVersion.html).where(LessonVersion.title == "Funding R&D"))
    return html.split('<img src="', 1)[1].split('"', 1)[0]


def backend(app) -> str:
    if app.config["STORAGE_BACKEND"] == "local":
        return "local"
    return "s3-" + app.config["S3_MEDIA_DELIVERY"]


def test_blobs_are_stored_once_and_read_back(app, tmp_path):
    data = b"\x00course file\xff" * 100
    digest = put_blob(data)
    assert digest == hashlib.sha256(data).hexdigest() and put_blob(data) == digest
    assert read_blob(digest) == data
    with pytest.raises(KeyError):
        read_blob("0" * 64)
    if backend(app) == "local":
        assert (tmp_path / "course-files" / digest[:2] / digest).read_bytes() == data
    else:
        # In the bucket under the prefix, and nothing on this machine's disk.
        listed = s3_client(app.config["S3_ENDPOINT_URL"]).list_objects_v2(Bucket=app.config["S3_BUCKET"])
        assert [item["Key"] for item in listed["Contents"]] == [f"portal/{digest[:2]}/{digest}"]
        assert not (tmp_path / "course-files").exists()


def test_many_blobs_are_stored_and_read_at_once(app):
    files = [f"file {number}".encode() for number in range(40)] + [b"file 0"]
    digests = put_blobs(files)
    assert digests == [hashlib.sha256(data).hexdigest() for data in files]
    assert read_blobs(digests) == {digest: data for digest, data in zip(digests, files, strict=True)}
    with pytest.raises(KeyError):
        read_blobs([digests[0], "0" * 64])


def test_a_module_upload_reads_the_published_files_back_from_the_storage(app, client, login_as, make_course):
    login_as(Role.LECTURER, email="lecturer1@example.org")
    make_course()
    response = upload(client, "/teach/test-course/upload", zip_bytes(NEW_MODULE), "policy.zip", "module",
                      page="/teach/test-course")
    assert response.headers["Location"] == "/teach/test-course/revisions/2"
    preview = client.get("/teach/test-course/revisions/2").get_data(as_text=True)
    assert "Designing a policy mix" in preview and "Funding R&amp;D" in preview


def test_media_have_long_caching_an_etag_ranges_and_nosniff(app, client, make_course):
    make_course()
    url = media_url()
    sha256 = url.split("/")[2]
    image = png_bytes()
    response = client.get(url)
    if backend(app) == "s3-redirect":
        # The store sends the bytes, with the portal's type and caching; the redirect is kept a while.
        assert response.status_code == 302
        assert response.headers["Cache-Control"] == "private, max-age=1800"
        location = response.headers["Location"]
        assert location.startswith(app.config["S3_ENDPOINT_URL"] + "/")
        with urllib.request.urlopen(location) as stored:
            assert stored.read() == image
            assert stored.headers["Content-Type"] == "image/png"
            assert stored.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert stored.headers["Content-Disposition"] == "inline; filename=chart.png"
        ranged = urllib.request.urlopen(urllib.request.Request(location, headers={"Range": "bytes=0-9"}))
        assert ranged.status == 206 and ranged.read() == image[:10]
        csp = client.get("/").headers["Content-Security-Policy"]
        assert f"img-src 'self' data: {app.config['S3_ENDPOINT_URL']};" in csp
        assert f"media-src 'self' {app.config['S3_ENDPOINT_URL']};" in csp
    else:
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.get_data() == image
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["ETag"] == f'"{sha256}"'
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"] == "inline; filename=chart.png"
        assert response.headers["Accept-Ranges"] == "bytes"
        ranged = client.get(url, headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 206 and ranged.get_data() == image[:10]
        assert ranged.headers["Content-Range"] == f"bytes 0-9/{len(image)}"
        assert "img-src 'self' data:;" in client.get("/").headers["Content-Security-Policy"]
    again = client.get(url, headers={"If-None-Match": f'"{sha256}"'})
    assert again.status_code == 304 and again.headers["ETag"] == f'"{sha256}"'
    assert client.get(url.replace(sha256, "0" * 64)).status_code == 404


def test_a_missing_file_is_a_404_not_an_error(app, client, make_course):
    """A row whose file is missing from the store (a restore from an older backup) answers 404."""
    make_course()
    url = media_url()
    sha256 = url.split("/")[2]
    if backend(app) == "local":
        storage().path(blob_key(sha256)).unlink()  # type: ignore[attr-defined]
    else:
        s3_client(app.config["S3_ENDPOINT_URL"]).delete_object(Bucket=app.config["S3_BUCKET"],
                                                               Key=f"portal/{blob_key(sha256)}")
    if backend(app) != "s3-redirect":  # a redirect does not look; the store answers 404 itself
        assert client.get(url).status_code == 404
    assert db.session.scalar(select(CourseFile.sha256).where(CourseFile.sha256 == sha256)) == sha256


@pytest.mark.parametrize("key", ["", "../etc/passwd", "ab//cd", "ab/../cd", "ab/./cd", "a\\b", "a\x00b", "ab/"])
def test_keys_that_could_leave_the_store_are_refused(key):
    with pytest.raises(ValueError):
        check_key(key)


@pytest.mark.parametrize("sha256", ["", "../" + "0" * 61, "A" * 64, "0" * 63, "0" * 65])
def test_blob_keys_are_only_hashes(sha256):
    with pytest.raises(ValueError):
        blob_key(sha256)


@pytest.mark.parametrize(("settings", "message"), [
    ({"STORAGE_BACKEND": "disk"}, "STORAGE_BACKEND='disk' is unknown"),
    ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs S3_BUCKET"),
    ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "portal-files", "S3_MEDIA_DELIVERY": "proxy"},
     "S3_MEDIA_DELIVERY='proxy' is unknown"),
])
def test_incomplete_storage_settings_stop_the_start(settings, message):
    with pytest.raises(RuntimeError, match=message):
        create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


def test_the_stores_origin_comes_from_its_signed_addresses(s3_settings):
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://", **s3_settings})
    parts = urlsplit(s3_settings["S3_ENDPOINT_URL"])
    assert app.extensions["storage"].external_origins() == [f"{parts.scheme}://{parts.netloc}"]
    streamed = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://", **s3_settings,
                                          "S3_MEDIA_DELIVERY": "stream"})
    assert streamed.extensions["storage"].external_origins() == []


def test_copy_files_moves_a_local_folder_into_the_storage_and_can_be_repeated(app, runner, tmp_path):
    old = tmp_path / "old-course-files"
    blobs = [b"first file", png_bytes()]
    for data in blobs:
        digest = hashlib.sha256(data).hexdigest()
        (old / digest[:2]).mkdir(parents=True, exist_ok=True)
        (old / digest[:2] / digest).write_bytes(data)
    tampered = hashlib.sha256(b"original").hexdigest()
    (old / tampered[:2]).mkdir()
    (old / tampered[:2] / tampered).write_bytes(b"changed on disk")
    (old / "notes.txt").write_text("not a course file")

    for _ in range(2):
        result = runner.invoke(args=["courses", "copy-files", str(old)])
        assert result.exit_code == 1
        assert f"2 files in {app.config['STORAGE_BACKEND']} storage." in result.output
        assert f"left out {tampered[:2]}/{tampered}: " in result.output and "left out notes.txt: " in result.output
    for data in blobs:
        assert read_blob(hashlib.sha256(data).hexdigest()) == data
    with pytest.raises(KeyError):
        read_blob(tampered)


@pytest.mark.parametrize(("header", "status", "part"), [
    ("bytes=307190-", 206, slice(307190, None)),
    ("bytes=-10", 206, slice(-10, None)),
    ("bytes=100-109", 206, slice(100, 110)),
    ("bytes=0-1,5-6", 200, slice(None)),       # several ranges: the whole file, rather than a refusal
])
def test_a_streamed_range_reads_only_that_range_from_the_store(app, monkeypatch, header, status, part):
    from portal.storage import Delivery

    if backend(app) != "s3-stream":
        pytest.skip("the portal streams from the store only with S3_MEDIA_DELIVERY=stream")
    data = bytes(range(256)) * 1200
    sha256 = put_blob(data)
    store = storage()
    asked: list[str | None] = []
    get_object = store.client.get_object

    def spy(**params):
        asked.append(params.get("Range"))
        return get_object(**params)

    monkeypatch.setattr(store.client, "get_object", spy)
    with app.test_request_context(headers={"Range": header}):
        response = store.serve(blob_key(sha256), Delivery(mimetype="video/mp4", etag=sha256))
        body = b"".join(response.response)
    assert response.status_code == status and body == data[part]
    assert response.headers["Accept-Ranges"] == "bytes" and response.content_length == len(body)
    if status == 206:
        start = len(data) - len(body) if header.startswith("bytes=-") else int(header[6:].split("-")[0])
        assert response.headers["Content-Range"] == f"bytes {start}-{start + len(body) - 1}/{len(data)}"
        assert asked == [header], "only the range is read from the store, not the bytes before it"


def test_a_streamed_range_past_the_end_is_refused(app):
    from portal.storage import Delivery

    if backend(app) != "s3-stream":
        pytest.skip("the portal streams from the store only with S3_MEDIA_DELIVERY=stream")
    sha256 = put_blob(b"0123456789")
    with app.test_request_context(headers={"Range": "bytes=50-60"}):
        response = storage().serve(blob_key(sha256), Delivery(mimetype="video/mp4", etag=sha256))
    assert response.status_code == 416 and response.headers["Content-Range"] == "bytes */10"
