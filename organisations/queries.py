"""Read helpers of the Services and Organisations sections (writes: services.py)."""

from django.db.models import OuterRef, QuerySet

from motifs.models import Motif
from territories.models import AgentRole, AgentService, Organisation, Service, Territory
from territories.queries import count_of, is_active_in


def services_overview(territory: Territory) -> QuerySet[Service]:
    """The global catalogue, each with its state and its agents and motifs in the territory."""
    return Service.objects.annotate(
        is_active=is_active_in(territory),
        agent_count=count_of(
            AgentService.objects.filter(territory=territory, service=OuterRef("pk")), "service"
        ),
        motif_count=count_of(
            Motif.objects.filter(territory=territory, service=OuterRef("pk")).active(), "service"
        ),
    ).order_by("name")


def organisations_overview(territory: Territory) -> QuerySet[Organisation]:
    """The territory's organisations with their numbers of agents and of active motifs."""
    return Organisation.objects.filter(territory=territory).annotate(
        agent_count=count_of(AgentRole.objects.filter(organisation=OuterRef("pk")), "organisation"),
        motif_count=count_of(
            Motif.organisations.through.objects.filter(
                organisation=OuterRef("pk"), motif__archived_at__isnull=True
            ),
            "organisation",
        ),
    )
