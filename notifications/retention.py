"""The sent-message log names the addresses and numbers written to: past the territory's
retention period, and when a usager's record is erased, the recipient is forgotten while
the line stays (what was sent, when, delivered or not). Registered in
NotificationsConfig.ready() with territories.retention."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from notifications.models import SentMessage
from territories.models import Territory
from territories.retention import Outcome, Purger, register_purger, run_batches

ERASED = "effacé (RGPD)"


def forget_recipients(territory_id: int, rdv_ids: Iterable[int], recipients: Iterable[str]) -> int:
    """Erasure of a person: their address and number leave the log of their RDVs."""
    recipients = [value for value in recipients if value]
    if not recipients:
        return 0
    return SentMessage._base_manager.filter(
        territory=territory_id, rdv__in=list(rdv_ids), recipient__in=recipients
    ).update(recipient=ERASED)


def purge_sent_messages(
    territory: Territory, before: datetime, *, dry_run: bool, batch_size: int
) -> Outcome:
    rows = SentMessage._base_manager.filter(territory=territory, sent_at__lt=before).exclude(
        recipient=ERASED
    )
    if dry_run:
        return Outcome(count=rows.count())

    @transaction.atomic
    def write(batch: list[int]) -> int:
        return SentMessage._base_manager.filter(territory=territory, pk__in=batch).update(
            recipient=ERASED
        )

    return run_batches(rows, batch_size, write)


def register() -> None:
    register_purger(
        Purger(
            "notifications",
            "messages envoyés dont le destinataire est effacé",
            purge_sent_messages,
        )
    )
