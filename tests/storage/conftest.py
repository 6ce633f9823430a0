"""Apps on each storage backend: the local folder, S3 with redirects, S3 streamed."""
import pytest

from tests.conftest import portal_app


@pytest.fixture(params=["local", "s3-redirect", "s3-stream"])
def app(request, _schema, database_url, tmp_path):
    """The app on each backend in turn: the local folder, S3 with redirects, S3 streamed."""
    overrides: dict[str, str] = {"COURSE_FILES_PATH": str(tmp_path / "course-files")}
    if request.param != "local":
        overrides |= request.getfixturevalue("s3_settings")
        overrides["S3_MEDIA_DELIVERY"] = request.param.removeprefix("s3-")
    yield from portal_app(database_url, **overrides)
