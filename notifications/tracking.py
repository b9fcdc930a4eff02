"""Delivery reports from the mail provider (anymail's `tracking` signal, Brevo's
webhook in production) update the sent-message log.

Only mail is tracked: anymail has no SMS webhooks, so an SMS stays "Envoyé" once the
provider accepted it.
"""

from __future__ import annotations

from anymail.signals import AnymailTrackingEvent, EventType
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.models import DeliveryStatus, SentMessage

FAILURES = {EventType.BOUNCED, EventType.REJECTED, EventType.FAILED, EventType.COMPLAINED}
# Opening or clicking a message proves it arrived.
DELIVERIES = {EventType.DELIVERED, EventType.OPENED, EventType.CLICKED}
# Reports may come in any order; a failure is never overwritten by a later "opened".
RANK = {DeliveryStatus.SENT: 0, DeliveryStatus.DELIVERED: 1, DeliveryStatus.FAILED: 2}

REASONS = {
    "bounced": "adresse refusée par le serveur du destinataire",
    "invalid": "adresse invalide",
    "blocked": "envoi bloqué par le fournisseur",
    "spam": "signalé comme indésirable",
    "timed_out": "délai dépassé",
}


def _new_status(event: AnymailTrackingEvent) -> str | None:
    if event.event_type in FAILURES:
        return DeliveryStatus.FAILED
    if event.event_type in DELIVERIES:
        return DeliveryStatus.DELIVERED
    return None  # queued, deferred, unsubscribed…: nothing the agents need


def _detail(event: AnymailTrackingEvent) -> str:
    if event.event_type == EventType.COMPLAINED:
        return REASONS["spam"]
    reason = REASONS.get(event.reject_reason or "", "refusé par le fournisseur")
    if event.mta_response:
        reason = f"{reason} ({event.mta_response})"
    return reason[:255]


def record_tracking_event(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    status = _new_status(event)
    if status is None or not event.message_id:
        return
    # The webhook names no territory: the provider's message id finds the row, whichever
    # territory it belongs to (a cross-territory write by design).
    with scopes_disabled(), transaction.atomic():
        # Locked: two reports of one message arriving together keep the higher rank.
        messages = SentMessage.objects.select_for_update().filter(
            provider_message_id=event.message_id
        )
        if event.recipient:
            messages = messages.filter(recipient__iexact=event.recipient)
        for message in messages:
            if RANK[status] <= RANK[DeliveryStatus(message.status)]:
                continue
            message.status = status
            message.status_detail = _detail(event) if status == DeliveryStatus.FAILED else ""
            message.status_at = event.timestamp or timezone.now()
            message.save(update_fields=["status", "status_detail", "status_at"])
