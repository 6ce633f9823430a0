"""Foreign keys hold on SQLite as on PostgreSQL (portal/connections.py): a row may not name a row that is
not there, and deleting a row deletes what refers to it where the models say so."""
import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User, UserSession
from portal.extensions import db


def test_a_row_may_not_name_a_row_that_is_not_there(app):
    with pytest.raises(IntegrityError):
        db.session.execute(insert(UserSession).values(user_id=999_999, token_hash="0" * 64))
        db.session.flush()
    db.session.rollback()


def test_deleting_an_account_deletes_its_sign_ins(app, client, make_user, auth):
    user = make_user()
    assert auth.login(user.email).status_code == 302
    sessions = select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    assert db.session.scalar(sessions) == 1
    db.session.execute(delete(User).where(User.id == user.id))
    db.session.commit()
    assert db.session.scalar(sessions) == 0
