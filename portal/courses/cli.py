"""`flask courses validate|import PATH`, `flask courses copy-files FOLDER`: course files from the shell (in English)."""
import dataclasses
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.audit import record
from portal.content.loader import course_sources
from portal.content.problems import ContentError, Problem
from portal.content.spec import CourseSpec
from portal.courses.importer import import_course, read_spec, upload_limits
from portal.courses.storage import copy_blobs
from portal.extensions import db


@click.group()
def courses() -> None:
    """Validate and import course folders."""


def _within(name: str, problems) -> list[Problem]:
    """Problems with the course folder's name before their file, as the shell user knows it."""
    return [dataclasses.replace(problem, file=f"{name}/{problem.file}") for problem in problems]


def _read_all(path: Path) -> tuple[list[CourseSpec], list[Problem], list[Problem]]:
    """Every course at `path` read and validated: (specs, problems, warnings), each named by its course."""
    try:
        sources = course_sources(path, upload_limits())
    except ContentError as error:
        return [], error.problems, []
    specs: list[CourseSpec] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for name, files in sources:
        try:
            spec = read_spec(files)
        except ContentError as error:
            problems.extend(_within(name, error.problems))
        else:
            specs.append(spec)
            warnings.extend(_within(name, spec.warnings))
    return specs, problems, warnings


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{_count(len(problems), 'problem')} found.", err=True)


def _print_warnings(warnings: list[Problem]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if warnings:
        click.echo(f"{_count(len(warnings), 'warning')}.", err=True)


@courses.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too, as CI should.")
@with_appcontext
def validate_command(path: Path, strict: bool) -> None:
    """Print every problem and warning in the course(s) at PATH, with file and line.

    Exits 1 when there is a problem (the course would not import), or, with --strict, a warning."""
    specs, problems, warnings = _read_all(path)
    _print_warnings(warnings)
    if problems:
        _print_problems(problems)
        raise SystemExit(1)
    for spec in specs:
        click.echo(f"{spec.slug}: valid ({len(spec.modules)} modules, {len(spec.lessons)} lessons, "
                   f"{sum(len(q.questions) for q in spec.quizzes)} questions"
                   + (f", {_count(len(spec.assignments), 'assignment')}" if spec.assignments else "") + ")"
                   + (f", {_count(len(spec.warnings), 'warning')}" if spec.warnings else ""))
        for language, parts in spec.coverage().items():
            click.echo(f"  {language}: " + ", ".join(f"{done} of {total} {part}" for part, (done, total) in parts.items()))
    if strict and warnings:
        click.echo("Failed: --strict allows no warnings.", err=True)
        raise SystemExit(1)


@courses.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Import the course(s) at PATH, all or nothing, publishing each changed course; warnings do not stop it."""
    specs, problems, warnings = _read_all(path)
    _print_warnings(warnings)
    if problems:
        _print_problems(problems)
        click.echo("Nothing was imported.", err=True)
        raise SystemExit(1)
    slugs = [spec.slug for spec in specs]
    if len(set(slugs)) != len(slugs):
        raise click.ClickException("Two course folders use the same slug; nothing was imported.")
    try:
        results = [import_course(spec) for spec in specs]
        for result in results:
            record(None, "course.imported", result.course.slug, revision=result.revision.number,
                   unchanged=result.unchanged)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for result in results:
        state = "unchanged" if result.unchanged else f"published revision {result.revision.number}"
        click.echo(f"{result.course.slug}: {state}")
        for note in result.notes:
            click.echo(f"  note: {note}")


@courses.command("copy-files")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def copy_files_command(folder: Path) -> None:
    """Copy course files from a local folder into the configured storage (e.g. when moving to S3); safe to repeat."""
    copied, left_out = copy_blobs(folder)
    for name in left_out:
        click.echo(f"left out {name}: not a course file kept by its hash, or its bytes do not match it", err=True)
    click.echo(f"{_count(copied, 'file')} in {current_app.config['STORAGE_BACKEND']} storage.")
    if left_out:
        raise SystemExit(1)
