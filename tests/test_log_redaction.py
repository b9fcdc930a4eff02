"""Link tokens (invitation, password reset, usager RDV) and searched names never reach
the logs: Django's request logger, runserver's access log, gunicorn's access log."""

import http.client
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.urls import reverse

from config.log_redaction import MASK, redact
from tests.factories import InvitationFactory
from tests.isolation import iter_routes
from user_records.models import UserRecord
from user_records.paging import position_of

BASE_DIR = Path(__file__).resolve().parent.parent
SECRETS = ["jeton-secret-42", "MQ", "cj9xz-4f1e0c2b9a8d7e6f5a4b3c2d", "Dupontel"]


def secret_urls() -> list[str]:
    return [
        reverse("invitation_accept", args=["jeton-secret-42"]),
        reverse("password_reset_confirm", args=["MQ", "cj9xz-4f1e0c2b9a8d7e6f5a4b3c2d"]),
        reverse("booking:rdv_detail", args=["7-cj9xz-4f1e0c2b9a8d7e6f5a4b3c2d"]),
        reverse("booking:rdv_cancel", args=["7-cj9xz-4f1e0c2b9a8d7e6f5a4b3c2d"]),
        reverse("booking:rdv_move", args=["7-cj9xz-4f1e0c2b9a8d7e6f5a4b3c2d"]),
        "/territoires/1/usagers/?q=Dupontel&page=2",
        "/connexion/?next=/invitations/jeton-secret-42/",
    ]


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_every_token_bearing_route_is_masked():
    for url in secret_urls():
        masked = redact(f'"GET {url} HTTP/1.1" 404 179')
        assert leaked(masked) == [], masked
        assert MASK in masked
    assert redact("/territoires/1/usagers/?page=2") == "/territoires/1/usagers/?page=2"


def test_django_request_and_runserver_logs_are_masked(client, db, caplog):
    InvitationFactory()
    with caplog.at_level(logging.INFO):
        for url in secret_urls():
            client.get(url)
        # What runserver's request handler logs for each request.
        logging.getLogger("django.server").warning(
            '"%s" %s %s', f"GET {secret_urls()[0]} HTTP/1.1", "404", "179"
        )
    messages = [record.getMessage() for record in caplog.records]
    assert any("Not Found: /invitations/[masqué]/" in m for m in messages)
    assert any('"GET /invitations/[masqué]/ HTTP/1.1" 404' in m for m in messages)
    assert leaked("\n".join(messages)) == []


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


@pytest.mark.django_db(transaction=True)
def test_gunicorn_access_log_is_masked(tmp_path):
    sock = tmp_path / "gunicorn.sock"
    # The test database, so that every page answers as it would in production.
    database = urlsplit(os.environ["DATABASE_URL"])._replace(
        path="/" + connection.settings_dict["NAME"]
    )
    env = {
        **os.environ,
        "GUNICORN_BIND": f"unix:{sock}",
        "GUNICORN_WORKERS": "1",
        "DATABASE_URL": database.geturl(),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        statuses = []
        for url in secret_urls():
            conn = UnixHTTPConnection(str(sock))
            conn.request("GET", url, headers={"X-Forwarded-For": "198.51.100.23"})
            statuses.append(conn.getresponse().status)
            conn.close()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert all(status < 500 for status in statuses), output
    assert "198.51.100.23 [" in output and '"GET /invitations/[masqué]/ HTTP/1.1" 404' in output
    assert leaked(output) == [], output


def test_every_route_carrying_a_token_is_masked():
    """Taken from the URL list, so a new route with a link token cannot be forgotten: the
    ProConnect way of accepting an invitation posts the invitation's token in its path
    (`/proconnect/invitation/<token>/`), which the access log wrote out in full."""
    routes = [r for r in iter_routes() if {"token", "uidb64"} & set(r.kwargs)]
    assert {r.name for r in routes} >= {"invitation_accept", "proconnect:invitation"}
    for route in routes:
        url = route.url(dict.fromkeys(route.kwargs, "jeton-secret-42"))
        assert "jeton-secret-42" not in redact(f'"POST {url} HTTP/1.1" 302 0'), route.name


def test_the_proconnect_callback_logs_neither_its_code_nor_its_state():
    """runserver's access log writes the query string: the callback's authorization code
    and state were there in full."""
    line = redact('"GET /proconnect/retour/?code=code-secret-7&state=etat-secret-9 HTTP/1.1" 302 0')
    assert "code-secret-7" not in line and "etat-secret-9" not in line
    assert "/proconnect/retour/?code=[masqué]&state=[masqué]" in line


def test_a_user_record_page_position_is_masked(db):
    """The list's page links name the record they start after or before (`?apres=`,
    `?avant=`: its name, base64-encoded): a usager's name in the access log."""
    position = position_of(UserRecord(pk=812, last_name="Dupontel", first_name="Anne"))
    for key in ("apres", "avant"):
        line = redact(f'"GET /territoires/1/usagers/?{key}={position}&q=x HTTP/1.1" 200 0')
        assert position not in line and f"?{key}={MASK}&q={MASK}" in line
