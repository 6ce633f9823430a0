"""The shipped M49 and country-group dataset: complete for ISO 3166-1, dated, sourced, and right where we can check."""
from datetime import date

import pycountry
import pytest

from portal.reports.countries import GROUPS, dataset


def test_every_iso_country_has_a_place_and_every_place_is_an_iso_country():
    codes = {country.alpha_2 for country in pycountry.countries}
    assert set(dataset().places) == codes
    for place in dataset().places.values():
        assert place.m49 == pycountry.countries.get(alpha_2=place.code).numeric
        if place.code != "AQ":
            assert place.region in {"002", "019", "142", "150", "009"}, place
            assert place.subregion in dataset().names, place


def test_the_dataset_states_its_sources_and_its_date():
    data = dataset()
    assert set(data.sources) == {"regions", *GROUPS}
    assert "unstats.un.org/unsd/methodology/m49" in data.sources["regions"]
    assert all("un.org/ohrlls" in data.sources[group] for group in GROUPS)
    assert date(2024, 1, 1) <= data.as_of <= date.today()


def test_the_lists_have_the_sizes_the_un_gives_at_the_date():
    data = dataset()
    assert len(data.members("LDC")) == 44
    assert len(data.members("LLDC")) == 32
    assert len(data.members("SIDS")) == 57  # 39 UN Member States and 18 associate members of regional commissions


@pytest.mark.parametrize(("code", "region", "subregion", "groups"), [
    ("BI", "002", "202", {"LDC", "LLDC"}),
    ("ET", "002", "202", {"LDC", "LLDC"}),
    ("DZ", "002", "015", set()),
    ("BT", "142", "034", {"LLDC"}),          # left the LDC list on 13 December 2023
    ("ST", "002", "202", {"SIDS"}),          # left the LDC list on 13 December 2024
    ("VU", "009", "054", {"SIDS"}),          # left the LDC list on 4 December 2020
    ("HT", "019", "419", {"LDC", "SIDS"}),
    ("PY", "019", "419", {"LLDC"}),
    ("SG", "142", "035", {"SIDS"}),
    ("KZ", "142", "143", {"LLDC"}),
    ("MK", "150", "039", {"LLDC"}),
    ("FR", "150", "155", set()),
    ("US", "019", "021", set()),
    ("AU", "009", "053", set()),
])
def test_known_places(code, region, subregion, groups):
    place = dataset().place(code)
    assert (place.region, place.subregion, set(place.groups)) == (region, subregion, groups)


def test_names_in_english_are_the_uns_and_other_languages_get_cldrs():
    data = dataset()
    assert data.name("419") == "Latin America and the Caribbean"
    assert data.name("202", "fr") == "Afrique subsaharienne"
    assert data.name("002", "ar") == "أفريقيا"
    assert data.place(None) is None and data.place("XX") is None
