"""Events of learning that later packages (certificates) react to."""
from blinker import Namespace

_signals = Namespace()

#: Sent with the new CourseCompletion, once per trainee and course.
course_completed = _signals.signal("course-completed")
