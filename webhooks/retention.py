"""Webhook events (with their deliveries and attempts) hold the payloads sent: none is
kept past the territory's retention period, even one still pending for a disabled
endpoint (the nightly `prune_old_events` keeps those). Registered in
WebhooksConfig.ready() with territories.retention."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from territories.models import Territory
from territories.retention import Outcome, Purger, register_purger, run_batches
from webhooks.models import Event


def purge_events(
    territory: Territory, before: datetime, *, dry_run: bool, batch_size: int
) -> Outcome:
    rows = Event.objects.filter(territory=territory, created_at__lt=before)
    if dry_run:
        return Outcome(count=rows.count())

    @transaction.atomic
    def write(batch: list[int]) -> int:
        Event.objects.filter(territory=territory, pk__in=batch).delete()
        return len(batch)

    return run_batches(rows, batch_size, write)


register_purger(Purger("webhooks", "événements de webhooks supprimés", purge_events, order=60))
