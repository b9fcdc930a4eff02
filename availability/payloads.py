"""What webhooks and the audit log receive about availability ranges and absences."""

from __future__ import annotations

from availability.models import Absence, AvailabilityRange


def availability_range_payload(availability_range: AvailabilityRange) -> dict:
    return {
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


def absence_payload(absence: Absence) -> dict:
    return {
        "id": absence.pk,
        "agent_id": absence.agent_id,
        "title": absence.title,
        "starts_at": absence.starts_at,
        "ends_at": absence.ends_at,
    }
