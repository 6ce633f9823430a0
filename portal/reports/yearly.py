"""The centre's yearly report to its sponsors: whom it trained, from where, and how far they went,
across any set of cohorts in a period.

The unit is a place: one trainee on one course of one cohort, as a line of that cohort's page
(portal/cohorts/reports.py) counts it, so the figures add up to the cohort pages'. The page, the
printable view and the exports all read one YearlyReport. Built in a fixed number of queries,
whatever the number of cohorts and trainees (plus the attendance counter's for cohorts where
watching a recording counts as attending)."""
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Gender, OrganisationType, User
from portal.assignments.services import results_in
from portal.certificates.models import Certificate
from portal.cohorts.models import Cohort, CohortMember, MembershipState
from portal.cohorts.reports import AttendanceFigures, count_attendance
from portal.courses.models import AssignmentVersion, Course, LessonVersion
from portal.db_types import utcnow
from portal.extensions import db
from portal.learning.models import CourseCompletion, LessonCompletion
from portal.live.models import Attendance, LiveSession
from portal.quizzes.models import QuizAttempt
from portal.reports.countries import GROUPS, dataset
from portal.surveys.services import SurveyFigures, period_figures

NOT_STATED = "not_stated"
NONE_OF_THE_GROUPS = "none"
#: Age bands by the age reached in the period's last year: (label, youngest, oldest).
AGE_BANDS = (("under-25", 0, 24), ("25-34", 25, 34), ("35-44", 35, 44), ("45-54", 45, 54), ("55-64", 55, 64),
             ("65+", 65, 200))
DIMENSIONS = ("region", "subregion", "group", "country", "gender", "organisation_type", "age_band")


@dataclass(slots=True)
class Person:
    """What the report reads of a trainee: never a name or an address."""

    id: int
    country: str | None
    gender: Gender
    organisation_type: OrganisationType
    birth_year: int | None


@dataclass(slots=True)
class Place:
    """One trainee on one course of one cohort."""

    cohort_id: int
    course_id: int
    person: Person
    started: bool
    completed: bool
    certified: bool
    hours: float
    #: Minutes of the lessons completed, whether or not the course was.
    lesson_minutes: int = 0
    #: The course's assignments, and of them those handed in, passed, and handed in late (as the cohort page says).
    assignments: int = 0
    submitted: int = 0
    passed: int = 0
    late: int = 0


@dataclass(slots=True)
class Counts:
    """Figures for all places, or for one group of them."""

    key: str
    people: set[int] = field(default_factory=set)
    enrolled: int = 0
    started: int = 0
    completed: int = 0
    certified: int = 0
    hours: float = 0.0
    lesson_minutes: int = 0
    assignments: int = 0
    assignments_submitted: int = 0
    assignments_passed: int = 0
    assignments_late: int = 0

    def add(self, place: Place) -> None:
        self.people.add(place.person.id)
        self.enrolled += 1
        self.started += place.started
        self.completed += place.completed
        self.certified += place.certified
        self.hours += place.hours if place.completed else 0.0
        self.lesson_minutes += place.lesson_minutes
        self.assignments += place.assignments
        self.assignments_submitted += place.submitted
        self.assignments_passed += place.passed
        self.assignments_late += place.late

    @property
    def trainees(self) -> int:
        return len(self.people)

    @property
    def completion_rate(self) -> float:
        return 100 * self.completed / self.enrolled if self.enrolled else 0.0

    @property
    def lesson_hours(self) -> float:
        return self.lesson_minutes / 60


@dataclass
class CohortLine:
    cohort: Cohort
    counts: Counts
    sessions_held: int
    attended: int
    expected: int

    @property
    def attendance_rate(self) -> float | None:
        """Of the seats at ended sessions (sessions x active members), the share taken; None without sessions."""
        return 100 * self.attended / self.expected if self.expected else None


