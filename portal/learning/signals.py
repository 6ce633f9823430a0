"""Events of learning that later packages (certificates) react to."""
from blinker import Namespace

_signals = Namespace()

#: Sent with the new CourseCompletion, once per trainee and course.
course_completed = _signals.signal("course-completed")

#: Sent with the user when their dashboard is built; each receiver may return a Markup panel
#: (certificates list theirs), so later packages add to the page without learning importing them.
dashboard_viewed = _signals.signal("dashboard-viewed")

# A lesson page's panels are not a signal: see portal.learning.panels (one query for all of them).
