"""The Makefile: `make clean` removes only what `make` builds, and a broken translation catalogue
stops `make run` and `make test` instead of passing unnoticed."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parents[1]
FRENCH = "portal/translations/fr/LC_MESSAGES/messages.po"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the Makefile and the French catalogue in a folder of its own."""
    require_tool("make", "sudo apt-get install make")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / FRENCH).parent.mkdir(parents=True)
    shutil.copy(ROOT / FRENCH, tmp_path / FRENCH)
    return tmp_path


def make(tree: Path, target: str) -> subprocess.CompletedProcess:
    """Run a target with the test's own Python tools, never (re)building the virtual environment."""
    return subprocess.run(
        ["make", "-s", "-o", ".venv/.runtime", target, f"BIN={Path(sys.executable).parent}"],
        cwd=tree, capture_output=True, text=True, timeout=120, check=False,
    )


def test_make_clean_keeps_the_instance_folder_and_removes_what_make_built(tree):
    keep = [tree / "instance/issuer-ed25519.pem", tree / "instance/portal.sqlite3",
            tree / "instance/course-files/ab/abcdef"]
    built = [tree / ".venv/bin/python", tree / "portal/translations/fr/LC_MESSAGES/messages.mo",
             tree / ".pytest_cache/README.md", tree / "portal/__pycache__/core.cpython-311.pyc"]
    for path in keep + built:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    for folder in ("tests", "migrations", "bench"):
        (tree / folder).mkdir(exist_ok=True)
    dry_run = subprocess.run(["make", "-n", "clean"], cwd=tree, capture_output=True, text=True, check=True).stdout
    assert "instance" not in dry_run
    result = subprocess.run(["make", "-s", "clean"], cwd=tree, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert all(path.read_bytes() == b"x" for path in keep)
    assert not any(path.exists() for path in built)
    assert (tree / FRENCH).exists()


def test_good_catalogues_compile_quietly(tree):
    result = make(tree, "translations")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert (tree / FRENCH).with_suffix(".mo").exists()


@pytest.mark.parametrize("broken", [
    '\nmsgid "Hello %(name)s"\nmsgstr "Bonjour %(nom)s"\n',  # a placeholder the code never fills in
    '\nmsgid "Hello"\nBonjour\n',                             # not the PO syntax: no msgstr
])
def test_a_broken_catalogue_stops_the_build(tree, broken):
    with (tree / FRENCH).open("a", encoding="utf-8") as catalogue:
        catalogue.write(broken)
    result = make(tree, "translations")
    assert result.returncode != 0
    assert "The translation catalogues in portal/translations have problems." in result.stderr
