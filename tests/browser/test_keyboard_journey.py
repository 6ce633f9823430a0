"""A trainee who uses no mouse signs up, enrols, reads a lesson and takes a quiz with the keyboard alone,
and can see where the focus is at every step."""
import re

from playwright.sync_api import expect

from tests.browser.test_trainee_journey import PASSED

#: What the focused element is, and whether its focus can be seen: the focus ring of the stylesheet
#: (:focus-visible, at least 2px of outline) on an element that is on screen.
FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const label = el.labels && el.labels.length ? el.labels[0].textContent : '';
  return {
    text: (el.value && el.type !== 'text' && el.type !== 'email' && el.type !== 'password' ? el.value : el.textContent).trim(),
    label: label.trim(), tag: el.tagName, type: el.type || '',
    visible: el === document.body || (el.matches(':focus-visible') && style.outlineStyle !== 'none'
             && parseFloat(style.outlineWidth) >= 2 && box.width > 0 && box.height > 0
             && box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth),
  };
}"""


def tab_to(page, wanted, limit: int = 80) -> dict:
    """Press Tab until the focused element is the wanted one (a function of FOCUS's answer); every element
    the focus passes must show it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        assert focus["visible"], f"the focus cannot be seen on {focus}"
        if wanted(focus):
            return focus
    raise AssertionError(f"Tab never reached the element after {limit} presses")


def named(text: str):
    return lambda focus: focus["text"] == text or focus["label"] == text


def labelled(text: str):
    return lambda focus: focus["label"].startswith(text)


def activate(page, wanted) -> None:
    """Tab to a link or button and press Enter on it, waiting for the page it opens."""
    tab_to(page, wanted)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def fill(page, label: str, text: str) -> None:
    tab_to(page, labelled(label))
    page.keyboard.type(text)


def skip_to_content(page) -> None:
    """The first Tab on a page reaches the skip link; Enter puts the focus at the start of the content."""
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS)["text"] == "Skip to content" and page.evaluate(FOCUS)["visible"]
    page.keyboard.press("Enter")


#: The test course's questions (asked in a shuffled order) and their right answers.
ANSWERS = {
    "Which manual defines R&D?": "Frascati",
    "Which are funding instruments?": {"Grants", "Loans"},
    "GERD counts R&D performed in a country.": "True",
    "Name the OECD manual on innovation surveys.": "Oslo",
    "GERD is 2 and GDP is 400. What is GERD/GDP in percent?": "0.5",
}
QUESTION = "document.activeElement.closest('fieldset') ? document.activeElement.closest('fieldset').textContent : ''"
CHOICE = "document.activeElement.closest('label') ? document.activeElement.closest('label').textContent.trim() : ''"


def answer_the_quiz(page) -> None:
    """Tab through the questions: arrow keys and the space bar choose, typing fills, Enter submits."""
    answered = set()
    for _ in range(80):
        focus = tab_to(page, lambda focus: True, limit=1)
        if focus["text"] == "Submit for grading":
            break
        question = next((text for text in ANSWERS if text in page.evaluate(QUESTION)), None)
        if question is None:
            continue
        wanted = ANSWERS[question]
        if focus["type"] == "radio":
            for _step in range(6):
                if page.evaluate(CHOICE) == wanted:
                    page.keyboard.press("Space")
                    answered.add(question)
                    break
                page.keyboard.press("ArrowDown")
                assert page.evaluate(FOCUS)["visible"]
        elif focus["type"] == "checkbox":
            if page.evaluate(CHOICE) in wanted:
                page.keyboard.press("Space")
                answered.add(question)
        elif focus["tag"] == "INPUT":
            page.keyboard.type(str(wanted))
            answered.add(question)
    assert answered == set(ANSWERS)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_trainee_does_the_whole_journey_with_the_keyboard(page, make_course, smtp_server):
    make_course()
    page.goto("/")
    activate(page, named("Sign up"))

    skip_to_content(page)
    fill(page, "Full name", "Abebe Kebede")
    fill(page, "Email", "abebe@example.org")
    fill(page, "Password", "highlands coffee 2026")
    fill(page, "Repeat the password", "highlands coffee 2026")
    tab_to(page, labelled("Country"))
    page.keyboard.type("Ethiopia")  # a closed list picks the option whose name is typed
    assert page.evaluate("document.activeElement.value") == "ET"
    activate(page, named("Create my account"))
    assert "Check your mail" in page.content()

    [link] = re.findall(r"http://127\.0\.0\.1:\d+/signup/confirm/\S+", smtp_server.last_to("abebe@example.org").get_content())
    page.goto(link)  # opened from the mail
    activate(page, named("Confirm my address"))
    assert "Your account is ready" in page.content()

    activate(page, named("Courses"))
    skip_to_content(page)
    activate(page, named("Testing STI policy"))
    activate(page, named("Enrol"))
    assert "You are enrolled" in page.content()  # and the first lesson is open
    assert page.get_by_role("heading", name="What is R&D?").is_visible()
    skip_to_content(page)
    activate(page, named("Mark as complete"))
    assert page.get_by_role("heading", name="Funding R&D").is_visible()  # the next lesson

    skip_to_content(page)
    activate(page, named("Mark as complete"))  # the module's quiz comes next
    activate(page, named("Start the quiz"))
    skip_to_content(page)
    answer_the_quiz(page)
    expect(page.get_by_text(PASSED)).to_be_visible()
