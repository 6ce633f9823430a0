"""The interface languages: one list, each with its catalogue, direction, digits and plurals from Babel."""
from datetime import date

import pytest
from flask import render_template_string
from flask_babel import Domain, force_locale, gettext, lazy_gettext, ngettext
from markupsafe import Markup, escape

from config import LANGUAGES
from portal.accounts.models import Role
from portal.content.languages import RIGHT_TO_LEFT, direction
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, format_date, format_decimal_number, interpolate
from tests.coursefiles import COURSE_YAML, course_files
from tests.test_app import switch_language


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_language_serves_pages_in_its_own_words_and_direction(client, code):
    body = client.get("/login", headers={"Accept-Language": code}).get_data(as_text=True)
    direction = "rtl" if code in {"ar", "fa"} else "ltr"
    assert f'<html lang="{code}" dir="{direction}">' in body
    with force_locale(code):
        assert gettext("Forgot your password?") in body
        assert code == "en" or gettext("Forgot your password?") != "Forgot your password?"


@pytest.mark.parametrize("code", ["fr", "ar"])
def test_error_pages_speak_the_readers_language(client, code):
    headers = {"Accept-Language": code}
    page = client.get("/no/such/page", headers=headers).get_data(as_text=True)
    answer = client.get("/no/such/page", headers={**headers, "Accept": "application/json"}).json
    with force_locale(code):
        title, message = gettext("Page not found"), gettext("There is no page at this address. It may have moved.")
    assert title != "Page not found" and message != "There is no page at this address. It may have moved."
    assert escape(title) in page and escape(message) in page
    assert (answer["error"], answer["message"]) == (title, message)


def test_direction_comes_from_the_locale_data_not_a_list_of_codes():
    assert [code for code in LANGUAGES if direction(code) == "rtl"] == ["ar", "fa"] and RIGHT_TO_LEFT == {"ar", "fa"}
    assert direction("he") == "rtl" and direction("ru") == "ltr" and direction("xx") == "ltr"


def test_the_switch_offers_every_language_named_in_itself(client):
    body = client.get("/").get_data(as_text=True)
    for code, name in {"es": "Español", "ru": "Русский", "pt": "Português", "fa": "فارسی"}.items():
        assert LANGUAGE_NAMES[code] == name
        assert f'value="{code}" lang="{code}" class="link">{name}</button>' in body
    assert len(LANGUAGE_NAMES) == len(LANGUAGES) == 8


def test_persian_writes_dates_and_numbers_in_persian_digits_as_babel_says(app):
    day = date(2026, 12, 2)
    with app.test_request_context():
        with force_locale("fa"):
            assert format_date(day, "long") == "۲ دسامبر ۲۰۲۶"
            assert format_decimal_number(1234.5) == "۱٬۲۳۴٫۵"
            assert render_template_string('{{ day|dateformat("long") }} · {{ 0.5|decimal }}', day=day) == "۲ دسامبر ۲۰۲۶ · ۰٫۵"
        with force_locale("ar"):  # Babel's Arabic uses Western digits
            assert format_date(day, "long") == "2 ديسمبر 2026"
        with force_locale("ru"):
            assert format_decimal_number(1234.5) == "1\xa0234,5"
            assert format_date(day, "long") == "2 декабря 2026\u202fг."
        with force_locale("es"):
            assert format_decimal_number(2.25) == "2,25"
        with force_locale("pt"):
            assert format_date(day, "long") == "2 de dezembro de 2026"


@pytest.mark.parametrize(("code", "counts"), [
    ("ru", {1: "1 курс", 3: "3 курса", 5: "5 курсов", 11: "11 курсов", 21: "21 курс"}),
    ("es", {1: "1 curso", 2: "2 cursos"}),
    ("pt", {1: "1 curso", 2: "2 cursos"}),
    ("fa", {1: "۱ دوره", 7: "۷ دوره", 12: "۱۲ دوره"}),
])
def test_plurals_follow_each_languages_rules(app, code, counts):
    with app.test_request_context(), force_locale(code):
        for number, expected in counts.items():
            assert ngettext("%(num)d course", "%(num)d courses", number) == expected


