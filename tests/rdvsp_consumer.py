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
from typing import Any

from tests.webhook_receiver import Received, Receiver, Reply


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
        return self.server.url("/rdv-solidarites")

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

    def answer(self, received: Received) -> Reply:
        headers = {name.lower(): value for name, value in received.headers.items()}
        status, model = self.receive(received.body, headers.get("x-lapin-signature", ""))
        with self.lock:
            self.answers.append((status, model))
        return Reply(status, body=b"")

    def __enter__(self) -> Consumer:
        """Serve on 127.0.0.1 (a random port) until the block ends."""
        self.server = Receiver(respond=self.answer).__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.server.__exit__(*exc)
