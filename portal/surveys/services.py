"""Rules for surveys: which are offered to whom, answering once, opening an edition's evaluation,
mailing the follow-ups once, and who may read which results. These flush and never commit, except
the follow-up job, which commits its claims before it mails (said there)."""
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.accounts.mailing import mail_user
from portal.accounts.models import Role, User
from portal.audit import record
from portal.cohorts.models import Cohort, CohortMember, MembershipState, cohort_courses
from portal.content.surveyfile import builtin_template, fingerprint, survey_as_dict
from portal.courses.models import Course, CourseRevision
from portal.db_types import utcnow
from portal.extensions import db
from portal.i18n import lazy_text as _l
from portal.learning.models import CourseCompletion
from portal.links import external_url
from portal.mail import MailKind
from portal.surveys.models import Survey, SurveyInvitation, SurveyKind, SurveyRespondent, SurveyResponse
from portal.surveys.results import (
    ItemResult,
    clean_answer,
    in_steps,
    is_reportable,
    item_result,
    net_promoter_score,
    response_rate,
)


class AlreadyAnswered(Exception):
    """This person has answered this survey already (a second tab, a double submit)."""


class SurveyClosed(Exception):
    """The survey does not take answers now."""


# Which survey is which

def course_definition(revision: CourseRevision) -> dict[str, Any]:
    """The end-of-course evaluation of a revision: its survey.yaml, else the built-in template."""
    return revision.survey or survey_as_dict(builtin_template("course_evaluation"))


@cache
def template_definition(name: str) -> dict[str, Any]:
    """A built-in template's questions, read once (do not change the dictionary)."""
    return survey_as_dict(builtin_template(name))


def course_survey_key(course_id: int, definition: dict[str, Any]) -> str:
    """A course's evaluation is one survey per set of questions: answers to different ones are kept apart."""
    return f"course:{course_id}:{fingerprint(definition)}"


def edition_survey_key(cohort_id: int) -> str:
    """One evaluation per cohort."""
    return f"edition:{cohort_id}"


def follow_up_key(course_id: int) -> str:
    """One follow-up per course, whatever its revisions: each trainee is mailed it once."""
    return f"follow_up:{course_id}"


def survey_by_key(key: str) -> Survey | None:
    """The survey called `key`, if anyone has made it yet."""
    return db.session.scalar(select(Survey).where(Survey.key == key))


def ensure_survey(key: str, kind: SurveyKind, definition: dict[str, Any], *, course_id: int | None = None,
                  cohort_id: int | None = None) -> Survey:
    """The survey called `key`, made with these questions if it does not exist yet (two requests make one)."""
    survey = survey_by_key(key)
    if survey is not None:
        return survey
    try:
        with db.session.begin_nested():
            # The day only: a course's evaluation is made by its first respondent, whose time it would tell.
            db.session.add(Survey(key=key, kind=kind, course_id=course_id, cohort_id=cohort_id,
                                  created_at=utcnow().replace(hour=0, minute=0, second=0, microsecond=0),
                                  title=definition["title"][:200], definition=definition,
                                  is_anonymous=bool(definition.get("anonymous", True))))
    except IntegrityError:
        pass  # another request made it a moment ago
    found = survey_by_key(key)
    assert found is not None
    return found


def course_survey(course: Course) -> tuple[str, dict[str, Any]]:
    """(key, definition) of the evaluation a course's published revision offers, without writing anything."""
    assert course.published_revision is not None
    definition = course_definition(course.published_revision)
    return course_survey_key(course.id, definition), definition


def has_completed(user: User, course: Course) -> bool:
    """Whether the user completed the course: its evaluation is offered only then."""
    return db.session.scalar(select(CourseCompletion.id).where(CourseCompletion.user_id == user.id,
                                                              CourseCompletion.course_id == course.id)) is not None


def has_answered(user: User, key: str) -> bool:
    """Whether the user has answered the survey called `key`."""
    return db.session.scalar(select(SurveyRespondent.user_id).join(Survey, Survey.id == SurveyRespondent.survey_id)
                             .where(Survey.key == key, SurveyRespondent.user_id == user.id)) is not None


