"""Build small course folders and zips in memory for the tests."""
import io
import zipfile
from pathlib import Path
from textwrap import dedent

from PIL import Image

COURSE_YAML = dedent("""\
    slug: test-course
    title: Testing STI policy
    summary: A short course used by the tests.
    language: en
    topics: [testing, sti-policy]
    estimated_hours: 2
    lecturers: [lecturer1@example.org]
    """)
MODULE_YAML = "title: Foundations\nsummary: Where it starts.\n"
LESSON = dedent("""\
    ---
    title: {title}
    minutes: 10
    ---

    Science, technology and innovation policy.

    | Instrument | Kind |
    |---|---|
    | Grants | Project funding |

    A claim.[^1]

    [^1]: OECD, *Frascati Manual*, 2015.
    """)
QUIZ_YAML = dedent("""\
    title: Check your understanding
    pass_mark: 70
    attempts: 3
    shuffle: true
    questions:
      - id: frascati
        type: single
        text: Which manual defines R&D?
        choices:
          - {id: a, text: Frascati, correct: true}
          - {id: b, text: Oslo, feedback: Oslo covers innovation.}
      - id: instruments
        type: multiple
        points: 2
        text: Which are funding instruments?
        choices:
          - {text: Grants, correct: true}
          - {text: Loans, correct: true}
          - {text: Press releases}
      - id: gerd
        type: true_false
        text: GERD counts R&D performed in a country.
        answer: true
      - id: manual-name
        type: short_text
        text: Name the OECD manual on innovation surveys.
        answers: [Oslo Manual, Oslo]
      - id: intensity
        type: numeric
        text: GERD is 2 and GDP is 400. What is GERD/GDP in percent?
        answer: 0.5
        tolerance: 0.01
    """)


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 92, 138)).save(buffer, "PNG")
    return buffer.getvalue()


def course_files(changes: dict[str, str | bytes | None] | None = None) -> dict[str, bytes]:
    """A valid two-module course; `changes` replaces files by path, or removes them with None."""
    files: dict[str, str | bytes] = {
        "course.yaml": COURSE_YAML,
        "01-basics/module.yaml": MODULE_YAML,
        "01-basics/01-what-is-rd.md": LESSON.format(title="What is R&D?"),
        "01-basics/02-funding.md": LESSON.format(title="Funding R&D") + "\n![A chart](media/chart.png)\n",
        "01-basics/quiz.yaml": QUIZ_YAML,
        "01-basics/media/chart.png": png_bytes(),
        "02-measuring/module.yaml": "title: Measuring\n",
        "02-measuring/01-surveys.md": LESSON.format(title="Surveys"),
    }
    for path, value in (changes or {}).items():
        if value is None:
            files.pop(path, None)
        else:
            files[path] = value
    return {path: data.encode() if isinstance(data, str) else data for path, data in files.items()}


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Write course files under `root`, as a lecturer's folder."""
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def zip_bytes(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(f"{folder}{path}", data)
    return buffer.getvalue()
