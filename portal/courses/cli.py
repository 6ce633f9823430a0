"""`flask courses validate|import PATH`: course files from the shell (in English)."""
import dataclasses
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.audit import record
from portal.content.loader import course_sources
from portal.content.problems import ContentError, Problem
from portal.content.spec import CourseSpec
from portal.courses.importer import import_course, read_spec, upload_limits
from portal.extensions import db


@click.group()
def courses() -> None:
    """Validate and import course folders."""


def _read_all(path: Path):
    """Every course at `path` read and validated; (specs, problems with the course's name)."""
    try:
        sources = course_sources(path, upload_limits())
    except ContentError as error:
        return [], error.problems
    specs: list[CourseSpec] = []
    problems: list[Problem] = []
    for name, files in sources:
        try:
            specs.append(read_spec(files))
        except ContentError as error:
            problems.extend(dataclasses.replace(p, file=f"{name}/{p.file}") for p in error.problems)
    return specs, problems


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.", err=True)


@courses.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def validate_command(path: Path) -> None:
    """Print every problem in the course(s) at PATH, with file and line; exit 1 if any."""
    specs, problems = _read_all(path)
    if problems:
        _print_problems(problems)
        raise SystemExit(1)
    for spec in specs:
        click.echo(f"{spec.slug}: valid ({len(spec.modules)} modules, {len(spec.lessons)} lessons, "
                   f"{sum(len(q.questions) for q in spec.quizzes)} questions)")


@courses.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def import_command(path: Path) -> None:
    """Import the course(s) at PATH, all or nothing, publishing each changed course."""
    specs, problems = _read_all(path)
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