@dataclass
class YearlyReport:
    start: date
    end: date
    cohorts: list[Cohort]
    places: list[Place]
    cohort_lines: list[CohortLine]
    #: Satisfaction and NPS from the surveys the cohorts' trainees answered in the period: all kinds first, then each.
    surveys: list[SurveyFigures] = field(default_factory=list)
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def survey_totals(self) -> SurveyFigures:
        return self.surveys[0] if self.surveys else SurveyFigures("all", 0)

    @cached_property
    def totals(self) -> Counts:
        counts = Counts("all")
        for place in self.places:
            counts.add(place)
        return counts

    @property
    def countries_reached(self) -> int:
        return len({place.person.country for place in self.places if place.person.country})

    @property
    def sessions_held(self) -> int:
        return sum(line.sessions_held for line in self.cohort_lines)

    @property
    def attendance_rate(self) -> float | None:
        expected = sum(line.expected for line in self.cohort_lines)
        return 100 * sum(line.attended for line in self.cohort_lines) / expected if expected else None

    def funnel(self) -> list[tuple[str, int]]:
        totals = self.totals
        return [("enrolled", totals.enrolled), ("started", totals.started), ("completed", totals.completed),
                ("certified", totals.certified)]

    def by(self, dimension: str) -> list[Counts]:
        """The places grouped by one of DIMENSIONS, largest group first; "not stated" last."""
        keys = self._keys(dimension)
        groups: dict[str, Counts] = {}
        for place in self.places:
            for key in keys(place.person):
                groups.setdefault(key, Counts(key)).add(place)
        if dimension == "group":
            order = {key: position for position, key in enumerate((*GROUPS, NONE_OF_THE_GROUPS, NOT_STATED))}
            return sorted(groups.values(), key=lambda counts: order[counts.key])
        return sorted(groups.values(), key=lambda counts: (counts.key == NOT_STATED, -counts.enrolled, counts.key))

    def _keys(self, dimension: str) -> Callable[[Person], Iterable[str]]:
        places = dataset()
        if dimension == "country":
            return lambda person: (person.country or NOT_STATED,)
        if dimension in ("region", "subregion"):
            def m49(person: Person) -> tuple[str]:
                place = places.place(person.country)
                code = place and (place.region if dimension == "region" else place.subregion)
                return (code or NOT_STATED,)
            return m49
        if dimension == "group":
            def groups(person: Person) -> tuple[str, ...]:
                place = places.place(person.country)
                if place is None:
                    return (NOT_STATED,)
                return tuple(sorted(place.groups)) or (NONE_OF_THE_GROUPS,)
            return groups
        if dimension == "gender":
            return lambda person: (person.gender.value,)
        if dimension == "organisation_type":
            return lambda person: (person.organisation_type.value,)
        if dimension == "age_band":
            return lambda person: (age_band(person.birth_year, self.end.year),)
        raise ValueError(f"no such dimension: {dimension}")


def age_band(birth_year: int | None, year: int) -> str:
    """The band of the age reached in `year`, or "not stated"."""
    if birth_year is None:
        return NOT_STATED
    age = year - birth_year
    return next((label for label, youngest, oldest in AGE_BANDS if youngest <= age <= oldest), NOT_STATED)


def cohorts_for(user: User, start: date, end: date, cohort_ids: list[int] | None = None) -> list[Cohort]:
    """The cohorts `user` runs (every cohort, for an admin) whose dates meet the period; of `cohort_ids` only, if given."""
    statement = (select(Cohort).where(Cohort.starts_on <= end, Cohort.ends_on >= start)
                 .options(selectinload(Cohort.courses).selectinload(Course.published_revision))
                 .order_by(Cohort.starts_on, Cohort.id))
    if not user.is_admin:
        statement = statement.where(Cohort.coordinators.any(User.id == user.id))
    if cohort_ids:
        statement = statement.where(Cohort.id.in_(cohort_ids))
    return list(db.session.scalars(statement))


