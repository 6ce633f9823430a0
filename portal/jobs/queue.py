"""The task queue: one huey per application, tasks registered explicitly in create_app, and every
run recorded in `job_runs` through huey's signals (for the admins' page and for trying again).

Backends (JOBS_BACKEND): "sqlite", a file in the instance folder (the default: nothing to install);
"redis" (JOBS_REDIS_URL), shared by the workers of several machines; "memory", for the tests, where
`run_queued()` runs what is queued in the calling thread as a worker would."""
import logging
import sqlite3
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey import signals as huey_signals
from huey.api import Task, TaskWrapper
from sqlalchemy import insert, update

from portal.db_types import rows_changed, utcnow
from portal.extensions import db
from portal.jobs.models import ERROR_LENGTH, JobRun, JobState

log = logging.getLogger(__name__)

#: What the queue's storage raises when it cannot be reached (Redis down, the SQLite file locked or unwritable).
QUEUE_UNREACHABLE = (redis.RedisError, sqlite3.Error)
#: The name every queue uses in its storage (a Redis key prefix, a column in the SQLite file).
QUEUE_NAME = "portal"


@dataclass
class TaskOptions:
    retries: int = 0
    retry_delay: float = 0
    retry_backoff: float = 0


@dataclass(eq=False)
class JobQueue:
    """An application's queue: its huey, its tasks by name, and what the signals saw fail."""

    app: Flask
    huey: Huey
    tasks: dict[str, TaskWrapper] = field(default_factory=dict)
    options: dict[str, TaskOptions] = field(default_factory=dict)
    #: Tasks that run often and say little (the scheduler's tick): not recorded in job_runs.
    unrecorded: set[str] = field(default_factory=set)
    #: Errors of tasks run in this process since the last run_queued(); bounded.
    errors: deque[BaseException] = field(default_factory=lambda: deque(maxlen=100))


#: The queues kept in memory (the tests'), of every app alive in this process: run_queued() runs them all,
#: so that mail sent through a second app (one a test made with other settings) is not left behind.
_memory_queues: weakref.WeakSet[JobQueue] = weakref.WeakSet()


