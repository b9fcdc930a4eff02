"""Sending SMS through a small backend interface chosen by the SMS_BACKEND setting.

- `config.sms.OutboxSmsBackend` (development and tests): each message is written as a JSON
  file under OUTBOX_DIR/sms/, readable with `outbox()`.
- `config.sms.BrevoSmsBackend` (production): Brevo's transactional SMS API, with
  SMS_SENDER and the BREVO_API_KEY already used for mail.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass
class Sms:
    to: str
    text: str


class BaseSmsBackend:
    def send(self, message: Sms) -> str | None:
        """Send the message; return the provider's id for it, if it gives one."""
        raise NotImplementedError


class OutboxSmsBackend(BaseSmsBackend):
    def send(self, message: Sms) -> str | None:
        folder = _outbox_dir()
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.json"
        (folder / name).write_text(json.dumps({"to": message.to, "text": message.text}))
        return None


class BrevoSmsBackend(BaseSmsBackend):
    url = "https://api.brevo.com/v3/transactionalSMS/sms"

    def send(self, message: Sms) -> str | None:
        response = requests.post(
            self.url,
            json={
                "sender": settings.SMS_SENDER,
                "recipient": _international(message.to),
                "content": message.text,
                "type": "transactional",
            },
            headers={"api-key": settings.ANYMAIL["BREVO_API_KEY"]},
            timeout=10,
        )
        response.raise_for_status()
        # Brevo answers {"messageId": …}; kept in the log for support staff.
        try:
            return str(response.json().get("messageId") or "") or None
        except ValueError:
            return None


def _international(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit() or c == "+")
    if digits.startswith("0"):
        return "33" + digits[1:]
    return digits.lstrip("+")


def _outbox_dir() -> Path:
    return Path(settings.OUTBOX_DIR) / "sms"


def send_sms(to: str, text: str) -> str | None:
    """Send one SMS; the provider's id for it, when the backend has one."""
    return import_string(settings.SMS_BACKEND)().send(Sms(to=to, text=text))


def outbox() -> list[Sms]:
    """The messages the outbox backend kept, oldest first."""
    folder = _outbox_dir()
    if not folder.exists():
        return []
    return [Sms(**json.loads(path.read_text())) for path in sorted(folder.glob("*.json"))]
