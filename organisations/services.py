"""Writes of the Services and Organisations sections: one function per use case, each
recording its change (`territories.changes.record_change`)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from agents.payloads import agent_organisation_ids, agent_payload
from organisations.models import ServiceRequest
from organisations.tasks import send_service_request
from territories.changes import check_version, record_change
from territories.errors import Conflict
from territories.models import (
    AccessLevel,
    AgentRole,
    Organisation,
    Service,
    Territory,
    TerritoryService,
)
from territories.payloads import organisation_payload, service_payload

DUPLICATE_NAME = "Une organisation porte déjà ce nom dans ce territoire : choisissez-en un autre."


@transaction.atomic
def set_service_active(
    territory: Territory, service: Service, *, is_active: bool, acting_agent
) -> TerritoryService:
    """Activate or deactivate a catalogue service in the territory.

    Agents and motifs already assigned to a deactivated service keep it; it only
    stops being offered in choice lists.
    """
    territory_service, created = TerritoryService.objects.select_for_update().get_or_create(
        territory=territory, service=service, defaults={"is_active": is_active}
    )
    before = None if created else service_payload(territory_service)
    if not created:
        if territory_service.is_active == is_active:
            return territory_service
        territory_service.is_active = is_active
        territory_service.save(update_fields=["is_active", "changed_at"])
    record_change(
        territory,
        "service.activated" if is_active else "service.deactivated",
        service,
        acting_agent=acting_agent,
        payload=service_payload(territory_service),
        before=before,
    )
    return territory_service


def _saved(organisation: Organisation, **kwargs) -> None:
    """Save; a name another admin took meanwhile is refused in French (the database
    constraint has the last word)."""
    try:
        with transaction.atomic():
            organisation.save(**kwargs)
    except IntegrityError as error:
        raise Conflict(DUPLICATE_NAME, field="name") from error


@transaction.atomic
def create_organisation(
    territory: Territory, values: dict[str, Any], *, acting_agent
) -> Organisation:
    """Create an organisation; the admin who creates it becomes its admin (an
    `agent.updated` change of its own, so that consumers following agents see it)."""
    organisation = Organisation(territory=territory, **values)
    _saved(organisation)
    record_change(
        territory,
        "organisation.created",
        organisation,
        acting_agent=acting_agent,
        payload=organisation_payload(organisation),
        organisations=[organisation],
    )
    if acting_agent is not None and acting_agent.is_authenticated:
        _make_creator_admin(territory, organisation, acting_agent)
    return organisation


def _make_creator_admin(territory: Territory, organisation: Organisation, agent) -> None:
    before = agent_payload(agent, territory)
    AgentRole.objects.create(agent=agent, organisation=organisation, access_level=AccessLevel.ADMIN)
    after = agent_payload(agent, territory)
    record_change(
        territory,
        "agent.updated",
        agent,
        acting_agent=agent,
        payload=after,
        before=before,
        organisations=agent_organisation_ids(after),
    )


@transaction.atomic
def update_organisation(
    organisation: Organisation,
    values: dict[str, Any],
    *,
    acting_agent,
    version: str | None = None,
) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = organisation_payload(organisation)
    changed = [name for name, value in values.items() if getattr(organisation, name) != value]
    if not changed:
        return organisation
    check_version(before, version)
    for name in changed:
        setattr(organisation, name, values[name])
    _saved(organisation, update_fields=changed)
    record_change(
        organisation.territory,
        "organisation.updated",
        organisation,
        acting_agent=acting_agent,
        payload=organisation_payload(organisation),
        before=before,
        organisations=[organisation],
    )
    return organisation


@transaction.atomic
def request_service(
    territory: Territory,
    *,
    service_name: str,
    reason: str,
    organisations,
    acting_agent,
) -> ServiceRequest:
    """Ask the support staff to add a service to the catalogue: kept for their list in
    the Django admin, mailed to them once saved."""
    service_request = ServiceRequest.objects.create(
        territory=territory, requested_by=acting_agent, service_name=service_name, reason=reason
    )
    service_request.organisations.set(organisations)
    record_change(
        territory,
        "service_request.created",
        service_request,
        acting_agent=acting_agent,
        payload={
            "id": service_request.pk,
            "service_name": service_name,
            "reason": reason,
            "organisation_ids": sorted(organisation.pk for organisation in organisations),
        },
    )
    send_service_request.delay_on_commit(service_request.pk)
    return service_request
