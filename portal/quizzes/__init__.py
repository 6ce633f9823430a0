"""Quiz attempts: taking, saving, grading through the question-type registry, reviewing."""
