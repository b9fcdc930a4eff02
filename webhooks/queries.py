"""Read helpers of the Webhooks section (writes live in services.py)."""

from __future__ import annotations

from territories.models import Territory
from webhooks.models import Endpoint

MAX_ENDPOINTS = 20
LIMIT_MESSAGE = f"Un espace peut avoir au plus {MAX_ENDPOINTS} points de réception."


def endpoint_limit_reached(territory: Territory) -> bool:
    return Endpoint.objects.filter(territory=territory).count() >= MAX_ENDPOINTS