def test_a_signed_in_choice_is_kept_in_the_profile_for_the_next_session(client, login_as, client_for):
    user = login_as(Role.TRAINEE, language="en")
    switch_language(client, "fa")
    db.session.expire_all()
    assert user.language == "fa"
    elsewhere = client_for(user)  # a new browser: no session choice, only the profile's
    assert '<html lang="fa" dir="rtl">' in elsewhere.get("/").get_data(as_text=True)


def test_an_anonymous_choice_is_kept_for_the_session_only(app, client):
    switch_language(client, "ru")
    assert '<html lang="ru"' in client.get("/courses").get_data(as_text=True)
    assert '<html lang="en"' in app.test_client().get("/courses").get_data(as_text=True)


def test_numbers_filled_into_messages_take_the_languages_digits_and_nothing_else_does(app):
    """Babel says Persian counts in its own digits (arabext) and Arabic, as the portal writes it, in
    Western ones (its default numbering system is latn): the digit tables come from there, not a list."""
    with app.test_request_context():
        with force_locale("fa"):
            assert interpolate("%(num)d of %(total)s · %(share).1f%% · %(code)s · %(year)s", {
                "num": 12, "total": 30, "share": 37.5, "code": "AB-12", "year": "2026"}) == \
                "۱۲ of ۳۰ · ۳۷.۵% · AB-12 · 2026"
            assert interpolate("%(hours)s h", {"hours": 2.5}) == "۲٫۵ h"  # a decimal with the language's sign
            assert interpolate("%(flag)s", {"flag": True}) == "True"
            assert interpolate("%%(num)d", {"num": 3}) == "%(num)d"
            marked = interpolate(Markup("<b>%(num)d</b> %(name)s"), {"num": 4, "name": "<i>"})
            assert isinstance(marked, Markup) and marked == "<b>۴</b> &lt;i&gt;"
            assert gettext("Question %(number)d", number=12) == "پرسش ۱۲"
            assert str(lazy_gettext("Question %(number)d", number=3)) == "پرسش ۳"
            assert render_template_string('{{ _("Question %(number)d", number=n) }} {{ ngettext("%(num)d hour", '
                                          '"%(num)d hours", n) }} <a href="/x/{{ n }}">', n=12) == \
                'پرسش ۱۲ ۱۲ ساعت <a href="/x/12">'
            # figures formatted in templates (rates, scores, counts in tables)
            assert render_template_string("{{ 37.5|decimal(1) }} {{ 40|decimal(0) }} {{ 1200|decimal }}") == "۳۷٫۵ ۴۰ ۱٬۲۰۰"
        with force_locale("ar"):
            assert gettext("Question %(number)d", number=12).endswith("12")
            assert render_template_string('{{ ngettext("%(num)d hour", "%(num)d hours", 12) }}').startswith("12")
        with force_locale("en"):
            assert render_template_string('{{ ngettext("%(num)d hour", "%(num)d hours", 12) }}') == "12 hours"
            assert render_template_string("{{ 37.5|decimal(1) }} {{ 40|decimal(0) }} {{ 1200|decimal }}") == "37.5 40 1,200"


def test_a_persian_page_shows_its_figures_in_persian_digits_where_english_shows_western_ones(client, make_course):
    make_course(course_files({"course.yaml": COURSE_YAML.replace("estimated_hours: 2", "estimated_hours: 12")}))
    english = client.get("/courses", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "12 hours" in english and "1 course" in english
    persian = client.get("/courses", headers={"Accept-Language": "fa"}).get_data(as_text=True)
    assert "۱۲ ساعت" in persian and "۱ دوره" in persian and "12 ساعت" not in persian
    assert 'href="/courses/test-course"' in persian  # addresses keep their own characters


def test_a_request_finds_its_translations_once_and_obeys_force_locale(app, client, monkeypatch):
    found = []
    looked_up = Domain.get_translations

    def counted(self):
        found.append(1)
        return looked_up(self)

    monkeypatch.setattr(Domain, "get_translations", counted)
    body = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="fr"' in body and "Mot de passe oublié ?" in body.replace("\u202f", " ")
    assert len(found) == 1, "every message of the page was translated with the translations found first"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        french = gettext("Forgot your password?")
        assert french != "Forgot your password?"
        with force_locale("ar"):
            assert gettext("Forgot your password?") not in (french, "Forgot your password?")
            assert render_template_string("{{ _('Forgot your password?') }}") == gettext("Forgot your password?")
        assert gettext("Forgot your password?") == french
        assert render_template_string("{{ _('Forgot your password?') }}") == french
