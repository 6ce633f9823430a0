"""Events other packages react to without quizzes importing them."""
from blinker import Namespace

_signals = Namespace()

#: Sent with the graded attempt once, when it is submitted.
attempt_graded = _signals.signal("attempt-graded")
