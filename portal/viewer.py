"""Who is looking at a page, as plain values taken when their account is loaded: what the layout
needs (signed in or not, name, roles, language), so that an error page can be drawn for them
without asking the database again, even when the database is what failed."""
from dataclasses import dataclass
from typing import Protocol

from flask import g, session


class Account(Protocol):
    id: int
    name: str
    language: str

    @property
    def is_admin(self) -> bool: ...

    @property
    def is_staff(self) -> bool: ...

    @property
    def can_teach(self) -> bool: ...


@dataclass(frozen=True)
class Viewer:
    """A stand-in for the signed-in user on error pages; it answers what base.html asks."""

    is_authenticated: bool = False
    id: int | None = None
    name: str = ""
    language: str = ""
    is_admin: bool = False
    is_staff: bool = False
    can_teach: bool = False

    @property
    def is_active(self) -> bool:
        return self.is_authenticated

    @property
    def is_anonymous(self) -> bool:
        return not self.is_authenticated

    def get_id(self) -> str | None:
        return None if self.id is None else str(self.id)


ANONYMOUS = Viewer()


def remember_viewer(account: Account) -> None:
    """Keep what the layout needs about the account just loaded or signed in, for this request."""
    g.viewer = Viewer(is_authenticated=True, id=account.id, name=account.name, language=account.language,
                      is_admin=account.is_admin, is_staff=account.is_staff, can_teach=account.can_teach)


def remembered_viewer() -> Viewer | None:
    """The viewer kept for this request, if their account was loaded."""
    viewer = g.get("viewer")
    return viewer if isinstance(viewer, Viewer) else None


def unverified_viewer() -> Viewer:
    """Someone whose account could not be loaded: signed in as far as the session says, roles unknown."""
    if session.get("_user_id") is None:
        return ANONYMOUS
    return Viewer(is_authenticated=True, language=str(session.get("language") or ""))
