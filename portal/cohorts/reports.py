"""The figures coordinators report: progress grid, rates, funnel, item analysis, and counts by
country and gender. Pages and exports are built from the same objects, so they always agree.

Every report runs a fixed number of queries, whatever the number of trainees or lessons."""
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Gender, User
from portal.certificates.models import Certificate
from portal.cohorts.models import Cohort, CohortMember, MembershipState
from portal.courses.models import Course, CourseRevision, Enrolment, QuestionVersion, QuizVersion
from portal.db_types import utcnow
from portal.extensions import db
from portal.learning.models import CourseCompletion, LessonCompletion
from portal.learning.services import Step, outlines
from portal.quizzes.grading import question_type
from portal.quizzes.models import AttemptAnswer, QuizAttempt


@dataclass(frozen=True)
class AttendanceFigures:
    """How many of a cohort's ended live sessions a trainee attended (or, where the cohort says so, watched)."""

    attended: int
    ended: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.attended / self.ended) if self.ended else None

    def meets(self, required_percent: int | None) -> bool:
        """Whether the share attended reaches the cohort's rule; with no rule, or no session ended yet, it does."""
        if required_percent is None or not self.ended:
            return True
        return 100 * self.attended >= required_percent * self.ended


#: Counts each trainee's attendance in a cohort, in a fixed number of queries: cohort, user ids -> figures.
AttendanceCounter = Callable[[Cohort, list[int]], dict[int, AttendanceFigures]]
COUNTER_KEY = "cohorts.attendance_counter"


def set_attendance_counter(app: Flask, counter: AttendanceCounter) -> None:
    """Say how attendance of live sessions is counted (the live sessions do); until said, reports have no attendance."""
    app.extensions[COUNTER_KEY] = counter


def count_attendance(cohort: Cohort, user_ids: list[int]) -> dict[int, AttendanceFigures] | None:
    """Each trainee's attendance by the counter set for the app; None when none is."""
    counter: AttendanceCounter | None = current_app.extensions.get(COUNTER_KEY)
    return counter(cohort, user_ids) if counter is not None else None


@dataclass(frozen=True)
class AssignmentResult:
    """Where a trainee stands on one assignment: their latest version's status, lateness and score."""

    status: str  #: of portal.assignments.models.SubmissionStatus
    is_late: bool = False
    score: float | None = None

    @property
    def is_passed(self) -> bool:
        return self.status == "passed"


#: The results of the trainees on a course's assignments, in a fixed number of queries:
#: course id, user ids -> {user id: {assignment id: result}}.
AssignmentResults = Callable[[int, list[int]], dict[int, dict[int, AssignmentResult]]]
RESULTS_KEY = "cohorts.assignment_results"


def set_assignment_results(app: Flask, source: AssignmentResults) -> None:
    """Say where assignment results come from (the assignments package); until said, reports show none."""
    app.extensions[RESULTS_KEY] = source


def assignment_results(course_id: int, user_ids: list[int]) -> dict[int, dict[int, AssignmentResult]]:
    source: AssignmentResults | None = current_app.extensions.get(RESULTS_KEY)
    return source(course_id, user_ids) if source is not None and user_ids else {}


@dataclass
class ModuleCell:
    lessons_done: int
    lessons_total: int
    has_quiz: bool
    best_score: float | None = None
    passed: bool = False


@dataclass
class TraineeRow:
    user: User
    cells: list[ModuleCell]
    steps_done: int
    steps_total: int
    last_activity: datetime | None
    completed_at: datetime | None
    certified: bool
    quizzes_attempted: int = 0
    quizzes_passed: int = 0
    #: None when attendance is not counted (no live sessions wired in).
    attendance: AttendanceFigures | None = None
    #: False when the course is complete but the cohort's attendance rule is not met yet.
    attendance_met: bool = True
    #: By assignment id: where the trainee stands on it (absent: nothing handed in).
    assignments: dict[int, AssignmentResult] = field(default_factory=dict)

    @property
    def is_complete(self) -> bool:
        """The cohort's completion: the course's rule, and the cohort's attendance rule if it has one."""
        return self.completed_at is not None and self.attendance_met

    @property
    def percent(self) -> int:
        if self.completed_at is not None:
            return 100
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def started(self) -> bool:
        return self.steps_done > 0 or self.quizzes_attempted > 0


@dataclass
class GroupFigures:
    """Counts and rates for one country or gender."""

    label: str
    enrolled: int = 0
    completed: int = 0
    certified: int = 0

    @property
    def completion_rate(self) -> float:
        return 100 * self.completed / self.enrolled if self.enrolled else 0.0

    @property
    def certification_rate(self) -> float:
        return 100 * self.certified / self.enrolled if self.enrolled else 0.0


