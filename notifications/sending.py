"""Send a mail or an SMS and log it (`SentMessage`) in one call.

Callers are Celery tasks; they pass ids for what the message is about (the RDV, the
invitation), so this layer needs none of those models. The log row is written after
the provider accepted the message: what failed to leave is the task's retry business,
what fails later is reported by the provider (notifications.tracking).
"""

from __future__ import annotations

from config.mail import send_templated_mail
from config.sms import send_sms
from notifications.models import Channel, SentMessage


def send_logged_mail(
    template_prefix: str,
    context: dict,
    to: str,
    *,
    territory_id: int,
    kind: str,
    rdv_id: int | None = None,
    invitation_id: int | None = None,
    reply_to: list[str] | None = None,
) -> SentMessage:
    message = send_templated_mail(template_prefix, context, [to], reply_to=reply_to)
    # Set by anymail's backends (Brevo in production); the development outbox and the
    # test backends have no provider id: their messages simply stay "sent".
    status = getattr(message, "anymail_status", None)
    message_id = status.message_id if status is not None else None
    if isinstance(message_id, set):  # several ids: one message per recipient here, never
        message_id = None
    return SentMessage.objects.create(
        territory_id=territory_id,
        rdv_id=rdv_id,
        invitation_id=invitation_id,
        channel=Channel.EMAIL,
        kind=kind,
        summary=message.subject[:255],
        recipient=to,
        provider_message_id="" if message_id is None else str(message_id),
    )


def send_logged_sms(
    to: str, text: str, *, territory_id: int, kind: str, rdv_id: int | None = None
) -> SentMessage:
    provider_id = send_sms(to, text)
    return SentMessage.objects.create(
        territory_id=territory_id,
        rdv_id=rdv_id,
        channel=Channel.SMS,
        kind=kind,
        summary=text[:255],
        recipient=to,
        provider_message_id=str(provider_id or ""),
    )