def is_invited(user: User, survey: Survey | None) -> bool:
    """Whether the follow-up was mailed to the user: only they may answer it."""
    return survey is not None and db.session.get(SurveyInvitation, (survey.id, user.id)) is not None


def is_member(user: User, cohort: Cohort) -> bool:
    """Whether the user is an active member of the cohort: only they answer its evaluation."""
    return db.session.scalar(select(CohortMember.id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id,
        CohortMember.state == MembershipState.ACTIVE)) is not None


def cohort_of(user_id: int, course_id: int) -> int | None:
    """The respondent's cohort for a course (their earliest active one), for coordinators' figures."""
    return db.session.scalar(
        select(CohortMember.cohort_id).join(cohort_courses, cohort_courses.c.cohort_id == CohortMember.cohort_id)
        .where(CohortMember.user_id == user_id, CohortMember.state == MembershipState.ACTIVE,
               cohort_courses.c.course_id == course_id).order_by(CohortMember.cohort_id).limit(1))


@dataclass
class Offer:
    """A survey waiting for the trainee's answers, as their dashboard lists it."""

    kind: SurveyKind
    title: str
    #: The course's title, or the cohort's name.
    about: str
    endpoint: str
    values: dict[str, Any]


def _statements() -> tuple[Select, Select]:
    """The dashboard's two survey queries, built once from a bound `user_id` (building a statement costs more
    than running it): the courses the user completed with their evaluation and whether they answered it; and
    the open evaluations of their cohorts and the follow-ups mailed to them that they have not answered."""
    user_id = bindparam("user_id", type_=Integer)
    completed = (
        select(Course.id, Course.slug, CourseRevision.title, CourseRevision.survey, Survey.key, SurveyRespondent.user_id)
        .select_from(CourseCompletion)
        .join(Course, Course.id == CourseCompletion.course_id)
        .join(CourseRevision, CourseRevision.id == Course.published_revision_id)
        .outerjoin(Survey, and_(Survey.course_id == Course.id, Survey.kind == SurveyKind.COURSE))
        .outerjoin(SurveyRespondent, and_(SurveyRespondent.survey_id == Survey.id, SurveyRespondent.user_id == user_id))
        .where(CourseCompletion.user_id == user_id).order_by(CourseCompletion.completed_at.desc(), Course.id)
    )
    cohorts = select(CohortMember.cohort_id).where(CohortMember.user_id == user_id,
                                                   CohortMember.state == MembershipState.ACTIVE)
    invited = select(SurveyInvitation.survey_id).where(SurveyInvitation.user_id == user_id)
    answered_ids = select(SurveyRespondent.survey_id).where(SurveyRespondent.user_id == user_id)
    open_to_user = (
        select(Survey, Cohort.name, Course.slug, CourseRevision.title)
        .outerjoin(Cohort, Cohort.id == Survey.cohort_id)
        .outerjoin(Course, Course.id == Survey.course_id)
        .outerjoin(CourseRevision, CourseRevision.id == Course.published_revision_id)
        .where(Survey.id.not_in(answered_ids),
               or_(and_(Survey.kind == SurveyKind.EDITION, Survey.opened_at.is_not(None), Survey.closed_at.is_(None),
                        Survey.cohort_id.in_(cohorts)),
                   and_(Survey.kind == SurveyKind.FOLLOW_UP, Survey.id.in_(invited), CourseRevision.id.is_not(None))))
        .order_by(Survey.kind, Survey.id)
    )
    return completed, open_to_user


_COMPLETED_COURSES, _OPEN_TO_USER = _statements()


def may_have_surveys() -> ColumnElement[bool]:
    """Whether the user (bound parameter `user_id`) completed a course or has a survey open to them: "My
    learning" reads it in its one query, and looks for the surveys waiting only then."""
    return or_(_COMPLETED_COURSES.exists(), _OPEN_TO_USER.exists())


