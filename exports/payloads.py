"""What the audit log keeps of an export: who asked what, never the searched text."""

from __future__ import annotations

from typing import Any

from exports.models import Export


def export_payload(export: Export) -> dict[str, Any]:
    filters = {key: value for key, value in export.filters.items() if key != "q"}
    if export.filters.get("q"):
        filters["searched"] = True
    return {
        "id": export.pk,
        "territory_id": export.territory_id,
        "requested_by_id": export.requested_by_id,
        "kind": export.kind,
        "filters": filters,
        "rows_total": export.rows_total,
        "created_at": export.created_at,
        "expires_at": export.expires_at,
    }