@dataclass
class CohortReport:
    cohort: Cohort
    course: Course
    revision: CourseRevision
    modules: list[tuple[str, str]]
    rows: list[TraineeRow]
    #: Members invited from a roster who have not accepted: listed, with none of their progress.
    pending: list[User] = field(default_factory=list)
    generated_at: datetime = field(default_factory=utcnow)
    #: Whether the rows carry attendance figures (the grid and exports then show them).
    has_attendance: bool = False
    #: The course's assignments: (assignment id, key, title), in module order.
    assignments: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def enrolled(self) -> int:
        return len(self.rows)

    @property
    def completed(self) -> int:
        return sum(row.is_complete for row in self.rows)

    @property
    def certified(self) -> int:
        return sum(row.certified for row in self.rows)

    @property
    def completion_rate(self) -> float:
        return 100 * self.completed / self.enrolled if self.enrolled else 0.0

    @property
    def pass_rate(self) -> float:
        """Of the quizzes trainees attempted, the share they passed."""
        attempted = sum(row.quizzes_attempted for row in self.rows)
        return 100 * sum(row.quizzes_passed for row in self.rows) / attempted if attempted else 0.0

    def funnel(self) -> list[tuple[str, int]]:
        return [
            ("enrolled", self.enrolled),
            ("started", sum(row.started for row in self.rows)),
            ("halfway", sum(row.percent >= 50 for row in self.rows)),
            *([("assignments_passed", sum(all(row.assignments.get(assignment_id, AssignmentResult("")).is_passed
                                              for assignment_id, _key, _title in self.assignments)
                                          for row in self.rows))] if self.assignments else []),
            ("completed", self.completed),
            ("certified", self.certified),
        ]

    def inactive(self, days: int) -> list[TraineeRow]:
        """Trainees who have not completed and did nothing for `days` days (or ever)."""
        limit = utcnow() - timedelta(days=days)
        return [row for row in self.rows if row.completed_at is None
                and (row.last_activity is None or row.last_activity < limit)]

    def by(self, key) -> list[GroupFigures]:
        groups: dict[str, GroupFigures] = {}
        for row in self.rows:
            label = key(row.user)
            group = groups.setdefault(label, GroupFigures(label))
            group.enrolled += 1
            group.completed += row.is_complete
            group.certified += row.certified
        return sorted(groups.values(), key=lambda group: (-group.enrolled, group.label))

    def by_country(self) -> list[GroupFigures]:
        return self.by(lambda user: user.country or "")

    def by_gender(self) -> list[GroupFigures]:
        return self.by(lambda user: (user.gender or Gender.NOT_STATED).value)


def active_member_ids(cohort: Cohort, only_user: int | None = None) -> Select[int]:
    """Active members only: the progress of trainees who have not accepted their invitation is not read."""
    statement = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id,
                                                   CohortMember.state == MembershipState.ACTIVE)
    return statement.where(CohortMember.user_id == only_user) if only_user is not None else statement