def surveys_waiting(user: User) -> list[Offer]:
    """The evaluations of courses the user completed, the open evaluations of their cohorts and the
    follow-ups mailed to them, that they have not answered; in two queries (reading only)."""
    offers: list[Offer] = []
    courses: dict[int, tuple[str, str, dict[str, Any] | None]] = {}
    answered: set[str] = set()
    for course_id, slug, title, definition, key, respondent in db.session.execute(_COMPLETED_COURSES,
                                                                                 {"user_id": user.id}):
        courses.setdefault(course_id, (slug, title, definition))
        if respondent is not None:
            answered.add(key)
    for course_id, (slug, title, definition) in courses.items():
        definition = definition or template_definition("course_evaluation")
        if course_survey_key(course_id, definition) not in answered:
            offers.append(Offer(SurveyKind.COURSE, definition["title"], title, "surveys.answer_course_survey",
                                {"slug": slug}))
    for survey, cohort_name, slug, title in db.session.execute(_OPEN_TO_USER, {"user_id": user.id}):
        if survey.kind == SurveyKind.EDITION:
            offers.append(Offer(SurveyKind.EDITION, survey.title, cohort_name, "surveys.answer_edition_survey",
                                {"cohort_id": survey.cohort_id}))
        else:
            offers.append(Offer(SurveyKind.FOLLOW_UP, survey.title, title, "surveys.answer_follow_up", {"slug": slug}))
    return offers


# Answering

def answers_from(survey: Survey, given: dict[str, Any]) -> dict[str, Any]:
    """The answers as stored: each cleaned for its question, unanswered ones left out."""
    answers = {}
    for question in survey.content.questions:
        value = clean_answer(question, given.get(question.key))
        if value is not None:
            answers[question.key] = value
    return answers


def submit_response(survey: Survey, user: User, given: dict[str, Any], cohort_id: int | None = None) -> SurveyResponse:
    """Keep one person's answers once. The row that says they answered and the response are written in
    one transaction; the first has the person and survey as its primary key, so a second submission
    (another tab, two clicks) raises AlreadyAnswered and nothing is doubled. An anonymous response
    keeps no user id and only the month."""
    if not survey.is_open:
        raise SurveyClosed()
    try:
        with db.session.begin_nested():
            db.session.add(SurveyRespondent(survey_id=survey.id, user_id=user.id))
    except IntegrityError:
        raise AlreadyAnswered() from None
    today = utcnow().date()
    response = SurveyResponse(survey_id=survey.id, user_id=None if survey.is_anonymous else user.id,
                              cohort_id=cohort_id, month=today.replace(day=1), answers=answers_from(survey, given))
    db.session.add(response)
    db.session.flush()
    return response


# An edition's evaluation

def edition_survey(cohort: Cohort) -> Survey | None:
    """The cohort's evaluation, once it has been opened."""
    return survey_by_key(edition_survey_key(cohort.id))


def open_edition_survey(cohort: Cohort, actor: User) -> Survey:
    """Open (or open again) the cohort's evaluation of its edition to its members; audited."""
    survey = ensure_survey(edition_survey_key(cohort.id), SurveyKind.EDITION, template_definition("edition_evaluation"),
                           cohort_id=cohort.id)
    survey.opened_at = survey.opened_at if survey.is_open else utcnow()
    survey.closed_at = None
    record(actor, "survey.opened", f"cohort {cohort.id}", survey_id=survey.id)
    db.session.flush()
    return survey


def close_edition_survey(cohort: Cohort, actor: User) -> Survey | None:
    """Close the cohort's evaluation: its members no longer see it; audited."""
    survey = edition_survey(cohort)
    if survey is None or not survey.is_open:
        return survey
    survey.closed_at = utcnow()
    record(actor, "survey.closed", f"cohort {cohort.id}", survey_id=survey.id)
    db.session.flush()
    return survey


# The follow-up