def yearly_report(cohorts: list[Cohort], start: date, end: date) -> YearlyReport:
    """The figures of these cohorts' published courses, as their cohort pages give them."""
    now = utcnow()
    cohort_ids = [cohort.id for cohort in cohorts]
    courses = {course.id: course for cohort in cohorts for course in cohort.courses if course.published_revision}
    revisions = {course_id: course.published_revision for course_id, course in courses.items()}

    members: dict[int, list[Person]] = defaultdict(list)
    for cohort_id, user_id, country, gender, organisation_type, birth_year in db.session.execute(
        select(CohortMember.cohort_id, User.id, User.country, User.gender, User.organisation_type, User.birth_year)
        .join(User, User.id == CohortMember.user_id)
        .where(CohortMember.cohort_id.in_(cohort_ids), CohortMember.state == MembershipState.ACTIVE)
    ):
        members[cohort_id].append(Person(user_id, country, gender or Gender.NOT_STATED,
                                         organisation_type or OrganisationType.NOT_STATED, birth_year))
    member_ids = (select(CohortMember.user_id)
                  .where(CohortMember.cohort_id.in_(cohort_ids), CohortMember.state == MembershipState.ACTIVE))
    course_ids = list(courses)

    def pairs(statement) -> set[tuple[int, int]]:
        return {(user_id, course_id) for user_id, course_id in db.session.execute(statement)}

    # Minutes of the lessons each trainee completed, as the course's current revision gives them.
    lesson_minutes: dict[tuple[int, int], int] = {
        (user_id, course_id): minutes for user_id, course_id, minutes in db.session.execute(
            select(LessonCompletion.user_id, LessonCompletion.course_id, func.sum(LessonVersion.minutes))
            .join(LessonVersion, and_(LessonVersion.lesson_id == LessonCompletion.lesson_id,
                                      LessonVersion.revision_id.in_([r.id for r in revisions.values() if r])))
            .where(LessonCompletion.course_id.in_(course_ids), LessonCompletion.user_id.in_(member_ids))
            .group_by(LessonCompletion.user_id, LessonCompletion.course_id))}
    started = set(lesson_minutes)
    started |= pairs(select(QuizAttempt.user_id, QuizAttempt.course_id).distinct()
                     .where(QuizAttempt.course_id.in_(course_ids), QuizAttempt.user_id.in_(member_ids),
                            QuizAttempt.submitted_at.is_not(None), QuizAttempt.max_score > 0))
    completed = pairs(select(CourseCompletion.user_id, CourseCompletion.course_id)
                      .where(CourseCompletion.course_id.in_(course_ids), CourseCompletion.user_id.in_(member_ids)))
    certified = pairs(select(Certificate.user_id, Certificate.course_id).distinct()
                      .where(Certificate.course_id.in_(course_ids), Certificate.user_id.in_(member_ids),
                             Certificate.revoked_at.is_(None)))
    attendance = _attendance(cohorts, members, now)
    assignments: dict[int, list[int]] = defaultdict(list)
    for revision_id, assignment_id in db.session.execute(
        select(AssignmentVersion.revision_id, AssignmentVersion.assignment_id)
        .where(AssignmentVersion.revision_id.in_([r.id for r in revisions.values() if r]))
    ):
        assignments[revision_id].append(assignment_id)
    results = results_in(course_ids, member_ids) if assignments else {}

    places: list[Place] = []
    lines: list[CohortLine] = []
    for cohort in cohorts:
        counts = Counts(str(cohort.id))
        figures = attendance.get(cohort.id, {})
        for course in cohort.courses:
            revision = revisions.get(course.id)
            if revision is None:
                continue
            for person in members[cohort.id]:
                met = person.id not in figures or figures[person.id].meets(cohort.attendance_required_percent)
                pair = (person.id, course.id)
                work = [result for assignment_id, result in results.get(person.id, {}).items()
                        if assignment_id in assignments[revision.id] and result.status != "draft"]
                place = Place(cohort.id, course.id, person, pair in started, pair in completed and met,
                              pair in certified, revision.estimated_hours, lesson_minutes.get(pair, 0),
                              len(assignments[revision.id]), len(work), sum(result.is_passed for result in work),
                              sum(result.is_late for result in work))
                places.append(place)
                counts.add(place)
        held = max((f.ended for f in figures.values()), default=0)
        lines.append(CohortLine(cohort, counts, held, sum(f.attended for f in figures.values()),
                                held * len(members[cohort.id])))
    return YearlyReport(start, end, cohorts, places, lines, surveys=period_figures(cohort_ids, start, end))


def _attendance(cohorts: list[Cohort], members: dict[int, list[Person]],
                now: datetime) -> dict[int, dict[int, AttendanceFigures]]:
    """Each cohort's members' attendance of its ended live sessions, in two queries for every cohort; cohorts
    where a watched recording counts ask the attendance counter the cohort pages use, which knows recordings."""
    ended: dict[int, set[int]] = defaultdict(set)
    for session_id, cohort_id in db.session.execute(
        select(LiveSession.id, LiveSession.cohort_id)
        .where(LiveSession.cohort_id.in_([cohort.id for cohort in cohorts]), LiveSession.ends_at <= now)
    ):
        ended[cohort_id].add(session_id)
    present: dict[tuple[int, int], int] = {}
    session_ids = [session_id for sessions in ended.values() for session_id in sessions]
    if session_ids:
        for cohort_id, user_id, count in db.session.execute(
            select(LiveSession.cohort_id, Attendance.user_id, func.count())
            .join(LiveSession, LiveSession.id == Attendance.session_id)
            .join(CohortMember, and_(CohortMember.cohort_id == LiveSession.cohort_id,
                                     CohortMember.user_id == Attendance.user_id))
            .where(Attendance.session_id.in_(session_ids), Attendance.attended.is_(True),
                   CohortMember.state == MembershipState.ACTIVE)
            .group_by(LiveSession.cohort_id, Attendance.user_id)
        ):
            present[(cohort_id, user_id)] = count
    result: dict[int, dict[int, AttendanceFigures]] = {}
    for cohort in cohorts:
        people = [person.id for person in members[cohort.id]]
        if cohort.watched_recording_counts and ended[cohort.id]:
            result[cohort.id] = count_attendance(cohort, people) or {}
        elif ended[cohort.id]:
            result[cohort.id] = {user_id: AttendanceFigures(present.get((cohort.id, user_id), 0), len(ended[cohort.id]))
                                 for user_id in people}
    return result
