"""The built-in survey templates are read in the trainee's language; what is stored stays in English."""
from pathlib import Path

import yaml
from sqlalchemy import select

from portal.content.survey_words import BUILT_IN_WORDS
from portal.content.surveyfile import DEFAULT_LIKERT_LABELS, TEMPLATES_FOLDER
from portal.extensions import db
from portal.surveys import services
from portal.surveys.models import Survey
from tests.surveys.conftest import GOOD_ANSWERS, complete

URL = "/courses/test-course/evaluation"


def words_of(path: Path) -> set[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = {data["title"], data.get("introduction") or ""}
    for question in data["questions"]:
        found |= {question["text"], *question.get("choices", []), *question.get("labels", [])}
    return found - {""}


def test_every_word_of_the_built_in_templates_is_marked_for_translation():
    in_files = set().union(*(words_of(path) for path in TEMPLATES_FOLDER.glob("*.yaml")))
    assert in_files | set(DEFAULT_LIKERT_LABELS) == BUILT_IN_WORDS


def test_a_french_trainee_reads_the_built_in_evaluation_in_french(setting, client_for):
    trainee = setting.trainees[0]
    trainee.language = "fr"
    db.session.commit()
    complete(trainee, setting.course)
    client = client_for(trainee)
    assert "Évaluation de fin de cours" in client.get("/dashboard").get_data(as_text=True)
    page = client.get(URL).get_data(as_text=True)
    assert "<title>Évaluation de fin de cours" in page and "<h1>Évaluation de fin de cours</h1>" in page
    assert "Vos réponses aident les enseignants à améliorer le cours." in page
    assert "Le cours était pertinent pour mon travail." in page and "Tout à fait d&#39;accord" in page
    assert "La charge de travail du cours était" in page and "Trop légère" in page
    assert "The course was relevant to my work." not in page and "Strongly agree" not in page
    client.submit(URL, GOOD_ANSWERS)
    survey = db.session.scalar(select(Survey))
    key, definition = services.course_survey(setting.course)
    assert survey.key == key and survey.title == "End-of-course evaluation", "stored as the template gives it"
    assert survey.definition == definition and definition["questions"][0]["text"] == "The course was relevant to my work."


def test_persian_and_arabic_trainees_read_it_in_their_language(setting, client_for):
    for trainee, language, words in ((setting.trainees[0], "fa", "این دوره با کار من مرتبط بود."),
                                     (setting.trainees[1], "ar", "كانت الدورة التدريبية ذات صلة بعملي.")):
        trainee.language = language
        db.session.commit()
        complete(trainee, setting.course)
        assert words in client_for(trainee).get(URL).get_data(as_text=True)
