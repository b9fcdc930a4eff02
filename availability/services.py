"""Writes for availability ranges and absences: atomic, each recording its change.

Two ranges of one agent in one organisation may not share an hour of a day. Recurring
ranges (every N weeks, until a date) cannot be put in a PostgreSQL exclusion
constraint, so the check runs here under a lock the database holds per agent: the
agent's row is locked with `SELECT … FOR NO KEY UPDATE` before the check, in the
transaction that saves the range. A second save for the same agent waits at that lock
until the first commits, then its check sees the first range: of two concurrent
overlapping saves only one succeeds; the other gets a `Conflict`. (`NO KEY` so that
rows merely referencing the agent — audit entries, RDVs — are not held up.)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction

from availability.models import Absence, AvailabilityRange, overlap_message
from availability.payloads import absence_payload, availability_range_payload
from territories.changes import check_version, record_change
from territories.errors import Conflict

AVAILABILITY_RANGE_FIELDS = [
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


def _lock_agent(agent_id: int) -> None:
    list(
        get_user_model()
        ._default_manager.select_for_update(no_key=True)
        .filter(pk=agent_id)
        .values_list("pk", flat=True)
    )


def _refuse_overlap(availability_range: AvailabilityRange) -> None:
    _lock_agent(availability_range.agent_id)
    clash = availability_range.overlapping()
    if clash:
        raise Conflict(overlap_message(clash))


def _record_range(availability_range, action: str, acting_agent, before: dict | None) -> None:
    deleted = action == "availability_range.deleted"
    record_change(
        availability_range.territory,
        action,
        availability_range,
        acting_agent=acting_agent,
        payload=before if deleted else availability_range_payload(availability_range),
        before=before,
        organisations=[availability_range.organisation_id],
        deleted=deleted,
    )


@transaction.atomic
def save_availability_range(
    availability_range: AvailabilityRange,
    motifs: Iterable,
    *,
    acting_agent,
    version: str | None = None,
) -> AvailabilityRange:
    """Create (no pk yet) or update a range with the motifs it offers; refused with a
    `Conflict` when it overlaps another range of the agent in the organisation, with
    `StaleObject` when the edit form showed another `version` of it."""
    _refuse_overlap(availability_range)
    creating = availability_range.pk is None
    before = None
    if creating:
        availability_range.save()
    else:
        current = AvailabilityRange.objects.select_for_update().get(pk=availability_range.pk)
        before = availability_range_payload(current)
        availability_range.save(update_fields=[*AVAILABILITY_RANGE_FIELDS, "updated_at"])
    availability_range.motifs.set(motifs)
    if before is not None and availability_range_payload(availability_range) != before:
        check_version(before, version)
    action = "availability_range.created" if creating else "availability_range.updated"
    _record_range(availability_range, action, acting_agent, before)
    return availability_range


@transaction.atomic
def delete_availability_range(availability_range: AvailabilityRange, *, acting_agent) -> None:
    before = availability_range_payload(availability_range)
    _record_range(availability_range, "availability_range.deleted", acting_agent, before)
    availability_range.delete()


@transaction.atomic
def save_absence(absence: Absence, *, acting_agent, version: str | None = None) -> Absence:
    """Create (no pk yet) or update an absence; refused with `StaleObject` when the edit
    form showed another `version` of it."""
    creating = absence.pk is None
    before = None
    if creating:
        absence.save()
    else:
        before = absence_payload(Absence.objects.select_for_update().get(pk=absence.pk))
        absence.save(update_fields=ABSENCE_FIELDS)
        if absence_payload(absence) != before:
            check_version(before, version)
    record_change(
        absence.territory,
        "absence.created" if creating else "absence.updated",
        absence,
        acting_agent=acting_agent,
        payload=absence_payload(absence),
        before=before,
    )
    return absence


@transaction.atomic
def delete_absence(absence: Absence, *, acting_agent) -> None:
    payload = absence_payload(absence)
    record_change(
        absence.territory,
        "absence.deleted",
        absence,
        acting_agent=acting_agent,
        payload=payload,
        before=payload,
        deleted=True,
    )
    absence.delete()