def make_huey(app: Flask) -> Huey:
    """The huey for the configured backend."""
    config = app.config
    backend = config["JOBS_BACKEND"] or ("redis" if config["JOBS_REDIS_URL"] else "sqlite")
    if backend == "redis":
        if not config["JOBS_REDIS_URL"]:
            raise RuntimeError("JOBS_BACKEND=redis needs JOBS_REDIS_URL (or REDIS_URL), e.g. redis://127.0.0.1:6379/1")
        # A Redis that does not answer fails an enqueue within seconds instead of holding the request;
        # the socket time-out stays above huey's one-second blocking read.
        pool = redis.ConnectionPool.from_url(config["JOBS_REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
        return RedisHuey(QUEUE_NAME, results=False, connection_pool=pool)
    if backend == "sqlite":
        path = config["JOBS_SQLITE_PATH"] or f"{app.instance_path}/jobs.sqlite3"
        return SqliteHuey(QUEUE_NAME, results=False, filename=path)
    if backend == "memory":
        return MemoryHuey(QUEUE_NAME, results=False)
    raise RuntimeError(f"JOBS_BACKEND={backend!r} is unknown; use sqlite, redis or memory.")


def queue_of(app: Flask) -> JobQueue:
    queue: JobQueue = app.extensions["jobs"]
    return queue


def current_queue() -> JobQueue:
    return queue_of(current_app._get_current_object())  # type: ignore[attr-defined]


def register(app: Flask, name: str, func: Callable[..., Any], *, retries: int = 0, retry_delay: float = 0,
             retry_backoff: float = 0, every_minute: bool = False, recorded: bool = True) -> None:
    """Make `func` a task called `name`, run by the worker inside an app context; a failure is
    tried again `retries` times, after `retry_delay` seconds multiplied by `retry_backoff` each time."""
    queue = queue_of(app)
    if name in queue.tasks:
        raise ValueError(f"a task called {name!r} exists already")

    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            return func(*args, **kwargs)

    run.__module__ = __name__  # the queue knows a task by module and name: the name alone identifies it
    options = TaskOptions(retries, retry_delay, retry_backoff)
    if every_minute:
        wrapper = queue.huey.periodic_task(crontab(), name=name)(run)
    else:
        wrapper = queue.huey.task(name=name, retries=retries, retry_delay=retry_delay,
                                  retry_backoff=retry_backoff)(run)
    queue.tasks[name] = wrapper
    queue.options[name] = options
    if not recorded:
        queue.unrecorded.add(name)


def enqueue(name: str, *args: Any, **kwargs: Any) -> None:
    """Give the task `name` to the queue with these arguments (they must pickle); a worker runs it.
    Raises one of QUEUE_UNREACHABLE when the queue's storage does not answer (its record says so)."""
    queue = current_queue()
    task = queue.tasks[name].s(*args, **kwargs)
    try:
        queue.huey.enqueue(task)
    except QUEUE_UNREACHABLE as error:
        if task.name not in queue.unrecorded:
            with db.engine.begin() as connection:
                connection.execute(update(JobRun).where(JobRun.task_id == task.id).values(
                    state=JobState.FAILED, payload=None, finished_at=utcnow(), updated_at=utcnow(),
                    last_error=f"not queued, the queue did not answer: {error!r}"[:ERROR_LENGTH]))
        raise


def run_queued(timeout: float = 30) -> None:
    """Run every queued task now, in this thread, as a worker would (for the tests and for commands
    that must know the work is done): the current app's, and with the memory backend those of every
    app of this process. Raise the first error of a task run here since the last call."""
    current = current_queue()
    queues = [current, *(queue for queue in list(_memory_queues) if queue is not current)] \
        if current in _memory_queues else [current]
    deadline = time.monotonic() + timeout
    while _run_one(queues):
        if time.monotonic() > deadline:
            raise TimeoutError(f"tasks were still queued after {timeout} seconds")
    errors = [error for queue in queues for error in queue.errors]
    for queue in queues:
        queue.errors.clear()
    if errors:
        raise errors[0]


def discard_memory_queues() -> None:
    """Empty and forget every queue kept in memory (the tests' teardown: nothing is left for the next test)."""
    for queue in list(_memory_queues):
        queue.huey.flush()
        queue.errors.clear()
    _memory_queues.clear()


def _run_one(queues: list[JobQueue]) -> bool:
    """Run one queued task (or move the due retries to the queue); False when there is nothing to do."""
    for queue in queues:
        task = queue.huey.dequeue()
        if task is not None:
            queue.huey.execute(task)
            return True
        due = queue.huey.read_schedule()
        if due:
            for task in due:
                queue.huey.enqueue(task)
            return True
    return False


def _recorder(queue: JobQueue) -> Callable[..., None]:
    """The receiver of huey's signals: keeps one job_runs row per task up to date."""

    def record(signal: str, task: Task, *args: Any) -> None:
        if signal == huey_signals.SIGNAL_ERROR and args:
            queue.errors.append(args[0])
        if task.name in queue.unrecorded:
            return
        now = utcnow()
        where = JobRun.task_id == task.id
        with queue.app.app_context(), db.engine.begin() as connection:
            if signal in (huey_signals.SIGNAL_ENQUEUED, huey_signals.SIGNAL_SCHEDULED):
                values: dict[str, Any] = {"payload": queue.huey.serialize_task(task), "updated_at": now}
                retrying = signal == huey_signals.SIGNAL_SCHEDULED and task.eta is not None
                changed = connection.execute(update(JobRun).where(where).values(
                    state=JobState.RETRYING if retrying else JobState.QUEUED, **values))
                if not rows_changed(changed):
                    connection.execute(insert(JobRun).values(task_id=task.id, name=task.name, state=JobState.QUEUED,
                                                             tries=0, enqueued_at=now, **values))
            elif signal == huey_signals.SIGNAL_EXECUTING:
                connection.execute(update(JobRun).where(where).values(
                    state=JobState.RUNNING, tries=JobRun.tries + 1, started_at=now, updated_at=now))
            elif signal == huey_signals.SIGNAL_COMPLETE:
                connection.execute(update(JobRun).where(where).values(
                    state=JobState.DONE, finished_at=now, updated_at=now, payload=None))
            elif signal == huey_signals.SIGNAL_ERROR:
                error = repr(args[0]) if args else "error"
                connection.execute(update(JobRun).where(where).values(
                    state=JobState.RETRYING if task.retries else JobState.FAILED,
                    last_error=error[:ERROR_LENGTH], finished_at=now, updated_at=now))
            elif signal == huey_signals.SIGNAL_INTERRUPTED:
                connection.execute(update(JobRun).where(where).values(
                    state=JobState.FAILED, last_error="interrupted: the worker stopped during the task",
                    finished_at=now, updated_at=now))

    return record


def init_app(app: Flask) -> None:
    """Give the app its queue; tasks are added by each domain's init_app and in create_app."""
    queue = JobQueue(app=app, huey=make_huey(app))
    app.extensions["jobs"] = queue
    if isinstance(queue.huey, MemoryHuey):
        _memory_queues.add(queue)
    queue.huey.signal()(_recorder(queue))