def send_follow_ups(now: datetime) -> int:
    """Mail the follow-up survey to each trainee who completed a course SURVEY_FOLLOW_UP_DAYS ago (within
    a window of SURVEY_FOLLOW_UP_WINDOW_DAYS more), once; a scheduled job. Each mail is claimed by a
    survey_invitations row, committed before any mail leaves, so two workers, or this job run again,
    never send one twice. Returns how many were sent."""
    config = current_app.config
    latest = now - timedelta(days=config["SURVEY_FOLLOW_UP_DAYS"])
    earliest = latest - timedelta(days=config["SURVEY_FOLLOW_UP_WINDOW_DAYS"])
    due = db.session.execute(
        select(CourseCompletion.user_id, CourseCompletion.course_id)
        .join(User, User.id == CourseCompletion.user_id)
        .join(Course, Course.id == CourseCompletion.course_id)
        .where(CourseCompletion.completed_at <= latest, CourseCompletion.completed_at > earliest,
               User.is_active.is_(True), User.deleted_at.is_(None), Course.published_revision_id.is_not(None))
        .order_by(CourseCompletion.course_id, CourseCompletion.user_id)).all()
    if not due:
        return 0
    course_ids = sorted({course_id for _, course_id in due})
    sent_before = {(user_id, course_id) for user_id, course_id in db.session.execute(
        select(SurveyInvitation.user_id, Survey.course_id).join(Survey, Survey.id == SurveyInvitation.survey_id)
        .where(Survey.kind == SurveyKind.FOLLOW_UP, Survey.course_id.in_(course_ids)))}
    surveys: dict[int, Survey] = {}
    claimed: list[tuple[int, int]] = []
    for user_id, course_id in due:
        if (user_id, course_id) in sent_before:
            continue
        if course_id not in surveys:
            surveys[course_id] = ensure_survey(follow_up_key(course_id), SurveyKind.FOLLOW_UP,
                                               template_definition("follow_up"), course_id=course_id)
        try:
            with db.session.begin_nested():
                db.session.add(SurveyInvitation(survey_id=surveys[course_id].id, user_id=user_id, sent_at=now))
        except IntegrityError:
            continue  # another worker claimed it
        claimed.append((user_id, course_id))
    db.session.commit()
    if not claimed:
        return 0
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_({c[0] for c in claimed})))}
    courses = {course.id: course for course in db.session.scalars(select(Course).where(Course.id.in_(surveys)))}
    sent = 0
    for user_id, course_id in claimed:
        course = courses[course_id]
        title = course.published_revision.title if course.published_revision else course.slug
        sent += mail_user(users[user_id], MailKind.SURVEY, _l("What came of %(course)s?", course=title),
                          "surveys/email/follow_up.txt", course_title=title,
                          link=external_url("surveys.answer_follow_up", slug=course.slug))
    return sent


# Who reads which results

def may_read_all(user: User, survey: Survey) -> bool:
    """Admins, and the lecturers of a course for its evaluation and follow-up, read every response."""
    if user.is_admin:
        return True
    return survey.course is not None and survey.course.is_taught_by(user)


def coordinated_cohorts(user: User, survey: Survey) -> list[Cohort]:
    """The cohorts whose responses a coordinator reads: the edition's own cohort, or those of their
    cohorts that take the survey's course (none while their role is not a coordinating one)."""
    if not user.is_staff:
        return []
    if survey.kind == SurveyKind.EDITION:
        cohort = survey.cohort
        return [cohort] if cohort is not None and cohort.is_run_by(user) else []
    return list(db.session.scalars(
        select(Cohort).join(cohort_courses, cohort_courses.c.cohort_id == Cohort.id)
        .where(cohort_courses.c.course_id == survey.course_id, Cohort.coordinators.any(User.id == user.id))
        .order_by(Cohort.starts_on, Cohort.id)))


