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
#: The test course's files with the keys a course for ministries gives: objectives, audience, prerequisites.
COURSE_KEYS = COURSE_YAML + dedent("""\
    objectives:
      - Explain what R&D is
      - Compare funding instruments
      - Use survey results in a policy note
    audience: >-
      Officials of *science ministries* and research councils.
    prerequisites: >-
      None; a [glossary](https://www.oecd.org/en/publications/frascati-manual-2015_9789264239012-en.html) helps.
    """)
MODULE_KEYS = MODULE_YAML + "objectives:\n  - Define R&D\n  - Name the three kinds of R&D\n"
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


class _Utf8Name(zipfile.ZipInfo):
    """A member whose name is marked as UTF-8 even when it is ASCII (zipfile marks only the others)."""

    def _encodeFilenameFlags(self):
        return self.filename.encode(), self.flag_bits | 0x800


def utf8_zip(files: dict[str, bytes]) -> bytes:
    """A zip of `files` whose names are all marked as UTF-8, as some zip programs write them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(_Utf8Name(path), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def not_utf8(archive: bytes, name: str, *, local_header_only: bool = False) -> bytes:
    """The zip with the member `name`, marked as UTF-8, renamed to bytes that are not UTF-8: in its local
    header and in the central directory, or in its local header only."""
    encoded = name.encode()
    return archive.replace(encoded, b"\xff" + encoded[1:], 1 if local_header_only else -1)


#: The test course's French translation: course and module words, one lesson of two, the whole quiz.
FRENCH = {
    "course.yaml": COURSE_YAML + dedent("""\
        translations:
          fr:
            title: Tester la politique de STI
            summary: Un cours bref qu'utilisent les tests.
        """),
    "01-basics/module.yaml": MODULE_YAML + "translations:\n  fr: {title: Fondements, summary: Le point de départ.}\n",
    "01-basics/01-what-is-rd.fr.md": dedent("""\
        ---
        title: Qu'est-ce que la R-D ?
        ---

        La politique de la science, de la technologie et de l'innovation.

        Une affirmation.[^1]

        [^1]: OCDE, *Manuel de Frascati*, 2015.
        """),
    "01-basics/quiz.fr.yaml": dedent("""\
        title: Vérifiez vos connaissances
        questions:
          - id: frascati
            text: Quel manuel définit la R-D ?
            choices:
              - {id: a, text: Frascati, correct: true}
              - {id: b, text: Oslo, feedback: Le Manuel d'Oslo porte sur l'innovation.}
          - id: instruments
            text: Lesquels sont des instruments de financement ?
            choices:
              - {text: Subventions, correct: true}
              - {text: Prêts, correct: true}
              - {text: Communiqués de presse}
          - id: gerd
            text: La DIRD compte la R-D exécutée dans un pays.
            answer: true
          - id: manual-name
            text: Nommez le manuel de l'OCDE consacré aux enquêtes sur l'innovation.
            answers: [Manuel d'Oslo, Oslo]
          - id: intensity
            text: La DIRD vaut 2 et le PIB 400. Que vaut DIRD/PIB, en pour cent ?
            answer: 0.5
            tolerance: 0.01
        """),
}


def french_course_files(changes: dict[str, str | bytes | None] | None = None) -> dict[str, bytes]:
    """The test course with its French translation; `changes` as for course_files."""
    return course_files({**FRENCH, **(changes or {})})


#: An assignment for the test course's second module, its instructions in a file beside it.
ASSIGNMENT_YAML = dedent("""\
    key: country-note
    title: A note on your country's R&D funding
    instructions_file: brief.md
    submission:
      text: true
      files: {kinds: [pdf, docx, odt], count: 2, max_mb: 5}
    rubric:
      - id: evidence
        title: Evidence
        levels:
          - {points: 0, descriptor: No sources.}
          - {points: 2, descriptor: Some sources.}
          - {points: 4, descriptor: Official statistics with citations.}
      - id: recommendations
        title: Feasible recommendations
        levels:
          - {points: 0, descriptor: None.}
          - {points: 6, descriptor: Costed and sequenced.}
    pass_mark: 60
    resubmission: true
    template: note-template.docx
    """)
BRIEF = "Write **two pages** on how your country funds R&D.\n"


def office_bytes(kind: str = "docx", *, macros: bool = False, utf8_names: bool = False) -> bytes:
    """A minimal Office Open XML document of `kind`, with a macro part when `macros`, its names all
    marked as UTF-8 when `utf8_names`."""
    part, main = {"docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
                  "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
                  "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml")}[kind]
    main_type = f"application/vnd.openxmlformats-officedocument.{main}"
    if macros:
        main_type = "application/vnd.ms-word.document.macroEnabled.main+xml"
    types = (f'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             f'<Override PartName="/{part}" ContentType="{main_type}"/></Types>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_Utf8Name("[Content_Types].xml") if utf8_names else "[Content_Types].xml", types,
                         zipfile.ZIP_DEFLATED)
        archive.writestr(part, "<document>A note.</document>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00macro")
    return buffer.getvalue()


def with_assignment(changes: dict[str, str | bytes | None] | None = None) -> dict[str, bytes]:
    """The test course with the assignment in its second module."""
    return course_files({
        "02-measuring/assignment.yaml": ASSIGNMENT_YAML,
        "02-measuring/brief.md": BRIEF,
        "02-measuring/note-template.docx": office_bytes(),
        **(changes or {}),
    })
