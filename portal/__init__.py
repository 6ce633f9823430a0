"""The learning portal: create_app() builds a configured application."""
import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import (
    DEVELOPMENT_BASE_URL,
    DEVELOPMENT_SECRET_KEY,
    Config,
    ProductionConfig,
    config_for,
)
from portal import (
    cli,
    connections,
    core,
    errors,
    i18n,
    inputs,
    links,
    mail,
    reads,
    security,
    shells,
    signatures,
    storage,
)
from portal.accounts import access, identities
from portal.accounts import cli as accounts_cli
from portal.accounts import views as accounts_views
from portal.announcements import receivers as announcements_receivers
from portal.announcements import services as announcements_services
from portal.announcements import views as announcements_views
from portal.assignments import reminders as assignments_reminders
from portal.assignments import reviewing as assignments_reviewing
from portal.assignments import services as assignments_services
from portal.assignments import views as assignments_views
from portal.certificates import receivers as certificate_receivers
from portal.certificates import views as certificates_views
from portal.cohorts import receivers as cohorts_receivers
from portal.cohorts import reports as cohorts_reports
from portal.cohorts import services as cohorts_services
from portal.cohorts import views as cohorts_views
from portal.courses import cli as courses_cli
from portal.courses import views as courses_views
from portal.discussion import receivers as discussion_receivers
from portal.discussion import services as discussion_services
from portal.discussion import views as discussion_views
from portal.extensions import csrf, db, limiter, login_manager
from portal.jobs import cli as jobs_cli
from portal.jobs import digest, schedule
from portal.jobs import queue as jobs_queue
from portal.jobs import services as jobs_services
from portal.jobs import views as jobs_views
from portal.learning import services as learning_services
from portal.learning import views as learning_views
from portal.live import attendance as live_attendance
from portal.live import attendance_views as live_attendance_views
from portal.live import receivers as live_receivers
from portal.live import recordings as live_recordings
from portal.live import reminders as live_reminders
from portal.live import views as live_views
from portal.privacy import views as privacy_views
from portal.quizzes import views as quizzes_views
from portal.reports import views as reports_views
from portal.surveys import receivers as surveys_receivers
from portal.surveys import services as surveys_services
from portal.surveys import views as surveys_views


def create_app(config: str | type[Config] | None = None, overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the portal for a settings class (or its name), with optional overrides."""
    config_class = config_for(config) if config is None or isinstance(config, str) else config
    app = Flask(__name__, instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.config.from_object(config_class)
    if overrides:
        app.config.update(overrides)
    _refuse_unsafe_production(app, config_class)
    os.makedirs(app.instance_path, exist_ok=True)
    _configure_logging(app)
    _warn_of_per_instance_state(app, config_class)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    connections.init_app(app)
    reads.init_app(app)
    identities.init_app(app)
    _register_migrations(app)
    csrf.init_app(app)
    signatures.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    i18n.init_app(app)
    shells.init_app(app)
    links.init_app(app)
    jobs_queue.init_app(app)
    schedule.init_app(app)
    mail.init_app(app)
    storage.init_app(app)
    security.init_app(app)
    inputs.init_app(app)
    errors.init_app(app)

    access.init_app(app)
    certificate_receivers.init_app(app)
    cohorts_services.init_app(app)
    app.register_blueprint(core.bp)
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(courses_views.bp)
    app.register_blueprint(quizzes_views.bp)
    app.register_blueprint(learning_views.bp)
    app.register_blueprint(certificates_views.bp)
    app.register_blueprint(cohorts_views.bp)
    app.register_blueprint(announcements_views.bp)
    app.register_blueprint(privacy_views.bp)
    app.register_blueprint(discussion_views.bp)
    app.register_blueprint(live_views.bp)
    app.register_blueprint(live_attendance_views.attendance_bp)
    app.register_blueprint(jobs_views.bp)
    app.register_blueprint(reports_views.bp)
    app.register_blueprint(assignments_views.bp)
    app.register_blueprint(surveys_views.bp)
    learning_services.init_app(app, passed_assignments=assignments_services.passed_assignments)
    assignments_views.init_app(app)
    cohorts_reports.set_assignment_results(app, assignments_services.assignment_results)
    cohorts_receivers.init_app(app)
    announcements_receivers.init_app(app)
    discussion_receivers.init_app(app)
    live_receivers.init_app(app)
    surveys_receivers.init_app(app)
    live_attendance.init_app(app, watched_session_ids=live_recordings.watched_session_ids)
    _schedule_jobs(app)
    app.cli.add_command(accounts_cli.users)
    app.cli.add_command(courses_cli.courses)
    app.cli.add_command(cli.setup)
    app.cli.add_command(jobs_cli.worker)
    return app


def _register_migrations(app: Flask) -> None:
    """The `flask db` commands, where they can run: under the flask command, or where the settings ask
    (the tests). Web workers never migrate, and leaving Alembic out saves each of them about 10 MiB."""
    if not (app.config["MIGRATION_COMMANDS"] or click.get_current_context(silent=True)):
        return
    from flask_migrate import Migrate

    Migrate(render_as_batch=True, compare_type=True).init_app(
        app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))


def _schedule_jobs(app: Flask) -> None:
    """The scheduled jobs and the daily digest's sections, in one place: each is one line here."""
    digest.init_app(app)
    digest.add_section(app, "announcements", announcements_services.announcement_digest_items)
    digest.add_section(app, "discussion", discussion_services.reply_digest_items)
    digest.add_section(app, "assignments", assignments_reviewing.review_digest_items)
    schedule.schedule(app, "live.reminders", every=timedelta(minutes=5), run=live_reminders.send_due_reminders)
    schedule.schedule(app, "assignments.reminders", every=timedelta(minutes=15),
                      run=assignments_reminders.send_due_reminders)
    schedule.schedule(app, "jobs.prune", every=timedelta(days=1), run=jobs_services.prune_job_runs)
    schedule.schedule(app, "surveys.follow_ups", every=timedelta(hours=1), run=surveys_services.send_follow_ups)


def _refuse_unsafe_production(app: Flask, config_class: type[Config]) -> None:
    if not issubclass(config_class, ProductionConfig):
        return
    secret = app.config.get("SECRET_KEY") or ""
    if secret == DEVELOPMENT_SECRET_KEY or len(secret) < 32:
        raise RuntimeError(
            "Refusing to start in production without a real SECRET_KEY: set the SECRET_KEY "
            "environment variable to a random string of at least 32 characters, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
    base_url = app.config.get("PORTAL_BASE_URL") or ""
    parts = urlsplit(base_url)
    if base_url.rstrip("/") == DEVELOPMENT_BASE_URL or parts.scheme != "https" or not parts.hostname:
        raise RuntimeError(
            "Refusing to start in production without a public https address: set PORTAL_BASE_URL "
            "to the portal's address, e.g. https://learn.example.org; links in mail and on "
            "certificates are built on it."
        )


def _warn_of_per_instance_state(app: Flask, config_class: type[Config]) -> None:
    """Say at start what a production instance keeps to itself that several instances must share."""
    if not issubclass(config_class, ProductionConfig):
        return
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        app.logger.warning("REDIS_URL is not set: rate limits (logins, sign-ups) are counted in each process "
                           "alone, so several processes or instances allow that many times the attempts.")
    if not app.config["ISSUER_KEY_PATH"]:
        app.logger.warning("ISSUER_KEY_PATH is not set: the key that signs certificates is kept in this instance's "
                           "folder (created there on first use). Several instances need the same key: set "
                           "ISSUER_KEY_PATH on each (see docs/deploy.md).")


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        app.logger.setLevel(logging.INFO)
