"""The assignment format: assignment.yaml in a module, checked with file and line."""
import io
import zipfile

import pytest

from portal.content.documents import judge_document
from portal.content.loader import read_course
from portal.content.problems import ContentError
from tests.coursefiles import ASSIGNMENT_YAML, not_utf8, office_bytes, png_bytes, with_assignment

ALL = frozenset({"pdf", "docx", "xlsx", "pptx", "odt", "image"})
MB = 1024 * 1024


def problems_of(files) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_course(files)
    return [str(problem) for problem in caught.value.problems]


def test_an_assignment_is_read_with_its_rubric_and_files():
    spec = read_course(with_assignment())
    (assignment,) = spec.modules[1].assignments
    assert assignment.key == "country-note" and assignment.allows_text and assignment.allows_resubmission
    assert assignment.file_kinds == ("pdf", "docx", "odt") and assignment.max_files == 2 and assignment.max_file_mb == 5
    assert "<strong>two pages</strong>" in assignment.instructions_html
    assert [c["id"] for c in assignment.rubric] == ["evidence", "recommendations"]
    assert assignment.max_points == 10 and assignment.pass_mark == 60
    assert assignment.template == "02-measuring/note-template.docx"
    assert spec.assignments == [assignment]


def test_instructions_may_be_written_in_the_file():
    text = ASSIGNMENT_YAML.replace("instructions_file: brief.md", "instructions: |\n  Write *one* page.")
    spec = read_course(with_assignment({"02-measuring/assignment.yaml": text, "02-measuring/brief.md": None}))
    assert "<em>one</em>" in spec.assignments[0].instructions_html


def test_every_problem_of_an_assignment_has_its_file_and_line():
    text = (ASSIGNMENT_YAML.replace("kinds: [pdf, docx, odt]", "kinds: [pdf, exe]")
            .replace("count: 2", "count: 50").replace("pass_mark: 60", "pass_mark: 160")
            .replace("{points: 2, descriptor: Some sources.}", "{points: 0, descriptor: Some sources.}")
            .replace("id: recommendations", "id: evidence").replace("resubmission: true", "resubmission: maybe")
            .replace("template: note-template.docx", "template: missing.docx") + "colour: blue\n")
    found = problems_of(with_assignment({"02-measuring/assignment.yaml": text, "02-measuring/note-template.docx": None}))
    file = "02-measuring/assignment.yaml"
    assert found == [
        f"{file}:6: count must be a whole number from 1 to 10",
        f"{file}:6: kinds must be a list of file kinds from pdf, docx, xlsx, pptx, odt, image",
        f"{file}:10: two levels of a criterion give the same points",
        f"{file}:14: criterion id 'evidence' is used twice",
        f"{file}:19: pass_mark must be a percentage from 0 to 100",
        f"{file}:20: resubmission must be true or false",
        f"{file}:21: template: there is no file 'missing.docx' in this module",
        f"{file}:22: unknown field 'colour'",
    ]


def test_an_assignment_needs_something_to_hand_in_and_a_rubric():
    text = "key: note\ntitle: A note\ninstructions: Write.\nsubmission: {text: false}\npass_mark: 50\n"
    found = problems_of(with_assignment({"02-measuring/assignment.yaml": text, "02-measuring/brief.md": None,
                                         "02-measuring/note-template.docx": None}))
    assert found == [
        "02-measuring/assignment.yaml:1: rubric must be a list of 1 to 12 criteria, each with an id, a title and levels",
        "02-measuring/assignment.yaml:4: the assignment accepts nothing: allow text, files, or both",
    ]


def test_keys_are_unique_in_the_course_and_files_it_names_are_not_lessons():
    second = ASSIGNMENT_YAML.replace("instructions_file: brief.md", "instructions: Again.").replace(
        "template: note-template.docx\n", "")
    found = problems_of(with_assignment({"01-basics/assignment-again.yaml": second}))
    assert found == ["02-measuring/assignment.yaml: assignment key 'country-note' is used twice in the course"]


def test_a_template_is_judged_as_handed_in_files_are():
    found = problems_of(with_assignment({"02-measuring/note-template.docx": office_bytes(macros=True)}))
    assert found == ["02-measuring/note-template.docx: the file holds macros, which are not accepted; save it as a "
                     "document without macros (.docx, .xlsx or .pptx)"]


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx"])
def test_office_documents_are_recognised_by_their_parts(kind):
    document, problem = judge_document(f"note.{kind}", office_bytes(kind), ALL, 5 * MB)
    assert problem is None and document.kind == kind


def test_odt_is_recognised_by_its_mimetype_entry_and_images_and_pdf_by_content():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    assert judge_document("note.odt", buffer.getvalue(), ALL, MB)[0].kind == "odt"
    assert judge_document("chart.png", png_bytes(), ALL, MB)[0].media_type == "image/png"
    assert judge_document("note.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", ALL, MB)[0].kind == "pdf"


def refusal(name, data, kinds=ALL, max_bytes=5 * MB) -> str:
    document, problem = judge_document(name, data, kinds, max_bytes)
    assert document is None
    return problem.text


