"""Recordings: attached by coordinators and the session's lecturers, files checked by their content, video
served with range requests, captions as text/vtt in a plain <video> with <track>, marked watched once."""
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.live import recordings, reminders, services
from portal.live.models import Recording, WatchedRecording

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 20
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm" + b"\x00" * 100
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nBienvenue à tous.\n".encode()


@pytest.fixture
def session(edition):
    return edition.add_session("Innovation surveys", datetime(2026, 12, 1, 8, 0, tzinfo=UTC))


def upload(client, session_id: int, **files):
    data = {name: (io.BytesIO(content), filename) for name, (content, filename) in files.items()}
    return client.submit(f"/live/sessions/{session_id}/recording", data, page=f"/live/sessions/{session_id}",
                         content_type="multipart/form-data")


def test_a_lecturer_uploads_a_video_with_captions_and_slides_and_members_play_it(client_for, edition, session):
    lecturer = client_for(edition.lecturer)
    response = upload(lecturer, session.id, video=(MP4, "talk.mp4"), captions=(VTT, "talk.vtt"), slides=(PDF, "slides.pdf"))
    assert response.status_code == 302, response.get_data(as_text=True)
    member = client_for(edition.cairo)
    page = member.get(f"/live/sessions/{session.id}").get_data(as_text=True)
    assert f'<video controls preload="metadata" class="recording" src="/live/sessions/{session.id}/recording/video">' in page
    assert f'<track kind="captions" default label="Captions" src="/live/sessions/{session.id}/recording/captions">' in page
    captions = member.get(f"/live/sessions/{session.id}/recording/captions")
    assert captions.status_code == 200 and captions.mimetype == "text/vtt" and captions.get_data() == VTT
    assert captions.headers["Content-Type"] == "text/vtt; charset=utf-8", "one charset, not two"
    slides = member.get(f"/live/sessions/{session.id}/recording/slides")
    assert slides.mimetype == "application/pdf" and slides.get_data() == PDF


def test_the_video_is_served_with_range_requests(client_for, edition, session):
    upload(client_for(edition.coordinator), session.id, video=(MP4, "talk.mp4"))
    member = client_for(edition.cairo)
    whole = member.get(f"/live/sessions/{session.id}/recording/video")
    assert whole.status_code == 200 and whole.mimetype == "video/mp4" and whole.headers["Accept-Ranges"] == "bytes"
    part = member.get(f"/live/sessions/{session.id}/recording/video", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(MP4)}"
    assert part.get_data() == MP4[100:200]
    tail = member.get(f"/live/sessions/{session.id}/recording/video", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.get_data() == MP4[-10:]
    beyond = member.get(f"/live/sessions/{session.id}/recording/video", headers={"Range": f"bytes={len(MP4) + 5}-"})
    assert beyond.status_code == 416


def test_a_webm_video_keeps_its_type(client_for, edition, session):
    upload(client_for(edition.coordinator), session.id, video=(WEBM, "talk.webm"))
    assert client_for(edition.cairo).get(f"/live/sessions/{session.id}/recording/video").mimetype == "video/webm"


@pytest.mark.parametrize(("files", "error"), [
    ({"video": (PDF, "talk.mp4")}, "The video must be an MP4 or WebM file."),
    ({"video": (b"<html>not a video</html>", "talk.webm")}, "The video must be an MP4 or WebM file."),
    ({"slides": (MP4, "slides.pdf")}, "The slides must be a PDF file."),
    ({"captions": (b"1\n00:00:00,000 --> 00:00:01,000\nSRT, not WebVTT\n", "talk.vtt")}, "its first line is WEBVTT"),
    ({"captions": (b"WEBVTTX\n", "talk.vtt")}, "its first line is WEBVTT"),
    ({"captions": (b"WEBVTT\n\x00\n", "talk.vtt")}, "its first line is WEBVTT"),
    ({"captions": (b"WEBVTT\n\xff\xfe\n", "talk.vtt")}, "WebVTT text in UTF-8"),
    ({"captions": (b"WEBVTT\n\n" + b"a" * (1024 * 1024), "talk.vtt")}, "The captions file is too large."),
])
def test_files_are_checked_by_their_content_and_nothing_is_stored_when_one_is_wrong(client_for, edition, session, files, error):
    files = {"slides": (PDF, "slides.pdf"), **files} if "slides" not in files else files
    response = upload(client_for(edition.coordinator), session.id, **files)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Recording)) == 0


def test_a_link_to_the_recording_must_be_https_and_not_with_a_file(client_for, edition, session):
    coordinator = client_for(edition.coordinator)
    response = coordinator.submit(f"/live/sessions/{session.id}/recording", {"video_url": "http://video.example.org/1"},
                                  page=f"/live/sessions/{session.id}")
    assert response.status_code == 400 and "Give a full https:// address." in response.get_data(as_text=True)
    response = coordinator.submit(f"/live/sessions/{session.id}/recording",
                                  {"video_url": "https://video.example.org/1", "video": (io.BytesIO(MP4), "talk.mp4")},
                                  page=f"/live/sessions/{session.id}", content_type="multipart/form-data")
    assert response.status_code == 422 and "not both" in response.get_data(as_text=True)
    response = coordinator.submit(f"/live/sessions/{session.id}/recording", {"video_url": ""}, page=f"/live/sessions/{session.id}")
    assert response.status_code == 400 and "Give a link, or choose a file" in response.get_data(as_text=True)
    response = coordinator.submit(f"/live/sessions/{session.id}/recording", {"video_url": "https://video.example.org/1"},
                                  page=f"/live/sessions/{session.id}")
    assert response.status_code == 302
    page = client_for(edition.cairo).get(f"/live/sessions/{session.id}").get_data(as_text=True)
    assert 'href="https://video.example.org/1"' in page and "<video" not in page