def readable_surveys(user: User) -> Select[Survey]:
    """A select() of every survey whose results the user may open: all, for an admin; their courses' for a
    lecturer; their cohorts' and their cohorts' courses' for a coordinator (holding that role now)."""
    statement = (select(Survey).options(selectinload(Survey.course), selectinload(Survey.cohort))
                 .order_by(Survey.kind, Survey.created_at.desc(), Survey.id))
    if user.is_admin:
        return statement
    readable: list[Any] = [Survey.course_id.in_(_taught_courses(user))]
    if user.has_role(Role.COORDINATOR):
        run = _run_cohorts(user)
        their_courses = select(cohort_courses.c.course_id).where(cohort_courses.c.cohort_id.in_(run))
        readable += [Survey.cohort_id.in_(run), Survey.course_id.in_(their_courses)]
    return statement.where(or_(*readable))


def _run_cohorts(user: User) -> Select[Any]:
    return select(Cohort.id).where(Cohort.coordinators.any(User.id == user.id))


def _taught_courses(user: User) -> Select[Any]:
    return select(Course.id).where(Course.lecturers.any(User.id == user.id))


def respondent_counts(survey_ids: list[int], user: User | None = None) -> dict[int, int]:
    """How many have answered each survey, in steps of 5 as the results give them; for a coordinator who
    does not read a course's every response, only their cohorts' respondents. In one or two queries."""
    if not survey_ids:
        return {}
    counts = {survey_id: number for survey_id, number in db.session.execute(
        select(SurveyRespondent.survey_id, func.count()).where(SurveyRespondent.survey_id.in_(survey_ids))
        .group_by(SurveyRespondent.survey_id))}
    if user is not None and not user.is_admin and user.has_role(Role.COORDINATOR):
        scoped = dict.fromkeys(db.session.scalars(select(Survey.id).where(
            Survey.id.in_(survey_ids), Survey.kind != SurveyKind.EDITION,
            Survey.course_id.not_in(_taught_courses(user)))), 0)
        if scoped:
            scoped.update({survey_id: number for survey_id, number in db.session.execute(
                select(SurveyResponse.survey_id, func.count()).where(
                    SurveyResponse.survey_id.in_(list(scoped)), SurveyResponse.cohort_id.in_(_run_cohorts(user)))
                .group_by(SurveyResponse.survey_id))})
        counts.update(scoped)
    return {survey_id: in_steps(number) for survey_id, number in counts.items()}


# Results

@dataclass
class GroupFigures:
    """The figures of one group of respondents (a cohort): none below the group-of-5 rule."""

    name: str
    respondents: int
    nps: float | None = None
    satisfaction: float | None = None
    #: The row of the smaller cohorts and of the answers beyond each cohort's steps of 5.
    is_other: bool = False

    @property
    def is_reportable(self) -> bool:
        return is_reportable(self.respondents)


@dataclass
class SurveyResults:
    survey: Survey
    invited: int
    respondents: int
    #: Empty when there are fewer than 5 respondents.
    items: list[ItemResult] = field(default_factory=list)
    groups: list[GroupFigures] = field(default_factory=list)
    #: The cohorts the figures cover; None for every response.
    cohorts: list[Cohort] | None = None
    #: An edition's evaluation still open: no figures until it closes.
    withheld: bool = False

    @property
    def is_reportable(self) -> bool:
        return is_reportable(self.respondents)

    @property
    def rate(self) -> float | None:
        return response_rate(self.respondents, self.invited)

    @property
    def nps(self) -> float | None:
        """The survey's net promoter score: its first rating question's."""
        return next((item.nps for item in self.items if item.question.type == "rating"), None)


def satisfaction(answers: list[dict[str, Any]], likert_keys: list[str]) -> float | None:
    """The share of likert answers that agree (4 or 5 of 5), in percent."""
    points = [answer[key] for answer in answers for key in likert_keys if isinstance(answer.get(key), int)]
    return 100 * sum(point >= 4 for point in points) / len(points) if points else None


def first_rating_nps(answers: list[dict[str, Any]], rating_keys: list[str]) -> float | None:
    """The net promoter score of the survey's first rating question."""
    if not rating_keys:
        return None
    return net_promoter_score([answer[rating_keys[0]] for answer in answers if isinstance(answer.get(rating_keys[0]), int)])


