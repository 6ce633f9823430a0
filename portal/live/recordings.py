"""A live session's recording (a link or an uploaded video, slides and captions, each checked by its
content) and what each trainee marked as watched. These flush and never commit."""
from collections import defaultdict

import filetype
from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.audit import record
from portal.courses.storage import put_blob
from portal.db_types import utcnow
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.live.models import LiveSession, Recording, WatchedRecording
from portal.live.services import Refused

#: The videos a recording may be: judged by their content, not their name.
VIDEO_TYPES = ("video/mp4", "video/webm")


def sniff(data: bytes) -> str | None:
    kind = filetype.guess(data)
    return kind.mime if kind else None


def check_video(data: bytes) -> str:
    """The video's media type, judged by its content: MP4 or WebM; raises Refused otherwise."""
    media_type = sniff(data)
    if media_type not in VIDEO_TYPES:
        raise Refused(_l("The video must be an MP4 or WebM file."))
    return media_type


def check_slides(data: bytes) -> None:
    if sniff(data) != "application/pdf":
        raise Refused(_l("The slides must be a PDF file."))


def check_captions(data: bytes) -> None:
    """WebVTT captions: UTF-8 text that starts with the WEBVTT signature, within the size limit."""
    if len(data) > current_app.config["CAPTIONS_MAX_BYTES"]:
        raise Refused(_l("The captions file is too large."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(_l("The captions file must be WebVTT text in UTF-8.")) from None
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if "\x00" in text or not (first_line == "WEBVTT" or first_line.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise Refused(_l("The captions file must be WebVTT: its first line is WEBVTT."))


def _new_recording(session: LiveSession) -> Recording:
    """A recording row for the session; the one another tab made a moment ago, if it did."""
    try:
        with db.session.begin_nested():
            recording = Recording(session_id=session.id)
            db.session.add(recording)
    except IntegrityError:
        found = recording_of(session)
        if found is None:
            raise
        return found
    return recording


def attach_recording(session: LiveSession, actor: User, *, video_url: str | None = None, video: bytes | None = None,
                     slides: bytes | None = None, captions: bytes | None = None) -> Recording:
    """Attach (or replace) a session's recording link or video, slides and captions; each file is checked by
    its content before anything is stored. Raises Refused."""
    if video_url and video:
        raise Refused(_l("Give a link to the recording or upload a video, not both."))
    video_type = check_video(video) if video else None
    if slides:
        check_slides(slides)
    if captions:
        check_captions(captions)
    recording = recording_of(session) or _new_recording(session)
    if video_url:
        recording.video_url, recording.video_sha256, recording.video_type, recording.video_size = video_url, None, None, None
    if video:
        recording.video_url, recording.video_sha256 = None, put_blob(video)
        recording.video_type, recording.video_size = video_type, len(video)
    if slides:
        recording.slides_sha256 = put_blob(slides)
    if captions:
        recording.captions_sha256 = put_blob(captions)
    recording.added_by_id, recording.updated_at = actor.id, utcnow()
    db.session.flush()
    record(actor, "recording.attached", session.title, session_id=session.id, link=bool(video_url),
           video=bool(video), slides=bool(slides), captions=bool(captions))
    return recording


def recording_of(session: LiveSession) -> Recording | None:
    """The session's recording, if one was attached."""
    return db.session.scalar(select(Recording).where(Recording.session_id == session.id))


def recordings_of(session_ids: list[int]) -> dict[int, Recording]:
    """Each session's recording, by session id (one query)."""
    if not session_ids:
        return {}
    return {recording.session_id: recording for recording in
            db.session.scalars(select(Recording).where(Recording.session_id.in_(session_ids)))}


def mark_watched(recording: Recording, user: User) -> bool:
    """Record that the user watched the recording; False when they had already (a double submit included)."""
    try:
        with db.session.begin_nested():
            db.session.add(WatchedRecording(recording_id=recording.id, user_id=user.id))
    except IntegrityError:
        return False
    return True


def has_watched(recording: Recording, user: User) -> bool:
    return bool(db.session.scalar(select(exists().where(WatchedRecording.recording_id == recording.id,
                                                        WatchedRecording.user_id == user.id))))


def watched_session_ids(cohort_id: int, user_ids: list[int]) -> dict[int, set[int]]:
    """For each user, the ids of the cohort's sessions whose recording they marked as watched (one query)."""
    watched: dict[int, set[int]] = defaultdict(set)
    for user_id in user_ids:
        watched[user_id] = set()
    if not user_ids:
        return dict(watched)
    rows = db.session.execute(
        select(WatchedRecording.user_id, Recording.session_id)
        .join(Recording, Recording.id == WatchedRecording.recording_id)
        .join(LiveSession, LiveSession.id == Recording.session_id)
        .where(LiveSession.cohort_id == cohort_id, WatchedRecording.user_id.in_(user_ids)))
    for user_id, session_id in rows:
        watched[user_id].add(session_id)
    return dict(watched)
