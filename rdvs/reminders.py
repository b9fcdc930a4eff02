"""Which reminders are due, claimed in the database so that each leaves once.

`claim_due_reminders` inserts `Reminder` rows for the RDVs whose reminder time has come
(per territory: the delay of each channel, or none; "Fiches RDV" section) and returns
those it inserted. The unique constraint decides between two concurrent runs: the
loser's `ON CONFLICT DO NOTHING` returns nothing. Batches are bounded; the RDVs read
are the next `LONGEST_REMINDER_DELAY` hours of RDVs to come (partial index
`rdv_upcoming_starts_at`), a few thousand rows even with a million RDVs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from rdv_settings.models import LONGEST_REMINDER_DELAY, RdvSettings
from rdvs.models import Rdv, RdvStatus, Reminder
from user_records.models import UserRecord

BATCH_SIZE = 500
# A claimed reminder whose task has not started after this long was lost by the broker.
LOST_AFTER = timedelta(minutes=15)

CHANNELS = {
    # channel: (delay column of the territory's settings, which usagers want it)
    "email": ("reminder_email_delay", "u.email <> '' AND u.notify_by_email"),
    "sms": ("reminder_sms_delay", "u.phone <> '' AND u.notify_by_sms"),
}

_CLAIM = """
INSERT INTO {reminder} (rdv_id, channel, starts_at, claimed_at)
SELECT r.id, %(channel)s, r.starts_at, %(now)s
FROM {rdv} r
LEFT JOIN {settings} s ON s.territory_id = r.territory_id
WHERE r.status = %(status)s
  AND r.starts_at > %(now)s
  AND r.starts_at <= %(horizon)s
  AND COALESCE(s.{delay}, %(default)s) > 0
  AND r.starts_at <= %(now)s + make_interval(hours => COALESCE(s.{delay}, %(default)s))
  -- Booked after the reminder time: the confirmation has just told the usager.
  AND r.created_at <= r.starts_at - make_interval(hours => COALESCE(s.{delay}, %(default)s))
  AND EXISTS (
    SELECT 1 FROM {rdv_users} ru JOIN {user_record} u ON u.id = ru.userrecord_id
    WHERE ru.rdv_id = r.id AND {wants}
  )
  AND NOT EXISTS (
    SELECT 1 FROM {reminder} m
    WHERE m.rdv_id = r.id AND m.channel = %(channel)s AND m.starts_at = r.starts_at
  )
ORDER BY r.starts_at, r.id
LIMIT %(batch)s
ON CONFLICT DO NOTHING
RETURNING id, rdv_id
"""


def _claim_sql(channel: str) -> str:
    delay, wants = CHANNELS[channel]
    return _CLAIM.format(
        reminder=Reminder._meta.db_table,
        rdv=Rdv._meta.db_table,
        settings=RdvSettings._meta.db_table,
        rdv_users=Rdv.user_records.through._meta.db_table,
        user_record=UserRecord._meta.db_table,
        delay=delay,
        wants=wants,
    )


def claim_due_reminders(channel: str, now: datetime | None = None) -> list[tuple[int, int]]:
    """Claim up to BATCH_SIZE due reminders of one channel, in every territory; returns
    (reminder id, RDV id) pairs. The caller commits, then queues their sending."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(channel),
            {
                "channel": channel,
                "now": now,
                "horizon": now + timedelta(hours=LONGEST_REMINDER_DELAY),
                "status": RdvStatus.UNKNOWN,
                # A territory without a settings row has the model's defaults.
                "default": RdvSettings._meta.get_field(CHANNELS[channel][0]).default,
                "batch": BATCH_SIZE,
            },
        )
        return [(reminder_id, rdv_id) for reminder_id, rdv_id in cursor.fetchall()]


def lost_reminders(now: datetime | None = None) -> list[tuple[int, int]]:
    """Claimed long ago, never started, RDV still to come: their task was lost."""
    now = now or timezone.now()
    return list(
        Reminder.objects.filter(
            started_at__isnull=True,
            claimed_at__lt=now - LOST_AFTER,
            rdv__starts_at__gt=now,
        ).values_list("pk", "rdv_id")[:BATCH_SIZE]
    )


def start_sending(reminder_pk: int) -> Reminder | None:
    """Mark the reminder as being sent; None if another task already did."""
    if not Reminder.objects.filter(pk=reminder_pk, started_at__isnull=True).update(
        started_at=timezone.now()
    ):
        return None
    return Reminder.objects.get(pk=reminder_pk)


def give_back(reminder: Reminder) -> None:
    """The provider refused for now: the retry may start it again."""
    Reminder.objects.filter(pk=reminder.pk).update(started_at=None)