def survey_results(survey: Survey, cohorts: list[Cohort] | None = None, rng: random.Random | None = None) -> SurveyResults:
    """The figures of a survey, of every response (cohorts None) or of these cohorts' respondents only;
    in three queries. Figures move only in steps of 5 respondents: they are those of the first responses
    (by arrival) in a multiple of 5, so that two readings never differ by one person's answers. An
    edition's evaluation shows none until it is closed. By cohort, each cohort counts its own first
    responses in steps of 5, and the rest (smaller cohorts, the newest answers of others) are one
    "other cohorts" row, itself a multiple of 5, so that no cohort can be worked out from the total."""
    cohort_ids = None if cohorts is None else [cohort.id for cohort in cohorts]
    statement = select(SurveyResponse.answers, SurveyResponse.cohort_id).where(SurveyResponse.survey_id == survey.id)
    if cohort_ids is not None and survey.kind != SurveyKind.EDITION:
        statement = statement.where(SurveyResponse.cohort_id.in_(cohort_ids))
    rows = db.session.execute(statement.order_by(SurveyResponse.id)).all()
    withheld = survey.kind == SurveyKind.EDITION and survey.closed_at is None
    rows = [] if withheld else rows[:in_steps(len(rows))]
    answers = [row.answers for row in rows]
    results = SurveyResults(survey, _invited(survey, cohort_ids), len(rows), cohorts=cohorts, withheld=withheld)
    content = survey.content
    if results.is_reportable:
        results.items = [item_result(question, [answer.get(question.key) for answer in answers],
                                     anonymous=survey.is_anonymous, rng=rng) for question in content.questions]
    if survey.kind != SurveyKind.EDITION and rows:
        likert = [q.key for q in content.questions if q.type == "likert"]
        rating = [q.key for q in content.questions if q.type == "rating"]
        by_cohort: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_cohort[row.cohort_id].append(row.answers)
        names = {cohort_id: name for cohort_id, name in db.session.execute(select(Cohort.id, Cohort.name).where(
            Cohort.id.in_([key for key in by_cohort if key is not None])))}
        others: list[dict[str, Any]] = []
        for cohort_id in sorted(by_cohort, key=lambda key: (key is None, names.get(key or 0, ""))):
            group = by_cohort[cohort_id]
            shown = group[:in_steps(len(group))]
            others += group[len(shown):]
            if shown:
                results.groups.append(GroupFigures(names.get(cohort_id or 0, ""), len(shown),
                                                   first_rating_nps(shown, rating), satisfaction(shown, likert)))
        if others:  # a multiple of 5, as the total and every row shown are
            results.groups.append(GroupFigures("", len(others), first_rating_nps(others, rating),
                                               satisfaction(others, likert), is_other=True))
    return results


def _invited(survey: Survey, cohort_ids: list[int] | None) -> int:
    """Those asked: an edition's active members; a follow-up's recipients; a course's completions."""
    if survey.kind == SurveyKind.EDITION:
        return db.session.scalar(select(func.count()).select_from(CohortMember).where(
            CohortMember.cohort_id == survey.cohort_id, CohortMember.state == MembershipState.ACTIVE)) or 0
    members = (select(CohortMember.user_id).where(CohortMember.cohort_id.in_(cohort_ids or []),
                                                  CohortMember.state == MembershipState.ACTIVE))
    if survey.kind == SurveyKind.FOLLOW_UP:
        statement = select(func.count()).select_from(SurveyInvitation).where(SurveyInvitation.survey_id == survey.id)
        if cohort_ids is not None:
            statement = statement.where(SurveyInvitation.user_id.in_(members))
        return db.session.scalar(statement) or 0
    statement = select(func.count()).select_from(CourseCompletion).where(CourseCompletion.course_id == survey.course_id)
    if cohort_ids is not None:
        statement = statement.where(CourseCompletion.user_id.in_(members))
    return db.session.scalar(statement) or 0