def test_only_staff_and_the_sessions_lecturers_attach_and_only_viewers_download(client_for, edition, session, make_user):
    from portal.accounts.models import Role

    member = client_for(edition.cairo)
    assert upload(member, session.id, video=(MP4, "talk.mp4")).status_code == 403
    other_lecturer = client_for(make_user(Role.LECTURER))
    assert other_lecturer.post(f"/live/sessions/{session.id}/recording").status_code in (400, 404)
    assert db.session.scalar(select(func.count()).select_from(Recording)) == 0
    upload(client_for(edition.coordinator), session.id, video=(MP4, "talk.mp4"))
    assert client_for(edition.outsider).get(f"/live/sessions/{session.id}/recording/video").status_code == 404
    assert member.get(f"/live/sessions/{session.id}/recording/slides").status_code == 404, "no slides attached"
    assert member.get(f"/live/sessions/{session.id}/recording/other").status_code == 404


def test_a_member_marks_a_recording_watched_once(client_for, edition, session):
    member = client_for(edition.cairo)
    url = f"/live/sessions/{session.id}/watched"
    assert member.submit(url, page=f"/live/sessions/{session.id}").status_code == 404, "no recording yet"
    upload(client_for(edition.coordinator), session.id, video=(MP4, "talk.mp4"))
    token = member.csrf_token(f"/live/sessions/{session.id}")
    for _ in range(2):  # a double submit
        assert member.post(url, data={"csrf_token": token}).status_code == 302
    assert "You watched this recording." in member.get(f"/live/sessions/{session.id}").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WatchedRecording)) == 1
    assert member.get(url).status_code == 405, "a GET never writes"
    staff = client_for(edition.coordinator)
    assert staff.submit(url, page=f"/live/sessions/{session.id}").status_code == 403, "only members mark"


def test_watched_and_session_ids_for_the_completion_rule(client_for, edition, session):
    later = edition.add_session("Policy mix", datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    for each in (session, later):
        upload(client_for(edition.coordinator), each.id, video=(MP4, "talk.mp4"))
    member = client_for(edition.cairo)
    member.submit(f"/live/sessions/{later.id}/watched", page=f"/live/sessions/{later.id}")
    assert services.session_ids_for_cohort(edition.cohort.id) == [session.id, later.id]
    assert recordings.watched_session_ids(edition.cohort.id, [edition.cairo.id, edition.dili.id]) == {
        edition.cairo.id: {later.id}, edition.dili.id: set()}
    assert recordings.watched_session_ids(edition.cohort.id, []) == {}


def test_two_uploads_at_once_make_one_recording(app, database_url, client_for, edition, session, monkeypatch):
    import threading

    if not database_url.startswith("postgresql"):
        pytest.skip("parallel uploads are tested on PostgreSQL (run with TEST_DATABASE_URL)")
    clients = [client_for(edition.coordinator), client_for(edition.lecturer)]
    tokens = [each.csrf_token(f"/live/sessions/{session.id}") for each in clients]
    barrier, statuses = threading.Barrier(2), []
    looked_up, lookup = threading.Barrier(2), recordings.recording_of
    waited = threading.local()

    def both_find_none(live_session):
        """Both requests look for the recording before either adds it: the race the guard is for."""
        found = lookup(live_session)
        if not getattr(waited, "done", False):
            waited.done = True
            looked_up.wait(timeout=10)
        return found

    monkeypatch.setattr(recordings, "recording_of", both_find_none)

    def send(each, token, files) -> None:
        data = {"csrf_token": token, **{name: (io.BytesIO(content), filename) for name, (content, filename) in files.items()}}
        barrier.wait(timeout=10)
        statuses.append(each.post(f"/live/sessions/{session.id}/recording", data=data,
                                  content_type="multipart/form-data").status_code)

    uploads = [{"video": (MP4, "talk.mp4")}, {"slides": (PDF, "slides.pdf")}]
    threads = [threading.Thread(target=send, args=args) for args in zip(clients, tokens, uploads, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    stored = list(db.session.scalars(select(Recording)))
    assert len(stored) == 1


def test_the_data_download_holds_what_i_watched_and_the_reminders_sent_to_me(client_for, edition, session, smtp_server):
    import json
    import zipfile
    from datetime import timedelta

    upload(client_for(edition.coordinator), session.id, video=(MP4, "talk.mp4"))
    reminders.send_due_reminders(session.starts_at - timedelta(minutes=30))
    member = client_for(edition.cairo)
    member.submit(f"/live/sessions/{session.id}/watched", page=f"/live/sessions/{session.id}")
    with zipfile.ZipFile(io.BytesIO(member.get("/profile/my-data.zip").data)) as zipped:
        records = json.loads(zipped.read("live-sessions.json"))
    assert len(records) == 1
    record = records[0]
    assert (record["session"], record["cohort"], record["starts_at"]) == (
        "Innovation surveys", "STI policy workshop", "2026-12-01T08:00:00+00:00")
    assert record["watched_at"] and [reminder["kind"] for reminder in record["reminders"]] == ["hour_before"]
    with zipfile.ZipFile(io.BytesIO(client_for(edition.dili).get("/profile/my-data.zip").data)) as zipped:
        assert [r["watched_at"] for r in json.loads(zipped.read("live-sessions.json"))] == [None], "reminded, not watched"
