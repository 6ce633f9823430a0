"""Rules of a cohort's discussion: who reads, posts and moderates, posting once, the lesson threads,
and the replies that go into each person's digest. These flush and never commit; the view commits."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.accounts.models import COORDINATING_ROLES, LECTURING_ROLES, User
from portal.announcements.services import can_post as is_staff_of
from portal.announcements.services import can_read as may_read
from portal.announcements.services import cohort_ids_taught_by, normalise
from portal.audit import record
from portal.cohorts.models import Cohort, CohortMember, MembershipState, cohort_courses
from portal.content.markdown import MarkdownProblem, Rendered, render_markdown
from portal.courses.models import Course, Lesson, LessonVersion, course_lecturers
from portal.db_types import utcnow
from portal.digest import DigestItem
from portal.discussion.models import Badge, Mute, Post, Report, Thread
from portal.extensions import db
from portal.learning.panels import PageKeys
from portal.links import external_url

#: The same words posted again by the same person in the same thread within this time are the same post.
REPEAT_WINDOW = timedelta(minutes=1)
#: How much of a reply a digest quotes.
DIGEST_EXCERPT = 300
#: What the posts, and the titles of the threads, of a deleted account become (as in Open edX's retirement).
ERASED = "[deleted]"


class Refused(Exception):
    """The Markdown holds what posts may not (raw HTML, images, script links): nothing was posted."""

    def __init__(self, problems: list[MarkdownProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


class AlreadyPosted(Exception):
    """The same form, or the same words a moment ago: the post exists once."""

    def __init__(self, post_id: int | None = None) -> None:
        super().__init__(post_id)
        self.post_id = post_id


class Muted(Exception):
    """The cohort's moderators muted this member: they read the discussion but do not post."""


class NotEditable(Exception):
    """Only its author edits a post, within DISCUSSION_EDIT_MINUTES, and not once it is hidden."""


class NotMutable(Exception):
    """Only active members who are not the cohort's staff can be muted."""


# Who does what ---------------------------------------------------------------------------------

def can_read(user: User, cohort: Cohort) -> bool:
    """Active members, the cohort's coordinators and lecturers, and admins read its discussion."""
    return may_read(user, cohort)


def is_moderator(user: User, cohort: Cohort) -> bool:
    """The cohort's coordinators, the lecturers of its courses and admins hide posts and mute members."""
    return is_staff_of(user, cohort)


def is_lecturer_of(user: User, cohort: Cohort) -> bool:
    """Admins and the lecturers of the cohort's courses (they mark answers; their posts are marked)."""
    if user.is_admin:
        return True
    return bool(db.session.scalar(select(exists().where(Cohort.id == cohort.id,
                                                        Cohort.id.in_(cohort_ids_taught_by(user))))))


def is_muted(user: User, cohort: Cohort) -> bool:
    return bool(db.session.scalar(select(exists().where(Mute.cohort_id == cohort.id, Mute.user_id == user.id))))


def badge_for(user: User, cohort: Cohort) -> Badge | None:
    """How the author's posts are marked: lecturer of the cohort's courses, or its coordinator."""
    if not user.is_admin and is_lecturer_of(user, cohort):
        return Badge.LECTURER
    if user.is_staff and any(coordinator.id == user.id for coordinator in cohort.coordinators):
        return Badge.COORDINATOR
    return None


def editable_until(post: Post) -> datetime:
    return post.created_at + timedelta(minutes=current_app.config["DISCUSSION_EDIT_MINUTES"])


def can_edit(user: User, post: Post) -> bool:
    """The author, within the edit window, while the post is not hidden and they are not muted."""
    return (post.author_id == user.id and not post.is_hidden and utcnow() <= editable_until(post)
            and not is_muted(user, post.thread.cohort))


# Reading -------------------------------------------------------------------------------------------

