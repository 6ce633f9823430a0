"""reply_digest_items: each person's replies to threads they started or posted in, in the window, in their
language, without their own posts, hidden posts, or cohorts they no longer read."""
from datetime import timedelta

from sqlalchemy import select, update

from portal.cohorts.models import CohortMember
from portal.db_types import utcnow
from portal.digest import DigestItem
from portal.discussion import services
from portal.discussion.models import Post
from portal.extensions import db
from tests.discussion.conftest import token


def at(post: Post, when) -> None:
    db.session.execute(update(Post).where(Post.id == post.id).values(created_at=when))


def test_replies_go_to_the_thread_starter_and_earlier_posters(app, cohort, people):
    amina, bilal, lecturer, coordinator = (people[name] for name in ("amina", "bilal", "lecturer", "coordinator"))
    bilal.language = "fr"
    now = utcnow()
    since, until = now - timedelta(days=1), now
    question = services.start_thread(cohort, amina, "Reading list", "Where is it?", token())
    thread = question.thread
    too_early = services.reply(thread, coordinator, "Before the window", token())
    from_bilal = services.reply(thread, bilal, "In module 1", token())
    own = services.reply(thread, amina, "Thanks **Bilal**", token())
    hidden = services.reply(thread, lecturer, "Spam-like", token())
    services.hide_post(hidden, coordinator)
    from_lecturer = services.reply(thread, lecturer, "Also in the appendix", token())
    too_late = services.reply(thread, bilal, "After the window", token())
    for post, when in [(question, since - timedelta(hours=2)), (too_early, since - timedelta(hours=1)),
                       (from_bilal, since + timedelta(hours=1)), (own, since + timedelta(hours=2)),
                       (hidden, since + timedelta(hours=3)), (from_lecturer, until),
                       (too_late, until + timedelta(seconds=1))]:
        at(post, when)
    db.session.commit()

    items = services.reply_digest_items(db.session, since, until)
    bodies = {user_id: [item.text for item in user_items] for user_id, user_items in items.items()}
    assert bodies == {
        amina.id: ["In module 1", "Also in the appendix"],          # started it; not her own reply
        bilal.id: ["Thanks **Bilal**", "Also in the appendix"],     # posted before these
        coordinator.id: ["In module 1", "Thanks **Bilal**", "Also in the appendix"],
    }
    first = items[amina.id][0]
    assert isinstance(first, DigestItem)
    assert first.heading == "Bilal Khan replied in “Reading list” (Atelier de Tunis)"
    assert first.url == f"http://localhost/discussion/threads/{thread.id}#post-{from_bilal.id}"
    assert first.when == since + timedelta(hours=1)
    # Bilal reads French: his items are in French.
    assert items[bilal.id][0].heading == "Amina Diallo a répondu dans « Reading list » (Atelier de Tunis)"
    later = services.reply_digest_items(db.session, until, until + timedelta(hours=1))
    assert {user_id: [item.text for item in user_items] for user_id, user_items in later.items()} == {
        user.id: ["After the window"] for user in (amina, lecturer, coordinator)}
    assert services.reply_digest_items(db.session, until + timedelta(seconds=1), until + timedelta(hours=1)) == {}


def test_leavers_get_nothing_and_links_name_the_page_of_long_threads(app, cohort, people):
    amina, bilal = people["amina"], people["bilal"]
    app.config["DISCUSSION_POSTS_PER_PAGE"] = 2
    since = utcnow() - timedelta(minutes=5)
    question = services.start_thread(cohort, amina, "Reading list", "Where is it?", token())
    services.reply(question.thread, bilal, "Module 1", token())
    last = services.reply(question.thread, bilal, "Or module 2", token())
    db.session.commit()
    items = services.reply_digest_items(db.session, since, utcnow())
    assert [item.url for item in items[amina.id]][-1] == (
        f"http://localhost/discussion/threads/{question.thread_id}?page=2#post-{last.id}")

    db.session.execute(update(CohortMember).where(CohortMember.user_id == amina.id).values(state="pending"))
    db.session.commit()
    assert amina.id not in services.reply_digest_items(db.session, since, utcnow())
    assert db.session.scalar(select(CohortMember.state).where(CohortMember.user_id == amina.id)) == "pending"
