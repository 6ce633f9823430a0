"""A lesson page links to the lesson's thread in the trainee's cohort, with its number of posts, in one query;
the thread is made by its first post, never by opening a page."""
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.cohorts.models import CohortMember
from portal.courses import services as courses
from portal.courses.models import Course
from portal.db_types import utcnow
from portal.discussion import services
from portal.discussion.models import Post, Thread
from portal.extensions import db
from tests.conftest import statements_during
from tests.discussion.conftest import LESSON_URL, make_cohort, token


def lesson_link(page: str) -> str:
    marker = '<p class="lesson-discussion"><a href="'
    assert marker in page
    return page.split(marker, 1)[1].split('"', 1)[0]


def test_the_lesson_links_to_its_thread_made_by_the_first_post(client_for, cohort, people):
    amina, bilal = client_for(people["amina"]), client_for(people["bilal"])
    page = amina.get(LESSON_URL).get_data(as_text=True)
    link = lesson_link(page)
    assert link == f"/cohorts/{cohort.id}/discussion/lessons/test-course/what-is-rd"
    assert "(0 posts)" in page
    empty = amina.get(link)
    assert empty.status_code == 200 and "What is R&amp;D?" in empty.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Thread.id))) == 0  # opening it made nothing

    assert amina.submit(link, {"body": "Is basic research R&D?", "token": token()}).status_code == 302
    # Bilal opened the empty page before Amina posted: his post joins her thread.
    assert bilal.submit(link, {"body": "Yes, it is.", "token": token()}, page=LESSON_URL).status_code == 302
    thread = db.session.scalar(select(Thread))
    assert (thread.title, thread.lesson_key, thread.cohort_id) == ("What is R&D?", "what-is-rd", cohort.id)
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 2
    page = bilal.get(LESSON_URL).get_data(as_text=True)
    assert lesson_link(page) == f"/discussion/threads/{thread.id}" and "(2 posts)" in page
    assert amina.get(link).headers["Location"] == f"/discussion/threads/{thread.id}"
    assert amina.get(f"/cohorts/{cohort.id}/discussion/lessons/test-course/no-such-lesson").status_code == 404
    assert amina.get(f"/cohorts/{cohort.id}/discussion/lessons/other-course/what-is-rd").status_code == 404


def test_the_count_takes_one_query_and_leaves_hidden_posts_out(app, client_for, cohort, people):
    amina = client_for(people["amina"])
    course = db.session.scalar(select(Course))
    for number in range(3):
        services.post_to_lesson(cohort, course, "what-is-rd", "What is R&D?", people["amina"], f"Post {number}", token())
    services.hide_post(db.session.scalars(select(Post)).first(), people["coordinator"])
    db.session.commit()
    statements, page = statements_during(lambda: amina.get(LESSON_URL).get_data(as_text=True))
    assert "(2 posts)" in page
    assert len([statement for statement in statements if "discussion_" in statement]) == 1


def test_self_paced_trainees_see_no_link_and_the_latest_cohort_wins(client_for, make_user, cohort, people):
    loner = make_user(name="Self Paced", email="self@example.org")
    courses.enrol(loner, db.session.scalar(select(Course)), check_key=False)
    db.session.commit()
    page = client_for(loner).get(LESSON_URL)
    assert page.status_code == 200 and "lesson-discussion" not in page.get_data(as_text=True)

    later = make_cohort("Second edition", people["coordinator"], [], starts_on=date(2027, 3, 1))
    membership = CohortMember(cohort_id=later.id, user_id=people["amina"].id,
                                       joined_at=utcnow() + timedelta(seconds=5))
    db.session.add(membership)
    db.session.commit()
    link = lesson_link(client_for(people["amina"]).get(LESSON_URL).get_data(as_text=True))
    assert link.startswith(f"/cohorts/{later.id}/")




def test_two_first_posts_at_once_make_one_thread(app, cohort, people, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a race needs PostgreSQL's concurrent transactions")
    cohort_id, course_id = cohort.id, db.session.scalar(select(Course.id))
    authors = [people["amina"].id, people["bilal"].id]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def first_post(author_id: int) -> None:
        with app.app_context():
            try:
                from portal.accounts.models import User
                from portal.cohorts.models import Cohort
                barrier.wait()
                services.post_to_lesson(db.session.get(Cohort, cohort_id), db.session.get(Course, course_id),
                                        "what-is-rd", "What is R&D?", db.session.get(User, author_id),
                                        f"First from {author_id}", token())
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 (reported to the test below)
                errors.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=first_post, args=(author,)) for author in authors]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Thread.id))) == 1
    assert db.session.scalar(select(func.count(Post.id))) == 2
