"""An assignment shows where trainees plan their work: in the course page's syllabus (a part cached per
revision and language) and in the outline a lesson page walks."""
from tests.assignments.conftest import PAGE


def test_the_syllabus_lists_the_assignment_in_its_module_for_everyone(client, client_for, people, cohort):
    for reader in (client, client_for(people["amina"]), client_for(people["bilal"])):
        page = reader.get("/courses/test-course").get_data(as_text=True)
        syllabus = page[page.index('class="syllabus"'):]
        measuring = syllabus[syllabus.index("Measuring"):]
        assert "Assignment:" in measuring and "A note on your country" in measuring
        assert "Assignment:" not in syllabus[:syllabus.index("Measuring")]


def test_the_outline_leads_from_the_module_s_last_lesson_to_the_assignment(client_for, people, cohort):
    page = client_for(people["amina"]).get("/learn/test-course/lessons/surveys").get_data(as_text=True)
    assert f'href="{PAGE}"' in page
    assert 'rel="next" href="' + PAGE + '"' in page
