"""A partner tool consuming webhooks in the RDV Service Public format, written from what
the reference platform's consumers do (issue 15), not from this project's code: a real
HTTP server on 127.0.0.1 that

- verifies `X-Lapin-Signature` (hex HMAC-SHA256 of the raw body, keyed with the
  secret as text) and answers 400 when it does not match;
- dispatches on `meta.model`, answering 200 to a model it does not handle;
- upserts each object by its id, keeping the state of the latest `meta.timestamp`
  (a late older message changes nothing), and forgets it on `destroyed`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _key_of(model: str, data: dict[str, Any]):
    # A motif is held per organisation; a user profile is a (user, organisation) link.
    if model == "Motif":
        return (data["id"], data["organisation_id"])
    if model == "UserProfile":
        return (data["user"]["id"], data["organisation"]["id"])
    return data["id"]


HANDLED = {
    "Rdv",
    "User",
    "UserProfile",
    "Organisation",
    "Motif",
    "Agent",
    "AgentRole",
    "Absence",
    "PlageOuverture",
}


class Consumer:
    def __init__(self, secret: str, handled=HANDLED) -> None:
        self.secret = secret
        self.handled = set(handled)
        # (model, key) -> (timestamp, destroyed, data)
        self.objects: dict[tuple[str, Any], tuple[datetime, bool, dict]] = {}
        self.answers: list[tuple[int, str | None]] = []  # (status, model)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/rdv-solidarites"

    def receive(self, raw: bytes, signature: str) -> tuple[int, str | None]:
        expected = hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return 400, None
        document = json.loads(raw)
        meta, data = document["meta"], document["data"]
        model = meta["model"]
        if model not in self.handled:
            return 200, model
        at = datetime.fromisoformat(meta["timestamp"])
        key = (model, _key_of(model, data))
        with self.lock:
            held = self.objects.get(key)
            if held is None or held[0] <= at:
                self.objects[key] = (at, meta["event"] == "destroyed", data)
        return 200, model

    def live(self, model: str) -> dict[Any, dict]:
        """The objects of `model` the tool holds (not destroyed), by key."""
        with self.lock:
            return {
                key: data
                for (held_model, key), (_, destroyed, data) in self.objects.items()
                if held_model == model and not destroyed
            }

    def __enter__(self) -> Consumer:
        """Serve on 127.0.0.1 (a random port) until the block ends."""
        consumer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802  (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, model = consumer.receive(raw, self.headers.get("X-Lapin-Signature", ""))
                with consumer.lock:
                    consumer.answers.append((status, model))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
