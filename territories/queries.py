"""Read helpers shared by every section (no writes here: those live in services.py)."""

from django.db.models import QuerySet

from territories.models import Service, Territory


def active_services(territory: Territory) -> QuerySet[Service]:
    """The services that may be chosen in this territory (invitations, agents, motifs)."""
    return Service.objects.filter(
        territory_services__territory=territory, territory_services__is_active=True
    ).order_by("name")