def threads_of(cohort: Cohort) -> Select[Thread]:
    """A select() of the cohort's threads with their authors, the latest posted to first."""
    return (select(Thread).where(Thread.cohort_id == cohort.id).options(joinedload(Thread.author))
            .order_by(Thread.last_posted_at.desc(), Thread.id.desc()))


def post_counts(thread_ids: list[int]) -> dict[int, int]:
    """How many posts each thread has that are not hidden, in one query."""
    if not thread_ids:
        return {}
    rows = db.session.execute(select(Post.thread_id, func.count(Post.id))
                              .where(Post.thread_id.in_(thread_ids), Post.hidden_at.is_(None))
                              .group_by(Post.thread_id))
    return {thread_id: count for thread_id, count in rows}


def hidden_openings(thread_ids: list[int] | set[int], session: Session | None = None) -> set[int]:
    """Those of these threads (a lesson's aside) whose first post a moderator hid: their titles are the same
    author's words, hidden from members with it (one query)."""
    if not thread_ids:
        return set()
    first_posts = select(func.min(Post.id)).where(Post.thread_id.in_(thread_ids)).group_by(Post.thread_id)
    return set((session or db.session()).scalars(
        select(Post.thread_id).join(Thread, Thread.id == Post.thread_id)
        .where(Post.id.in_(first_posts), Post.hidden_at.is_not(None), Thread.lesson_key.is_(None))))


def posts_of(thread: Thread) -> Select[Post]:
    """A select() of the thread's posts with their authors, in the order they were written."""
    return (select(Post).where(Post.thread_id == thread.id).options(joinedload(Post.author))
            .order_by(Post.created_at, Post.id))


def reported_posts(cohort: Cohort) -> Select[Post]:
    """A select() of the cohort's posts with reports no moderator has acted on, the oldest report first."""
    first_report = (select(Report.post_id, func.min(Report.created_at).label("reported_at"))
                    .where(Report.resolved_at.is_(None)).group_by(Report.post_id).subquery())
    return (select(Post).join(first_report, first_report.c.post_id == Post.id).join(Thread, Thread.id == Post.thread_id)
            .where(Thread.cohort_id == cohort.id)
            .options(joinedload(Post.author), joinedload(Post.thread))
            .order_by(first_report.c.reported_at, Post.id))


def open_reports(post_ids: list[int]) -> dict[int, list[Report]]:
    """The unresolved reports of these posts, with their reporters, in one query."""
    reports: dict[int, list[Report]] = defaultdict(list)
    if post_ids:
        for report in db.session.scalars(select(Report).where(Report.post_id.in_(post_ids), Report.resolved_at.is_(None))
                                          .options(joinedload(Report.reporter)).order_by(Report.created_at)):
            reports[report.post_id].append(report)
    return reports


def muted_members(cohort: Cohort) -> list[Mute]:
    return list(db.session.scalars(select(Mute).where(Mute.cohort_id == cohort.id)
                                   .options(joinedload(Mute.user)).order_by(Mute.created_at)))


def mutable_members(cohort: Cohort) -> list[User]:
    """Active members who are not muted and not the cohort's staff: whom a moderator may mute."""
    lecturers = (select(course_lecturers.c.user_id)
                 .join(cohort_courses, cohort_courses.c.course_id == course_lecturers.c.course_id)
                 .where(cohort_courses.c.cohort_id == cohort.id))
    coordinators = [coordinator.id for coordinator in cohort.coordinators]
    return list(db.session.scalars(
        select(User).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.state == MembershipState.ACTIVE,
               User.id.not_in(select(Mute.user_id).where(Mute.cohort_id == cohort.id)),
               ~(User.id.in_(lecturers) & User.role.in_(LECTURING_ROLES)),
               ~(User.id.in_(coordinators) & User.role.in_(COORDINATING_ROLES)))
        .order_by(User.name, User.id)))


def count_of(statement: Select) -> int:
    """How many rows a select() of a list gives, in one query."""
    return int(db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0)


