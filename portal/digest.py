"""What a daily digest is made of."""
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DigestItem:
    heading: str
    text: str
    url: str
    when: datetime
