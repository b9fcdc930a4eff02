"""Read helpers for the agents' RDV screens (writes live in services.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from agents.models import Agent
from rdvs.models import Rdv, RdvAgent
from territories import permissions
from territories.models import AgentRole, Organisation, Territory
from territories.search import search_q
from user_records.models import UserRecord
from user_records.paging import ordered
from user_records.queries import agent_records


def organisations_of(agent: Agent, territory: Territory) -> QuerySet[Organisation]:
    """The organisations of the territory where the agent sees and takes RDVs."""
    return permissions.rdv_organisations(agent, territory).order_by("name")


def agents_of(agent: Agent, organisation: Organisation) -> QuerySet[Agent]:
    """The agents of the organisation in whose agenda `agent` may put an RDV."""
    return permissions.bookable_agents(agent, organisation).order_by(
        "last_name", "first_name", "email"
    )


def user_records_of(agent: Agent, territory: Territory, query: str = "") -> QuerySet[UserRecord]:
    """The user records `agent` sees, searched by `query`, in the list's order."""
    seen = agent_records(agent, territory, query)
    return ordered(seen.records, searched=seen.gathered)


def rdvs_visible_to(agent: Agent, territory: Territory) -> QuerySet[Rdv]:
    """The RDVs an agent may open (territories.permissions decides)."""
    return permissions.visible_rdvs(agent, territory, Rdv.objects.all())


def future_rdvs_refusal(agent: Agent, organisation: Organisation) -> str | None:
    """Refuses taking an agent out of an organisation where RDVs to come still hold
    their time (not cancelled nor excused); registered in agents.membership by
    RdvsConfig.ready()."""
    count = RdvAgent.objects.filter(
        agent=agent,
        holds_time=True,
        starts_at__gt=timezone.now(),
        rdv__organisation=organisation,
    ).count()
    if not count:
        return None
    return (
        f"{agent} a encore {count} RDV à venir dans l'organisation "
        f"« {organisation.name} » : déplacez-les ou annulez-les d'abord."
    )


def with_details(rdvs: QuerySet[Rdv]) -> QuerySet[Rdv]:
    """Everything a list or a detail page shows, in a fixed number of queries."""
    return rdvs.select_related("motif", "organisation", "arrival_recorded_by").prefetch_related(
        Prefetch(
            "agent_links",
            queryset=RdvAgent.objects.select_related("agent").order_by(
                "agent__last_name", "agent__first_name"
            ),
        ),
        Prefetch("user_records", queryset=UserRecord.objects.order_by("last_name", "first_name")),
    )


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def colleagues(agent: Agent, territory: Territory, query: str = "") -> QuerySet[Agent]:
    """The agents whose agendas `agent` sees (territories.permissions decides): the rows
    of the "all RDVs" agenda, paged (a département's territory has thousands of agents).
    The query matches an agent's name or e-mail, or the name of one of the organisations
    where `agent` works."""
    agents = permissions.rdv_agenda_agents(agent, territory)
    if query:
        named = organisations_of(agent, territory).filter(search_q(query, "name"))
        in_named = Exists(
            AgentRole.objects.filter(agent=OuterRef("pk"), organisation__in=named.values("pk"))
        )
        agents = agents.filter(search_q(query, "first_name", "last_name", "email") | in_named)
    return agents.order_by("last_name", "first_name", "pk")


def agenda(
    agent: Agent, territory: Territory, first_day: date, days: int, *, agents: list[int]
) -> QuerySet[Rdv]:
    """The RDVs of `days` days from `first_day` that `agents` take part in, among those
    `agent` may open. The date range is looked up in RdvAgent's (agent, starts_at) index:
    the cost follows the agents shown, not the size of the territory."""
    start, _ = local_day_bounds(first_day)
    _, end = local_day_bounds(first_day + timedelta(days=days - 1))
    # The base manager: the scoped one would join every RDV of the territory to filter
    # the links by territory, which the outer query (scoped itself) already does.
    links = RdvAgent._base_manager.filter(
        agent_id__in=agents, starts_at__gte=start, starts_at__lt=end
    )
    rdvs = rdvs_visible_to(agent, territory).filter(
        starts_at__gte=start, starts_at__lt=end, pk__in=links.values("rdv_id")
    )
    return with_details(rdvs).order_by("starts_at", "pk")
