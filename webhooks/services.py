"""Endpoint configuration and manual sending: one function per use case."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from territories.audit import record, snapshot
from territories.models import Territory
from webhooks import signing
from webhooks.event_types import PING
from webhooks.events import new_delivery
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint, Event
from webhooks.sending import attempt_delivery, enqueue

MAX_ENDPOINTS = 20
AUDITED_FIELDS = ["url", "description", "event_types", "legacy_signature", "enabled"]
LIMIT_MESSAGE = f"Un espace peut avoir au plus {MAX_ENDPOINTS} points de réception."


def endpoint_snapshot(endpoint: Endpoint) -> dict:
    """What the audit log keeps of an endpoint: never its secrets."""
    picture = snapshot(endpoint, AUDITED_FIELDS)
    picture["organisations"] = sorted(endpoint.organisations.values_list("pk", flat=True))
    return picture


def endpoint_limit_reached(territory: Territory) -> bool:
    return Endpoint.objects.filter(territory=territory).count() >= MAX_ENDPOINTS


EDITABLE_FIELDS = ["url", "description", "event_types", "legacy_signature"]


@transaction.atomic
def create_endpoint(territory: Territory, actor, *, organisations, **fields) -> Endpoint:
    """`fields`: url, description, event_types, legacy_signature (as the form cleans them)."""
    # Lock the territory so that two simultaneous creations cannot both pass the limit.
    Territory.objects.select_for_update().get(pk=territory.pk)
    if endpoint_limit_reached(territory):
        raise ValidationError(LIMIT_MESSAGE)
    endpoint = Endpoint(territory=territory, secret=signing.generate_secret())
    for name in EDITABLE_FIELDS:
        setattr(endpoint, name, fields[name])
    endpoint.save()
    endpoint.organisations.set(organisations)
    record(
        territory, actor, "webhook_endpoint.created", endpoint, after=endpoint_snapshot(endpoint)
    )
    return endpoint


@transaction.atomic
def update_endpoint(endpoint: Endpoint, actor, *, organisations, **fields) -> Endpoint:
    before = endpoint_snapshot(endpoint)
    for name in EDITABLE_FIELDS:
        setattr(endpoint, name, fields[name])
    endpoint.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
    endpoint.organisations.set(organisations)
    record(
        endpoint.territory,
        actor,
        "webhook_endpoint.updated",
        endpoint,
        before=before,
        after=endpoint_snapshot(endpoint),
    )
    return endpoint


@transaction.atomic
def disable_endpoint(endpoint: Endpoint, actor, reason: str = "") -> None:
    """Stop sending; what is pending stays pending and leaves when it is enabled again."""
    before = endpoint_snapshot(endpoint)
    endpoint.enabled = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason or f"Désactivé par {actor.full_name or actor.email}."
    endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason", "updated_at"])
    record(
        endpoint.territory,
        actor,
        "webhook_endpoint.disabled",
        endpoint,
        before=before,
        after=endpoint_snapshot(endpoint),
    )


@transaction.atomic
def enable_endpoint(endpoint: Endpoint, actor) -> int:
    """Start again with a clean failure record; pending deliveries become due now."""
    before = endpoint_snapshot(endpoint)
    endpoint.enabled = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.failed_attempts_in_row = 0
    endpoint.failure_alert_sent_at = None
    endpoint.save(
        update_fields=[
            "enabled",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "failed_attempts_in_row",
            "failure_alert_sent_at",
            "updated_at",
        ]
    )
    record(
        endpoint.territory,
        actor,
        "webhook_endpoint.enabled",
        endpoint,
        before=before,
        after=endpoint_snapshot(endpoint),
    )
    return _make_due(endpoint.deliveries.filter(status=DeliveryStatus.PENDING))


@transaction.atomic
def delete_endpoint(endpoint: Endpoint, actor) -> None:
    record(
        endpoint.territory,
        actor,
        "webhook_endpoint.deleted",
        endpoint,
        before=endpoint_snapshot(endpoint),
    )
    endpoint.delete()


@transaction.atomic
def rotate_secret(endpoint: Endpoint, actor, overlap: timedelta) -> str:
    """A new secret; the old one keeps signing (second signature) during `overlap`."""
    if overlap > timedelta(0):
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + overlap
    else:
        endpoint.previous_secret = ""
        endpoint.previous_secret_expires_at = None
    endpoint.secret = signing.generate_secret()
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    record(
        endpoint.territory,
        actor,
        "webhook_endpoint.secret_rotated",
        endpoint,
        after={"overlap_hours": round(overlap.total_seconds() / 3600, 2)},
    )
    return endpoint.secret


def send_test_event(endpoint: Endpoint, actor) -> Attempt:
    """Send a `ping` now, through the same code as every delivery, and return the attempt."""
    delivery = _create_ping(endpoint, actor)
    return attempt_delivery(delivery.pk, force=True)


@transaction.atomic
def _create_ping(endpoint: Endpoint, actor) -> Delivery:
    event = Event.objects.create(
        territory=endpoint.territory,
        type=PING,
        payload={
            "endpoint_id": endpoint.pk,
            "message": "Événement de test envoyé depuis RDV Territoire.",
            "sent_by": actor.email,
        },
    )
    # Not queued: this request sends it. The sweeper sends it later only if this
    # request dies before trying.
    delivery = new_delivery(event, endpoint.pk)
    delivery.save()
    return delivery


@transaction.atomic
def resend_delivery(delivery: Delivery) -> None:
    """Send again with the same webhook-id (the receiver's idempotency key)."""
    _make_due(Delivery.objects.filter(pk=delivery.pk))


@transaction.atomic
def resend_failed_since(endpoint: Endpoint, since: datetime) -> int:
    return _make_due(
        endpoint.deliveries.filter(status=DeliveryStatus.FAILED, created_at__gte=since)
    )


def _make_due(deliveries) -> int:
    now = timezone.now()
    ids = list(deliveries.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, schedule_step=0, next_attempt_at=now, dispatched_at=now
    )
    enqueue(ids)
    return len(ids)
