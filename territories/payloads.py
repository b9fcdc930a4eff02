"""What webhook events and audit entries say about services and organisations: plain
dicts, built field by field (made JSON-safe once, by `territories.changes.record_change`)."""

from __future__ import annotations

from typing import Any

from territories.models import Organisation, TerritoryService


def service_payload(territory_service: TerritoryService) -> dict[str, Any]:
    service = territory_service.service
    return {
        "id": service.pk,
        "name": service.name,
        "short_name": service.short_name,
        "territory_id": territory_service.territory_id,
        "is_active": territory_service.is_active,
    }


def organisation_payload(organisation: Organisation) -> dict[str, Any]:
    return {
        "id": organisation.pk,
        "territory_id": organisation.territory_id,
        "name": organisation.name,
        "address": organisation.address,
        "phone": organisation.phone,
        "email": organisation.email,
        "website": organisation.website,
        "opening_hours": organisation.opening_hours,
    }
