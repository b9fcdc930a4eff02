"""What webhook events and audit entries say about a motif: a plain dict, built field
by field (made JSON-safe once, by `territories.changes.record_change`)."""

from __future__ import annotations

from typing import Any

from motifs.models import Motif


def motif_payload(motif: Motif) -> dict[str, Any]:
    return {
        "id": motif.pk,
        "territory_id": motif.territory_id,
        "service_id": motif.service_id,
        "organisation_ids": sorted(motif.organisations.values_list("pk", flat=True)),
        "name": motif.name,
        "default_duration": motif.default_duration,
        "location_type": motif.location_type,
        "color": motif.color,
        "bookable_by_public": motif.bookable_by_public,
        "min_booking_delay": motif.min_booking_delay,
        "max_booking_delay": motif.max_booking_delay,
        "public_can_move": motif.public_can_move,
        "instructions_before": motif.instructions_before,
        "instructions_after": motif.instructions_after,
        "archived_at": motif.archived_at,
    }
