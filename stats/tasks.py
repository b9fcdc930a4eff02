from celery import shared_task

from stats import summary
from territories.tasks import CrossTerritoryTask


@shared_task(base=CrossTerritoryTask)
def refresh_statistics() -> dict[str, int]:
    """Every territory's summary, for the weeks and months changed since the last run."""
    return summary.refresh()
