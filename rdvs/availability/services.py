"""Writes for availability ranges and absences: atomic, with webhook event and audit entry."""

from __future__ import annotations

from django.db import transaction

from rdvs.models import Absence, AvailabilityRange
from territories.audit import json_safe, record
from webhooks.events import publish

RANGE_FIELDS = [
    "organisation",
    "agent",
    "title",
    "first_day",
    "start_time",
    "end_time",
    "recurrence",
    "weekdays",
    "every_n_weeks",
    "until",
]
ABSENCE_FIELDS = ["agent", "title", "starts_at", "ends_at"]


def availability_range_payload(availability_range: AvailabilityRange) -> dict:
    return json_safe(
        {
            "id": availability_range.pk,
            "organisation_id": availability_range.organisation_id,
            "agent_id": availability_range.agent_id,
            "motif_ids": sorted(m.pk for m in availability_range.motifs.all()),
            "title": availability_range.title,
            "first_day": availability_range.first_day,
            "start_time": availability_range.start_time,
            "end_time": availability_range.end_time,
            "recurrence": availability_range.recurrence,
            "weekdays": list(availability_range.weekdays),
            "every_n_weeks": availability_range.every_n_weeks,
            "until": availability_range.until,
        }
    )


def absence_payload(absence: Absence) -> dict:
    return json_safe(
        {
            "id": absence.pk,
            "agent_id": absence.agent_id,
            "title": absence.title,
            "starts_at": absence.starts_at,
            "ends_at": absence.ends_at,
        }
    )


def _publish_range(availability_range, action: str, actor, before: dict | None) -> None:
    payload = availability_range_payload(availability_range)
    territory = availability_range.territory
    publish(
        territory,
        f"availability_range.{action}",
        payload,
        organisations=[availability_range.organisation_id],
    )
    after = None if action == "deleted" else payload
    record(
        territory,
        actor,
        f"availability_range.{action}",
        availability_range,
        before=before,
        after=after,
    )


@transaction.atomic
def save_availability_range(
    availability_range: AvailabilityRange, motifs, *, actor
) -> AvailabilityRange:
    """Create (no pk yet) or update a range with the motifs it offers."""
    creating = availability_range.pk is None
    before = None
    if not creating:
        before = availability_range_payload(AvailabilityRange.objects.get(pk=availability_range.pk))
        availability_range.save(update_fields=[*RANGE_FIELDS, "updated_at"])
    else:
        availability_range.save()
    availability_range.motifs.set(motifs)
    _publish_range(availability_range, "created" if creating else "updated", actor, before)
    return availability_range


@transaction.atomic
def delete_availability_range(availability_range: AvailabilityRange, *, actor) -> None:
    before = availability_range_payload(availability_range)
    _publish_range(availability_range, "deleted", actor, before)
    availability_range.delete()


@transaction.atomic
def save_absence(absence: Absence, *, actor) -> Absence:
    creating = absence.pk is None
    before = None
    if creating:
        absence.save()
    else:
        before = absence_payload(Absence.objects.get(pk=absence.pk))
        absence.save(update_fields=ABSENCE_FIELDS)
    action = "absence.created" if creating else "absence.updated"
    payload = absence_payload(absence)
    publish(absence.territory, action, payload)
    record(absence.territory, actor, action, absence, before=before, after=payload)
    return absence


@transaction.atomic
def delete_absence(absence: Absence, *, actor) -> None:
    payload = absence_payload(absence)
    publish(absence.territory, "absence.deleted", payload)
    record(absence.territory, actor, "absence.deleted", absence, before=payload)
    absence.delete()