def test_hostile_files_are_refused_with_a_clear_reason():
    assert refusal("note.pdf", b"<html><script>alert(1)</script></html>") == (
        "its content is not a PDF, an office document or an image, whatever its name says")
    assert "macros" in refusal("note.docx", office_bytes(macros=True))
    assert "the file is 6.0 MB; files may be at most 5 MB" == refusal("big.pdf", b"%PDF-1.4\n" + b"0" * 6 * MB)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 30 * MB)
    assert "zip bomb" in refusal("note.docx", bomb.getvalue())
    assert refusal("note.pdf", office_bytes()) == "its content is DOCX but its name ends in '.pdf'"
    assert "does not accept" in refusal("note.docx", office_bytes(), frozenset({"pdf"}))
    assert refusal("data.docx", b"PK\x03\x04broken") .startswith("the file is damaged")


def test_an_office_file_with_a_name_marked_as_utf8_that_is_not_is_damaged():
    document = office_bytes(utf8_names=True)
    assert judge_document("note.docx", document, ALL, MB)[0].kind == "docx"
    for local_header_only in (False, True):
        broken = not_utf8(document, "[Content_Types].xml", local_header_only=local_header_only)
        assert refusal("note.docx", broken).startswith("the file is damaged")


FRENCH_NOTE = """\
translations:
  fr:
    title: Une note sur le financement de la R-D dans votre pays
    instructions: Rédigez **deux pages**.
    rubric:
      - id: recommendations
        title: Des recommandations réalisables
        levels:
          - {points: 6, descriptor: Chiffrées et ordonnées.}
          - {points: 0, descriptor: Aucune.}
      - id: evidence
        title: Les données
        levels:
          - {points: 0, descriptor: Aucune source.}
          - {points: 2, descriptor: Quelques sources.}
          - {points: 4, descriptor: Statistiques officielles citées.}
"""


def french_assignment(text: str = FRENCH_NOTE) -> dict[str, bytes]:
    from tests.coursefiles import FRENCH

    return with_assignment({**FRENCH, "02-measuring/assignment.yaml": ASSIGNMENT_YAML + text})


def test_an_assignment_carries_its_words_in_the_courses_other_languages():
    spec = read_course(french_assignment())
    (assignment,) = spec.assignments
    french = assignment.translations["fr"]
    assert french["title"] == "Une note sur le financement de la R-D dans votre pays"
    assert "<strong>deux pages</strong>" in french["instructions_html"]
    assert [criterion["id"] for criterion in french["rubric"]] == ["evidence", "recommendations"], "the original's order"
    assert french["rubric"][1]["levels"] == [{"points": 0.0, "descriptor": "Aucune."},
                                             {"points": 6.0, "descriptor": "Chiffrées et ordonnées."}]
    assert spec.titles_in("fr")["assignment/country-note"] == french["title"]
    assert spec.coverage()["fr"]["assignments"] == [1, 1]
    # Only a title: the instructions and rubric are the original's.
    title_only = read_course(french_assignment("translations:\n  fr: {title: Une note}\n")).assignments[0]
    assert title_only.translations == {"fr": {"title": "Une note", "instructions_html": "", "rubric": []}}
    assert title_only.content_hash != assignment.content_hash


def test_a_translated_rubric_must_have_the_originals_criteria_and_points():
    text = (FRENCH_NOTE.replace("{points: 6, descriptor: Chiffrées et ordonnées.}", "{points: 5, descriptor: Chiffrées.}")
            .replace("id: evidence", "id: sources") + "    colour: bleu\n")
    found = problems_of(french_assignment(text))
    file = "02-measuring/assignment.yaml"
    assert found == [
        f"{file}:26: the translation's rubric leaves out evidence: translate every criterion",
        f"{file}:29: the levels of criterion 'recommendations' must have the points of the original's: 0, 6",
        f"{file}:32: the rubric has no criterion 'sources'",
        f"{file}:38: unknown field 'colour'",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("translations:\n  de: {title: Eine Notiz}\n",
     "02-measuring/assignment.yaml:23: the language 'de' is not among the translations course.yaml declares"),
    ("translations:\n  fr: {instructions: Rédigez.}\n",
     "02-measuring/assignment.yaml:23: missing field 'title'"),
    ("translations:\n  fr: {title: Une note, instructions_file: brief.fr.md, instructions: x}\n",
     "02-measuring/assignment.yaml:23: give the instructions as 'instructions' (Markdown) or as 'instructions_file' "
     "(a Markdown file in the module), one of the two"),
    ("translations:\n  fr: {title: Une note, rubric: 7}\n",
     "02-measuring/assignment.yaml:23: a translation's rubric must be a list of the criteria, each with its id, title "
     "and levels"),
    ("translations:\n  fr: {title: Une note, rubric: [7]}\n",
     "02-measuring/assignment.yaml:23: each criterion must be a mapping with an id, a title and levels"),
])
def test_a_wrong_translation_is_a_problem_with_its_line(text, message):
    assert message in problems_of(french_assignment(text))


def test_translated_instructions_may_be_a_markdown_file_beside_the_assignment():
    files = french_assignment("translations:\n  fr: {title: Une note, instructions_file: brief.fr.md}\n")
    files["02-measuring/brief.fr.md"] = "Rédigez *deux* pages.\n".encode()
    (assignment,) = read_course(files).assignments
    assert "<em>deux</em>" in assignment.translations["fr"]["instructions_html"]
