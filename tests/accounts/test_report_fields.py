"""The profile fields the yearly report counts: type of organisation, year of birth, and "prefer not to say"."""
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Gender, OrganisationType, Role, User
from portal.extensions import db
from tests.accounts.test_accounts import SIGNUP


def test_sign_up_keeps_the_type_of_organisation_and_the_year_of_birth(client):
    response = client.submit("/signup", {**SIGNUP, "organisation_type": "research", "birth_year": "1988"})
    assert response.headers["Location"] == "/signup/check-mail"
    user = db.session.scalar(select(User))
    assert (user.organisation_type, user.birth_year) == (OrganisationType.RESEARCH, 1988)


def test_every_report_field_may_be_left_unsaid(client):
    """Country, gender, type of organisation and year of birth: each has "prefer not to say" or may stay empty."""
    page = client.get("/signup").get_data(as_text=True)
    assert page.count("Prefer not to say") >= 3
    for label in ("Government ministry or agency", "Research institute", "University", "Private sector",
                  "International organisation", "Non-governmental organisation (NGO)", "Other"):
        assert label in page
    form = {**SIGNUP, "country": "", "gender": "not_stated", "organisation_type": "not_stated", "birth_year": ""}
    assert client.submit("/signup", form).headers["Location"] == "/signup/check-mail"
    user = db.session.scalar(select(User))
    assert (user.country, user.gender, user.organisation_type, user.birth_year) == (
        None, Gender.NOT_STATED, OrganisationType.NOT_STATED, None)


@pytest.mark.parametrize("year", ["1899", str(datetime.now(UTC).year - 9), "nineteen", "1e3"])
def test_an_implausible_year_of_birth_is_refused_and_the_form_keeps_the_rest(client, year):
    response = client.submit("/signup", {**SIGNUP, "birth_year": year})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Selam Bekele" in page and "Ministry of Innovation and Technology" in page
    assert db.session.scalar(select(User)) is None


def test_the_profile_changes_the_type_of_organisation_and_clears_the_year_of_birth(client, login_as):
    user = login_as(Role.TRAINEE, birth_year=1970)
    form = {**SIGNUP, "email": user.email, "organisation_type": "ngo", "birth_year": "", "country": ""}
    assert client.submit("/profile", form).status_code == 302
    db.session.refresh(user)
    assert (user.organisation_type, user.birth_year, user.country) == (OrganisationType.NGO, None, None)
    assert re.search(r"<option selected value=\"ngo\"|<option value=\"ngo\" selected", client.get("/profile").get_data(as_text=True))


def test_the_database_refuses_a_year_of_birth_out_of_range(make_user):
    user = make_user()
    user.birth_year = 1850
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_privacy_notice_says_only_aggregates_leave_the_portal(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "What is reported to sponsors" in page
    assert "Only these totals leave the portal" in page
    assert "type of organisation" in page and "year of birth" in page


def test_a_deleted_account_loses_its_report_fields(client, login_as):
    from portal.privacy.services import delete_account

    user = login_as(Role.TRAINEE, organisation_type=OrganisationType.UNIVERSITY, birth_year=1990)
    delete_account(user)
    db.session.commit()
    db.session.refresh(user)
    assert (user.organisation_type, user.birth_year) == (OrganisationType.NOT_STATED, None)
