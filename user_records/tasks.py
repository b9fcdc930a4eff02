"""The nightly retention clean-up (Celery beat): for every territory whose admin has
switched it on, what is past the territory's retention period is deleted or anonymised
(`territories.retention.purge`, batch by batch).

Running it twice at once (a redelivery of a long first run) deletes nothing twice: each
batch re-reads its rows under a lock and finds those already deleted gone."""

from __future__ import annotations

import logging

from celery import shared_task
from django_scopes import scope

from territories.retention import BATCH_SIZE, purge
from territories.tasks import CrossTerritoryTask
from user_records.models import UserRecordSettings
from user_records.retention import cutoff

logger = logging.getLogger(__name__)


@shared_task(base=CrossTerritoryTask)
def apply_retention(batch_size: int = BATCH_SIZE) -> dict[int, dict[str, list[int]]]:
    """Returns, per territory, per purger: [rows, batches]."""
    done = {}
    started = UserRecordSettings.objects.filter(retention_started_at__isnull=False).order_by(
        "territory_id"
    )
    for settings in started.select_related("territory").iterator():
        territory = settings.territory
        # Each territory's rows inside its own scope, as a request would read them.
        with scope(territory=territory):
            outcomes = purge(territory, cutoff(settings.retention_months), batch_size=batch_size)
        done[territory.pk] = {p.key: [o.count, o.batches] for p, o in outcomes}
        logger.info("retention of territory %s: %s", territory.pk, done[territory.pk])
    return done
