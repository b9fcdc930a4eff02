"""Writes of the Services and Organisations sections: one function per use case."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agents.models import AccessLevel, AgentRole
from agents.services import agent_payload
from territories.audit import record, snapshot
from territories.models import Organisation, Service, Territory, TerritoryService
from webhooks.events import publish

ORGANISATION_FIELDS = ["name", "address", "phone", "email", "website", "opening_hours"]


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
        **snapshot(organisation, ORGANISATION_FIELDS),
    }


@transaction.atomic
def set_service_active(
    territory: Territory, service: Service, is_active: bool, actor
) -> TerritoryService:
    """Activate or deactivate a catalogue service in the territory.

    Agents and motifs already assigned to a deactivated service keep it; it only
    stops being offered in choice lists.
    """
    territory_service, created = TerritoryService.objects.select_for_update().get_or_create(
        territory=territory, service=service, defaults={"is_active": is_active}
    )
    before = None if created else {"is_active": territory_service.is_active}
    if not created:
        if territory_service.is_active == is_active:
            return territory_service
        territory_service.is_active = is_active
        territory_service.save(update_fields=["is_active", "changed_at"])
    action = "service.activated" if is_active else "service.deactivated"
    publish(territory, action, service_payload(territory_service))
    record(territory, actor, action, service, before=before, after={"is_active": is_active})
    return territory_service


@transaction.atomic
def create_organisation(territory: Territory, actor, **fields) -> Organisation:
    """Create an organisation; the admin who creates it becomes its admin (an
    `agent.updated` change of its own, so that consumers following agents see it)."""
    organisation = Organisation.objects.create(territory=territory, **fields)
    payload = organisation_payload(organisation)
    publish(territory, "organisation.created", payload, organisations=[organisation])
    record(territory, actor, "organisation.created", organisation, after=payload)
    if actor is not None and actor.is_authenticated:
        _make_creator_admin(territory, organisation, actor)
    return organisation


def _make_creator_admin(territory: Territory, organisation: Organisation, actor) -> None:
    before = agent_payload(actor, territory)
    AgentRole.objects.create(agent=actor, organisation=organisation, access_level=AccessLevel.ADMIN)
    after = agent_payload(actor, territory)
    organisations = [o["id"] for o in after["organisations"]]
    publish(territory, "agent.updated", after, organisations=organisations)
    record(territory, actor, "agent.updated", actor, before=before, after=after)


@transaction.atomic
def update_organisation(organisation: Organisation, actor, **fields) -> Organisation:
    before = snapshot(organisation, ORGANISATION_FIELDS)
    changed = [name for name, value in fields.items() if getattr(organisation, name) != value]
    if not changed:
        return organisation
    for name in changed:
        setattr(organisation, name, fields[name])
    organisation.save(update_fields=changed)
    territory = organisation.territory
    publish(
        territory,
        "organisation.updated",
        organisation_payload(organisation),
        organisations=[organisation],
    )
    record(
        territory,
        actor,
        "organisation.updated",
        organisation,
        before={name: before[name] for name in changed},
        after={name: getattr(organisation, name) for name in changed},
    )
    return organisation
