"""RDVs past the territory's retention period are kept for statistics, anonymised: their
usagers' records go (user_records/retention.py) and their free-text context, which may
name a person, is emptied here (registered in RdvsConfig.ready())."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from rdvs.models import Rdv
from territories.models import Territory
from territories.retention import Outcome, Purger, register_purger, run_batches


def purge_rdv_contexts(
    territory: Territory, before: datetime, *, dry_run: bool, batch_size: int
) -> Outcome:
    rows = Rdv.objects.filter(territory=territory, ends_at__lt=before).exclude(context="")
    if dry_run:
        return Outcome(count=rows.count())

    @transaction.atomic
    def write(batch: list[int]) -> int:
        return Rdv.objects.filter(territory=territory, pk__in=batch).update(context="")

    return run_batches(rows, batch_size, write)


register_purger(Purger("rdvs", "RDV passés anonymisés (contexte effacé)", purge_rdv_contexts))
