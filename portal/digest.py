"""What a daily digest is made of."""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import LazyString
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class DigestItem:
    #: Lazy text is written in each recipient's language when their digest is.
    heading: str | LazyString
    text: str | LazyString
    url: str
    when: datetime


#: A section of the digest (announcements, replies in discussions...): given a session and the
#: period (since, until], each user's items by user id. Sections are added in create_app
#: (portal.jobs.digest.add_section) and must only read.
DigestSection = Callable[[Session, datetime, datetime], dict[int, list[DigestItem]]]
