"""What webhook events and audit entries say about agents and invitations: plain dicts,
built field by field (made JSON-safe once, by `territories.changes.record_change`)."""

from __future__ import annotations

from typing import Any

from agents.models import Agent, Invitation
from territories.models import AgentRole, AgentService, Territory, TerritoryAdmin


def agent_payload(agent: Agent, territory: Territory) -> dict[str, Any]:
    """The agent as seen from one territory."""
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


def agent_organisation_ids(*payloads: dict[str, Any] | None) -> list[int]:
    """The organisations an agent change concerns (before and after), for the
    endpoints restricted to some organisations."""
    return sorted({o["id"] for payload in payloads if payload for o in payload["organisations"]})


def invitation_payload(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "status": invitation.status.value,
        "services": sorted(s.pk for s in invitation.services.all()),
        "organisations": sorted(o.pk for o in invitation.organisations.all()),
        "invited_by": invitation.invited_by_id,
        "created_at": invitation.created_at,
        "sent_at": invitation.sent_at,
        "expires_at": invitation.expires_at,
        "accepted_at": invitation.accepted_at,
        "revoked_at": invitation.revoked_at,
    }
