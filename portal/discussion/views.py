"""A cohort's discussion: its members and staff read and post; its coordinators and lecturers moderate."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.access import SIGNED_IN, allow
from portal.accounts.models import User
from portal.cohorts.models import Cohort
from portal.discussion import services
from portal.discussion.forms import ActionForm, AnswerForm, EditForm, MuteForm, PostForm, ReportForm, ThreadForm
from portal.discussion.models import Post, Thread
from portal.extensions import db, limiter
from portal.inputs import paginate, problem_errors

bp = Blueprint("discussion", __name__, template_folder="templates")


def post_limit() -> str:
    return current_app.config["DISCUSSION_POST_RATE_LIMIT"]


def poster() -> str:
    """Posting is limited per person, whatever address they post from."""
    return f"discussion-post:{getattr(current_user, 'id', None) or request.remote_addr}"


#: One allowance per person for every way of posting (a new thread, a reply, a lesson's thread).
limit_posting = limiter.shared_limit(post_limit, scope="discussion-post", key_func=poster, methods=["POST"])


def readable_cohort(cohort_id: int) -> Cohort:
    """A cohort whose discussion the current user reads; others get 404 (not even its existence leaks)."""
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    if not services.can_read(current_user, cohort):
        abort(404)
    return cohort


def readable_thread(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id) or abort(404)
    readable_cohort(thread.cohort_id)
    return thread


def readable_post(post_id: int) -> Post:
    post = db.session.get(Post, post_id) or abort(404)
    readable_thread(post.thread_id)
    return post


def moderated_cohort(cohort_id: int) -> Cohort:
    cohort = readable_cohort(cohort_id)
    if not services.is_moderator(current_user, cohort):
        abort(403)
    return cohort


def shown_title(thread: Thread) -> str:
    """The thread's title; to members, a note instead once a moderator hid its first post (the same author's words)."""
    if thread.id in services.hidden_openings([thread.id]) and not services.is_moderator(current_user, thread.cohort):
        return _("Hidden by a moderator.")
    return thread.title


def thread_url(post: Post) -> str:
    """The page of the post's thread it is on, scrolled to it."""
    page = services.page_of(post, current_app.config["DISCUSSION_POSTS_PER_PAGE"])
    return url_for("discussion.show_thread", thread_id=post.thread_id, page=page if page > 1 else None,
                   _anchor=f"post-{post.id}")


# The cohort's threads ----------------------------------------------------------------------------

def cohort_page(cohort: Cohort, form: ThreadForm | None = None, status: int = 200):
    page = paginate(services.threads_of(cohort))
    moderates = services.is_moderator(current_user, cohort)
    muted = services.is_muted(current_user, cohort)
    if form is None and not muted:
        form = ThreadForm()
    return render_template(
        "discussion/cohort.html", cohort=cohort, page=page, form=None if muted else form, muted=muted,
        counts=services.post_counts([thread.id for thread in page.items]), moderates=moderates,
        hidden_titles=set() if moderates else services.hidden_openings([thread.id for thread in page.items]),
        reported=services.count_of(services.reported_posts(cohort)) if moderates else 0,
    ), status


@bp.route("/cohorts/<int:cohort_id>/discussion")
@allow(SIGNED_IN)
def show_discussion(cohort_id: int):
    return cohort_page(readable_cohort(cohort_id))


@bp.route("/cohorts/<int:cohort_id>/discussion", methods=["POST"])
@allow(SIGNED_IN)
@limit_posting
def start_thread(cohort_id: int):
    cohort = readable_cohort(cohort_id)
    form = ThreadForm()
    if not form.validate_on_submit():
        return cohort_page(cohort, form, status=400)
    try:
        post = services.start_thread(cohort, current_user, form.title.data, form.body.data, form.token.data)
    except services.Muted:
        return cohort_page(cohort, status=403)
    except services.Refused as refused:
        form.body.errors = problem_errors(refused.problems)
        return cohort_page(cohort, form, status=422)
    except services.AlreadyPosted:
        flash(_("This was posted already: it was not posted again."), "info")
        return redirect(url_for("discussion.show_discussion", cohort_id=cohort.id))
    db.session.commit()
    return redirect(url_for("discussion.show_thread", thread_id=post.thread_id))


