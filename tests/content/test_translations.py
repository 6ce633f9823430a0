"""Courses in several languages, read with the loader alone: translations are found, checked
against the original (same keys, choices and right answers), and graded the same."""
from textwrap import dedent

import pytest

from portal.content.languages import direction
from portal.content.loader import read_course
from portal.content.problems import ContentError
from portal.content.questions import KINDS
from tests.coursefiles import FRENCH, course_files, french_course_files


def problems_of(changes: dict) -> list[str]:
    with pytest.raises(ContentError) as caught:
        read_course(french_course_files(changes))
    return [str(problem) for problem in caught.value.problems]


def french_quiz(old: str, new: str) -> dict:
    assert old in FRENCH["01-basics/quiz.fr.yaml"]
    return {"01-basics/quiz.fr.yaml": FRENCH["01-basics/quiz.fr.yaml"].replace(old, new)}


def test_a_course_declares_its_languages_and_lists_how_complete_each_is():
    spec = read_course(french_course_files())
    assert spec.languages == ["en", "fr"]
    assert spec.translations["fr"]["title"] == "Tester la politique de STI"
    assert spec.coverage() == {"fr": {"modules": [1, 2], "lessons": [1, 3], "questions": [5, 5], "assignments": [0, 0]}}
    assert read_course(course_files()).languages == ["en"]


def test_a_lesson_file_per_language_sits_beside_the_lesson():
    spec = read_course(french_course_files())
    what_is_rd, funding, _ = spec.lessons
    french = what_is_rd.translations["fr"]
    assert french.title == "Qu'est-ce que la R-D ?"
    assert "La politique de la science" in french.html and "Manuel de Frascati" in french.html
    assert what_is_rd.title == "What is R&D?" and "Science, technology" in what_is_rd.html
    assert funding.translations == {}
    assert spec.titles_in("fr") == {"module/basics": "Fondements", "lesson/what-is-rd": "Qu'est-ce que la R-D ?",
                                    "quiz/basics": "Vérifiez vos connaissances"}


def test_a_quiz_translation_gives_words_with_the_same_ids_and_right_answers():
    quiz = read_course(french_course_files()).quizzes[0]
    assert quiz.translations == {"fr": {"title": "Vérifiez vos connaissances"}}
    frascati = quiz.questions[0]
    french = frascati.translations["fr"]
    assert french["text_html"] == "<p>Quel manuel définit la R-D ?</p>\n"
    assert [(c["id"], c["correct"]) for c in french["config"]["choices"]] == [("a", True), ("b", False)]
    assert "Manuel d'Oslo" in french["config"]["choices"][1]["feedback_html"]
    assert "Oslo covers innovation" in frascati.config["choices"][1]["feedback_html"]


@pytest.mark.parametrize(("changes", "message"), [
    (french_quiz("- {id: a, text: Frascati, correct: true}", "- {id: x, text: Frascati, correct: true}"),
     "01-basics/quiz.fr.yaml:3: question 'frascati': its choices or answers differ from the quiz's"),
    (french_quiz("- {text: Prêts, correct: true}", "- {text: Prêts}"),
     "01-basics/quiz.fr.yaml:8: question 'instruments': its choices or answers differ from the quiz's"),
    (french_quiz("answer: true", "answer: false"),
     "01-basics/quiz.fr.yaml:14: question 'gerd': its choices or answers differ from the quiz's"),
    (french_quiz("answers: [Manuel d'Oslo, Oslo]", "answers: [Manuel d'Oslo]"),
     "01-basics/quiz.fr.yaml:17: question 'manual-name': its choices or answers differ from the quiz's"),
    (french_quiz("answer: 0.5", "answer: 0.6"),
     "01-basics/quiz.fr.yaml:20: question 'intensity': its choices or answers differ from the quiz's"),
    (french_quiz("id: gerd", "id: dird"), "01-basics/quiz.fr.yaml:14: question 3: the quiz has no question with the id 'dird'"),
    (french_quiz("id: gerd\n", "id: gerd\n    type: single\n"),
     "01-basics/quiz.fr.yaml:15: question 'gerd': type is single here and true_false in the quiz"),
    (french_quiz("id: gerd\n", "id: gerd\n    points: 3\n"),
     "01-basics/quiz.fr.yaml:15: question 'gerd': points is 3 here and 1.0 in the quiz"),
    ({"01-basics/02-funding.de.md": FRENCH["01-basics/01-what-is-rd.fr.md"]},
     "01-basics/02-funding.de.md: the language 'de' is not among the translations course.yaml declares"),
    ({"01-basics/09-missing.fr.md": FRENCH["01-basics/01-what-is-rd.fr.md"]},
     "01-basics/09-missing.fr.md: a translated lesson sits beside its lesson, which is missing: 09-missing.md"),
    ({"02-measuring/quiz.fr.yaml": FRENCH["01-basics/quiz.fr.yaml"]},
     "02-measuring/quiz.fr.yaml: a quiz translation needs the module's quiz, which is missing"),
    ({"course.yaml": FRENCH["course.yaml"] + "  en: {title: Again, summary: Again.}\n"},
     "course.yaml:12: 'en' is the course's own language, not a translation"),
    ({"course.yaml": FRENCH["course.yaml"] + "  tlh: {title: Q, summary: Q.}\n"},
     "course.yaml:12: translation language 'tlh' must be one of en, fr, ar, zh, es, ru, pt, fa"),
    ({"01-basics/module.yaml": "title: Foundations\ntranslations:\n  ar: {title: أسس}\n"},
     "01-basics/module.yaml:3: the language 'ar' is not among the translations course.yaml declares"),
    ({"course.yaml": FRENCH["course.yaml"].replace("    summary: Un cours", "    resume: Un cours")},
     "course.yaml:11: unknown field 'resume'"),
    ({"01-basics/01-what-is-rd.fr.md": "---\ntitle: R-D\nminutes: 3\n---\n\nTexte.\n"},
     "01-basics/01-what-is-rd.fr.md:3: unknown field 'minutes'"),
])
def test_validation_reports_a_translation_that_differs_from_the_original(changes, message):
    found = problems_of(changes)
    assert any(problem.startswith(message) for problem in found), found


