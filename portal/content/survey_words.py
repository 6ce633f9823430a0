"""The words of the built-in survey templates (portal/content/surveys/*.yaml) and the default Likert labels,
marked for extraction: the files and the stored definitions stay in English (so a survey's fingerprint does
not depend on who made it), and the answer form translates these words for the reader. A test keeps this
list and the files in step."""
from portal.content.messages import N_

BUILT_IN_WORDS = frozenset({
    # course_evaluation.yaml
    N_("End-of-course evaluation"),
    N_("Your answers help the lecturers improve the course. They take two minutes."),
    N_("The course was relevant to my work."),
    N_("The course met its stated learning objectives."),
    N_("The lessons and materials were clear and well organised."),
    N_("The workload of the course was"),
    N_("Too light"),
    N_("About right"),
    N_("Too heavy"),
    N_("How likely are you to recommend this course to a colleague? (0 = not at all, 10 = extremely)"),
    N_("What was most useful to you?"),
    N_("What should we improve?"),
    # edition_evaluation.yaml
    N_("Evaluation of the workshop edition"),
    N_("Tell us how this edition of the workshop went for you."),
    N_("Overall, I am satisfied with this edition of the workshop."),
    N_("The edition was well organised (schedule, communication, support)."),
    N_("The live sessions were useful."),
    N_("I learned from the other participants."),
    N_("How likely are you to recommend this workshop to a colleague? (0 = not at all, 10 = extremely)"),
    N_("Any other comments on the edition?"),
    # follow_up.yaml
    N_("Six months on"),
    N_("Some months ago you completed a course with us. We would like to know what came of it."),
    N_("Have you used what you learned in your work?"),
    N_("Yes, often"),
    N_("Yes, sometimes"),
    N_("Not yet"),
    N_("No"),
    N_("How have you used it? An example helps us most."),
    N_("Where has it made a difference?"),
    N_("A policy, strategy or plan I worked on"),
    N_("A programme or project I manage"),
    N_("Data collection or statistics"),
    N_("Training or advising colleagues"),
    N_("None of these yet"),
    N_("How likely are you to recommend the course to a colleague? (0 = not at all, 10 = extremely)"),
    # the default labels of a Likert question (portal.content.surveyfile.DEFAULT_LIKERT_LABELS)
    N_("Strongly disagree"),
    N_("Disagree"),
    N_("Neither agree nor disagree"),
    N_("Agree"),
    N_("Strongly agree"),
})
