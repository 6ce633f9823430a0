"""Storage backends: memory of a process that has built the portal (local folder / S3, which loads
boto3), and the time to import the sample courses' files into each (S3: moto's server on loopback,
so the figure is the portal's own cost plus loopback round trips, not a real store's latency).

    .venv/bin/python bench/storage.py [--port 5310]

Prints the figures; asserts nothing. Needs the development packages (moto)."""
import argparse
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.content.loader import course_sources  # noqa: E402
from portal.courses.storage import put_blobs, read_blobs  # noqa: E402

MEMORY = """
import resource, sys
sys.path.insert(0, {root!r})
from portal import create_app
create_app("testing", {{"SQLALCHEMY_DATABASE_URI": "sqlite://", **{settings!r}}})
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def peak_memory_mb(settings: dict[str, str]) -> str:
    """Peak resident memory of a new process that builds the portal with `settings`, in MB."""
    script = MEMORY.format(root=str(ROOT), settings=settings)
    return subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout.strip()


def sample_files() -> list[bytes]:
    return [data for _, files in course_sources(ROOT / "courses") for data in files.values()]


def time_import(settings: dict[str, str], files: list[bytes]) -> tuple[float, float]:
    """Seconds to store the files (first time), and to read them all back."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})
    with app.app_context():
        started = time.perf_counter()
        digests = put_blobs(files)
        stored = time.perf_counter() - started
        started = time.perf_counter()
        read_blobs(digests)
        return stored, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5310, help="port for the local S3 server")
    args = parser.parse_args()

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the S3 server's request log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{args.port}"
    keys = {"S3_ACCESS_KEY_ID": "bench", "S3_SECRET_ACCESS_KEY": "bench", "S3_REGION": "us-east-1"}
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="bench", aws_secret_access_key="bench",
                 region_name="us-east-1").create_bucket(Bucket="portal-bench")
    s3 = {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": "portal-bench",
          "S3_ADDRESSING_STYLE": "path", **keys}
    try:
        with tempfile.TemporaryDirectory() as folder:
            local = {"STORAGE_BACKEND": "local", "COURSE_FILES_PATH": folder}
            files = sample_files()
            print(f"sample courses: {len(files)} files, {sum(map(len, files)) // 1024} KB")
            for name, settings in (("local", local), ("s3", s3)):
                stored, read = time_import(settings, files)
                print(f"{name:>5}: peak memory after create_app {peak_memory_mb(settings)} MB; "
                      f"store {stored * 1000:.0f} ms, read back {read * 1000:.0f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
