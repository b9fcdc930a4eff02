"""Managing the agents of a territory once they have joined: services, organisations,
access levels, the territory admin role, removal. Invitations: agents/invitations.py."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agents.models import AccessLevel, Agent, AgentRole, AgentService, TerritoryAdmin
from rdvs.models import RdvAgent
from territories import audit
from territories.models import Organisation, Service, Territory
from territories.queries import active_services
from webhooks.events import publish


def agent_payload(agent: Agent, territory: Territory) -> dict:
    """The agent as seen from one territory (webhook payload and audit picture)."""
    roles = (
        AgentRole.objects.filter(agent=agent, organisation__territory=territory)
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id")
    )
    services = (
        AgentService.objects.filter(agent=agent, territory=territory)
        .select_related("service")
        .order_by("service__name")
    )
    return {
        "id": agent.pk,
        "email": agent.email,
        "first_name": agent.first_name,
        "last_name": agent.last_name,
        "is_territory_admin": TerritoryAdmin.objects.filter(
            agent=agent, territory=territory
        ).exists(),
        "services": [{"id": a.service_id, "name": a.service.name} for a in services],
        "organisations": [
            {"id": r.organisation_id, "name": r.organisation.name, "access_level": r.access_level}
            for r in roles
        ],
    }


def _future_rdv_count(agent: Agent, organisation: Organisation) -> int:
    """RDVs to come that still hold the agent's time (not cancelled nor excused)."""
    return RdvAgent.objects.filter(
        agent=agent,
        holds_time=True,
        starts_at__gt=timezone.now(),
        rdv__organisation=organisation,
    ).count()


def _refusals(
    territory: Territory,
    agent: Agent,
    current: dict[int, AgentRole],
    levels: dict[Organisation, str | None],
    make_territory_admin: bool,
) -> list[str]:
    """What forbids the change, in French; empty when it may go ahead.

    Rows are locked first so that two admins demoting each other at the same time
    cannot leave the territory or an organisation without an admin."""
    errors: list[str] = []
    admins = list(
        TerritoryAdmin.objects.select_for_update()
        .filter(territory=territory)
        .values_list("agent_id", flat=True)
    )
    if agent.pk in admins and not make_territory_admin and len(admins) == 1:
        errors.append(
            "Impossible de retirer le dernier administrateur de l'espace : "
            "nommez d'abord un autre administrateur."
        )
    for organisation, level in levels.items():
        role = current.get(organisation.pk)
        if role is None:
            continue
        if role.access_level == AccessLevel.ADMIN and level != AccessLevel.ADMIN:
            other_admins = (
                AgentRole.objects.select_for_update()
                .filter(organisation=organisation, access_level=AccessLevel.ADMIN)
                .exclude(agent=agent)
            )
            if not other_admins.exists():
                errors.append(
                    f"L'organisation « {organisation.name} » n'aurait plus d'administrateur : "
                    "donnez d'abord ce niveau d'accès à un autre agent de l'organisation."
                )
        if level is None:
            count = _future_rdv_count(agent, organisation)
            if count:
                errors.append(
                    f"{agent} a encore {count} RDV à venir dans l'organisation "
                    f"« {organisation.name} » : déplacez-les ou annulez-les d'abord."
                )
    return errors


def _current_roles(agent: Agent, territory: Territory) -> dict[int, AgentRole]:
    roles = AgentRole.objects.select_for_update().filter(
        agent=agent, organisation__territory=territory
    )
    return {role.organisation_id: role for role in roles}


@transaction.atomic
def update_agent(
    territory: Territory,
    agent: Agent,
    *,
    services: Iterable[Service],
    levels: dict[Organisation, str | None],
    is_territory_admin: bool,
    acting_agent: Agent,
) -> bool:
    """Set the agent's active services, access level per organisation (None: not a
    member) and territory admin role. Returns whether anything changed; raises
    ValidationError (French) when the change is refused."""
    before = agent_payload(agent, territory)
    current = _current_roles(agent, territory)
    errors = _refusals(territory, agent, current, levels, is_territory_admin)
    if errors:
        raise ValidationError(errors)

    for organisation, level in levels.items():
        role = current.get(organisation.pk)
        if level is None and role is not None:
            role.delete()
        elif level is not None and role is None:
            AgentRole.objects.create(agent=agent, organisation=organisation, access_level=level)
        elif level is not None and role.access_level != level:
            role.access_level = level
            role.save(update_fields=["access_level"])

    # Only active services are offered; an assignment to a service the territory has
    # since deactivated is kept as it is (shown as "service désactivé").
    offered = set(active_services(territory).values_list("pk", flat=True))
    wanted = {service.pk for service in services} & offered
    assigned = AgentService.objects.filter(agent=agent, territory=territory)
    assigned.filter(service_id__in=offered - wanted).delete()
    have = set(assigned.values_list("service_id", flat=True))
    AgentService.objects.bulk_create(
        AgentService(agent=agent, territory=territory, service_id=pk) for pk in wanted - have
    )

    if is_territory_admin:
        TerritoryAdmin.objects.get_or_create(agent=agent, territory=territory)
    else:
        TerritoryAdmin.objects.filter(agent=agent, territory=territory).delete()

    after = agent_payload(agent, territory)
    if after == before:
        return False
    organisations = {o["id"] for o in before["organisations"] + after["organisations"]}
    publish(territory, "agent.updated", after, organisations=organisations)
    audit.record(territory, acting_agent, "agent.updated", agent, before=before, after=after)
    return True


@transaction.atomic
def remove_agent(territory: Territory, agent: Agent, *, acting_agent: Agent) -> None:
    """Take the agent out of the territory: roles, services and admin role here (the
    account itself remains: it may belong to other territories)."""
    before = agent_payload(agent, territory)
    current = _current_roles(agent, territory)
    organisations = Organisation.objects.filter(pk__in=current)
    levels: dict[Organisation, str | None] = dict.fromkeys(organisations)
    errors = _refusals(territory, agent, current, levels, make_territory_admin=False)
    if errors:
        raise ValidationError(errors)
    AgentRole.objects.filter(pk__in=[role.pk for role in current.values()]).delete()
    AgentService.objects.filter(agent=agent, territory=territory).delete()
    TerritoryAdmin.objects.filter(agent=agent, territory=territory).delete()
    publish(territory, "agent.removed", before, organisations=list(current))
    audit.record(territory, acting_agent, "agent.removed", agent, before=before)