def test_translated_objectives_match_the_original_one_for_one():
    course = french_course_files({"course.yaml": FRENCH["course.yaml"].replace("translations:", "objectives:\n"
                                  "  - Explain R&D\n  - Compare instruments\n  - Use surveys\ntranslations:")
                                  + "    objectives:\n      - Expliquer la R-D\n      - Comparer les instruments\n"
                                  + "      - Utiliser les enquêtes\n      - Une de trop\n"})
    with pytest.raises(ContentError) as caught:
        read_course(course)
    assert any("the translation lists 4 objectives and the original 3" in str(p) for p in caught.value.problems)


def test_grading_is_the_same_whatever_the_language_the_question_was_read_in():
    questions = {q.key: q for q in read_course(french_course_files()).quizzes[0].questions}
    for key, right, wrong in (("frascati", "a", "b"), ("instruments", ["a", "b"], ["c"]), ("gerd", "true", "false"),
                              ("intensity", "0.5", "7")):
        question = questions[key]
        for config in (question.config, question.translations["fr"]["config"]):
            assert KINDS[question.type].judge(config, question.points, right).is_correct
            assert not KINDS[question.type].judge(config, question.points, wrong).is_correct
    manual = questions["manual-name"]
    for config in (manual.config, manual.translations["fr"]["config"]):
        for answer in ("Oslo Manual", "manuel d'oslo", " Oslo "):
            assert KINDS["short_text"].judge(config, 1, answer).is_correct, (config, answer)
        assert not KINDS["short_text"].judge(config, 1, "Manuel de Frascati").is_correct


def test_short_text_takes_each_answer_in_any_language_with_its_weight_and_feedback():
    quiz = """\
        title: Quiz
        pass_mark: 70
        attempts: 0
        questions:
          - id: manual
            type: short_text
            text: Name the manual.
            answers:
              - Oslo Manual
              - {text: OECD, weight: 25, feedback: "Which one?"}
              - {text: "*", weight: 0, feedback: Think of innovation.}
        """
    french = """\
        questions:
          - id: manual
            text: Nommez le manuel.
            answers:
              - Manuel d'Oslo
              - {text: OCDE, weight: 25, feedback: "Lequel ?"}
              - {text: "*", weight: 0, feedback: Pensez à l'innovation.}
        """
    spec = read_course(french_course_files({"01-basics/quiz.yaml": dedent(quiz), "01-basics/quiz.fr.yaml": dedent(french)}))
    question = spec.quizzes[0].questions[0]
    english, in_french = question.config, question.translations["fr"]["config"]
    assert KINDS["short_text"].judge(english, 4, "OCDE").score == 1
    judged = KINDS["short_text"].judge(in_french, 4, "OECD")
    assert judged.score == 1 and judged.feedback == ("<p>Lequel ?</p>\n",)
    assert KINDS["short_text"].judge(in_french, 4, "Oslo Manual").is_correct
    assert KINDS["short_text"].judge(english, 4, "Frascati").score == 0


@pytest.mark.parametrize(("language", "expected"), [
    ("ar", "rtl"), ("fa", "rtl"), ("he", "rtl"), ("ur", "rtl"), ("fa-IR", "rtl"), ("ar_EG", "rtl"),
    ("en", "ltr"), ("fr", "ltr"), ("zh", "ltr"), ("ru", "ltr"), ("es", "ltr"), ("pt", "ltr"),
])
def test_the_direction_of_a_language_comes_from_one_place(language, expected):
    assert direction(language) == expected


@pytest.mark.parametrize("changes", [
    {"course.yaml": FRENCH["course.yaml"].replace("translations:\n  fr:", "translations: [fr]\nx:\n  fr:")},
    {"course.yaml": FRENCH["course.yaml"] + "  5: {title: x}\n  ar: [x]\n"},
    {"course.yaml": FRENCH["course.yaml"] + "  ar: {title: [x], summary: {a: b}, objectives: 3}\n"},
    {"01-basics/module.yaml": "title: Foundations\ntranslations: 7\n"},
    {"01-basics/module.yaml": "title: Foundations\ntranslations:\n  fr: [x]\n"},
    {"01-basics/quiz.fr.yaml": "questions: [5, {id: [x]}, {id: frascati, choices: 3}, {id: gerd, answer: maybe}]\n"},
    {"01-basics/quiz.fr.yaml": "- just\n- a list\n"},
    {"01-basics/quiz.fr.yaml": b"\xff\xfe\x00not utf-8"},
    {"01-basics/01-what-is-rd.fr.md": b"---\ntitle: \x00\n---\n\n\x00"},
    {"01-basics/01-what-is-rd.fr.md": "no front matter"},
])
def test_hostile_translations_are_problems_not_crashes(changes):
    assert problems_of(changes)


def test_a_nul_byte_in_front_matter_is_a_problem_with_its_line():
    found = problems_of({"01-basics/01-what-is-rd.md": b"---\ntitle: \x00\nminutes: 1\n---\n\nText."})
    assert ("01-basics/01-what-is-rd.md:2: this text holds the character U+0000, a control character or an unpaired "
            "surrogate, which course text may not hold; remove it") in found