def page_of(post: Post, per_page: int) -> int:
    """The page of its thread the post is on."""
    before = db.session.scalar(select(func.count(Post.id)).where(
        Post.thread_id == post.thread_id,
        (Post.created_at < post.created_at) | ((Post.created_at == post.created_at) & (Post.id < post.id))))
    return int(before or 0) // per_page + 1


# Lesson threads ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LessonLink:
    """Where a trainee discusses a lesson: the cohort, its thread if it has one yet, and its posts."""

    cohort_id: int
    thread_id: int | None
    post_count: int


def lesson_link_facts(keys: PageKeys) -> Select:
    """The select behind `LessonLink`, read within the lesson page's one query: the cohort of the user's most recent active membership with this
    course, the lesson's thread there if it has one yet, and its visible posts (no row: no such cohort)."""
    user_id, course_id, lesson_key = keys.user_id, keys.course_id, keys.lesson_key
    return (
        select(CohortMember.cohort_id.label("cohort_id"), Thread.id.label("thread_id"),
               func.count(Post.id).label("post_count"))
        .select_from(CohortMember)
        .join(cohort_courses, and_(cohort_courses.c.cohort_id == CohortMember.cohort_id,
                                   cohort_courses.c.course_id == course_id))
        .outerjoin(Thread, and_(Thread.cohort_id == CohortMember.cohort_id, Thread.course_id == course_id,
                                Thread.lesson_key == lesson_key))
        .outerjoin(Post, and_(Post.thread_id == Thread.id, Post.hidden_at.is_(None)))
        .where(CohortMember.user_id == user_id, CohortMember.state == MembershipState.ACTIVE)
        .group_by(CohortMember.id, CohortMember.cohort_id, CohortMember.joined_at, Thread.id)
        .order_by(CohortMember.joined_at.desc(), CohortMember.id.desc())
        .limit(1)
    )


def lesson_title(course: Course, lesson_key: str) -> str | None:
    """The title of the lesson with this key in the course's published revision; None when it has none."""
    return db.session.scalar(
        select(LessonVersion.title).join(Lesson, Lesson.id == LessonVersion.lesson_id)
        .where(LessonVersion.revision_id == course.published_revision_id, Lesson.key == lesson_key))


def lesson_thread(cohort: Cohort, course: Course, lesson_key: str) -> Thread | None:
    return db.session.scalar(select(Thread).where(Thread.cohort_id == cohort.id, Thread.course_id == course.id,
                                                  Thread.lesson_key == lesson_key))


def _lesson_thread_for_posting(cohort: Cohort, course: Course, lesson_key: str, title: str, author: User) -> Thread:
    """The lesson's thread, created now when this is its first post (two first posts at once make one thread)."""
    thread = lesson_thread(cohort, course, lesson_key)
    if thread is not None:
        return thread
    try:
        with db.session.begin_nested():
            thread = Thread(cohort_id=cohort.id, author_id=author.id, title=title[:200], course_id=course.id,
                            lesson_key=lesson_key)
            db.session.add(thread)
    except IntegrityError:
        thread = lesson_thread(cohort, course, lesson_key)  # someone else's first post came first
        if thread is None:
            raise
    return thread


# Posting ------------------------------------------------------------------------------------------

def render_body(text: str) -> Rendered:
    """A post's Markdown as safe HTML, with what it may not hold: posts have no media of their own."""
    return render_markdown(text, lambda path: None)



def _rendered(body: str) -> tuple[str, str]:
    body = normalise(body)
    rendered = render_body(body)
    if rendered.problems:
        raise Refused(rendered.problems)
    return body, rendered.html


