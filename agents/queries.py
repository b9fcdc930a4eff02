"""Read helpers for the agent list and pages (no writes here)."""

from __future__ import annotations

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone

from agents.invitations import territory_agents
from agents.models import Agent, Invitation
from notifications.queries import last_invitation_mail_failed
from territories.filters import matching_organisations
from territories.models import AgentRole, AgentService, Territory, TerritoryAdmin, TerritoryService
from territories.search import search_q


def open_invitations(territory: Territory) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        territory=territory, accepted_at__isnull=True, revoked_at__isnull=True
    )


def filtered_rows(territory: Territory, filters: dict) -> QuerySet:
    """One sortable list of (kind, pk) rows: agents first, then open invitations, so a
    single paginator serves both; the page is then hydrated by `hydrate`."""
    agents = territory_agents(territory).filter(is_active=True)
    invitations = open_invitations(territory)
    if query := filters.get("q"):
        agents = agents.filter(search_q(query, "first_name", "last_name", "email"))
        invitations = invitations.filter(search_q(query, "email"))
    if service := filters.get("service"):
        agents = agents.filter(
            service_assignments__territory=territory, service_assignments__service=service
        )
        invitations = invitations.filter(services=service)
    if organisation := filters.get("organisation"):
        chosen = matching_organisations(territory, organisation)
        agents = agents.filter(
            Exists(AgentRole.objects.filter(agent=OuterRef("pk"), organisation__in=chosen))
        )
        invitations = invitations.filter(
            Exists(
                Invitation.organisations.through.objects.filter(
                    invitation=OuterRef("pk"), organisation__in=chosen
                )
            )
        )
    status = filters.get("status")
    now = timezone.now()
    if status in ("pending", "expired"):
        agents = agents.none()
    if status == "active":
        invitations = invitations.none()
    elif status == "pending":
        invitations = invitations.exclude(expires_at__lte=now)
    elif status == "expired":
        invitations = invitations.filter(expires_at__lte=now)

    kind = Value("agent", output_field=CharField())
    agent_rows = agents.annotate(
        kind=kind,
        sort_name=Lower(
            Concat(
                "last_name",
                Value(" "),
                "first_name",
                Value(" "),
                "email",
                output_field=CharField(),
            )
        ),
    ).values("pk", "kind", "sort_name")
    invitation_rows = invitations.annotate(
        kind=Value("invitation", output_field=CharField()),
        sort_name=Lower("email", output_field=CharField()),
    ).values("pk", "kind", "sort_name")
    return agent_rows.union(invitation_rows, all=True).order_by("kind", "sort_name", "pk")


def agents_with_details(territory: Territory) -> QuerySet[Agent]:
    """Agents with their roles and services in this territory, in a fixed number of
    queries (services the territory has deactivated are flagged)."""
    roles = (
        AgentRole.objects.filter(organisation__territory=territory)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    active = TerritoryService.objects.filter(
        territory=territory, service=OuterRef("service_id"), is_active=True
    )
    services = (
        AgentService.objects.filter(territory=territory)
        .select_related("service")
        .annotate(service_active=Exists(active))
        .order_by("service__name")
    )
    is_admin = TerritoryAdmin.objects.filter(territory=territory, agent=OuterRef("pk"))
    return Agent.objects.annotate(is_territory_admin=Exists(is_admin)).prefetch_related(
        Prefetch("roles", queryset=roles, to_attr="territory_roles"),
        Prefetch("service_assignments", queryset=services, to_attr="territory_services"),
    )


def invitations_with_details(territory: Territory) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(territory=territory)
        .select_related("invited_by")
        .prefetch_related("services", "organisations")
        # The provider reported the latest invitation mail undelivered (tracking webhook).
        .annotate(delivery_failed=last_invitation_mail_failed())
    )


def list_invitations(territory: Territory) -> QuerySet[Invitation]:
    """Invitations as the list shows them: their services' and organisations' names
    gathered in the same query (a page holds both agents and invitations, within one
    query budget)."""

    def names(relation):
        return ArrayAgg(
            f"{relation}__name",
            distinct=True,
            filter=Q(**{f"{relation}__isnull": False}),
            order_by=f"{relation}__name",
            default=Value([], output_field=ArrayField(CharField())),
        )

    return Invitation.objects.filter(territory=territory).annotate(
        service_names=names("services"),
        organisation_names=names("organisations"),
        # The provider reported the latest invitation mail undelivered (tracking webhook).
        delivery_failed=last_invitation_mail_failed(),
    )


def hydrate(territory: Territory, rows) -> tuple[list[Agent], list[Invitation]]:
    """The agents and invitations of one page of `filtered_rows`, in page order."""
    agent_pks = [row["pk"] for row in rows if row["kind"] == "agent"]
    invitation_pks = [row["pk"] for row in rows if row["kind"] == "invitation"]
    agents = agents_with_details(territory).in_bulk(agent_pks) if agent_pks else {}
    invitations = list_invitations(territory).in_bulk(invitation_pks) if invitation_pks else {}
    return [agents[pk] for pk in agent_pks], [invitations[pk] for pk in invitation_pks]
