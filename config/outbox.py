"""Development mail outbox: every message is written to OUTBOX_DIR as an .eml
file, and a DEBUG-only page lists and renders them (HTML and text parts)."""

from __future__ import annotations

import email
import email.policy
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(settings.OUTBOX_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
        return len(email_messages)


@dataclass
class OutboxMessage:
    name: str
    subject: str
    sender: str
    to: str
    reply_to: str
    date: str
    text: str
    html: str


def _read(path: Path) -> OutboxMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    return OutboxMessage(
        name=path.stem,
        subject=str(parsed["Subject"] or ""),
        sender=str(parsed["From"] or ""),
        to=str(parsed["To"] or ""),
        reply_to=str(parsed["Reply-To"] or ""),
        date=str(parsed["Date"] or ""),
        text=text.get_content() if text else "",
        html=html.get_content() if html else "",
    )


def _files() -> list[Path]:
    folder = Path(settings.OUTBOX_DIR)
    return sorted(folder.glob("*.eml"), reverse=True) if folder.exists() else []


def outbox_list(request):
    if not settings.DEBUG:
        raise Http404
    page = Paginator(_files(), 25).get_page(request.GET.get("page"))
    messages = [_read(path) for path in page.object_list]
    return render(request, "dev/outbox_list.html", {"page_obj": page, "outbox": messages})


def outbox_detail(request, name: str):
    if not settings.DEBUG:
        raise Http404
    path = Path(settings.OUTBOX_DIR) / f"{name}.eml"
    if "/" in name or not path.is_file():
        raise Http404
    return render(request, "dev/outbox_detail.html", {"message": _read(path)})