def _add_post(thread: Thread, cohort: Cohort, author: User, body: str, token: str) -> Post:
    if is_muted(author, cohort):
        raise Muted()
    body, html = _rendered(body)
    repeat = db.session.scalar(select(Post.id).where(
        Post.author_id == author.id, Post.body == body, Post.created_at >= utcnow() - REPEAT_WINDOW,
        Post.thread_id == thread.id).limit(1)) if thread.id is not None else None
    if repeat is not None:
        raise AlreadyPosted(repeat)
    post = Post(thread=thread, author_id=author.id, badge=badge_for(author, cohort), body=body, body_html=html,
                token=token)
    try:
        with db.session.begin_nested():
            db.session.add(post)
    except IntegrityError:
        raise AlreadyPosted() from None  # the same form, sent twice at once (a double click)
    thread.last_posted_at = post.created_at
    db.session.flush()
    return post


def start_thread(cohort: Cohort, author: User, title: str, body: str, token: str) -> Post:
    """Start a thread in the cohort with its first post; returns the post. Raises Muted, Refused, AlreadyPosted."""
    title = " ".join(title.split())
    if is_muted(author, cohort):
        raise Muted()
    _rendered(body)
    earlier = db.session.scalar(select(Post.id).join(Thread, Thread.id == Post.thread_id).where(
        Thread.cohort_id == cohort.id, Thread.title == title, Post.author_id == author.id,
        Post.body == normalise(body), Post.created_at >= utcnow() - REPEAT_WINDOW).limit(1))
    if earlier is not None:
        raise AlreadyPosted(earlier)
    # A double click's second form fails on the post's token, and takes this thread back with it.
    return _add_post(Thread(cohort_id=cohort.id, author_id=author.id, title=title), cohort, author, body, token)


def reply(thread: Thread, author: User, body: str, token: str) -> Post:
    """Add a post to the thread. Raises Muted, Refused, AlreadyPosted."""
    return _add_post(thread, thread.cohort, author, body, token)


def post_to_lesson(cohort: Cohort, course: Course, lesson_key: str, lesson_title: str, author: User,
                   body: str, token: str) -> Post:
    """Post to the lesson's thread in the cohort, starting it with this post if it has none yet."""
    if is_muted(author, cohort):
        raise Muted()
    _rendered(body)
    thread = _lesson_thread_for_posting(cohort, course, lesson_key, lesson_title, author)
    return _add_post(thread, cohort, author, body, token)


def edit_post(post: Post, user: User, body: str) -> None:
    """Change a post's text: its author, within the edit window. Raises NotEditable, Refused."""
    if not can_edit(user, post):
        raise NotEditable()
    body, html = _rendered(body)
    if body != post.body:
        post.body, post.body_html, post.edited_at = body, html, utcnow()
    db.session.flush()


def mark_answer(post: Post, lecturer: User, is_answer: bool) -> None:
    """Mark (or unmark) the post as an answer to its thread; the view has checked the lecturer."""
    post.is_answer = is_answer
    db.session.flush()


# Moderation ---------------------------------------------------------------------------------------

def report_post(post: Post, reporter: User, reason: str) -> bool:
    """Report the post to the cohort's moderators; False when this person had reported it already."""
    reason = " ".join(reason.split())
    if db.session.scalar(select(exists().where(Report.post_id == post.id, Report.reporter_id == reporter.id,
                                               Report.resolved_at.is_(None)))):
        return False
    try:
        with db.session.begin_nested():
            existing = db.session.scalar(select(Report).where(Report.post_id == post.id,
                                                              Report.reporter_id == reporter.id))
            if existing is None:
                db.session.add(Report(post_id=post.id, reporter_id=reporter.id, reason=reason))
            else:  # reported again after a moderator kept the post: it goes back to the queue
                existing.reason, existing.created_at, existing.resolved_at = reason, utcnow(), None
    except IntegrityError:
        return False  # the same report, sent twice at once
    db.session.flush()
    return True


def _resolve_reports(post: Post) -> int:
    reports = list(db.session.scalars(select(Report).where(Report.post_id == post.id, Report.resolved_at.is_(None))))
    for report in reports:
        report.resolved_at = utcnow()
    return len(reports)


