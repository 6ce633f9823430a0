"""Assignments imported with each revision, as quizzes are: stable by key, versioned per revision."""
from sqlalchemy import select

from portal.courses.importer import import_course, read_spec
from portal.courses.models import Assignment, AssignmentVersion, CourseFile
from portal.extensions import db
from tests.coursefiles import ASSIGNMENT_YAML, with_assignment


def test_an_assignment_is_kept_per_revision_and_retired_when_removed(app, make_course):
    first = make_course(with_assignment())
    version = db.session.scalar(select(AssignmentVersion).where(AssignmentVersion.revision_id == first.revision.id))
    assert version.title == "A note on your country's R&D funding" and version.max_points == 10
    assert version.file_kinds == ["pdf", "docx", "odt"] and version.module.key == "measuring"
    assert db.session.scalar(select(CourseFile.sha256).where(CourseFile.revision_id == first.revision.id,
                                                             CourseFile.path == version.template_path))
    changed = with_assignment({"02-measuring/assignment.yaml": ASSIGNMENT_YAML.replace("pass_mark: 60", "pass_mark: 50")})
    second = import_course(read_spec(changed))
    db.session.commit()
    assert second.revision.changes["assignments"]["changed"] == ["country-note"]
    versions = db.session.scalars(select(AssignmentVersion).order_by(AssignmentVersion.id)).all()
    assert [v.pass_mark for v in versions] == [60, 50]
    assert len({v.assignment_id for v in versions}) == 1
    import_course(read_spec(with_assignment({"02-measuring/assignment.yaml": None, "02-measuring/brief.md": None,
                                             "02-measuring/note-template.docx": None})))
    db.session.commit()
    assert db.session.scalar(select(Assignment.retired_at)) is not None
