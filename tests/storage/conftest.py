"""An S3-compatible server for the tests (moto's, in a thread), and apps on each storage backend."""
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import portal_app, reserved_port

S3_KEYS = {"S3_ACCESS_KEY_ID": "testing-key", "S3_SECRET_ACCESS_KEY": "testing-secret", "S3_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The address of a local S3-compatible server, for the whole run."""
    from moto.server import ThreadedMotoServer

    port = reserved_port(0)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"],
                        aws_secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"], region_name=S3_KEYS["S3_REGION"])


@pytest.fixture
def s3_settings(s3_endpoint) -> dict[str, str]:
    """Settings for the S3 backend on a new, empty bucket."""
    bucket = f"portal-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=bucket)
    return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": s3_endpoint, "S3_BUCKET": bucket, "S3_PREFIX": "portal/",
            "S3_ADDRESSING_STYLE": "path", **S3_KEYS}


@pytest.fixture(params=["local", "s3-redirect", "s3-stream"])
def app(request, _schema, database_url, tmp_path):
    """The app on each backend in turn: the local folder, S3 with redirects, S3 streamed."""
    overrides: dict[str, str] = {"COURSE_FILES_PATH": str(tmp_path / "course-files")}
    if request.param != "local":
        overrides |= request.getfixturevalue("s3_settings")
        overrides["S3_MEDIA_DELIVERY"] = request.param.removeprefix("s3-")
    yield from portal_app(database_url, **overrides)