def _audit(moderator: User, action: str, post: Post, **details: object) -> None:
    thread = post.thread
    record(moderator, action, thread.cohort.name, cohort_id=thread.cohort_id, thread_id=thread.id, post_id=post.id,
           author_id=post.author_id, **details)


def hide_post(post: Post, moderator: User) -> None:
    """Hide the post from members (staff still read it) and close its reports; audited."""
    if not post.is_hidden:
        post.hidden_at, post.hidden_by_id = utcnow(), moderator.id
    reports = _resolve_reports(post)
    _audit(moderator, "discussion.post_hidden", post, reports=reports)
    db.session.flush()


def restore_post(post: Post, moderator: User) -> None:
    """Show a hidden post again, or keep a reported one visible; closes its reports; audited."""
    post.hidden_at, post.hidden_by_id = None, None
    reports = _resolve_reports(post)
    _audit(moderator, "discussion.post_restored", post, reports=reports)
    db.session.flush()


def mute(cohort: Cohort, member: User, moderator: User) -> bool:
    """Stop an active member of the cohort from posting to its discussion; audited. False if already muted."""
    is_member = db.session.scalar(select(exists().where(CohortMember.cohort_id == cohort.id,
                                                        CohortMember.user_id == member.id,
                                                        CohortMember.state == MembershipState.ACTIVE)))
    if not is_member or is_moderator(member, cohort):
        raise NotMutable()
    if is_muted(member, cohort):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Mute(cohort_id=cohort.id, user_id=member.id, muted_by_id=moderator.id))
    except IntegrityError:
        return False
    record(moderator, "discussion.member_muted", cohort.name, cohort_id=cohort.id, user_id=member.id,
           email=member.email)
    db.session.flush()
    return True


def unmute(cohort: Cohort, member: User, moderator: User) -> bool:
    """Let a muted member post again; audited. False if they were not muted."""
    muted = db.session.scalar(select(Mute).where(Mute.cohort_id == cohort.id, Mute.user_id == member.id))
    if muted is None:
        return False
    db.session.delete(muted)
    record(moderator, "discussion.member_unmuted", cohort.name, cohort_id=cohort.id, user_id=member.id,
           email=member.email)
    db.session.flush()
    return True


def erase_contributions(user: User) -> None:
    """When an account is deleted: its posts' text and its threads' titles become ERASED (the threads stay for
    the others' replies), and its reports and mutes go."""
    db.session.execute(update(Post).where(Post.author_id == user.id)
                       .values(body=ERASED, body_html=render_body(ERASED).html))
    db.session.execute(update(Thread).where(Thread.author_id == user.id, Thread.lesson_key.is_(None))
                       .values(title=ERASED))
    db.session.execute(delete(Report).where(Report.reporter_id == user.id))
    db.session.execute(delete(Mute).where(Mute.user_id == user.id))
    db.session.flush()


# Digest of replies --------------------------------------------------------------------------------

def _readers(session: Session, cohort_ids: set[int]) -> dict[int, set[int]]:
    """Ids of the people who read each cohort's discussion, besides admins: active members, coordinators,
    lecturers of its courses."""
    readers: dict[int, set[int]] = defaultdict(set)
    queries = [
        select(CohortMember.cohort_id, CohortMember.user_id).where(CohortMember.cohort_id.in_(cohort_ids),
                                                                  CohortMember.state == MembershipState.ACTIVE),
        select(Cohort.id, User.id).join(Cohort.coordinators)
        .where(Cohort.id.in_(cohort_ids), User.role.in_(COORDINATING_ROLES)),
        select(cohort_courses.c.cohort_id, course_lecturers.c.user_id)
        .join(course_lecturers, course_lecturers.c.course_id == cohort_courses.c.course_id)
        .join(User, User.id == course_lecturers.c.user_id)
        .where(cohort_courses.c.cohort_id.in_(cohort_ids), User.role.in_(LECTURING_ROLES)),
    ]
    for query in queries:
        for cohort_id, user_id in session.execute(query):
            readers[cohort_id].add(user_id)
    return readers


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DIGEST_EXCERPT else text[:DIGEST_EXCERPT - 1].rstrip() + "…"


