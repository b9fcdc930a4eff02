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
    _warm(done.pop("territories"))
    return done


@shared_task(base=CrossTerritoryTask)
def rebuild_statistics() -> None:
    """Every count from scratch, at night: what no RDV change shows (a motif moved to
    another service, a fix made outside the application) is counted right again."""
    summary.rebuild()
    _warm(None)


def _warm(changed: list[int] | None) -> None:
    territories = Territory.objects.all()
    if changed is not None:
        territories = territories.filter(pk__in=changed)
    for territory in territories.iterator():
        with scope(territory=territory):
            figures.warm(territory)
