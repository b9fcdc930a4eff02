"""Endpoint configuration and manual sending: one function per use case, each audited
(`territories.changes.record_change`; these actions are never published as events)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from territories.changes import check_version, record_change
from territories.errors import ServiceError
from territories.models import Territory
from webhooks import rdvsp, signing
from webhooks.event_types import PING
from webhooks.events import new_delivery
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint, Event
from webhooks.payloads import delivery_payload, endpoint_payload
from webhooks.queries import LIMIT_MESSAGE, endpoint_limit_reached
from webhooks.sending import attempt_delivery, enqueue

EDITABLE_FIELDS = ["url", "description", "format", "event_types", "legacy_signature"]


def _record(endpoint: Endpoint, action: str, acting_agent, before=None, **kwargs) -> None:
    record_change(
        endpoint.territory,
        action,
        endpoint,
        acting_agent=acting_agent,
        payload=endpoint_payload(endpoint),
        before=before,
        **kwargs,
    )


def _set_values(endpoint: Endpoint, values: dict[str, Any]) -> None:
    # A caller may leave out a field it does not know of (the format): it keeps its value.
    for name in EDITABLE_FIELDS:
        if name in values:
            setattr(endpoint, name, values[name])


def _lock(endpoint: Endpoint) -> Endpoint:
    return Endpoint.objects.select_for_update().get(pk=endpoint.pk)


@transaction.atomic
def create_endpoint(
    territory: Territory,
    values: dict[str, Any],
    *,
    organisations,
    acting_agent,
    secret: str | None = None,
) -> Endpoint:
    """`values`: url, description, format, event_types, legacy_signature (as the form
    cleans them). `secret`: the partner's own (the partner API lets a consumer bring the
    secret it already verifies with), else a new one."""
    # Lock the territory so that two simultaneous creations cannot both pass the limit.
    Territory.objects.select_for_update().get(pk=territory.pk)
    if endpoint_limit_reached(territory):
        raise ServiceError(LIMIT_MESSAGE)
    endpoint = Endpoint(territory=territory, secret=secret or signing.generate_secret())
    _set_values(endpoint, values)
    endpoint.save()
    endpoint.organisations.set(organisations)
    _record(endpoint, "webhook_endpoint.created", acting_agent)
    return endpoint


@transaction.atomic
def update_endpoint(
    endpoint: Endpoint,
    values: dict[str, Any],
    *,
    organisations,
    acting_agent,
    version: str | None = None,
) -> Endpoint:
    endpoint = _lock(endpoint)
    before = endpoint_payload(endpoint)
    _set_values(endpoint, values)
    endpoint.organisations.set(organisations)
    if endpoint_payload(endpoint) == before:
        return endpoint
    check_version(before, version)
    endpoint.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
    _record(endpoint, "webhook_endpoint.updated", acting_agent, before)
    return endpoint


@transaction.atomic
def disable_endpoint(endpoint: Endpoint, reason: str = "", *, acting_agent) -> Endpoint:
    """Stop sending; what is pending stays pending and leaves when it is enabled again."""
    endpoint = _lock(endpoint)
    if not endpoint.enabled:
        return endpoint
    before = endpoint_payload(endpoint)
    endpoint.enabled = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = (
        reason or f"Désactivé par {acting_agent.full_name or acting_agent.email}."
    )
    endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason", "updated_at"])
    _record(endpoint, "webhook_endpoint.disabled", acting_agent, before)
    return endpoint


@transaction.atomic
def enable_endpoint(endpoint: Endpoint, *, acting_agent) -> int:
    """Start again with a clean failure record; pending deliveries become due now.
    Returns how many pending deliveries leave."""
    endpoint = _lock(endpoint)
    if endpoint.enabled:
        return 0
    before = endpoint_payload(endpoint)
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
    _record(endpoint, "webhook_endpoint.enabled", acting_agent, before)
    return _make_due(endpoint.deliveries.filter(status=DeliveryStatus.PENDING))


@transaction.atomic
def delete_endpoint(endpoint: Endpoint, *, acting_agent) -> None:
    endpoint = _lock(endpoint)
    _record(endpoint, "webhook_endpoint.deleted", acting_agent, deleted=True)
    endpoint.delete()


@transaction.atomic
def rotate_secret(endpoint: Endpoint, overlap: timedelta, *, acting_agent) -> str:
    """A new secret; the old one keeps signing (second signature) during `overlap`."""
    endpoint = _lock(endpoint)
    before = endpoint_payload(endpoint)
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
    _record(endpoint, "webhook_endpoint.secret_rotated", acting_agent, before)
    return endpoint.secret


def send_test_event(endpoint: Endpoint, *, acting_agent) -> Attempt | None:
    """Send a `ping` now, through the same code as every delivery, and return the attempt
    (None if it could not leave). The ping is audited when it is created; what its
    answer changes (a 410 disables the endpoint) is recorded by the sending path."""
    delivery = _create_ping(endpoint, acting_agent)
    return attempt_delivery(delivery.pk, force=True)


@transaction.atomic
def _create_ping(endpoint: Endpoint, acting_agent) -> Delivery:
    event = Event.objects.create(
        territory=endpoint.territory,
        type=PING,
        payload={
            "endpoint_id": endpoint.pk,
            "message": "Événement de test envoyé depuis RDV Territoire.",
            "sent_by": acting_agent.email,
        },
    )
    # Not queued: this request sends it. The sweeper sends it later only if this
    # request dies before trying.
    delivery = new_delivery(event, endpoint.pk)
    if endpoint.is_rdv_service_public:
        delivery.body = rdvsp.ping_body(event.created_at)
    delivery.save()
    _record(endpoint, "webhook_endpoint.pinged", acting_agent)
    return delivery


@transaction.atomic
def resend_delivery(delivery: Delivery, *, acting_agent) -> Delivery:
    """Send again with the same webhook-id (the receiver's idempotency key)."""
    delivery = Delivery.objects.select_for_update().select_related("event").get(pk=delivery.pk)
    before = delivery_payload(delivery)
    _make_due(Delivery.objects.filter(pk=delivery.pk))
    delivery.refresh_from_db()
    record_change(
        delivery.endpoint.territory,
        "webhook_delivery.resent",
        delivery,
        acting_agent=acting_agent,
        payload=delivery_payload(delivery),
        before=before,
    )
    return delivery


@transaction.atomic
def resend_failed_since(endpoint: Endpoint, since: datetime, *, acting_agent) -> int:
    """Send again the deliveries that failed since `since`; returns how many."""
    endpoint = _lock(endpoint)
    count = _make_due(
        endpoint.deliveries.filter(status=DeliveryStatus.FAILED, created_at__gte=since)
    )
    if count:
        record_change(
            endpoint.territory,
            "webhook_endpoint.failed_deliveries_resent",
            endpoint,
            acting_agent=acting_agent,
            payload={**endpoint_payload(endpoint), "since": since, "resent": count},
        )
    return count


def _make_due(deliveries) -> int:
    now = timezone.now()
    ids = list(deliveries.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, schedule_step=0, next_attempt_at=now, dispatched_at=now
    )
    enqueue(ids)
    return len(ids)
