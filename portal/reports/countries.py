"""Country groups sponsors ask about: UN M49 region and sub-region, and membership of the UN lists of
least developed countries (LDC), landlocked developing countries (LLDC) and small island developing
States (SIDS). The data ships in data/m49.json with its sources and the date it was true; no Flask here."""
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel import Locale

DATA_FILE = Path(__file__).parent / "data" / "m49.json"
#: The lists sponsors ask about, in the order reports show them.
GROUPS = ("LDC", "LLDC", "SIDS")


@dataclass(frozen=True)
class CountryPlace:
    """Where a country stands in M49 and in the UN lists."""

    code: str
    m49: str
    region: str | None
    subregion: str | None
    groups: frozenset[str]


@dataclass(frozen=True)
class Dataset:
    as_of: date
    sources: dict[str, str]
    names: dict[str, str]
    places: dict[str, CountryPlace]

    def place(self, code: str | None) -> CountryPlace | None:
        return self.places.get(code) if code else None

    def name(self, m49: str, locale: str = "en") -> str:
        """A region's name: the UN's own in English, CLDR's in other languages where it has one."""
        if locale.split("_")[0] != "en":
            translated = Locale.parse(locale).territories.get(m49)
            if translated:
                return translated
        return self.names.get(m49, m49)

    def members(self, group: str) -> set[str]:
        return {code for code, place in self.places.items() if group in place.groups}


@cache
def dataset() -> Dataset:
    """The shipped dataset, read once."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    places = {
        code: CountryPlace(code, entry["m49"], entry.get("region"), entry.get("subregion"),
                           frozenset(entry.get("groups", ())))
        for code, entry in raw["countries"].items()
    }
    return Dataset(date.fromisoformat(raw["as_of"]), raw["source"], raw["names"], places)
