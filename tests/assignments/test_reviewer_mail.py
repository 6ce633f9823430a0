"""Reviewers are told of work handed in to them (at once, or in their daily digest), and of a second review asked for."""
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.mailing import choose_delivery
from portal.accounts.models import MailDelivery
from portal.assignments.models import Submission
from portal.extensions import db
from portal.jobs.digest import send_daily_digests
from portal.mail import MailKind
from tests.assignments.test_reviewing import hand_in


def recipients(smtp_server) -> list[str]:
    return sorted(message["To"] for message in smtp_server.messages)


def test_handing_in_mails_the_lecturers_and_the_cohorts_coordinators_only(client_for, people, cohort, smtp_server):
    submission = hand_in(client_for(people["amina"]))
    assert recipients(smtp_server) == ["carmen@example.org", "lena@example.org"]
    mail = smtp_server.last_to("lena@example.org")
    assert mail["Subject"] == "Work to review: A note on your country's R&D funding"
    assert "Amina Diallo handed in version 1" in mail.get_content()
    assert f"/reviews/{submission.id}" in mail.get_content() and "List-Unsubscribe" in str(mail)


def test_a_resubmission_is_mailed_again(client_for, people, cohort, smtp_server):
    from tests.assignments.test_reviewing import review

    trainee, staff = client_for(people["amina"]), client_for(people["lecturer"])
    review(staff, hand_in(trainee), 0, 0, "revise", "Again.")
    hand_in(trainee, "Second version.")
    assert "version 2" in smtp_server.last_to("carmen@example.org").get_content()


def test_a_reviewer_who_chose_the_digest_finds_the_work_there_once_a_day(client_for, people, cohort, smtp_server):
    choose_delivery(people["lecturer"], MailKind.REVIEW_REQUEST, MailDelivery.DAILY)
    db.session.commit()
    client_for(people["lecturer"])  # the digest goes to someone who still has an account and wants digests
    submission = hand_in(client_for(people["amina"]))
    assert recipients(smtp_server) == ["carmen@example.org"]
    next_day = submission.submitted_at.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    assert send_daily_digests(next_day) == 1
    assert send_daily_digests(next_day) == 0, "once a day"
    digest = smtp_server.last_to("lena@example.org")
    assert "Work to review: A note on your country's R&D funding" in digest.get_content()
    assert "Amina Diallo handed in version 1." in digest.get_content()
    assert f"/reviews/{submission.id}" in digest.get_content()


def test_the_digest_choice_is_on_the_profile_of_reviewers_only(client, client_for, people):
    page = client_for(people["lecturer"]).get("/profile").get_data(as_text=True)
    assert "Work handed in for me to review arrives" in page
    assert "Work handed in for me to review arrives" not in client_for(people["amina"]).get("/profile").get_data(as_text=True)
    client_for(people["lecturer"]).submit("/profile/mail", {"kinds": ["review_request", "digest"],
                                                            "announcement_delivery": "immediate",
                                                            "review_delivery": "daily"})
    from portal.accounts.mailing import delivery_of
    db.session.expire_all()
    assert delivery_of(people["lecturer"], MailKind.REVIEW_REQUEST) == MailDelivery.DAILY


def test_asking_for_a_second_review_mails_the_other_reviewers(client_for, people, cohort, smtp_server):
    # Asked of her now: mailed even though she gathers new work in her digest.
    choose_delivery(people["coordinator"], MailKind.REVIEW_REQUEST, MailDelivery.DAILY)
    db.session.commit()
    submission = hand_in(client_for(people["amina"]))
    smtp_server.messages.clear()
    client_for(people["lecturer"]).submit(f"/reviews/{submission.id}", {
        "criterion-evidence": 2, "criterion-recommendations": 1, "comment": "", "ask_second": "y", "passed": "x"})
    from portal.mail import wait_for_mail
    wait_for_mail()
    assert recipients(smtp_server) == ["carmen@example.org"]
    mail = smtp_server.last_to("carmen@example.org")
    assert mail["Subject"] == "A second review is asked for: A note on your country's R&D funding"
    assert "Lena Lecturer asks for a second review" in mail.get_content()
    assert db.session.scalar(select(Submission.status)) == "second_review"


def test_a_lecturer_no_longer_in_a_reviewing_role_is_not_mailed(client_for, people, cohort, smtp_server):
    from portal.accounts.models import Role

    people["lecturer"].role = Role.TRAINEE
    db.session.commit()
    hand_in(client_for(people["amina"]))
    assert recipients(smtp_server) == ["carmen@example.org"]


def test_a_demoted_lecturer_finds_no_work_in_the_digest(client_for, people, cohort, smtp_server):
    from portal.accounts.models import Role

    choose_delivery(people["lecturer"], MailKind.REVIEW_REQUEST, MailDelivery.DAILY)
    db.session.commit()
    client_for(people["lecturer"])
    submission = hand_in(client_for(people["amina"]))
    people["lecturer"].role = Role.TRAINEE
    db.session.commit()
    next_day = submission.submitted_at.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    send_daily_digests(next_day)
    assert "lena@example.org" not in recipients(smtp_server)