# The yearly report's figures

@dataclass
class SurveyFigures:
    """Satisfaction and NPS across the responses of some cohorts in a period, by kind of survey."""

    kind: str
    respondents: int
    satisfaction: float | None = None
    nps: float | None = None

    @property
    def is_reportable(self) -> bool:
        return is_reportable(self.respondents)


def period_figures(cohort_ids: list[int], start: date, end: date) -> list[SurveyFigures]:
    """For the yearly report: the responses from these cohorts' trainees in the period (by the month they came
    in), all kinds together ("all") and each kind; in one query. So that comparing selections or periods
    cannot single anyone out: nothing is reported when any selected cohort has 1 to 4 respondents in the
    period; each kind counts only its first responses in steps of 5 (by arrival); "all" is the sum of those
    and is hidden too when some kind is."""
    rows = db.session.execute(
        select(Survey.kind, Survey.definition, SurveyResponse.answers, SurveyResponse.cohort_id)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.cohort_id.in_(cohort_ids), SurveyResponse.month >= start.replace(day=1),
               SurveyResponse.month <= end).order_by(SurveyResponse.id)).all() if cohort_ids else []
    per_cohort: dict[int, int] = defaultdict(int)
    by_kind: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for kind, definition, answers, cohort_id in rows:
        per_cohort[cohort_id] += 1
        by_kind[str(kind)].append((definition, answers))
    withheld = any(not is_reportable(count) for count in per_cohort.values())
    counted = {kind: pairs[:in_steps(len(pairs))] for kind, pairs in by_kind.items()}
    hidden_kind = any(not is_reportable(len(pairs)) for pairs in by_kind.values())
    counted["all"] = [pair for kind in SurveyKind for pair in counted.get(kind.value, [])]
    figures = []
    for kind in ("all", *[k.value for k in SurveyKind]):
        pairs = [] if withheld or (kind == "all" and hidden_kind) else counted.get(kind, [])
        result = SurveyFigures(kind, len(pairs))
        if result.is_reportable:
            points, scores = [], []
            for definition, answers in pairs:
                questions = definition.get("questions") or []
                points += [answers[q["key"]] for q in questions if q["type"] == "likert" and isinstance(answers.get(q["key"]), int)]
                rating = next((q["key"] for q in questions if q["type"] == "rating"), None)
                if rating is not None and isinstance(answers.get(rating), int):
                    scores.append(answers[rating])
            result.satisfaction = 100 * sum(p >= 4 for p in points) / len(points) if points else None
            result.nps = net_promoter_score(scores)
        figures.append(result)
    return figures


# A person's own data

def personal_records(user: User) -> list[dict[str, Any]]:
    """For the person's data download: the surveys they answered (an anonymous one without its answers,
    which nothing links to them) and the follow-ups mailed to them; one query."""
    return [{"survey": title, "kind": str(kind), "mailed_at": mailed_at, "answered": respondent is not None,
             "answers": answers}
            for title, kind, mailed_at, respondent, answers in db.session.execute(
                select(Survey.title, Survey.kind, SurveyInvitation.sent_at, SurveyRespondent.user_id,
                       SurveyResponse.answers)
                .outerjoin(SurveyRespondent, and_(SurveyRespondent.survey_id == Survey.id,
                                                  SurveyRespondent.user_id == user.id))
                .outerjoin(SurveyInvitation, and_(SurveyInvitation.survey_id == Survey.id,
                                                  SurveyInvitation.user_id == user.id))
                .outerjoin(SurveyResponse, and_(SurveyResponse.survey_id == Survey.id, SurveyResponse.user_id == user.id))
                .where(SurveyRespondent.user_id.is_not(None) | SurveyInvitation.user_id.is_not(None))
                .order_by(Survey.id))]


def forget_person(user: User) -> None:
    """When an account is deleted: its named responses keep counting, without the person."""
    db.session.execute(update(SurveyResponse).where(SurveyResponse.user_id == user.id).values(user_id=None))
