"""A person's discussion posts and reports are in their data download, and deleting the account erases them."""
import io
import json
import zipfile

from sqlalchemy import select

from portal.discussion import services
from portal.discussion.models import Mute, Report, Thread
from portal.extensions import db
from portal.privacy.services import delete_account
from tests.discussion.conftest import posts, token


def test_posts_are_downloaded_and_erased_with_the_account(client_for, cohort, people):
    amina, bilal, coordinator = people["amina"], people["bilal"], people["coordinator"]
    question = services.start_thread(cohort, amina, "Amina's question about Sfax", "I live in Sfax.", token())
    services.reply(question.thread, bilal, "Welcome!", token())
    services.report_post(posts()[1], amina, "Off topic, says Amina")
    services.mute(cohort, amina, coordinator)
    db.session.commit()

    archive = client_for(amina).get("/profile/my-data.zip")
    assert archive.status_code == 200, archive.status_code
    with zipfile.ZipFile(io.BytesIO(archive.data)) as files:
        downloaded = {name: json.loads(files.read(name)) for name in files.namelist() if name.endswith(".json")}
    assert [(p["thread"], p["body"]) for p in downloaded["discussion-posts.json"]] == [
        ("Amina's question about Sfax", "I live in Sfax.")]
    assert [r["reason"] for r in downloaded["discussion-reports.json"]] == ["Off topic, says Amina"]

    delete_account(db.session.get(type(amina), amina.id))
    db.session.commit()
    assert [post.body for post in posts()] == ["[deleted]", "Welcome!"]
    assert db.session.scalar(select(Thread.title)) == "[deleted]"
    assert db.session.scalars(select(Report)).all() == [] and db.session.scalars(select(Mute)).all() == []
    page = client_for(bilal).get(f"/discussion/threads/{question.thread_id}").get_data(as_text=True)
    assert "Sfax" not in page.split("<main", 1)[1] and "Welcome!" in page
