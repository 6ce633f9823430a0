"""Requests sent at the same moment from several browsers, for the tests that race a guard against
PostgreSQL."""
import threading

from tests.conftest import PortalClient


def race(clients: list[PortalClient], url: str, page: str, forms: list[dict] | None = None) -> list[int]:
    """POST `url` from every client at the same moment, each with its own CSRF token (read from `page`) and
    its form from `forms` (none by default); the status of each answer (500 if it raised)."""
    forms = forms or [{} for _ in clients]
    tokens = [client.csrf_token(page) for client in clients]
    barrier, statuses = threading.Barrier(len(clients)), []

    def send(client: PortalClient, token: str, form: dict) -> None:
        barrier.wait()
        try:
            statuses.append(client.post(url, data={**form, "csrf_token": token}).status_code)
        except Exception:  # noqa: BLE001 - what a WSGI server turns into a bare 500
            statuses.append(500)

    threads = [threading.Thread(target=send, args=triple) for triple in zip(clients, tokens, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses
