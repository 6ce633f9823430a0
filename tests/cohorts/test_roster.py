"""Reading roster files: every row checked, every problem with its line, whole-file errors made plain."""
import pytest

from portal.accounts.models import Gender
from portal.cohorts.roster import RosterError, read_roster

HEADER = "name,email,country,organisation,gender,language\n"


def test_a_good_roster_is_read_with_names_codes_and_defaults():
    roster = read_roster((HEADER + "Amina Haddad,Amina@Example.org,Algeria,Ministry,F,Français\n"
                          "Tek Lim,tek@example.org,TL,,,\n").encode())
    first, second = roster.rows
    assert (first.email, first.country, first.gender, first.language) == ("amina@example.org", "DZ", Gender.FEMALE, "fr")
    assert (second.country, second.gender, second.language) == ("TL", Gender.NOT_STATED, None)
    assert roster.problems == []


def test_every_problem_is_listed_with_its_line():
    roster = read_roster((HEADER + "Good,good@example.org,EG,,male,ar\n"
                          ",not-an-email,Atlantis,,robot,klingon\n"
                          "\n"
                          "Again,GOOD@example.org,EG,,,\n").encode())
    assert roster.problems == [
        (3, "the name is missing"),
        (3, "'not-an-email' is not a valid email address"),
        (3, "unknown country 'Atlantis': use a country name in English or its two-letter ISO code"),
        (3, "unknown gender 'robot': use female, male, other or not_stated"),
        (3, "unknown language 'klingon': use one of en, fr, ar, zh, es, ru, pt, fa"),
        (5, "the email good@example.org is already on line 2"),
    ]
    assert [row.line for row in roster.good_rows] == [2]


def test_semicolons_synonyms_and_a_byte_order_mark_are_understood():
    roster = read_roster("\ufeffNom;E-mail;Pays;Organization;Sex;Langue\nAïcha;a@example.org;Maroc;X;female;fr\n".encode()
                         .replace(b"Maroc", b"MA"))
    assert roster.rows[0].name == "Aïcha" and roster.rows[0].country == "MA"


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"PK\x03\x04\x14\x00\x06\x00", "This is an Excel or zip file, not CSV."),
    (b"%PDF-1.7\n", "This is not a CSV file."),
    ("name,email\nRenée,renee@example.org\n".encode("latin-1"), "The file is not UTF-8 text (line 2"),
    (b"full name,country\nA,DZ\n", "The header line (line 1) lacks the column(s) email."),
    (HEADER.encode(), "The file has a header but no rows."),
])
def test_whole_file_problems_get_a_clear_message(data, message):
    with pytest.raises(RosterError) as caught:
        read_roster(data)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x0b", "\x1b", "\x1f"])
def test_control_characters_anywhere_are_refused_with_their_line(character):
    rows = "".join(f"Trainee {n},t{n}@example.org,DZ,,,\n" for n in range(200))
    data = (HEADER + rows + f"Late,late@example.org,DZ,Min{character}istry,,\n").encode()
    assert len(data) > 4096
    with pytest.raises(RosterError) as caught:
        read_roster(data)
    assert str(caught.value).startswith(f"Line 202 holds a control character (U+{ord(character):04X})")


def test_tabs_and_both_line_endings_are_not_control_problems():
    roster = read_roster((HEADER + "Amina,amina@example.org,DZ,Ministry\tof X,,\r\nTek,tek@example.org,TL,,,\n").encode())
    assert [row.email for row in roster.rows] == ["amina@example.org", "tek@example.org"] and not roster.problems


def test_an_address_mail_servers_cannot_take_is_a_problem_and_a_domain_in_another_script_is_kept_in_ascii(app):
    with app.test_request_context():
        roster = read_roster((HEADER + "José,josé@example.org,,,,\nBettina,bettina@bücher.de,,,,\n").encode())
        assert [(line, str(problem)) for line, problem in roster.problems] == [
            (2, "'josé@example.org' has other characters than unaccented Latin letters, digits and . _ - + before "
                "the @: many mail servers cannot deliver to it")]
    assert [row.email for row in roster.good_rows] == ["bettina@xn--bcher-kva.de"]
