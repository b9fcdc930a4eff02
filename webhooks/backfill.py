"""Backfill: send one endpoint every object it subscribes to, as if each had just been
created, so that a partner plugged in today starts with the territory's whole state.

The objects go through the outbox like any change (an `Event` row per object, one
`Delivery` for this endpoint only: the other endpoints receive nothing), so signing,
retries, the delivery log and the sweeper apply unchanged.

A territory holds up to 500,000 user records and 1,000,000 RDVs: the work is done by a
Celery task that sends one batch (BATCH_SIZE objects of one kind, read by primary key
from where the previous batch ended) and queues the next batch once its own has
committed. No task holds more than one batch in memory, none runs for long, and a
worker that dies loses at most the batch it was writing (its transaction rolls back,
the sweeper has nothing half-written to send). While the endpoint still has MAX_PENDING
deliveries waiting, the next batch waits too: the outbox never holds much more than
that for one backfill, whatever the receiver's pace.

What an object is, how its payload is built and which organisations it belongs to is
known by the apps above this one (`webhooks` imports none of them): they register a
`Source` per kind of object at start-up (`register_source`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.db import models, transaction

from territories.audit import json_safe
from territories.changes import record_change
from territories.tasks import TerritoryTask
from webhooks import rdvsp
from webhooks.event_types import KNOWN_TYPES, rdvsp_subscriptions, subscription_keys
from webhooks.events import new_delivery
from webhooks.models import Delivery, DeliveryStatus, Endpoint, Event
from webhooks.payloads import endpoint_payload
from webhooks.sending import enqueue

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Back-pressure: while this many deliveries of the endpoint are still pending, the next
# batch waits (PAUSE seconds, then looks again). Without it the chain would outrun the
# sending and pile a million tasks into the broker for a slow or failing receiver.
MAX_PENDING = 4 * BATCH_SIZE
PAUSE = 10
BACKFILL_REQUESTED = "webhook_endpoint.backfill_requested"


@dataclass(frozen=True)
class Source:
    """One kind of object a backfill sends.

    - `event_type`: the event each object is sent as (`rdv.created`…);
    - `rows(territory_id)`: every object of the territory (a queryset; the backfill
      orders it by primary key and reads it in batches);
    - `in_organisations`: the lookup that keeps the objects of some organisations
      (`organisation__in`, `organisations__in`…), for endpoints restricted to them;
    - `payload(obj, territory)`: what the event carries, as the app's service sends it;
    - `organisation_ids(payload)`: the organisations the event concerns;
    - `prepare(rows)`: the queryset with what `payload` reads joined or prefetched.
    """

    event_type: str
    rows: Callable[[int], models.QuerySet]
    in_organisations: str
    payload: Callable[[Any, Any], dict]
    organisation_ids: Callable[[dict], list[int]]
    prepare: Callable[[models.QuerySet], models.QuerySet] = lambda rows: rows


_sources: list[Source] = []


def register_source(source: Source) -> None:
    """Called once per process by an app above (in its AppConfig.ready())."""
    if source.event_type not in KNOWN_TYPES:
        raise ValueError(f"{source.event_type!r} is not in webhooks.event_types.GROUPS")
    if all(known.event_type != source.event_type for known in _sources):
        _sources.append(source)


def sources_for(endpoint: Endpoint) -> list[Source]:
    """The registered sources the endpoint subscribes to (in either format's names), in
    registration order."""
    subscribed = set(endpoint.event_types)
    keys = rdvsp_subscriptions if endpoint.is_rdv_service_public else subscription_keys
    return [s for s in _sources if subscribed & set(keys(s.event_type))]


@transaction.atomic
def request_backfill(endpoint: Endpoint, *, acting_agent) -> list[str]:
    """Queue the backfill of `endpoint` (sent once this transaction commits) and audit
    the request. Returns the event types that will be sent."""
    types = [source.event_type for source in sources_for(endpoint)]
    record_change(
        endpoint.territory,
        BACKFILL_REQUESTED,
        endpoint,
        acting_agent=acting_agent,
        payload={**endpoint_payload(endpoint), "backfilled_types": types},
    )
    if types:
        send_backfill_batch.delay_on_commit(endpoint.pk, 0, 0)
    return types


def _rows(source: Source, endpoint: Endpoint, organisation_ids: list[int]):
    rows = source.rows(endpoint.territory_id)
    if organisation_ids:
        # A semi-join: an object of several of these organisations is sent once.
        ids = rows.filter(**{source.in_organisations: organisation_ids}).values("pk")
        rows = rows.model._base_manager.filter(pk__in=ids)
    return rows


def send_batch(endpoint: Endpoint, source_index: int, after_pk: int) -> tuple[int, int] | None:
    """Send the next batch of the backfill: the objects of `sources_for(endpoint)
    [source_index]` whose primary key follows `after_pk`. Returns where the next batch
    starts, or None when everything has been sent."""
    sources = sources_for(endpoint)
    organisation_ids = list(endpoint.organisations.values_list("pk", flat=True))
    while source_index < len(sources):
        source = sources[source_index]
        rows = _rows(source, endpoint, organisation_ids).filter(pk__gt=after_pk).order_by("pk")
        batch = list(source.prepare(rows)[:BATCH_SIZE])
        if batch:
            with transaction.atomic():
                _write(endpoint, source, batch)
            if len(batch) == BATCH_SIZE:
                return source_index, batch[-1].pk
        source_index, after_pk = source_index + 1, 0
    return None


def _write(endpoint: Endpoint, source: Source, batch: list) -> None:
    events = []
    for obj in batch:
        payload = json_safe(source.payload(obj, endpoint.territory))
        events.append(
            Event(
                territory_id=endpoint.territory_id,
                type=source.event_type,
                payload=payload,
                organisation_ids=sorted(set(source.organisation_ids(payload))),
            )
        )
    events = Event.objects.bulk_create(events)
    if endpoint.is_rdv_service_public:
        # The reference platform's bodies, built now as for any change (webhooks.rdvsp).
        unsaved = [
            delivery
            for event in events
            for delivery in rdvsp.deliveries_for(
                event,
                rdvsp.Change(endpoint.territory, event.type, event.payload, None),
                new_delivery,
                endpoints=[endpoint],
            )
        ]
    else:
        unsaved = [new_delivery(event, endpoint.pk) for event in events]
    deliveries = Delivery.objects.bulk_create(unsaved)
    enqueue([delivery.pk for delivery in deliveries])


@shared_task(base=TerritoryTask, territory_from=(Endpoint, "endpoint_pk"))
def send_backfill_batch(endpoint_pk: int, source_index: int, after_pk: int) -> int | None:
    """One batch, then the next one queued: a chain of short tasks. An endpoint that was
    deleted or disabled meanwhile stops the chain."""
    endpoint = Endpoint.objects.filter(pk=endpoint_pk, enabled=True).first()
    if endpoint is None:
        return None
    pending = endpoint.deliveries.filter(status=DeliveryStatus.PENDING)[:MAX_PENDING].count()
    if pending >= MAX_PENDING:
        send_backfill_batch.apply_async((endpoint_pk, source_index, after_pk), countdown=PAUSE)
        return after_pk
    following = send_batch(endpoint, source_index, after_pk)
    if following is None:
        logger.info("Backfill of endpoint %s sent", endpoint_pk)
        return None
    send_backfill_batch.delay_on_commit(endpoint_pk, *following)
    return following[1]
