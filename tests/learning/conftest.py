"""Fixtures the trainee's pages share."""
import pytest

from portal.accounts.models import Role
from tests.coursefiles import french_course_files


@pytest.fixture
def translated(client, make_course, login_as):
    """The test course with its French translation (the lesson "funding" is not translated), and a trainee
    enrolled in it."""
    make_course(french_course_files())
    user = login_as(Role.TRAINEE)
    client.submit("/courses/test-course/enrol", page="/courses/test-course")
    return user
