"""Pages of assignments: the trainee's page (instructions, rubric, draft, submit) and the reviewers'."""
from flask import Blueprint

from portal.assignments import models  # noqa: F401  (the tables the routes below read and write)

bp = Blueprint("assignments", __name__, template_folder="templates")
