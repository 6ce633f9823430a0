"""Events of learning that later packages (certificates) react to."""
from blinker import Namespace

_signals = Namespace()

#: Sent with the new CourseCompletion, once per trainee and course.
course_completed = _signals.signal("course-completed")

# The panels of a lesson page and of "My learning" are not signals: see portal.learning.panels and
# portal.learning.dashboard (one query for all of them).
