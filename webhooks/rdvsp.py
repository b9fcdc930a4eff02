"""The RDV Service Public format: what an endpoint in that format receives.

The reference platform's consumers (rdv-insertion, départements' CRMs) read one object
per request, `{"data": {…}, "meta": {"model", "event", "webhook_reason", "timestamp"}}`,
signed with `X-Lapin-Signature`, and keep per object the state of the latest
`meta.timestamp`. Its bodies are built here **as the change is recorded**, in the
transaction of the change, and stored on each delivery (`Delivery.body`): a body shows
the object as it was at that moment, whatever happens to it before the delivery leaves
or is retried, and a `destroyed` object is described while it can still be read.

What an event becomes in that format is the one table `event_types.RDVSP_EVENTS`. The
shapes of the objects need models of apps above this one (RDVs, availability ranges):
the `rdvsp` app registers one builder per reference model at start-up
(`register_builder`), and this module calls them only when an enabled endpoint in that
format subscribes to the event, so that territories without one pay one query.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from webhooks.event_types import RDVSP_EVENTS, rdvsp_subscription, rdvsp_subscriptions
from webhooks.models import Delivery, Endpoint, EndpointFormat, Event

CONTENT_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Change:
    """A recorded change, as `territories.changes.record_change` published it."""

    territory: Any
    event_type: str
    payload: dict[str, Any]  # the object after the change (before, for a deletion)
    before: dict[str, Any] | None  # the object before an update
    # Why, when consumers must know: "rgpd" (deleted at the end of the retention
    # period: unlink it rather than delete one's own copy).
    reason: str = ""


@dataclass(frozen=True)
class Document:
    """One object in the reference shape. `organisation_ids`: the organisations it
    concerns (empty: the whole territory), for endpoints restricted to some; an
    endpoint receives only the first of the documents that share a `key`."""

    event: str  # created | updated | destroyed
    data: dict[str, Any]
    organisation_ids: tuple[int, ...]
    key: Hashable


# (change, meta.event of the table, possibly CHANGED) -> documents
Builder = Callable[[Change, str], list[Document]]
_builders: dict[str, Builder] = {}


def register_builder(model: str, builder: Builder) -> None:
    """Called by the `rdvsp` app at start-up, once per reference model."""
    _builders[model] = builder


def timestamp(moment) -> str:
    """ISO 8601 with the offset of the project's time zone (as the reference sends)."""
    return timezone.localtime(moment).isoformat(timespec="microseconds")


def encode(model: str, document: Document, moment, webhook_reason: str | None = None) -> str:
    body = {
        "data": document.data,
        "meta": {
            "model": model,
            "event": document.event,
            "webhook_reason": webhook_reason,
            "timestamp": timestamp(moment),
        },
    }
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)


def ping_body(moment) -> str:
    """The test event: a model no consumer handles, which they answer 200."""
    return encode("Ping", Document("created", {"id": None}, (), None), moment)


def subscribed_endpoints(event: Event) -> list[Endpoint]:
    names = rdvsp_subscriptions(event.type)
    if not names:
        return []
    return list(
        Endpoint.objects.filter(
            territory=event.territory_id,
            enabled=True,
            format=EndpointFormat.RDV_SERVICE_PUBLIC,
            event_types__overlap=names,
        ).order_by("pk")
    )


def organisation_filters(endpoints: Iterable[Endpoint]) -> dict[int, set[int]]:
    """Endpoint id -> the organisations it is restricted to (absent: none), in one query."""
    links = Endpoint.organisations.through.objects.filter(
        endpoint_id__in=[e.pk for e in endpoints]
    ).values_list("endpoint_id", "organisation_id")
    filters: dict[int, set[int]] = {}
    for endpoint_id, organisation_id in links:
        filters.setdefault(endpoint_id, set()).add(organisation_id)
    return filters


def accepts(restricted_to: set[int] | None, document: Document) -> bool:
    if not restricted_to or not document.organisation_ids:
        return True
    return bool(restricted_to.intersection(document.organisation_ids))


def deliveries_for(
    event: Event, change: Change, new_delivery, endpoints: list[Endpoint] | None = None
) -> list[Delivery]:
    """The unsaved deliveries of `event` to the endpoints in that format (with their
    bodies), or none. `new_delivery(event, endpoint_id)` makes one, as for the others.
    `endpoints`: only these (a backfill: every object sent to one endpoint as
    `created`), else every enabled endpoint in that format subscribed to the event."""
    if endpoints is None:
        endpoints = subscribed_endpoints(event)
    names = set(rdvsp_subscriptions(event.type))
    endpoints = [e for e in endpoints if e.is_rdv_service_public and names & set(e.event_types)]
    if not endpoints:
        return []
    filters = organisation_filters(endpoints)
    wanted = {name for endpoint in endpoints for name in endpoint.event_types}
    parts = []
    for model, meta_event in RDVSP_EVENTS[event.type]:
        name = rdvsp_subscription(model)
        if name in wanted:
            parts.append((model, name, _builders[model](change, meta_event)))
    deliveries = []
    for endpoint in endpoints:
        sent: set[Hashable] = set()
        for model, name, documents in parts:
            if name not in endpoint.event_types:
                continue
            for document in documents:
                if (model, document.key) in sent or not accepts(filters.get(endpoint.pk), document):
                    continue
                sent.add((model, document.key))
                delivery = new_delivery(event, endpoint.pk)
                delivery.body = encode(
                    model, document, event.created_at, webhook_reason=change.reason or None
                )
                deliveries.append(delivery)
    return deliveries
