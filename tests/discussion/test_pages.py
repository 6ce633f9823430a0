"""Discussion pages stay light and take a fixed number of queries, however many posts a thread has."""
from sqlalchemy import select

from portal.discussion import services
from portal.discussion.models import Thread
from portal.discussion.services import posts_of
from portal.extensions import db
from tests.conftest import statements_during
from tests.discussion.conftest import token

#: A post of a usual length for a forum: about 300 characters of Markdown, with a link.
TEXT = ("I read the **Frascati Manual** chapter on basic research: should our ministry count the work of "
        "public universities as higher education R&D, or as government R&D when the ministry funds the "
        "project directly? See [the manual](https://example.org/frascati), section 3.")


def add_posts(cohort, people, count: int, title: str = "Counting university R&D") -> Thread:
    authors = [people["amina"], people["bilal"], people["lecturer"]]
    first = services.start_thread(cohort, people["amina"], title, TEXT, token())
    for number in range(count - 1):
        services.reply(first.thread, authors[number % 3], f"{TEXT} ({number})", token())
    db.session.commit()
    return first.thread


def queries_for(client, url: str) -> tuple[int, str]:
    statements, response = statements_during(lambda: client.get(url))
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_a_thread_of_100_posts_is_one_page_under_60_kb_in_a_fixed_number_of_queries(client_for, cohort, people):
    trainee = client_for(people["bilal"])
    thread = add_posts(cohort, people, 3)
    few, _ = queries_for(trainee, f"/discussion/threads/{thread.id}")
    thread = add_posts(cohort, people, 100, "Counting university R&D again")
    many, page = queries_for(trainee, f"/discussion/threads/{thread.id}")
    assert many == few
    assert page.count('<article class="post') == 100 and 'rel="next"' not in page
    size = len(page.encode())
    assert size < 60 * 1024, f"{size} bytes"
    markup = size - sum(len(post.body_html.encode()) for post in db.session.scalars(posts_of(thread)))
    assert markup < 25 * 1024, f"{markup} bytes of markup around the posts' text"

    services.reply(thread, people["amina"], "The 101st", token())
    db.session.commit()
    assert "The 101st" in trainee.get(f"/discussion/threads/{thread.id}?page=2").get_data(as_text=True)
    assert trainee.get(f"/discussion/threads/{thread.id}?page=3").status_code == 404


def test_the_thread_list_counts_posts_in_a_fixed_number_of_queries(client_for, cohort, people):
    trainee = client_for(people["bilal"])
    add_posts(cohort, people, 2)
    few, _ = queries_for(trainee, f"/cohorts/{cohort.id}/discussion")
    for number in range(5):
        add_posts(cohort, people, 2, f"Question {number}")
    many, page = queries_for(trainee, f"/cohorts/{cohort.id}/discussion")
    assert many == few and page.count("2 posts") == 6
    assert db.session.scalar(select(db.func.count(Thread.id))) == 6


def test_what_people_write_takes_its_own_direction_in_a_page_of_the_other(client_for, cohort, people):
    """An English post on an Arabic page (and the reverse) reads in its own direction, and an author's Latin
    name does not pull the date beside it across (Unicode's bidirectional algorithm, with dir=auto and bdi)."""
    thread = services.start_thread(cohort, people["amina"], "Is the reading list out?", "Has anyone found it?",
                                   token()).thread
    db.session.commit()
    reader = client_for(people["bilal"])
    reader.submit("/language", {"language": "ar"}, page="/dashboard")
    page = reader.get(f"/discussion/threads/{thread.id}").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert '<strong><bdi>Amina Diallo</bdi></strong>' in page
    assert '<div dir="auto"><p>Has anyone found it?</p>' in page
    listing = reader.get(f"/cohorts/{cohort.id}/discussion").get_data(as_text=True)
    assert "<bdi>Is the reading list out?</bdi>" in listing
