"""Threads and replies over HTTP: order, Markdown, limits, double submits, the edit window, lecturers' posts
and answers."""
from datetime import timedelta

from sqlalchemy import select

from portal.discussion.models import Badge, Thread
from portal.extensions import db
from tests.discussion.conftest import posts, reply, start, token


def test_members_start_a_thread_and_reply_in_order(client_for, cohort, people):
    amina, bilal = client_for(people["amina"]), client_for(people["bilal"])
    response = start(amina, cohort.id)
    assert response.status_code == 302, response.get_data(as_text=True)
    thread = db.session.scalar(select(Thread))
    assert response.headers["Location"] == f"/discussion/threads/{thread.id}"
    assert reply(bilal, thread.id).status_code == 302
    assert reply(amina, thread.id, "Thank you!").status_code == 302

    page = bilal.get(f"/discussion/threads/{thread.id}").get_data(as_text=True)
    assert page.index("Has anyone found it?") < page.index("<strong>module 1</strong>") < page.index("Thank you!")
    listing = bilal.get(f"/cohorts/{cohort.id}/discussion").get_data(as_text=True)
    assert "Where is the reading list?" in listing and "3 posts" in listing


def test_markdown_is_sanitised_and_raw_html_refused_keeping_the_text(client_for, cohort, people):
    amina = client_for(people["amina"])
    start(amina, cohort.id)
    thread = db.session.scalar(select(Thread))
    response = reply(amina, thread.id, "Look <script>alert(1)</script> here")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # kept in the form
    assert len(posts()) == 1
    reply(amina, thread.id, "[a link](javascript:alert(1)) and [another](https://example.org)")
    assert len(posts()) == 1
    assert reply(amina, thread.id, "[the report](https://example.org/report)").status_code == 302
    assert 'href="https://example.org/report"' in posts()[-1].body_html


def test_a_post_over_the_size_limit_is_refused_with_a_clear_error(app, client_for, cohort, people):
    app.config["DISCUSSION_POST_MAX_LENGTH"] = 50
    amina = client_for(people["amina"])
    response = start(amina, cohort.id, body="x" * 51)
    assert response.status_code == 400
    assert "at most 50 characters" in response.get_data(as_text=True)
    assert posts() == []
    assert start(amina, cohort.id, title="t" * 201).status_code == 400
    assert start(amina, cohort.id, body="x" * 50).status_code == 302


def test_the_same_form_sent_twice_posts_once(client_for, cohort, people):
    amina = client_for(people["amina"])
    start(amina, cohort.id)
    thread = db.session.scalar(select(Thread))
    same = token()
    first = amina.submit(f"/discussion/threads/{thread.id}", {"body": "Once", "token": same})
    second = amina.submit(f"/discussion/threads/{thread.id}", {"body": "Once", "token": same})
    assert first.status_code == second.status_code == 302
    assert reply(amina, thread.id, "Once").status_code == 302  # a new form, the same words, a moment later
    assert [post.body for post in posts()] == ["Has anyone found it?", "Once"]
    assert "posted already" in amina.get(second.headers["Location"]).get_data(as_text=True)
    start(amina, cohort.id)  # the whole new-thread form again
    assert db.session.scalar(select(db.func.count(Thread.id))) == 1


def test_posting_is_rate_limited_per_person(app, client_for, cohort, people):
    app.config["DISCUSSION_POST_RATE_LIMIT"] = "3 per minute"
    amina, bilal = client_for(people["amina"]), client_for(people["bilal"])
    start(amina, cohort.id)
    thread = db.session.scalar(select(Thread))
    assert reply(amina, thread.id, "two").status_code == 302
    assert reply(amina, thread.id, "three").status_code == 302
    assert reply(amina, thread.id, "four").status_code == 429
    assert reply(bilal, thread.id, "mine").status_code == 302
    assert [post.body for post in posts()] == ["Has anyone found it?", "two", "three", "mine"]


def test_the_author_edits_within_the_window_and_no_one_else(client_for, cohort, people):
    amina, bilal = client_for(people["amina"]), client_for(people["bilal"])
    start(amina, cohort.id)
    post = posts()[0]
    assert bilal.get(f"/discussion/posts/{post.id}/edit").status_code == 403
    assert bilal.submit(f"/discussion/posts/{post.id}/edit", {"body": "Vandalised"},
                        page=f"/discussion/threads/{post.thread_id}").status_code == 403
    assert amina.submit(f"/discussion/posts/{post.id}/edit", {"body": "Found it, *thanks*"}).status_code == 302
    post = posts()[0]
    assert post.body_html == "<p>Found it, <em>thanks</em></p>\n" and post.edited_at is not None
    assert "edited" in bilal.get(f"/discussion/threads/{post.thread_id}").get_data(as_text=True)

    post.created_at -= timedelta(minutes=31)
    db.session.commit()
    assert amina.get(f"/discussion/posts/{post.id}/edit").status_code == 403
    assert amina.submit(f"/discussion/posts/{post.id}/edit", {"body": "Too late"},
                        page=f"/discussion/threads/{post.thread_id}").status_code == 403
    assert posts()[0].body == "Found it, *thanks*"


def test_lecturers_posts_are_marked_and_a_lecturer_marks_an_answer(client_for, cohort, people):
    amina, lecturer = client_for(people["amina"]), client_for(people["lecturer"])
    start(amina, cohort.id)
    thread = db.session.scalar(select(Thread))
    reply(amina, thread.id, "Maybe in the appendix?")
    assert reply(lecturer, thread.id, "Yes: appendix B.").status_code == 302
    question, guess, answer = posts()
    assert (question.badge, answer.badge) == (None, Badge.LECTURER)
    page = amina.get(f"/discussion/threads/{thread.id}").get_data(as_text=True)
    assert page.count('<span class="flag">Lecturer</span>') == 1

    assert amina.submit(f"/discussion/posts/{guess.id}/answer", {"mark": "yes"},
                        page=f"/discussion/posts/{guess.id}").status_code == 403
    assert lecturer.submit(f"/discussion/posts/{answer.id}/answer", {"mark": "yes"},
                           page=f"/discussion/posts/{answer.id}").status_code == 302
    assert [post.is_answer for post in posts()] == [False, False, True]
    assert f'class="post answer" id="post-{answer.id}"' in amina.get(f"/discussion/threads/{thread.id}").get_data(as_text=True)
    lecturer.submit(f"/discussion/posts/{answer.id}/answer", {"mark": "no"}, page=f"/discussion/posts/{answer.id}")
    assert not posts()[2].is_answer


def test_hostile_input_gets_a_clear_answer_and_stores_nothing(client_for, cohort, people):
    amina, coordinator = client_for(people["amina"]), client_for(people["coordinator"])
    start(amina, cohort.id)
    thread = db.session.scalar(select(Thread))
    assert reply(amina, thread.id, "NUL\x00byte").status_code == 400
    assert amina.submit(f"/discussion/threads/{thread.id}", {"body": "Bad token", "token": "<script>"}).status_code == 400
    assert [post.body for post in posts()] == ["Has anyone found it?"]
    queue = f"/cohorts/{cohort.id}/discussion/moderation"
    for user_id in ("abc", "9" * 40, str(people["outsider"].id)):
        response = coordinator.submit(f"/cohorts/{cohort.id}/discussion/mutes", {"user_id": user_id}, page=queue)
        assert response.status_code == 400, user_id
    assert amina.get(f"/discussion/threads/{thread.id}?page=-1").status_code == 404
