"""`flask worker`: the queue's consumer, inside the app."""
import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.jobs.queue import current_queue, enqueue
from portal.jobs.schedule import TICK


@click.command("worker")
@click.option("--workers", "-w", type=click.IntRange(1, 64), default=None,
              help="Threads that run tasks (default: JOBS_WORKERS).")
@with_appcontext
def worker(workers: int | None) -> None:
    """Run queued tasks (mail, digests, reminders) and scheduled jobs until stopped: SIGTERM lets the
    running tasks finish first, Ctrl+C (SIGINT) stops at once."""
    config = current_app.config
    queue = current_queue()
    if config["JOBS_BACKEND"] == "memory":
        raise click.ClickException("JOBS_BACKEND=memory keeps tasks in each process: a worker needs sqlite or redis.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Scheduled jobs that came due while no worker ran start now, not at the next minute.
    enqueue(TICK)
    consumer = queue.huey.create_consumer(workers=workers or config["JOBS_WORKERS"], worker_type="thread",
                                          periodic=True, max_delay=1.0, graceful_signal="TERM")
    consumer.run()