# A thread ------------------------------------------------------------------------------------------

def thread_page(cohort: Cohort, title: str, action: str, thread: Thread | None, form: PostForm | None = None,
                status: int = 200, last_page: bool = False, lesson: tuple[str, str] | None = None):
    """The thread's posts and the reply form; `lesson` (course slug, lesson key) links a lesson's thread, not yet
    started, back to its lesson."""
    if thread is not None and thread.course is not None and thread.lesson_key is not None:
        lesson = (thread.course.slug, thread.lesson_key)
    per_page = current_app.config["DISCUSSION_POSTS_PER_PAGE"]
    page = None
    if thread is not None:
        statement = services.posts_of(thread)
        if last_page:
            last = max(1, -(-services.count_of(statement) // per_page))
            page = db.paginate(statement, page=last, per_page=per_page, error_out=False)
        else:
            page = paginate(statement, per_page)
    muted = services.is_muted(current_user, cohort)
    return render_template(
        "discussion/thread.html", cohort=cohort, thread=thread, title=title, action=action, page=page,
        form=None if muted else (form or PostForm()), muted=muted,
        moderates=services.is_moderator(current_user, cohort), lesson=lesson,
    ), status


def post_reply(cohort: Cohort, title: str, action: str, thread: Thread | None, add,
               lesson: tuple[str, str] | None = None) -> tuple[str, int] | Response:
    """Check the form and add the post with `add(body, token)`; the thread's page again on a problem."""
    form = PostForm()
    if not form.validate_on_submit():
        return thread_page(cohort, title, action, thread, form, status=400, last_page=True, lesson=lesson)
    try:
        post = add(form.body.data, form.token.data)
    except services.Muted:
        return thread_page(cohort, title, action, thread, status=403, last_page=True, lesson=lesson)
    except services.Refused as refused:
        form.body.errors = problem_errors(refused.problems)
        return thread_page(cohort, title, action, thread, form, status=422, last_page=True, lesson=lesson)
    except services.AlreadyPosted as posted:
        flash(_("This was posted already: it was not posted again."), "info")
        earlier = db.session.get(Post, posted.post_id) if posted.post_id else None
        if earlier is not None:
            return redirect(thread_url(earlier))
        return redirect(action)
    db.session.commit()
    return redirect(thread_url(post))


@bp.route("/discussion/threads/<int:thread_id>")
@allow(SIGNED_IN)
def show_thread(thread_id: int):
    thread = readable_thread(thread_id)
    return thread_page(thread.cohort, shown_title(thread), url_for("discussion.reply_to_thread", thread_id=thread.id), thread)


@bp.route("/discussion/threads/<int:thread_id>", methods=["POST"])
@allow(SIGNED_IN)
@limit_posting
def reply_to_thread(thread_id: int):
    thread = readable_thread(thread_id)
    return post_reply(thread.cohort, shown_title(thread), url_for("discussion.reply_to_thread", thread_id=thread.id), thread,
                      lambda body, token: services.reply(thread, current_user, body, token))


# A lesson's thread -------------------------------------------------------------------------------

def cohort_lesson(cohort: Cohort, slug: str, key: str):
    """The cohort's course with this slug and the title of its published lesson with this key; 404 otherwise."""
    course = next((course for course in cohort.courses if course.slug == slug), None)
    if course is None or course.published_revision_id is None:
        abort(404)
    title = services.lesson_title(course, key) or abort(404)
    return course, title


@bp.route("/cohorts/<int:cohort_id>/discussion/lessons/<slug>/<key>")
@allow(SIGNED_IN)
def show_lesson_thread(cohort_id: int, slug: str, key: str):
    """The lesson's thread, or an empty one to post the first message to (a GET creates nothing)."""
    cohort = readable_cohort(cohort_id)
    course, title = cohort_lesson(cohort, slug, key)
    thread = services.lesson_thread(cohort, course, key)
    if thread is not None:
        return redirect(url_for("discussion.show_thread", thread_id=thread.id))
    return thread_page(cohort, title, request.path, None, lesson=(slug, key))


@bp.route("/cohorts/<int:cohort_id>/discussion/lessons/<slug>/<key>", methods=["POST"])
@allow(SIGNED_IN)
@limit_posting
def post_to_lesson(cohort_id: int, slug: str, key: str):
    cohort = readable_cohort(cohort_id)
    course, title = cohort_lesson(cohort, slug, key)
    return post_reply(cohort, title, request.path, services.lesson_thread(cohort, course, key),
                      lambda body, token: services.post_to_lesson(cohort, course, key, title, current_user, body, token),
                      lesson=(slug, key))


# One post: edit, report, moderate ------------------------------------------------------------------

@bp.route("/discussion/posts/<int:post_id>")
@allow(SIGNED_IN)
def show_post(post_id: int):
    """One post with what the reader may do to it: report it, or hide, restore, mark it and mute its author."""
    post = readable_post(post_id)
    cohort = post.thread.cohort
    moderates = services.is_moderator(current_user, cohort)
    if post.is_hidden and not moderates:
        abort(404)
    mute_form = None
    if moderates and post.author is not None and post.author_id != current_user.id:
        mute_form = MuteForm(user_id=post.author_id)
        mute_form.user_id.choices = [(member.id, member.name) for member in services.mutable_members(cohort)]
        if post.author_id not in dict(mute_form.user_id.choices):
            mute_form = None
    return render_template(
        "discussion/post.html", post=post, thread=post.thread, thread_title=shown_title(post.thread), cohort=cohort,
        moderates=moderates,
        lecturer=services.is_lecturer_of(current_user, cohort), can_edit=services.can_edit(current_user, post),
        report_form=ReportForm(), action_form=ActionForm(), answer_form=AnswerForm(), mute_form=mute_form,
        reports=services.open_reports([post.id]).get(post.id, []) if moderates else [],
        thread_url=thread_url(post),
    )


def editable_post(post_id: int) -> Post:
    post = readable_post(post_id)
    if not services.can_edit(current_user, post):
        abort(403)
    return post


@bp.route("/discussion/posts/<int:post_id>/edit")
@allow(SIGNED_IN)
def edit_post(post_id: int):
    post = editable_post(post_id)
    return render_template("discussion/edit.html", post=post, form=EditForm(body=post.body),
                           until=services.editable_until(post), thread_title=shown_title(post.thread))


@bp.route("/discussion/posts/<int:post_id>/edit", methods=["POST"])
@allow(SIGNED_IN)
def save_post(post_id: int):
    post = readable_post(post_id)
    form = EditForm()
    if not form.validate_on_submit():
        return render_template("discussion/edit.html", post=post, form=form, until=services.editable_until(post),
                               thread_title=shown_title(post.thread)), 400
    try:
        services.edit_post(post, current_user, form.body.data)
    except services.NotEditable:
        form.body.errors = [_("A post can be changed only by its author, within %(minutes)d minutes of posting it.",
                              minutes=current_app.config["DISCUSSION_EDIT_MINUTES"])]
        return render_template("discussion/edit.html", post=post, form=form, until=services.editable_until(post),
                               thread_title=shown_title(post.thread)), 403
    except services.Refused as refused:
        form.body.errors = problem_errors(refused.problems)
        return render_template("discussion/edit.html", post=post, form=form, until=services.editable_until(post),
                               thread_title=shown_title(post.thread)), 422
    db.session.commit()
    flash(_("Your post is changed."), "success")
    return redirect(thread_url(post))


@bp.route("/discussion/posts/<int:post_id>/report", methods=["POST"])
@allow(SIGNED_IN)
def report_post(post_id: int):
    post = readable_post(post_id)
    if post.is_hidden:
        abort(404)
    form = ReportForm()
    if not form.validate_on_submit():
        abort(400)
    services.report_post(post, current_user, form.reason.data or "")
    db.session.commit()
    flash(_("Thank you: the cohort's moderators will look at this post."), "success")
    return redirect(thread_url(post))


def moderated_post(post_id: int) -> Post:
    post = readable_post(post_id)
    if not services.is_moderator(current_user, post.thread.cohort):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return post


def back_to(post: Post) -> str:
    """Moderators go back to the queue they came from, or to the post in its thread."""
    if request.form.get("next") == "queue":
        return url_for("discussion.show_moderation", cohort_id=post.thread.cohort_id)
    return thread_url(post)


@bp.route("/discussion/posts/<int:post_id>/hide", methods=["POST"])
@allow(SIGNED_IN)
def hide_post(post_id: int):
    post = moderated_post(post_id)
    services.hide_post(post, current_user)
    db.session.commit()
    flash(_("The post is hidden from the members."), "success")
    return redirect(back_to(post))


@bp.route("/discussion/posts/<int:post_id>/restore", methods=["POST"])
@allow(SIGNED_IN)
def restore_post(post_id: int):
    post = moderated_post(post_id)
    services.restore_post(post, current_user)
    db.session.commit()
    flash(_("The post is shown to the members."), "success")
    return redirect(back_to(post))


@bp.route("/discussion/posts/<int:post_id>/answer", methods=["POST"])
@allow(SIGNED_IN)
def mark_answer(post_id: int):
    post = readable_post(post_id)
    if not services.is_lecturer_of(current_user, post.thread.cohort):
        abort(403)
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    services.mark_answer(post, current_user, form.mark.data == "yes")
    db.session.commit()
    return redirect(thread_url(post))


# Moderation ----------------------------------------------------------------------------------------

def moderation_page(cohort: Cohort, mute_form: MuteForm | None = None, status: int = 200):
    page = paginate(services.reported_posts(cohort))
    if mute_form is None:
        mute_form = MuteForm()
        mute_form.user_id.choices = [(member.id, member.name) for member in services.mutable_members(cohort)]
    return render_template(
        "discussion/moderation.html", cohort=cohort, page=page,
        reports=services.open_reports([post.id for post in page.items]),
        mutes=services.muted_members(cohort), mute_form=mute_form, action_form=ActionForm(),
    ), status


@bp.route("/cohorts/<int:cohort_id>/discussion/moderation")
@allow(SIGNED_IN)
def show_moderation(cohort_id: int):
    """The posts members reported that no moderator has acted on yet, and the muted members."""
    return moderation_page(moderated_cohort(cohort_id))


@bp.route("/cohorts/<int:cohort_id>/discussion/mutes", methods=["POST"])
@allow(SIGNED_IN)
def mute_member(cohort_id: int):
    cohort = moderated_cohort(cohort_id)
    form = MuteForm()
    form.user_id.choices = [(member.id, member.name) for member in services.mutable_members(cohort)]
    if not form.validate_on_submit():
        return moderation_page(cohort, form, status=400)
    member = db.session.get(User, form.user_id.data) or abort(404)
    services.mute(cohort, member, current_user)
    db.session.commit()
    flash(_("%(name)s can read the discussion but no longer post to it.", name=member.name), "success")
    return redirect(url_for("discussion.show_moderation", cohort_id=cohort.id))


@bp.route("/cohorts/<int:cohort_id>/discussion/mutes/<int:user_id>/delete", methods=["POST"])
@allow(SIGNED_IN)
def unmute_member(cohort_id: int, user_id: int):
    cohort = moderated_cohort(cohort_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    member = db.session.get(User, user_id) or abort(404)
    if services.unmute(cohort, member, current_user):
        db.session.commit()
        flash(_("%(name)s can post to the discussion again.", name=member.name), "success")
    return redirect(url_for("discussion.show_moderation", cohort_id=cohort.id))
