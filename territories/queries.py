"""Read helpers shared by every section (no writes here: those live in services.py)."""

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from territories.models import Service, Territory, TerritoryService


def active_services(territory: Territory) -> QuerySet[Service]:
    """The services that may be chosen in this territory (invitations, agents, motifs)."""
    return Service.objects.filter(
        territory_services__territory=territory, territory_services__is_active=True
    ).order_by("name")


def is_active_in(territory: Territory, service_ref: str = "pk") -> Exists:
    """Annotation: is the service referenced by `service_ref` active in the territory?"""
    return Exists(
        TerritoryService.objects.filter(
            territory=territory, service=OuterRef(service_ref), is_active=True
        )
    )


def count_of(queryset: QuerySet, group_by: str) -> Coalesce:
    """Annotation: the number of rows of `queryset` (already filtered on an OuterRef
    through `group_by`), in one correlated subquery instead of a join per relation."""
    counted = queryset.order_by().values(group_by).annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
