"""How long the territory keeps its user records, and the nightly deletion of those
past it (the ground floor's `territories.retention` runs this purger with the others).

A record is past retention when both its last change and its last RDV are older than
the cutoff (now minus the territory's period): a record with a future or recent RDV is
kept, whatever its age. Both conditions are served by indexes (`user_record_last_change`;
the RDV link table by record), so a batch is read without scanning the territory.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from territories.models import Territory
from territories.retention import Outcome, Purger, register_purger, run_batches
from user_records import services
from user_records.models import RetentionPeriod, UserRecord, UserRecordSettings


def settings_of(territory: Territory) -> UserRecordSettings:
    return UserRecordSettings.objects.filter(territory=territory).first() or UserRecordSettings(
        territory=territory
    )


def cutoff(months: int, now: datetime | None = None) -> datetime:
    """Now minus the period (a month counted as a twelfth of a year)."""
    return (now or timezone.now()) - timedelta(days=months * 365 // 12)


def period_label(months: int) -> str:
    return RetentionPeriod(months).label


def past_retention(territory: Territory, before: datetime) -> QuerySet[UserRecord]:
    links = UserRecord.rdvs.through._base_manager.filter(
        userrecord_id=OuterRef("pk"), rdv__starts_at__gte=before
    )
    return UserRecord.objects.filter(territory=territory, updated_at__lt=before).filter(
        ~Exists(links)
    )


def purge_user_records(
    territory: Territory, before: datetime, *, dry_run: bool, batch_size: int
) -> Outcome:
    rows = past_retention(territory, before)
    if dry_run:
        return Outcome(count=rows.count())
    return run_batches(rows, batch_size, lambda ids: services.delete_past_retention(territory, ids))


register_purger(Purger("user_records", "fiches usagers supprimées", purge_user_records, order=10))
