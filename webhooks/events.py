"""Publishing events: every service that changes something calls `publish` in its transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from webhooks.models import Event


def publish(
    territory, event_type: str, payload: dict[str, Any], *, organisations: Iterable = ()
) -> Event:
    """Write the event row in the caller's transaction: if it rolls back, no event exists.

    `payload` is the object as it is after the change (before, for a deletion);
    `organisations` (objects or ids) lets endpoints restricted to some organisations
    receive only what concerns them.
    """
    if "." not in event_type:
        raise ValueError(f"Event type must look like 'object.action', got {event_type!r}")
    # Dates, decimals and UUIDs are stored as the text a webhook consumer will receive.
    clean = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    organisation_ids = sorted({getattr(o, "pk", o) for o in organisations})
    return Event.objects.create(
        territory=territory, type=event_type, payload=clean, organisation_ids=organisation_ids
    )
