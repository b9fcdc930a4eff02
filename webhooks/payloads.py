"""What the audit log keeps of the webhooks configuration: plain dicts, never a secret
(only its masked end, as the endpoint page shows it)."""

from __future__ import annotations

from typing import Any

from webhooks.models import Delivery, Endpoint


def endpoint_payload(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "territory_id": endpoint.territory_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "format": endpoint.format,
        "event_types": list(endpoint.event_types),
        "legacy_signature": endpoint.legacy_signature,
        "organisations": sorted(endpoint.organisations.values_list("pk", flat=True)),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "masked_secret": endpoint.masked_secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
    }


def delivery_payload(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "endpoint_id": delivery.endpoint_id,
        "webhook_id": delivery.webhook_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event.type,
        "status": delivery.status,
        "next_attempt_at": delivery.next_attempt_at,
    }
