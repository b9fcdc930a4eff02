"""Publishing events: the outbox publisher that `territories.changes.record_change` calls
(registered in WebhooksConfig.ready()) for every recorded change, in its transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django_scopes import scope

from webhooks import rdvsp, signing
from webhooks.event_types import KNOWN_TYPES, subscription_keys
from webhooks.models import Delivery, Endpoint, EndpointFormat, Event
from webhooks.sending import enqueue


def publish(
    territory,
    event_type: str,
    payload: dict[str, Any],
    *,
    organisations: Iterable = (),
    before: dict[str, Any] | None = None,
    reason: str = "",
) -> Event:
    """Write the event row in the caller's transaction: if it rolls back, no event exists.

    `payload` is the object as it is after the change (before, for a deletion), already
    JSON-safe (dates, decimals and UUIDs as the text a consumer receives: record_change
    made it so);
    `organisations` (objects or ids) lets endpoints restricted to some organisations
    receive only what concerns them; `reason` is kept on the event ("rgpd": a deletion
    at the end of the retention period). One delivery per matching endpoint is written
    in the same transaction and queued for sending once it commits. Endpoints in the RDV
    Service Public format get theirs with bodies built now (webhooks/rdvsp.py), from
    `payload` and `before` (the payload before an update, JSON-safe too); `reason` is
    told in their `meta`.
    """
    if event_type not in KNOWN_TYPES:
        # Endpoints subscribe from that catalogue: an unlisted type would reach only "*".
        raise ValueError(f"{event_type!r} is not in webhooks.event_types.GROUPS")
    organisation_ids = sorted({getattr(o, "pk", o) for o in organisations})
    with transaction.atomic(), scope(territory=territory):
        event = Event.objects.create(
            territory=territory,
            type=event_type,
            payload=payload,
            organisation_ids=organisation_ids,
            reason=reason,
        )
        change = rdvsp.Change(territory, event_type, payload, before, reason)
        create_deliveries(
            event, matching_endpoints(event), rdvsp.deliveries_for(event, change, new_delivery)
        )
    return event


def matching_endpoints(event: Event) -> list[int]:
    """Enabled endpoints subscribed to the type; those restricted to some organisations
    receive only events of these organisations (and territory-wide events)."""
    endpoints = Endpoint.objects.filter(
        territory=event.territory_id,
        enabled=True,
        format=EndpointFormat.STANDARD,
        event_types__overlap=subscription_keys(event.type),
    )
    if event.organisation_ids:
        endpoints = endpoints.filter(
            Q(organisations__isnull=True) | Q(organisations__in=event.organisation_ids)
        )
    return sorted(set(endpoints.values_list("pk", flat=True)))


def new_delivery(event: Event, endpoint_id: int) -> Delivery:
    """Due at once, and marked as dispatched: its task is queued by whoever creates it."""
    return Delivery(
        territory_id=event.territory_id,
        event=event,
        endpoint_id=endpoint_id,
        webhook_id=signing.generate_webhook_id(),
        next_attempt_at=event.created_at,
        dispatched_at=event.created_at,
    )


def create_deliveries(
    event: Event, endpoint_ids: Iterable[int], prepared: Iterable[Delivery] = ()
) -> list[Delivery]:
    """One delivery per endpoint id, plus the `prepared` ones (bodies built already)."""
    deliveries = Delivery.objects.bulk_create(
        [new_delivery(event, endpoint_id) for endpoint_id in endpoint_ids] + list(prepared)
    )
    enqueue([d.pk for d in deliveries])
    return deliveries
