from celery import shared_task
from django_scopes import scope

from stats import figures, summary
from territories.models import Territory
from territories.tasks import CrossTerritoryTask


@shared_task(base=CrossTerritoryTask)
def refresh_statistics() -> dict[str, int]:
    """Every territory's summary, for the weeks and months changed since the last run;
    then the page as it first opens is counted and cached for each territory that
    changed, so its first visitor does not wait for it."""
    done = summary.refresh()
    changed = done.pop("territories")
    territories = Territory.objects.all()
    if changed is not None:
        territories = territories.filter(pk__in=changed)
    for territory in territories.iterator():
        with scope(territory=territory):
            figures.warm(territory)
    return done
