"""Course pages for lecturers and admins, and course media."""
from flask import Blueprint, abort, send_file
from flask_login import current_user
from sqlalchemy import select

from portal.accounts.access import ANYONE, allow
from portal.courses.models import Course, CourseFile, CourseRevision
from portal.courses.storage import blob_path
from portal.extensions import db

bp = Blueprint("courses", __name__, template_folder="templates")

YEAR = 365 * 24 * 3600


@bp.route("/media/<sha256>/<name>")
@allow(ANYONE)
def media(sha256: str, name: str):
    """A media file by its hash: immutable, so cached for a year, with an ETag."""
    rows = db.session.execute(
        select(CourseFile.media_type, Course)
        .join(CourseRevision, CourseRevision.id == CourseFile.revision_id)
        .join(Course, Course.id == CourseRevision.course_id)
        .where(CourseFile.sha256 == sha256, CourseFile.media_type.is_not(None))
    ).all()
    if not rows:
        abort(404)
    visible = any(
        course.is_published or (current_user.is_authenticated and course.is_taught_by(current_user))
        for _, course in rows
    )
    if not visible:
        abort(404)
    response = send_file(blob_path(sha256), mimetype=rows[0][0], etag=sha256, conditional=True,
                         max_age=YEAR, download_name=name)
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response