def reply_digest_items(session: Session, since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    """For each person, the replies posted in (since, until] to threads they started or had posted in,
    leaving out their own posts, hidden posts, and cohorts they no longer read; in their language."""
    per_page = current_app.config["DISCUSSION_POSTS_PER_PAGE"]
    numbered = (select(Post.id.label("post_id"),
                       func.row_number().over(partition_by=Post.thread_id, order_by=(Post.created_at, Post.id))
                       .label("number"))
                .where(Post.thread_id.in_(select(Post.thread_id).where(Post.created_at > since,
                                                                       Post.created_at <= until)))
                .subquery())
    replies = session.execute(
        select(Post, numbered.c.number).join(numbered, numbered.c.post_id == Post.id)
        .where(Post.created_at > since, Post.created_at <= until, Post.hidden_at.is_(None))
        .options(joinedload(Post.author), joinedload(Post.thread).joinedload(Thread.cohort))
        .order_by(Post.created_at, Post.id)).all()
    if not replies:
        return {}
    thread_ids = {post.thread_id for post, _number in replies}
    first_posts = session.execute(
        select(Post.thread_id, Post.author_id, func.min(Post.created_at))
        .where(Post.thread_id.in_(thread_ids), Post.author_id.is_not(None))
        .group_by(Post.thread_id, Post.author_id)).all()
    participants: dict[int, dict[int, datetime]] = defaultdict(dict)
    for thread_id, author_id, first_at in first_posts:
        if author_id is not None:
            participants[thread_id][author_id] = first_at
    readers = _readers(session, {post.thread.cohort_id for post, _number in replies})
    hidden_titles = hidden_openings(thread_ids, session)

    recipients: dict[int, list[tuple[Post, int]]] = defaultdict(list)
    for post, number in replies:
        thread = post.thread
        involved = {user_id for user_id, first_at in participants[thread.id].items()
                    if first_at < post.created_at or (first_at == post.created_at and user_id != post.author_id)}
        if thread.author_id is not None:
            involved.add(thread.author_id)
        for user_id in involved - {post.author_id}:
            recipients[user_id].append((post, number))
    users = {user.id: user for user in session.scalars(
        select(User).where(User.id.in_(recipients), User.is_active.is_(True), User.deleted_at.is_(None)))}

    items: dict[int, list[DigestItem]] = {}
    for user_id, posts in recipients.items():
        user = users.get(user_id)
        if user is None:
            continue
        readable = [(post, number) for post, number in posts
                    if user.is_admin or user_id in readers[post.thread.cohort_id]]
        if not readable:
            continue
        with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
            items[user_id] = [_digest_item(post, number, per_page,
                                           hide_title=post.thread_id in hidden_titles and not is_moderator(user, post.thread.cohort))
                              for post, number in readable]
    return items


def _digest_item(post: Post, number: int, per_page: int, hide_title: bool = False) -> DigestItem:
    thread = post.thread
    name = post.author.name if post.author is not None else _("A former member")
    page = (number - 1) // per_page + 1
    values: dict[str, object] = {"thread_id": thread.id, "_anchor": f"post-{post.id}"}
    if page > 1:
        values["page"] = page
    return DigestItem(
        heading=_("%(name)s replied in “%(thread)s” (%(cohort)s)", name=name,
                  thread=_("Hidden by a moderator.") if hide_title else thread.title,
                  cohort=thread.cohort.name),
        text=_excerpt(post.body),
        url=external_url("discussion.show_thread", **values),
        when=post.created_at,
    )
