import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from config import sms


class RecordingBackend(sms.BaseSmsBackend):
    sent: list[sms.Sms] = []

    def send(self, message: sms.Sms) -> None:
        self.sent.append(message)


def test_the_backend_is_chosen_by_the_setting(settings):
    settings.SMS_BACKEND = "tests.test_sms.RecordingBackend"
    sms.send_sms("06 12 34 56 78", "Bonjour")
    assert RecordingBackend.sent == [sms.Sms(to="06 12 34 56 78", text="Bonjour")]
    assert sms.outbox() == []


def test_the_outbox_backend_keeps_messages_in_order(settings):
    settings.SMS_BACKEND = "config.sms.OutboxSmsBackend"
    sms.send_sms("0612345678", "premier")
    sms.send_sms("0712345678", "second")
    assert [m.text for m in sms.outbox()] == ["premier", "second"]


@pytest.fixture
def receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"body": json.loads(body), "key": self.headers["api-key"]})
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sms", received
    server.shutdown()
    server.server_close()


def test_brevo_backend_posts_the_message_in_international_format(settings, receiver, monkeypatch):
    url, received = receiver
    settings.SMS_BACKEND = "config.sms.BrevoSmsBackend"
    settings.ANYMAIL = {"BREVO_API_KEY": "cle-de-test"}
    monkeypatch.setattr(sms.BrevoSmsBackend, "url", url)
    sms.send_sms("06 12 34 56 78", "RDV confirmé")
    assert received == [
        {
            "body": {
                "sender": "RdvTerritoire",
                "recipient": "33612345678",
                "content": "RDV confirmé",
                "type": "transactional",
            },
            "key": "cle-de-test",
        }
    ]
