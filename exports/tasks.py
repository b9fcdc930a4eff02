"""Building exports in the background, and deleting them once expired."""

from celery import shared_task

from exports import building
from exports.models import Export
from territories.tasks import CrossTerritoryTask, TerritoryTask


@shared_task(base=TerritoryTask, territory_from=(Export, "export_pk"))
def build_export(export_pk: int) -> None:
    export = Export.objects.select_related("territory", "requested_by").get(pk=export_pk)
    building.build(export)


@shared_task(base=CrossTerritoryTask)
def delete_expired_exports() -> int:
    # Every territory's expired exports: a sweeper (scopes disabled by its base).
    return building.expire()