def cohort_report(cohort: Cohort, course: Course, only_user: int | None = None) -> CohortReport:
    """Progress of every trainee of the cohort (or of one) in one course, in six queries (and the attendance
    counter's and the assignment results' own fixed numbers)."""
    revision = course.published_revision
    if revision is None:
        raise ValueError(f"course {course.slug} has no published revision to report on")
    steps: list[Step] = outlines([revision.id])[revision.id]
    members = active_member_ids(cohort, only_user)
    people = (
        select(User, CohortMember.state, Enrolment.enrolled_at, Enrolment.last_activity_at)
        .join(CohortMember, CohortMember.user_id == User.id)
        .outerjoin(Enrolment, (Enrolment.user_id == User.id) & (Enrolment.course_id == course.id))
        .where(CohortMember.cohort_id == cohort.id).order_by(User.name, User.id)
    )
    if only_user is not None:
        people = people.where(CohortMember.user_id == only_user)
    active: list[tuple[User, datetime | None]] = []
    pending: list[User] = []
    for user, state, enrolled_at, last_activity_at in db.session.execute(people):
        if state == MembershipState.PENDING:
            pending.append(user)
        else:
            # Enrolling sets the activity time; only activity after it is the trainee's own.
            active.append((user, last_activity_at if enrolled_at and last_activity_at
                           and last_activity_at > enrolled_at else None))
    done: dict[int, set[int]] = defaultdict(set)
    for user_id, lesson_id in db.session.execute(
        select(LessonCompletion.user_id, LessonCompletion.lesson_id)
        .where(LessonCompletion.course_id == course.id, LessonCompletion.user_id.in_(members))
    ):
        done[user_id].add(lesson_id)
    scores: dict[int, dict[int, tuple[float, bool]]] = defaultdict(dict)
    for user_id, quiz_id, best, passed in db.session.execute(
        select(QuizAttempt.user_id, QuizAttempt.quiz_id, func.max(QuizAttempt.score / QuizAttempt.max_score),
               func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)))
        .where(QuizAttempt.course_id == course.id, QuizAttempt.user_id.in_(members),
               QuizAttempt.submitted_at.is_not(None), QuizAttempt.max_score > 0)
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
    ):
        scores[user_id][quiz_id] = (100 * best, bool(passed))
    completions = dict(db.session.execute(
        select(CourseCompletion.user_id, CourseCompletion.completed_at)
        .where(CourseCompletion.course_id == course.id, CourseCompletion.user_id.in_(members))
    ).all())
    certified = set(db.session.scalars(
        select(Certificate.user_id).where(Certificate.course_id == course.id, Certificate.user_id.in_(members),
                                          Certificate.revoked_at.is_(None))
    ))

    counted = count_attendance(cohort, [user.id for user, _ in active])
    attendance = counted or {}

    module_keys = list(dict.fromkeys(step.module_key for step in steps))
    titles = {step.module_key: step.module_title for step in steps}
    module_lessons = {key: [s.stable_id for s in steps if s.module_key == key and s.kind == "lesson"] for key in module_keys}
    module_quiz = {key: next((s.stable_id for s in steps if s.module_key == key and s.kind == "quiz"), None)
                   for key in module_keys}
    quiz_ids = [s.stable_id for s in steps if s.kind == "quiz"]
    assignments = [(s.stable_id, s.key, s.title) for s in steps if s.kind == "assignment"]
    results = assignment_results(course.id, [user.id for user, _ in active]) if assignments else {}
    rows = []
    for user, last_activity in active:
        user_done, user_scores = done[user.id], scores[user.id]
        cells = []
        for key in module_keys:
            quiz_id = module_quiz[key]
            best, passed = user_scores.get(quiz_id, (None, False)) if quiz_id else (None, False)
            lessons = module_lessons[key]
            cells.append(ModuleCell(sum(lesson in user_done for lesson in lessons), len(lessons),
                                    quiz_id is not None, best, passed))
        user_results = results.get(user.id, {})
        steps_done = (sum(cell.lessons_done for cell in cells)
                      + sum(user_scores.get(quiz_id, (0, False))[1] for quiz_id in quiz_ids)
                      + sum(user_results[a].is_passed for a, _key, _title in assignments if a in user_results))
        rows.append(TraineeRow(
            user=user, cells=cells, steps_done=steps_done, steps_total=len(steps), last_activity=last_activity,
            completed_at=completions.get(user.id), certified=user.id in certified,
            quizzes_attempted=len(user_scores), quizzes_passed=sum(p for _, p in user_scores.values()),
            attendance=attendance.get(user.id),
            attendance_met=user.id not in attendance or attendance[user.id].meets(cohort.attendance_required_percent),
            assignments=user_results,
        ))
    return CohortReport(cohort, course, revision, [(key, titles[key]) for key in module_keys], rows, pending,
                        has_attendance=counted is not None, assignments=assignments)


@dataclass
class ItemFigures:
    number: int
    question: QuestionVersion
    answered: int
    right: int
    common_wrong: str | None
    common_wrong_count: int

    @property
    def right_share(self) -> float:
        return 100 * self.right / self.answered if self.answered else 0.0


def item_analysis(cohort: Cohort, course: Course) -> list[tuple[QuizVersion, list[ItemFigures]]]:
    """For each question of each current quiz: the share answered right and the most chosen wrong answer."""
    quizzes = db.session.scalars(
        select(QuizVersion).where(QuizVersion.revision_id == course.published_revision_id)
        .join(QuizVersion.module).order_by(QuizVersion.module_id).options(selectinload(QuizVersion.questions))
    ).all()
    answers = db.session.execute(
        select(AttemptAnswer.question_id, AttemptAnswer.is_correct, AttemptAnswer.response)
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .where(QuizAttempt.course_id == course.id, QuizAttempt.user_id.in_(active_member_ids(cohort)))
    ).all()
    totals: Counter = Counter()
    rights: Counter = Counter()
    wrongs: dict[int, Counter] = defaultdict(Counter)
    for question_id, is_correct, response in answers:
        totals[question_id] += 1
        if is_correct:
            rights[question_id] += 1
        elif response not in (None, "", []):
            wrongs[question_id][json.dumps(response, sort_keys=True)] += 1
    report = []
    for quiz in quizzes:
        items = []
        for number, question in enumerate(quiz.questions, start=1):
            wrong = wrongs[question.question_id].most_common(1)
            common, count = (wrong[0] if wrong else (None, 0))
            label = None
            if common is not None:
                response = json.loads(common)
                label = "; ".join(str(part) for part in question_type(question.type).describe(question.config, response)) or str(response)
            items.append(ItemFigures(number, question, totals[question.question_id], rights[question.question_id], label, count))
        report.append((quiz, items))
    return report
